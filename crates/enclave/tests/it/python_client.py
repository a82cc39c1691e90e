"""Lists and watches pods with the official Python kubernetes client."""
import sys

from kubernetes import client, config, watch

config.load_kube_config(config_file=sys.argv[1])
namespace = sys.argv[2]
v1 = client.CoreV1Api()
pods = v1.list_namespaced_pod(namespace)
print("LIST", len(pods.items), " ".join(p.metadata.name for p in pods.items), flush=True)
w = watch.Watch()
for event in w.stream(v1.list_namespaced_pod, namespace, timeout_seconds=6):
    print("EVENT", event["type"], event["object"].metadata.name, flush=True)
