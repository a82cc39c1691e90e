//! Reads and writes of firewall objects by policy path: security policies (with their
//! rules), groups and services, with NSX's PUT (full replace, `_revision` checked) and PATCH
//! (partial update) semantics, ownership checks, and persistence of administrator objects.

use bytes::Bytes;
use enclave_dfw::{Group, ObjectMeta, SecurityPolicy, Service};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::api::Principal;
use crate::{NsxError, NsxManager, STORE_PREFIX, Stored, invalid, now_millis, realize};

/// The kinds of objects the Policy API writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/infra/domains/<d>/security-policies/<id>`.
    Policy,
    /// `/infra/domains/<d>/groups/<id>`.
    Group,
    /// `/infra/services/<id>`.
    Service,
}

impl Kind {
    /// The kind of the object at `path`, if the path names one.
    pub fn of_path(path: &str) -> Option<Kind> {
        let parts: Vec<&str> = path.strip_prefix("/infra/")?.split('/').collect();
        match parts.as_slice() {
            ["domains", d, "security-policies", id] if valid_id(d) && valid_id(id) => {
                Some(Kind::Policy)
            }
            ["domains", d, "groups", id] if valid_id(d) && valid_id(id) => Some(Kind::Group),
            ["services", id] if valid_id(id) => Some(Kind::Service),
            _ => None,
        }
    }

    /// NSX's type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Policy => "SecurityPolicy",
            Kind::Group => "Group",
            Kind::Service => "Service",
        }
    }
}

/// Whether `id` may be a path segment: 1-255 characters, no slash, no control characters.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 255 && !id.contains('/') && !id.chars().any(char::is_control)
}

/// What every firewall object of the Policy API offers.
pub trait NsxObject: Serialize + DeserializeOwned + Clone {
    /// The id.
    fn id(&self) -> &str;
    /// The bookkeeping.
    fn meta_mut(&mut self) -> &mut ObjectMeta;
    /// Forgets read-only fields a client may have sent (rule IDs are the system's to give).
    fn clear_read_only(&mut self) {}
}

macro_rules! nsx_object {
    ($t:ty) => {
        impl NsxObject for $t {
            fn id(&self) -> &str {
                &self.id
            }
            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.meta
            }
        }
    };
}
impl NsxObject for SecurityPolicy {
    fn id(&self) -> &str {
        &self.id
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.meta
    }
    fn clear_read_only(&mut self) {
        self.default_rule_id = None;
        self.is_default = false;
        for rule in &mut self.rules {
            rule.rule_id = None;
            rule.is_default = false;
            rule.meta = ObjectMeta::default();
        }
    }
}
nsx_object!(Group);
nsx_object!(Service);

/// PUT or PATCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Create, or replace whole (the current `_revision` must be given).
    Put,
    /// Create, or update the fields given.
    Patch,
}

impl NsxManager {
    /// The realized object at `path` as NSX returns it.
    pub fn get_object(&self, path: &str) -> Result<Value, NsxError> {
        let realized = self.realized();
        let c = &realized.config;
        let found = match Kind::of_path(path) {
            Some(Kind::Policy) => find(&c.policies, path, |p| &p.meta.path),
            Some(Kind::Group) => find(&c.groups, path, |g| &g.meta.path),
            Some(Kind::Service) => find(&c.services, path, |s| &s.meta.path),
            None => None,
        };
        found.ok_or_else(|| NsxError::NotFound(path.to_string()))
    }

    /// The realized objects of `kind` whose parent is `parent` (`/infra/domains/default`),
    /// sorted by path.
    pub fn list_objects(&self, kind: Kind, parent: &str) -> Vec<Value> {
        let realized = self.realized();
        let c = &realized.config;
        let mut out: Vec<(String, Value)> = match kind {
            Kind::Policy => collect(&c.policies, parent, |p| &p.meta),
            Kind::Group => collect(&c.groups, parent, |g| &g.meta),
            Kind::Service => collect(&c.services, parent, |s| &s.meta),
        };
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.into_iter().map(|(_, v)| v).collect()
    }

    /// Creates or changes the object at `path` from `body`; returns it as realized.
    pub async fn write_object(
        &self,
        principal: &Principal,
        path: &str,
        body: Value,
        mode: WriteMode,
    ) -> Result<Value, NsxError> {
        let kind = Kind::of_path(path).ok_or_else(|| NsxError::UnknownUri(path.to_string()))?;
        let Value::Object(body) = body else {
            return Err(NsxError::BadBody("the body must be a JSON object".into()));
        };
        let mut state = self.state.lock().await;
        let realized = self.realized();
        self.check_owner(principal, &realized, kind, path)?;
        let existing = self.get_object(path).ok();
        let id = path.rsplit('/').next().unwrap_or_default().to_string();
        if let Some(Value::String(body_id)) = body.get("id")
            && *body_id != id
        {
            return Err(NsxError::BadRequest(format!(
                "The id {body_id:?} in the body does not match the id {id:?} in the path."
            )));
        }
        if mode == WriteMode::Put
            && let Some(current) = &existing
        {
            let current_revision = current.get("_revision").and_then(Value::as_u64);
            let given = body.get("_revision").and_then(Value::as_u64);
            if given != current_revision {
                return Err(NsxError::StaleRevision);
            }
        }
        let mut merged = match (mode, &existing) {
            (WriteMode::Patch, Some(Value::Object(current))) => {
                patch_object(kind, current.clone(), body)
            }
            _ => body,
        };
        merged.insert("id".into(), Value::String(id.clone()));
        let mut candidate = state.clone();
        match kind {
            Kind::Policy => {
                let mut object = decode::<SecurityPolicy>(merged, principal, path, &existing)?;
                // Whether a policy or rule is a system default is not the client's to say.
                object.is_default = existing
                    .as_ref()
                    .and_then(|e| e.get("is_default"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let old_rules = existing
                    .as_ref()
                    .and_then(|e| e.get("rules"))
                    .and_then(Value::as_array);
                for rule in &mut object.rules {
                    rule.is_default = old_rules.is_some_and(|rules| {
                        rules.iter().any(|r| {
                            r.get("id").and_then(Value::as_str) == Some(rule.id.as_str())
                                && r.get("is_default").and_then(Value::as_bool) == Some(true)
                        })
                    });
                }
                upsert(&mut candidate.policies, path, object);
            }
            Kind::Group => {
                let object = decode::<Group>(merged, principal, path, &existing)?;
                upsert(&mut candidate.groups, path, object);
            }
            Kind::Service => {
                let object = decode::<Service>(merged, principal, path, &existing)?;
                upsert(&mut candidate.services, path, object);
            }
        }
        let (_, _) = realize(&candidate, &self.cluster).map_err(invalid)?;
        // Valid: persist the administrator's object, then realize again with its revisions.
        match kind {
            Kind::Policy => self.persist(&mut candidate.policies, path).await?,
            Kind::Group => self.persist(&mut candidate.groups, path).await?,
            Kind::Service => self.persist(&mut candidate.services, path).await?,
        }
        let (realized, ids) = realize(&candidate, &self.cluster).map_err(invalid)?;
        *state = candidate;
        self.save_rule_ids(&mut state, ids).await?;
        self.publish(&mut state, realized);
        drop(state);
        self.get_object(path)
    }

    /// Deletes the administrator object at `path`.
    pub async fn delete_object(&self, principal: &Principal, path: &str) -> Result<(), NsxError> {
        let kind = Kind::of_path(path).ok_or_else(|| NsxError::UnknownUri(path.to_string()))?;
        let mut state = self.state.lock().await;
        let realized = self.realized();
        self.check_owner(principal, &realized, kind, path)?;
        let mut candidate = state.clone();
        let removed = match kind {
            Kind::Policy => candidate.policies.remove(path).map(|s| s.mod_revision),
            Kind::Group => candidate.groups.remove(path).map(|s| s.mod_revision),
            Kind::Service => candidate.services.remove(path).map(|s| s.mod_revision),
        };
        let Some(revision) = removed else {
            return match self.get_object(path) {
                // NSX's delete is idempotent for objects that do not exist.
                Err(_) => Ok(()),
                Ok(_) => Err(NsxError::BadRequest(format!(
                    "The system object {path} cannot be deleted."
                ))),
            };
        };
        let (realized, ids) = realize(&candidate, &self.cluster).map_err(|problems| {
            // Something still refers to the object.
            NsxError::Invalid {
                message: format!("The object {path} is in use and cannot be deleted."),
                problems: problems.iter().map(ToString::to_string).collect(),
            }
        })?;
        match self
            .store
            .delete(&format!("{STORE_PREFIX}{path}"), revision)
            .await
        {
            Ok(_) | Err(enclave_store::StoreError::NotFound { .. }) => {}
            Err(enclave_store::StoreError::Conflict { .. }) => return Err(NsxError::StaleRevision),
            Err(e) => return Err(e.into()),
        }
        *state = candidate;
        self.save_rule_ids(&mut state, ids).await?;
        self.publish(&mut state, realized);
        Ok(())
    }

    fn check_owner(
        &self,
        principal: &Principal,
        realized: &crate::Realized,
        kind: Kind,
        path: &str,
    ) -> Result<(), NsxError> {
        if realized.ncp_owned.contains(path) {
            return Err(NsxError::NotOwner {
                kind: kind.type_name(),
                owner: crate::ncp_principal(&self.cluster),
                allow_overwrite: principal
                    .allow_overwrite
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "null".into()),
            });
        }
        Ok(())
    }

    async fn persist<T: NsxObject>(
        &self,
        objects: &mut std::collections::BTreeMap<String, Stored<T>>,
        path: &str,
    ) -> Result<(), NsxError> {
        let Some(entry) = objects.get_mut(path) else {
            return Ok(());
        };
        let mut object = entry.object.clone();
        object.meta_mut().revision = 0;
        let value = Bytes::from(serde_json::to_vec(&object).unwrap_or_default());
        let key = format!("{STORE_PREFIX}{path}");
        let result = if entry.mod_revision == 0 {
            self.store.create(&key, value).await
        } else {
            self.store.update(&key, value, entry.mod_revision).await
        };
        let kv = match result {
            Ok(kv) => kv,
            Err(
                enclave_store::StoreError::Conflict { .. }
                | enclave_store::StoreError::AlreadyExists { .. },
            ) => return Err(NsxError::StaleRevision),
            Err(e) => return Err(e.into()),
        };
        entry.mod_revision = kv.mod_revision;
        entry.version = kv.version;
        Ok(())
    }
}

fn find<T: Serialize>(list: &[T], path: &str, path_of: impl Fn(&T) -> &String) -> Option<Value> {
    list.iter()
        .find(|o| path_of(o) == path)
        .and_then(|o| serde_json::to_value(o).ok())
}

fn collect<T: Serialize>(
    list: &[T],
    parent: &str,
    meta: impl Fn(&T) -> &ObjectMeta,
) -> Vec<(String, Value)> {
    list.iter()
        .filter(|o| {
            let m = meta(o);
            m.path
                .rsplit_once('/')
                .is_some_and(|(dir, _)| dir.rsplit_once('/').is_some_and(|(p, _)| p == parent))
        })
        .filter_map(|o| Some((meta(o).path.clone(), serde_json::to_value(o).ok()?)))
        .collect()
}

/// PATCH: the given top-level fields replace the current ones; a policy's `rules` are merged
/// by id (given rules are created or updated field by field, the others stay).
fn patch_object(
    kind: Kind,
    mut current: Map<String, Value>,
    body: Map<String, Value>,
) -> Map<String, Value> {
    for (key, value) in body {
        if kind == Kind::Policy && key == "rules" {
            let mut rules: Vec<Value> = current
                .get("rules")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for given in value.as_array().cloned().unwrap_or_default() {
                let id = given.get("id").cloned();
                match rules
                    .iter_mut()
                    .find(|r| id.is_some() && r.get("id") == id.as_ref())
                {
                    Some(Value::Object(existing)) => {
                        if let Value::Object(fields) = given {
                            existing.extend(fields);
                        }
                    }
                    _ => rules.push(given),
                }
            }
            current.insert(key, Value::Array(rules));
        } else {
            current.insert(key, value);
        }
    }
    current
}

fn decode<T: NsxObject>(
    body: Map<String, Value>,
    principal: &Principal,
    path: &str,
    existing: &Option<Value>,
) -> Result<T, NsxError> {
    let mut object: T = serde_json::from_value(Value::Object(body))
        .map_err(|e| NsxError::BadBody(e.to_string()))?;
    object.clear_read_only();
    let now = now_millis();
    let meta = object.meta_mut();
    let old = |field: &str| existing.as_ref().and_then(|e| e.get(field));
    meta.path = path.to_string();
    meta.parent_path = String::new();
    meta.relative_path = String::new();
    meta.create_user = old("_create_user")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| principal.name.clone());
    meta.create_time = old("_create_time").and_then(Value::as_u64).unwrap_or(now);
    meta.last_modified_user = principal.name.clone();
    meta.last_modified_time = now;
    meta.system_owned = false;
    meta.protection = "NOT_PROTECTED".into();
    Ok(object)
}

fn upsert<T>(map: &mut std::collections::BTreeMap<String, Stored<T>>, path: &str, object: T) {
    match map.get_mut(path) {
        Some(stored) => stored.object = object,
        None => {
            map.insert(
                path.to_string(),
                Stored {
                    object,
                    mod_revision: 0,
                    version: 0,
                },
            );
        }
    }
}
