//! The encoding of one record of the embedded store's revision table: what one revision wrote.
//!
//! Layout (integers little-endian):
//! `kind u8 | create_revision u64 | version u64 | previous_revision u64 | key_len u32 | key |
//! value`. `kind` is 1 for a put, 0 for a deletion (whose value is empty and whose create
//! revision and version are those of the deleted value). `previous_revision` is the revision of
//! the key's value just before this write (the previous value of an update, the deleted value
//! of a deletion), `0` for a create; watch events are rebuilt from it.

use bytes::Bytes;

use crate::{Event, KeyValue, Revision, StoreError};

const KIND_DELETE: u8 = 0;
const KIND_PUT: u8 = 1;
const KEY_AT: usize = 29;

/// A decoded record, borrowing the key and value from the stored bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Record<'a> {
    /// Whether this write deleted the key.
    pub deleted: bool,
    pub create_revision: Revision,
    pub version: u64,
    /// The revision of the key's value before this write; `0` for a create.
    pub previous_revision: Revision,
    pub key: &'a str,
    pub value: &'a [u8],
}

impl<'a> Record<'a> {
    /// The record of a put of `kv` over the value written at `previous_revision`.
    pub(super) fn put(kv: &'a KeyValue, previous_revision: Revision) -> Self {
        Self {
            deleted: false,
            create_revision: kv.create_revision,
            version: kv.version,
            previous_revision,
            key: &kv.key,
            value: &kv.value,
        }
    }

    /// The record of the deletion of `deleted`, whose value was written at its `mod_revision`.
    pub(super) fn delete(deleted: &'a KeyValue) -> Self {
        Self {
            deleted: true,
            create_revision: deleted.create_revision,
            version: deleted.version,
            previous_revision: deleted.mod_revision,
            key: &deleted.key,
            value: &[],
        }
    }

    pub(super) fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(KEY_AT + self.key.len() + self.value.len());
        bytes.push(if self.deleted { KIND_DELETE } else { KIND_PUT });
        bytes.extend_from_slice(&self.create_revision.to_le_bytes());
        bytes.extend_from_slice(&self.version.to_le_bytes());
        bytes.extend_from_slice(&self.previous_revision.to_le_bytes());
        // Keys are bounded by the write size limit (512 MiB), far below u32::MAX.
        bytes.extend_from_slice(&(self.key.len() as u32).to_le_bytes());
        bytes.extend_from_slice(self.key.as_bytes());
        bytes.extend_from_slice(self.value);
        bytes
    }

    pub(super) fn decode(revision: Revision, bytes: &'a [u8]) -> Result<Self, StoreError> {
        let corrupt = || StoreError::Backend(format!("corrupt record at revision {revision}"));
        let deleted = match bytes.first() {
            Some(&KIND_DELETE) => true,
            Some(&KIND_PUT) => false,
            _ => return Err(corrupt()),
        };
        let key_len = bytes
            .get(25..KEY_AT)
            .and_then(|raw| raw.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or_else(corrupt)? as usize;
        let key_end = KEY_AT.checked_add(key_len).ok_or_else(corrupt)?;
        let key = bytes.get(KEY_AT..key_end).ok_or_else(corrupt)?;
        Ok(Self {
            deleted,
            create_revision: read_u64(bytes, 1).ok_or_else(corrupt)?,
            version: read_u64(bytes, 9).ok_or_else(corrupt)?,
            previous_revision: read_u64(bytes, 17).ok_or_else(corrupt)?,
            key: std::str::from_utf8(key).map_err(|_| corrupt())?,
            value: bytes.get(key_end..).ok_or_else(corrupt)?,
        })
    }

    /// The key's value written by this record at `revision`; `None` for a deletion.
    pub(super) fn key_value(&self, revision: Revision) -> Option<KeyValue> {
        (!self.deleted).then(|| KeyValue {
            key: self.key.to_owned(),
            value: Bytes::copy_from_slice(self.value),
            create_revision: self.create_revision,
            mod_revision: revision,
            version: self.version,
        })
    }
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let raw: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(raw))
}

/// Rebuilds the watch event of the record written at `revision`, given a way to read the
/// value at another revision (the key's previous value).
pub(super) fn rebuild_event(
    revision: Revision,
    record: &Record<'_>,
    read_value: impl FnOnce(Revision) -> Result<KeyValue, StoreError>,
) -> Result<Event, StoreError> {
    let previous = match record.previous_revision {
        0 => None,
        previous => Some(read_value(previous)?),
    };
    match record.key_value(revision) {
        Some(kv) => Ok(Event::Put { kv, prev: previous }),
        None => {
            let last = previous.ok_or_else(|| {
                StoreError::Backend(format!(
                    "the deletion of key {} at {revision} names no deleted value",
                    record.key
                ))
            })?;
            Ok(Event::Delete {
                kv: KeyValue {
                    mod_revision: revision,
                    ..last
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::Record;
    use crate::KeyValue;

    #[test]
    fn records_round_trip_and_damage_is_an_error() {
        let kv = KeyValue {
            key: "/registry/pods/default/web".to_owned(),
            value: Bytes::from_static(b"{\"kind\":\"Pod\"}"),
            create_revision: 3,
            mod_revision: 9,
            version: 4,
        };
        let put = Record::put(&kv, 7).encode();
        let decoded = Record::decode(9, &put).unwrap();
        assert_eq!(decoded.key_value(9), Some(kv.clone()));
        assert_eq!(decoded.previous_revision, 7);
        let delete = Record::delete(&kv).encode();
        let decoded = Record::decode(10, &delete).unwrap();
        assert!(decoded.deleted);
        assert_eq!(decoded.previous_revision, 9);
        assert_eq!(decoded.key_value(10), None);
        for cut in [0, 1, 20, 30, 40] {
            assert!(Record::decode(9, &put[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad_kind = put.clone();
        bad_kind[0] = 7;
        assert!(Record::decode(9, &bad_kind).is_err());
        let mut huge_key = put;
        huge_key[25..29].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Record::decode(9, &huge_key).is_err());
    }
}
