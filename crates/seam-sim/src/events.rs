//! Recording events. Every change a client could care about goes through [`Workspace::emit`],
//! which both stores the event (for `/events/list`) and queues a message for each webhook
//! that wants it, so the two can never disagree about what happened.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::objects::{AccessCode, AcsCredential, AcsUser, Device, Event};
use crate::state::Workspace;

impl Workspace {
    /// Records an event that happened at `occurred_at`, carrying `fields` (a JSON object of
    /// the ids its type names), and queues it for delivery.
    pub(crate) fn emit(
        &mut self,
        event_type: &'static str,
        occurred_at: DateTime<Utc>,
        fields: Value,
    ) {
        let fields = match fields {
            Value::Object(fields) => fields,
            _ => Map::new(),
        };
        let event = Event {
            event_id: self.rng.new_id(),
            seq: self.next_seq(),
            event_type,
            occurred_at,
            created_at: self.now().max(occurred_at),
            fields,
        };
        let rendered = event.render(&self.workspace_id);
        for webhook in self.webhooks.iter().filter(|w| w.wants(event_type)) {
            self.deliveries
                .enqueue(webhook, &event, &rendered, &mut self.rng);
        }
        tracing::debug!(workspace_id = %self.workspace_id, event_type, "event");
        self.events.push(event);
    }

    /// An `access_code.*` event: the code, its device and the device's account, plus `extra`.
    pub(crate) fn emit_for_code(
        &mut self,
        event_type: &'static str,
        occurred_at: DateTime<Utc>,
        code: &AccessCode,
        extra: Value,
    ) {
        let mut fields = json!({
            "access_code_id": code.access_code_id,
            "device_id": code.device_id,
            "connected_account_id": code.connected_account_id,
        });
        merge(&mut fields, extra);
        self.emit(event_type, occurred_at, fields);
    }

    /// `access_code.delay_in_setting_on_device`, `.failed_to_set_on_device`,
    /// `.delay_in_removing_from_device` and `.failed_to_remove_from_device` carry the errors
    /// and warnings of the code, its device and its account at that moment.
    pub(crate) fn emit_code_trouble(
        &mut self,
        event_type: &'static str,
        occurred_at: DateTime<Utc>,
        code: &AccessCode,
    ) {
        let mut extra = self
            .devices
            .iter()
            .find(|d| d.device_id == code.device_id)
            .map(|d| self.device_issues(d))
            .unwrap_or_else(|| {
                json!({
                    "device_errors": [],
                    "device_warnings": [],
                    "connected_account_errors": [],
                    "connected_account_warnings": [],
                })
            });
        extra["access_code_errors"] = issues(Value::from(code.errors()));
        extra["access_code_warnings"] = issues(Value::from(code.warnings()));
        self.emit_for_code(event_type, occurred_at, code, extra);
    }

    /// A `device.*` event: the device and its account, plus `extra`.
    pub(crate) fn emit_for_device(
        &mut self,
        event_type: &'static str,
        occurred_at: DateTime<Utc>,
        device: &Device,
        extra: Value,
    ) {
        let mut fields = json!({
            "device_id": device.device_id,
            "connected_account_id": device.connected_account_id,
        });
        merge(&mut fields, extra);
        self.emit(event_type, occurred_at, fields);
    }

    /// An `acs_user.*` event.
    pub(crate) fn emit_for_user(
        &mut self,
        event_type: &'static str,
        occurred_at: DateTime<Utc>,
        user: &AcsUser,
    ) {
        let fields = json!({
            "acs_user_id": user.acs_user_id,
            "acs_system_id": user.acs_system_id,
            "connected_account_id": user.connected_account_id,
        });
        self.emit(event_type, occurred_at, fields);
    }

    /// An `acs_credential.*` event: the credential and its system (Seam's branches for these
    /// name no `acs_user_id`).
    pub(crate) fn emit_for_credential(
        &mut self,
        event_type: &'static str,
        occurred_at: DateTime<Utc>,
        credential: &AcsCredential,
    ) {
        let fields = json!({
            "acs_credential_id": credential.acs_credential_id,
            "acs_system_id": credential.acs_system_id,
            "connected_account_id": credential.connected_account_id,
        });
        self.emit(event_type, occurred_at, fields);
    }

    /// Marks a credential invalidated and announces it (`acs_credential.invalidated`), once.
    pub(crate) fn invalidate_credential(&mut self, acs_credential_id: &str) -> bool {
        let now = self.now();
        let Some(credential) = self
            .acs_credentials
            .iter_mut()
            .find(|c| c.acs_credential_id == acs_credential_id && c.invalidated_at.is_none())
        else {
            return false;
        };
        credential.invalidated_at = Some(now);
        let credential = credential.clone();
        self.emit_for_credential("acs_credential.invalidated", now, &credential);
        true
    }

    /// Removes an ACS user and its credentials, announcing each, as Seam does when a user is
    /// deleted directly or with its user identity.
    pub(crate) fn delete_acs_user(&mut self, acs_user_id: &str) {
        let now = self.now();
        let credentials: Vec<AcsCredential> = self
            .acs_credentials
            .iter()
            .filter(|c| c.acs_user_id == acs_user_id)
            .cloned()
            .collect();
        self.acs_credentials
            .retain(|c| c.acs_user_id != acs_user_id);
        for credential in &credentials {
            self.emit_for_credential("acs_credential.deleted", now, credential);
        }
        if let Some(index) = self
            .acs_users
            .iter()
            .position(|u| u.acs_user_id == acs_user_id)
        {
            let user = self.acs_users.remove(index);
            self.emit_for_user("acs_user.deleted", now, &user);
        }
    }
}

/// Errors or warnings as events carry them: Seam's event schemas describe only the code, the
/// message and the time, not the `is_*_error` flags of the objects' own lists.
pub(crate) fn issues(list: Value) -> Value {
    let Value::Array(items) = list else {
        return json!([]);
    };
    let kept = ["error_code", "warning_code", "message", "created_at"];
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .filter(|(key, _)| kept.contains(&key.as_str()))
                    .collect(),
            ),
            other => other,
        })
        .collect()
}

fn merge(into: &mut Value, extra: Value) {
    if let (Value::Object(into), Value::Object(extra)) = (into, extra) {
        into.extend(extra);
    }
}
