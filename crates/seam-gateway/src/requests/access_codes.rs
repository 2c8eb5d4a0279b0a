//! What we send about access codes. Field names are the OpenAPI request schemas'.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::models::AccessCodeType;

/// `/access_codes/create`. Without `ends_at` the code is ongoing. Without `code`, Seam (or
/// the lock) picks one; `preferred_code_length` steers it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateAccessCode {
    pub device_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<crate::models::Pin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Codes created with the same key get the same PIN on every device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_code_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_code_length: Option<u32>,
    /// Load a time-bound code onto a lock that schedules codes itself, ahead of its start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefer_native_scheduling: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_offline_access_code: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_one_time_use: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_for_offline_device: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_external_modification: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_backup_access_code_pool: Option<bool>,
}

/// `/access_codes/update`: only the fields set are changed. `device_id` is the device the
/// code is on: the per-device rate limit is keyed on it, and it is sent for Seam to check.
/// To make a time-bound code ongoing, set `kind` to `Ongoing`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateAccessCode {
    pub access_code_id: String,
    pub device_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<crate::models::Pin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<AccessCodeType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_code_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefer_native_scheduling: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_offline_access_code: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_one_time_use: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_for_offline_device: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_external_modification: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_backup_access_code_pool: Option<bool>,
}

/// `/access_codes/list` filter: Seam wants `device_id` or `access_code_ids`. Every page is
/// fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccessCodeFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_code_ids: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_update_sends_the_device_and_only_what_changes() {
        let update = UpdateAccessCode {
            access_code_id: "ac_1".into(),
            device_id: "lock_1".into(),
            kind: Some(AccessCodeType::Ongoing),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"access_code_id": "ac_1", "device_id": "lock_1", "type": "ongoing"})
        );
    }
}
