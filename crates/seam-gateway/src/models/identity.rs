//! The workspace, the people in it (user identities) and what their phones need.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{ErrorItem, Warning};

/// A Seam workspace; one API key belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub workspace_id: String,
    pub name: String,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub is_sandbox: bool,
    #[serde(default)]
    pub is_suspended: Option<bool>,
}

/// One of our users as Seam knows them; ACS users and mobile keys hang off it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserIdentity {
    pub user_identity_id: String,
    /// Our own key for the user, unique per workspace; Seam's only natural key.
    #[serde(default)]
    pub user_identity_key: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub acs_user_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// Makes Seam enrol a user identity's phones with a credential manager, for mobile keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentAutomation {
    pub enrollment_automation_id: String,
    pub user_identity_id: String,
    pub credential_manager_acs_system_id: String,
    pub created_at: DateTime<Utc>,
}

/// What a resident's phone hands to Seam's mobile SDK. The token is a bearer credential for
/// that user's keys, so `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSession {
    pub client_session_id: String,
    pub token: String,
    #[serde(default)]
    pub user_identity_id: Option<String>,
    #[serde(default)]
    pub user_identifier_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession")
            .field("client_session_id", &self.client_session_id)
            .field("token", &"[redacted]")
            .field("user_identity_id", &self.user_identity_id)
            .field("user_identifier_key", &self.user_identifier_key)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_client_session_token_stays_out_of_debug_output() {
        let session: ClientSession = serde_json::from_value(json!({
            "client_session_id": "cs_1",
            "token": "seam_cst_very_secret",
            "user_identity_id": "ui_1",
            "user_identifier_key": null,
            "created_at": "2024-01-01T00:00:00Z",
            "expires_at": "2024-01-02T00:00:00Z",
            "device_count": 0,
            "connect_webview_ids": []
        }))
        .unwrap();
        assert_eq!(session.token, "seam_cst_very_secret");
        assert!(!format!("{session:?}").contains("seam_cst_very_secret"));
    }

    #[test]
    fn a_user_identity_with_nulls_parses() {
        let identity: UserIdentity = serde_json::from_value(json!({
            "user_identity_id": "ui_1",
            "user_identity_key": null,
            "email_address": "jane@example.com",
            "phone_number": null,
            "full_name": null,
            "display_name": "jane@example.com",
            "acs_user_ids": [],
            "created_at": "2024-01-01T00:00:00Z",
            "workspace_id": "ws_1",
            "errors": [],
            "warnings": []
        }))
        .unwrap();
        assert_eq!(identity.email_address.as_deref(), Some("jane@example.com"));
    }
}
