//! Managed fields entries (`metadata.managedFields`) and their upkeep after non-apply writes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Schema;
use crate::fieldset::{FieldSet, compare};

/// Operation of a managed fields entry written by server-side apply.
pub(crate) const APPLY: &str = "Apply";
/// Operation of a managed fields entry written by create, update or patch.
pub(crate) const UPDATE: &str = "Update";
const FIELDS_V1: &str = "FieldsV1";

/// One entry of `metadata.managedFields`, with Kubernetes' JSON names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedFieldsEntry {
    /// Field manager name (`kubectl-client-side-apply`, `kubectl`, ...).
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    /// API version the fields are expressed in, e.g. `apps/v1`.
    #[serde(default)]
    pub api_version: String,
    /// RFC 3339 time of the manager's last write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Always `FieldsV1`.
    #[serde(default = "fields_v1_type")]
    pub fields_type: String,
    /// The owned field set in `fieldsV1` form.
    #[serde(default, rename = "fieldsV1")]
    pub fields_v1: Value,
    /// Subresource the writes went to (`status`, `scale`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
}

fn fields_v1_type() -> String {
    FIELDS_V1.to_owned()
}

impl ManagedFieldsEntry {
    /// Whether `self` and `other` belong to the same manager identity: name, operation,
    /// subresource, and for updaters the API version.
    pub(crate) fn same_identity(&self, other: &ManagedFieldsEntry) -> bool {
        self.manager == other.manager
            && self.operation == other.operation
            && subresource_name(&self.subresource) == subresource_name(&other.subresource)
            && (self.operation == APPLY || self.api_version == other.api_version)
    }
}

fn subresource_name(subresource: &Option<String>) -> &str {
    subresource.as_deref().unwrap_or("")
}

/// A managed fields entry with its decoded field set, while ownership is computed.
#[derive(Clone, Debug)]
pub(crate) struct Owner {
    pub(crate) entry: ManagedFieldsEntry,
    pub(crate) set: FieldSet,
}

/// Decodes entries, merging duplicates of one identity.
pub(crate) fn decode(managed: &[ManagedFieldsEntry]) -> Vec<Owner> {
    let mut owners: Vec<Owner> = Vec::with_capacity(managed.len());
    for entry in managed {
        let set = FieldSet::from_fields_v1(&entry.fields_v1);
        match owners
            .iter_mut()
            .find(|owner| owner.entry.same_identity(entry))
        {
            Some(owner) => owner.set = owner.set.union(&set),
            None => owners.push(Owner {
                entry: entry.clone(),
                set,
            }),
        }
    }
    owners
}

/// Encodes owners back into entries: empty sets dropped, sorted as kube-apiserver sorts them
/// (operation, time, manager, apiVersion, subresource).
pub(crate) fn encode(owners: Vec<Owner>) -> Vec<ManagedFieldsEntry> {
    let mut entries: Vec<ManagedFieldsEntry> = owners
        .into_iter()
        .filter(|owner| !owner.set.is_empty())
        .map(|owner| ManagedFieldsEntry {
            fields_type: FIELDS_V1.to_owned(),
            fields_v1: owner.set.to_fields_v1(),
            ..owner.entry
        })
        .collect();
    entries.sort_by(|a, b| {
        (
            &a.operation,
            &a.time,
            &a.manager,
            &a.api_version,
            subresource_name(&a.subresource),
        )
            .cmp(&(
                &b.operation,
                &b.time,
                &b.manager,
                &b.api_version,
                subresource_name(&b.subresource),
            ))
    });
    entries
}

/// Managed fields after a non-apply write (create, update, patch) by `manager`.
///
/// `old` is the stored object before the write (None for a create), `new` the object about to
/// be stored. The manager's `Update` entry (per API version and subresource) gains every field
/// the write added or changed, with `time = now`; those fields leave every other entry, and
/// removed fields leave all entries. Empty entries are dropped. `status` is tracked only when
/// `subresource` is `status`.
#[allow(clippy::too_many_arguments)]
pub fn update_managed_fields(
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    subresource: Option<&str>,
    managed: &[ManagedFieldsEntry],
    schema: &dyn Schema,
    root_type: &str,
    now: &str,
    api_version: &str,
) -> Vec<ManagedFieldsEntry> {
    let empty = Value::Object(serde_json::Map::new());
    let include_status = subresource == Some("status");
    let comparison = compare(
        old.unwrap_or(&empty),
        new,
        schema,
        root_type,
        include_status,
    );
    let changed = comparison.changed();
    let writer = ManagedFieldsEntry {
        manager: manager.to_owned(),
        operation: UPDATE.to_owned(),
        api_version: api_version.to_owned(),
        time: Some(now.to_owned()),
        fields_type: FIELDS_V1.to_owned(),
        fields_v1: Value::Null,
        subresource: subresource.filter(|s| !s.is_empty()).map(str::to_owned),
    };
    let mut owners = decode(managed);
    let mut writer_set = FieldSet::new();
    owners.retain_mut(|owner| {
        if owner.entry.same_identity(&writer) {
            writer_set = owner.set.clone();
            return false;
        }
        owner.set = owner
            .set
            .difference(&changed)
            .difference(&comparison.removed);
        true
    });
    owners.push(Owner {
        entry: writer,
        set: writer_set.difference(&comparison.removed).union(&changed),
    });
    encode(owners)
}

/// Reads `metadata.managedFields` of `obj`; entries that do not decode are skipped.
pub fn read_managed_fields(obj: &Value) -> Vec<ManagedFieldsEntry> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|entry| serde_json::from_value(entry.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Replaces `metadata.managedFields` of `obj` with `entries` (removes it when empty).
pub fn write_managed_fields(obj: &mut Value, entries: &[ManagedFieldsEntry]) {
    let Value::Object(fields) = obj else {
        return;
    };
    let metadata = fields
        .entry("metadata")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    let Value::Object(metadata) = metadata else {
        return;
    };
    if entries.is_empty() {
        metadata.remove("managedFields");
        return;
    }
    let encoded: Vec<Value> = entries
        .iter()
        .filter_map(|entry| serde_json::to_value(entry).ok())
        .collect();
    metadata.insert("managedFields".to_owned(), Value::Array(encoded));
}

#[cfg(test)]
mod tests;
