//! Decoding of Kubernetes protobuf request bodies into JSON objects.
