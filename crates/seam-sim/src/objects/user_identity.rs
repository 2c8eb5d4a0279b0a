//! User identities (`user_identity`): an app's own user as Seam knows it, which ACS users,
//! credentials, client sessions and enrollment automations hang from. Also the enrollment
//! automations launched for them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;
use crate::clock::iso;
use crate::state::Workspace;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UserIdentity {
    pub(crate) user_identity_id: String,
    pub(crate) seq: u64,
    pub(crate) user_identity_key: Option<String>,
    pub(crate) email_address: Option<String>,
    pub(crate) phone_number: Option<String>,
    pub(crate) full_name: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

identified!(
    UserIdentity,
    user_identity_id,
    "user_identity_not_found",
    "user identity"
);

impl UserIdentity {
    pub(crate) fn display_name(&self) -> String {
        self.full_name
            .clone()
            .or_else(|| self.email_address.clone())
            .or_else(|| self.phone_number.clone())
            .or_else(|| self.user_identity_key.clone())
            .unwrap_or_else(|| self.user_identity_id.clone())
    }

    /// `acs_user_ids` is derived from the ACS users that point here, so it cannot drift.
    pub(crate) fn render(&self, ws: &Workspace) -> Value {
        let acs_user_ids: Vec<&str> = ws
            .acs_users
            .iter()
            .filter(|user| user.user_identity_id.as_deref() == Some(&self.user_identity_id))
            .map(|user| user.acs_user_id.as_str())
            .collect();
        json!({
            "user_identity_id": self.user_identity_id,
            "user_identity_key": self.user_identity_key,
            "email_address": self.email_address,
            "phone_number": self.phone_number,
            "full_name": self.full_name,
            "display_name": self.display_name(),
            "created_at": iso(self.created_at),
            "workspace_id": ws.workspace_id,
            "acs_user_ids": acs_user_ids,
            "errors": [],
            "warnings": [],
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EnrollmentAutomation {
    pub(crate) enrollment_automation_id: String,
    pub(crate) user_identity_id: String,
    pub(crate) credential_manager_acs_system_id: String,
    pub(crate) created_at: DateTime<Utc>,
}

identified!(
    EnrollmentAutomation,
    enrollment_automation_id,
    "enrollment_automation_not_found",
    "enrollment automation"
);

impl EnrollmentAutomation {
    pub(crate) fn render(&self, workspace_id: &str) -> Value {
        json!({
            "enrollment_automation_id": self.enrollment_automation_id,
            "user_identity_id": self.user_identity_id,
            "credential_manager_acs_system_id": self.credential_manager_acs_system_id,
            "created_at": iso(self.created_at),
            "workspace_id": workspace_id,
        })
    }
}
