#!/usr/bin/env bash
# Builds release binaries, installs Debian's etcd-server for the store baseline if missing,
# and runs the benchmarks. Results: a table on stdout, JSON in target/bench-results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null || { apt-get update -qq && apt-get install -y -qq etcd-server >/dev/null; }
cargo build --release -p enclave -p enclave-bench
exec target/release/enclave-bench --enclave-bin target/release/enclave "$@"
