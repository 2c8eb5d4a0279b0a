//! Credentials (`acs_credential`): PIN codes and mobile keys. A credential is created
//! unissued with a `waiting_to_be_issued` warning and becomes issued once the workspace clock
//! passes its issue time, which is how Seam reports the provider catching up.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{find, identified, AcsUser, SystemKind};
use crate::clock::iso;
use crate::state::Workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum AccessMethod {
    Code,
    Card,
    MobileKey,
    CloudKey,
}

impl AccessMethod {
    pub(crate) const NAMES: [&'static str; 4] = ["code", "card", "mobile_key", "cloud_key"];

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "code" => Some(Self::Code),
            "card" => Some(Self::Card),
            "mobile_key" => Some(Self::MobileKey),
            "cloud_key" => Some(Self::CloudKey),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Card => "card",
            Self::MobileKey => "mobile_key",
            Self::CloudKey => "cloud_key",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AcsCredential {
    pub(crate) acs_credential_id: String,
    pub(crate) seq: u64,
    pub(crate) acs_user_id: String,
    pub(crate) acs_system_id: String,
    pub(crate) kind: SystemKind,
    pub(crate) connected_account_id: String,
    pub(crate) access_method: AccessMethod,
    pub(crate) code: Option<String>,
    pub(crate) is_multi_phone_sync_credential: bool,
    pub(crate) starts_at: Option<DateTime<Utc>>,
    pub(crate) ends_at: Option<DateTime<Utc>>,
    pub(crate) display_name: String,
    pub(crate) created_at: DateTime<Utc>,
    /// When the provider will have issued it: `created_at` plus the configured delay.
    pub(crate) issues_at: DateTime<Utc>,
    /// Whether `acs_credential.issued` has been emitted, so it is emitted once.
    pub(crate) issued_announced: bool,
    /// When the provider invalidated it (its phone gone, or `/_sim/acs_credentials/invalidate`).
    #[serde(default)]
    pub(crate) invalidated_at: Option<DateTime<Utc>>,
    /// The entrances given at creation (empty on Salto KS, where access groups decide).
    pub(crate) acs_entrance_ids: Vec<String>,
}

identified!(
    AcsCredential,
    acs_credential_id,
    "acs_credential_not_found",
    "acs credential"
);

impl AcsCredential {
    /// The identity of the credential's user, looked up rather than copied so that linking
    /// the user later shows here too.
    pub(crate) fn user_identity_id<'a>(&self, ws: &'a Workspace) -> Option<&'a str> {
        let user = find::<AcsUser>(&ws.acs_users, &self.acs_user_id).ok()?;
        user.user_identity_id.as_deref()
    }

    pub(crate) fn render(&self, ws: &Workspace) -> Value {
        let now = ws.now();
        let issued = now >= self.issues_at;
        let issued_at = issued.then(|| iso(self.issues_at));
        let mut warnings = if issued {
            json!([])
        } else {
            json!([{
                "warning_code": "waiting_to_be_issued",
                "message": "The credential has not been issued by the access system yet.",
                "created_at": iso(self.created_at),
            }])
        };
        if let (Some(at), Value::Array(list)) = (self.invalidated_at, &mut warnings) {
            list.push(json!({
                "warning_code": "needs_to_be_reissued",
                "message": "The access system invalidated this credential; it must be issued again.",
                "created_at": iso(at),
            }));
        }
        let mut credential = json!({
            "acs_credential_id": self.acs_credential_id,
            "acs_user_id": self.acs_user_id,
            "acs_system_id": self.acs_system_id,
            "connected_account_id": self.connected_account_id,
            "workspace_id": ws.workspace_id,
            "display_name": self.display_name,
            "access_method": self.access_method.as_str(),
            "code": self.code,
            "card_number": null,
            "created_at": iso(self.created_at),
            "is_managed": true,
            "is_multi_phone_sync_credential": self.is_multi_phone_sync_credential,
            "is_one_time_use": false,
            "is_issued": issued,
            "issued_at": issued_at,
            "is_latest_desired_state_synced_with_provider": issued,
            "latest_desired_state_synced_with_provider_at": issued_at,
            "errors": [],
            "warnings": warnings,
        });
        if let Some(identity_id) = self.user_identity_id(ws) {
            credential["user_identity_id"] = json!(identity_id);
        }
        if let Some(starts_at) = self.starts_at {
            credential["starts_at"] = json!(iso(starts_at));
        }
        if let Some(ends_at) = self.ends_at {
            credential["ends_at"] = json!(iso(ends_at));
        }
        if let Some((external_type, display_name)) = self.kind.credential_external_type() {
            credential["external_type"] = json!(external_type);
            credential["external_type_display_name"] = json!(display_name);
        }
        credential
    }
}
