//! Kubernetes REST over the store: discovery, OpenAPI, CRUD, list/watch, patch, apply, tables.
