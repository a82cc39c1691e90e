//! The embedded store's format 1 (per-key tables) and its one-time migration to the revision
//! table of format 2, run inside the transaction that opens an old file.
//!
//! Format 1 kept `kv` (key -> latest record), `history` ((key, revision) -> the key's state at
//! that revision: a value or a tombstone) and `log` (revision -> key). `history` alone holds
//! everything format 2 needs: each of its entries becomes the record of its revision, and the
//! previous entry of the same key gives the record's previous revision.

use redb::{ReadableTable, TableDefinition, WriteTransaction};

use super::record::Record;
use crate::{KeyValue, Revision, StoreError};

pub(super) const KV_V1: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("kv");
pub(super) const HISTORY_V1: TableDefinition<'_, (&str, u64), &[u8]> =
    TableDefinition::new("history");
pub(super) const LOG_V1: TableDefinition<'_, u64, &str> = TableDefinition::new("log");

/// A format-1 `kv` record: the key's latest state.
#[cfg(test)]
pub(super) fn encode_latest_v1(kv: &KeyValue) -> Vec<u8> {
    let mut record = Vec::with_capacity(24 + kv.value.len());
    record.extend_from_slice(&kv.create_revision.to_le_bytes());
    record.extend_from_slice(&kv.mod_revision.to_le_bytes());
    record.extend_from_slice(&kv.version.to_le_bytes());
    record.extend_from_slice(&kv.value);
    record
}

const HISTORY_TOMBSTONE: u8 = 0;
const HISTORY_VALUE: u8 = 1;
const HISTORY_HEADER: usize = 17;

/// A format-1 history record: the key's state written at a revision (`None`: deleted).
#[cfg(test)]
pub(super) fn encode_history_v1(latest: Option<&KeyValue>) -> Vec<u8> {
    match latest {
        None => vec![HISTORY_TOMBSTONE],
        Some(kv) => {
            let mut record = Vec::with_capacity(HISTORY_HEADER + kv.value.len());
            record.push(HISTORY_VALUE);
            record.extend_from_slice(&kv.create_revision.to_le_bytes());
            record.extend_from_slice(&kv.version.to_le_bytes());
            record.extend_from_slice(&kv.value);
            record
        }
    }
}

/// The state a format-1 history record holds: `(create_revision, version, value)`, or `None`
/// for a tombstone.
fn decode_history_v1(
    key: &str,
    revision: Revision,
    record: &[u8],
) -> Result<Option<(u64, u64, Vec<u8>)>, StoreError> {
    let corrupt = || StoreError::Backend(format!("corrupt history of key {key} at {revision}"));
    let read_u64 = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(record.get(at..at + 8)?.try_into().ok()?))
    };
    match record.first() {
        Some(&HISTORY_TOMBSTONE) if record.len() == 1 => Ok(None),
        Some(&HISTORY_VALUE) => Ok(Some((
            read_u64(1).ok_or_else(corrupt)?,
            read_u64(9).ok_or_else(corrupt)?,
            record.get(HISTORY_HEADER..).ok_or_else(corrupt)?.to_vec(),
        ))),
        _ => Err(corrupt()),
    }
}

/// Converts the format-1 tables into `revisions` and deletes them. Returns how many records
/// were converted. Runs inside the caller's transaction: the file is converted whole or not
/// at all.
pub(super) fn migrate_v1(
    transaction: &WriteTransaction,
    revisions: &mut redb::Table<'_, u64, &[u8]>,
) -> Result<u64, StoreError> {
    let fail = |error: &dyn std::fmt::Display| {
        StoreError::Backend(format!("cannot migrate the store from format 1: {error}"))
    };
    let mut converted = 0;
    {
        let history = transaction.open_table(HISTORY_V1).map_err(|e| fail(&e))?;
        // Entries of one key are adjacent and in revision order. The previous entry of the
        // same key, with its value when it had one.
        let mut previous: Option<(String, Option<KeyValue>)> = None;
        for entry in history.range::<(&str, u64)>(..).map_err(|e| fail(&e))? {
            let (entry_key, stored) = entry.map_err(|e| fail(&e))?;
            let (key, revision) = entry_key.value();
            let state = decode_history_v1(key, revision, stored.value())?;
            let before = match previous.take() {
                Some((previous_key, value)) if previous_key == key => value,
                _ => None,
            };
            let value = state.map(|(create_revision, version, value)| KeyValue {
                key: key.to_owned(),
                value: value.into(),
                create_revision,
                mod_revision: revision,
                version,
            });
            let record = match (&value, &before) {
                // A create has no previous value; an update's previous value is the entry
                // before it (0 when compaction removed it: its event is never replayed).
                (Some(kv), Some(before)) if kv.create_revision != revision => {
                    Record::put(kv, before.mod_revision).encode()
                }
                (Some(kv), _) => Record::put(kv, 0).encode(),
                (None, Some(deleted)) => Record::delete(deleted).encode(),
                // Format 1 always kept the value a kept deletion deleted; should it be missing,
                // the state stays right and only replaying that one event would fail.
                (None, None) => {
                    tracing::warn!(key, revision, "format-1 deletion without its deleted value");
                    Record {
                        deleted: true,
                        create_revision: 0,
                        version: 0,
                        previous_revision: 0,
                        key,
                        value: &[],
                    }
                    .encode()
                }
            };
            revisions
                .insert(revision, record.as_slice())
                .map_err(|e| fail(&e))?;
            converted += 1;
            previous = Some((key.to_owned(), value));
        }
    }
    transaction.delete_table(KV_V1).map_err(|e| fail(&e))?;
    transaction.delete_table(HISTORY_V1).map_err(|e| fail(&e))?;
    transaction.delete_table(LOG_V1).map_err(|e| fail(&e))?;
    Ok(converted)
}
