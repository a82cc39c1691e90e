//! In-memory backend of the store, for tests: the same semantics as the durable one, no disk.
