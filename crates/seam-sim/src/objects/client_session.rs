//! Client sessions (`client_session`): the token a mobile app hands to Seam's SDK to act as
//! one user identity.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;
use crate::clock::iso;
use crate::state::Workspace;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ClientSession {
    pub(crate) client_session_id: String,
    pub(crate) token: String,
    pub(crate) user_identity_id: Option<String>,
    pub(crate) user_identifier_key: Option<String>,
    pub(crate) connected_account_ids: Vec<String>,
    pub(crate) connect_webview_ids: Vec<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
}

identified!(
    ClientSession,
    client_session_id,
    "client_session_not_found",
    "client session"
);

impl ClientSession {
    pub(crate) fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }

    /// `device_count` counts the devices reachable through the session's connected accounts.
    pub(crate) fn render(&self, ws: &Workspace) -> Value {
        let device_count = ws
            .devices
            .iter()
            .filter(|device| {
                self.connected_account_ids
                    .contains(&device.connected_account_id)
            })
            .count();
        let mut session = json!({
            "client_session_id": self.client_session_id,
            "workspace_id": ws.workspace_id,
            "token": self.token,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "user_identifier_key": self.user_identifier_key,
            "device_count": device_count,
            "connected_account_ids": self.connected_account_ids,
            "connect_webview_ids": self.connect_webview_ids,
            "user_identity_ids": self.user_identity_id.iter().collect::<Vec<_>>(),
        });
        if let Some(identity_id) = &self.user_identity_id {
            session["user_identity_id"] = json!(identity_id);
        }
        session
    }
}
