//! Phones (`phone`): a user identity's phone as Seam's mobile SDK registers it. In a sandbox
//! one is made with `/phones/simulate/create_sandbox_phone`; deactivating it
//! (`/phones/deactivate`) is what invalidates the mobile keys it held.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;
use crate::clock::iso;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Phone {
    pub(crate) device_id: String,
    pub(crate) seq: u64,
    pub(crate) user_identity_id: String,
    /// `ios_phone` or `android_phone`.
    pub(crate) device_type: String,
    pub(crate) display_name: String,
    pub(crate) custom_sdk_installation_id: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
}

identified!(Phone, device_id, "device_not_found", "phone");

impl Phone {
    pub(crate) fn render(&self, workspace_id: &str) -> Value {
        json!({
            "device_id": self.device_id,
            "device_type": self.device_type,
            "display_name": self.display_name,
            "nickname": self.display_name,
            "workspace_id": workspace_id,
            "created_at": iso(self.created_at),
            "custom_metadata": {},
            "errors": [],
            "warnings": [],
            "properties": {
                "assa_abloy_credential_service_metadata": {
                    "has_active_endpoint": true,
                    "endpoints": [{ "endpoint_id": self.device_id, "is_active": true }],
                },
            },
        })
    }
}
