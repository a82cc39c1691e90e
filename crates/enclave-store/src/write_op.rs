//! The three write operations and their precondition rules, shared by every backend so that
//! they all validate a write the same way.

use bytes::Bytes;

use crate::{Event, KeyValue, Revision, StoreError};

/// One requested write.
#[derive(Debug, Clone)]
pub(crate) enum WriteOp {
    /// Create a key that must not exist.
    Create { key: String, value: Bytes },
    /// Replace the value of an existing key, if its `mod_revision` is `expected` (0: any).
    Update {
        key: String,
        value: Bytes,
        expected: Revision,
    },
    /// Delete an existing key, if its `mod_revision` is `expected` (0: any).
    Delete { key: String, expected: Revision },
}

/// The outcome of a valid write at a given revision.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    /// What the caller gets back.
    pub result: KeyValue,
    /// What watchers get.
    pub event: Event,
    /// The key's new latest state (`None` after a delete).
    pub latest: Option<KeyValue>,
}

impl WriteOp {
    /// The key written.
    pub(crate) fn key(&self) -> &str {
        match self {
            WriteOp::Create { key, .. }
            | WriteOp::Update { key, .. }
            | WriteOp::Delete { key, .. } => key,
        }
    }

    /// The bytes the write carries (key and value).
    pub(crate) fn size(&self) -> usize {
        match self {
            WriteOp::Create { key, value } | WriteOp::Update { key, value, .. } => {
                key.len().saturating_add(value.len())
            }
            WriteOp::Delete { key, .. } => key.len(),
        }
    }

    /// Validates the write against the key's current state and computes its result at
    /// `revision`. Nothing is changed: the backend stores `latest` and the event.
    pub(crate) fn apply(
        &self,
        current: Option<&KeyValue>,
        revision: Revision,
    ) -> Result<Applied, StoreError> {
        match (self, current) {
            (WriteOp::Create { key, .. }, Some(_)) => {
                Err(StoreError::AlreadyExists { key: key.clone() })
            }
            (WriteOp::Create { key, value }, None) => {
                let created = KeyValue {
                    key: key.clone(),
                    value: value.clone(),
                    create_revision: revision,
                    mod_revision: revision,
                    version: 1,
                };
                Ok(Applied {
                    result: created.clone(),
                    event: Event::Put {
                        kv: created.clone(),
                        prev: None,
                    },
                    latest: Some(created),
                })
            }
            (WriteOp::Update { key, .. } | WriteOp::Delete { key, .. }, None) => {
                Err(StoreError::NotFound { key: key.clone() })
            }
            (
                WriteOp::Update { expected, .. } | WriteOp::Delete { expected, .. },
                Some(existing),
            ) if *expected != 0 && *expected != existing.mod_revision => {
                Err(StoreError::Conflict {
                    key: existing.key.clone(),
                    expected: *expected,
                    actual: existing.mod_revision,
                })
            }
            (WriteOp::Update { value, .. }, Some(existing)) => {
                let updated = KeyValue {
                    key: existing.key.clone(),
                    value: value.clone(),
                    create_revision: existing.create_revision,
                    mod_revision: revision,
                    version: existing.version.saturating_add(1),
                };
                Ok(Applied {
                    result: updated.clone(),
                    event: Event::Put {
                        kv: updated.clone(),
                        prev: Some(existing.clone()),
                    },
                    latest: Some(updated),
                })
            }
            (WriteOp::Delete { .. }, Some(existing)) => {
                let deleted = KeyValue {
                    mod_revision: revision,
                    ..existing.clone()
                };
                Ok(Applied {
                    result: deleted.clone(),
                    event: Event::Delete { kv: deleted },
                    latest: None,
                })
            }
        }
    }
}
