//! ACS users (`acs_user`): people known to one access system, optionally linked to a user
//! identity. On Salto KS a user with an access schedule only holds a subscription inside the
//! schedule; outside it the user is rendered unsubscribed (not suspended), evaluated against
//! the workspace clock at every read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{find, identified, AcsSystem, SystemKind, UserIdentity};
use crate::clock::iso;
use crate::error::SimError;
use crate::state::Workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AccessSchedule {
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) ends_at: Option<DateTime<Utc>>,
}

impl AccessSchedule {
    pub(crate) fn contains(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && self.ends_at.is_none_or(|ends_at| now < ends_at)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AcsUser {
    pub(crate) acs_user_id: String,
    pub(crate) seq: u64,
    pub(crate) acs_system_id: String,
    pub(crate) kind: SystemKind,
    pub(crate) connected_account_id: String,
    pub(crate) full_name: Option<String>,
    pub(crate) email_address: Option<String>,
    pub(crate) phone_number: Option<String>,
    pub(crate) user_identity_id: Option<String>,
    pub(crate) access_schedule: Option<AccessSchedule>,
    pub(crate) acs_access_group_ids: Vec<String>,
    /// Suspended through `/acs/users/suspend`, whatever the schedule says.
    pub(crate) is_suspended: bool,
    pub(crate) created_at: DateTime<Utc>,
}

identified!(AcsUser, acs_user_id, "acs_user_not_found", "acs user");

/// The `error.type` when an identity would get a second ACS user on one system. Seam's
/// description names no error types; this one says what is wrong, and contains "already",
/// which is how clients tell "it exists" from other refusals.
pub(crate) const IDENTITY_ALREADY_HAS_USER: &str =
    "user_identity_already_has_acs_user_on_acs_system";

/// Seam keeps one ACS user per user identity per access system; refuses a create or a link
/// that would make a second. A 400, as every refusal of these endpoints is in Seam's
/// description (which lists no 409 anywhere).
pub(crate) fn refuse_second_user(
    users: &[AcsUser],
    user_identity_id: &str,
    acs_system_id: &str,
) -> Result<(), SimError> {
    let existing = users.iter().find(|user| {
        user.acs_system_id == acs_system_id
            && user.user_identity_id.as_deref() == Some(user_identity_id)
    });
    match existing {
        Some(user) => Err(SimError::rejected(
            IDENTITY_ALREADY_HAS_USER,
            format!(
                "User identity {user_identity_id} already has acs user {} on access system {acs_system_id}",
                user.acs_user_id
            ),
        )),
        None => Ok(()),
    }
}

impl AcsUser {
    /// A user of `system` with nothing but ids yet; callers fill in the person.
    pub(crate) fn new(system: &AcsSystem, id: String, seq: u64, created_at: DateTime<Utc>) -> Self {
        Self {
            acs_user_id: id,
            seq,
            acs_system_id: system.acs_system_id.clone(),
            kind: system.kind,
            connected_account_id: system.connected_account_id.clone(),
            full_name: None,
            email_address: None,
            phone_number: None,
            user_identity_id: None,
            access_schedule: None,
            acs_access_group_ids: Vec::new(),
            is_suspended: false,
            created_at,
        }
    }

    /// The user Seam creates on `system` for an identity that has none there yet.
    pub(crate) fn for_identity(
        system: &AcsSystem,
        identity: &UserIdentity,
        id: String,
        seq: u64,
        created_at: DateTime<Utc>,
    ) -> Self {
        let mut user = Self::new(system, id, seq, created_at);
        user.full_name = Some(identity.display_name());
        user.email_address = identity.email_address.clone();
        user.phone_number = identity.phone_number.clone();
        user.user_identity_id = Some(identity.user_identity_id.clone());
        user
    }

    pub(crate) fn display_name(&self) -> String {
        self.full_name
            .clone()
            .or_else(|| self.email_address.clone())
            .or_else(|| self.phone_number.clone())
            .unwrap_or_else(|| "Unnamed user".to_owned())
    }

    /// Whether a Salto KS user currently holds a subscription (always true elsewhere).
    pub(crate) fn is_subscribed(&self, now: DateTime<Utc>) -> bool {
        match (self.kind, &self.access_schedule) {
            (SystemKind::SaltoKsSite, Some(schedule)) => schedule.contains(now),
            _ => true,
        }
    }

    pub(crate) fn render(&self, ws: &Workspace) -> Value {
        let now = ws.now();
        let subscribed = self.is_subscribed(now);
        let mut user = json!({
            "acs_user_id": self.acs_user_id,
            "acs_system_id": self.acs_system_id,
            "workspace_id": ws.workspace_id,
            "connected_account_id": self.connected_account_id,
            "created_at": iso(self.created_at),
            "display_name": self.display_name(),
            "last_successful_sync_at": iso(self.created_at),
            "is_managed": true,
            // Seam keeps "not subscribed yet" apart from "suspended": a Salto KS user outside
            // their schedule is unsubscribed (metadata and warning) but not suspended.
            "is_suspended": self.is_suspended,
            "errors": [],
            "warnings": self.warnings(subscribed),
            "pending_mutations": [],
        });
        for (key, value) in [
            ("full_name", &self.full_name),
            ("email_address", &self.email_address),
            ("phone_number", &self.phone_number),
        ] {
            if let Some(value) = value {
                user[key] = json!(value);
            }
        }
        if let Some((external_type, display_name)) = self.kind.user_external_type() {
            user["external_type"] = json!(external_type);
            user["external_type_display_name"] = json!(display_name);
        }
        if self.kind == SystemKind::SaltoKsSite {
            user["salto_ks_metadata"] = json!({ "is_subscribed": subscribed });
        }
        if let Some(schedule) = &self.access_schedule {
            user["access_schedule"] = json!({
                "starts_at": iso(schedule.starts_at),
                "ends_at": schedule.ends_at.map(iso),
            });
        }
        if let Some(identity_id) = &self.user_identity_id {
            user["user_identity_id"] = json!(identity_id);
            let identity = find::<UserIdentity>(&ws.user_identities, identity_id).ok();
            user["user_identity_full_name"] = json!(identity.and_then(|i| i.full_name.clone()));
            user["user_identity_email_address"] =
                json!(identity.and_then(|i| i.email_address.clone()));
            user["user_identity_phone_number"] =
                json!(identity.and_then(|i| i.phone_number.clone()));
        }
        user
    }

    fn warnings(&self, subscribed: bool) -> Value {
        if subscribed {
            return json!([]);
        }
        json!([{
            "warning_code": "salto_ks_user_not_subscribed",
            "message": "The user is outside their access schedule, so Salto KS keeps them unsubscribed and they cannot unlock doors.",
            "created_at": iso(self.created_at),
        }])
    }
}
