//! PIN codes on smart locks, and the action attempts that track Seam's work on a device.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{lenient_timestamp, open_enum, ErrorItem, Warning};

open_enum! {
    /// Where a code stands on its lock. Seam's own `unknown` is a variant; a value newer than
    /// this crate is `Other`.
    pub enum AccessCodeStatus {
        /// Being programmed onto the lock.
        Setting = "setting",
        /// On the lock and usable.
        Set = "set",
        /// Not on the lock (a time-bound code before its start).
        Unset = "unset",
        /// Being removed from the lock.
        Removing = "removing",
        Unknown = "unknown",
        ..Other
    }
}

open_enum! {
    /// `ongoing` codes stay until deleted; `time_bound` ones live from `starts_at` to
    /// `ends_at`, after which Seam deletes them.
    pub enum AccessCodeType {
        Ongoing = "ongoing",
        TimeBound = "time_bound",
        ..Other
    }
}

/// A PIN code on one device. Check `status` (or wait for `access_code.set_on_device`) before
/// telling anyone the code works; `warnings` and `errors` say why it does not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessCode {
    pub access_code_id: String,
    pub device_id: String,
    #[serde(default)]
    pub workspace_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// Absent while Seam waits for the lock to assign one (`is_waiting_for_code_assignment`).
    #[serde(default)]
    pub code: Option<crate::models::Pin>,
    /// Codes created with the same key share one PIN across devices.
    #[serde(default)]
    pub common_code_key: Option<String>,
    #[serde(rename = "type")]
    pub kind: AccessCodeType,
    pub status: AccessCodeStatus,
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub is_managed: Option<bool>,
    #[serde(default)]
    pub is_scheduled_on_device: Option<bool>,
    #[serde(default)]
    pub is_waiting_for_code_assignment: Option<bool>,
    #[serde(default)]
    pub is_offline_access_code: Option<bool>,
    #[serde(default)]
    pub is_one_time_use: Option<bool>,
    #[serde(default)]
    pub is_external_modification_allowed: Option<bool>,
    #[serde(default)]
    pub is_backup: Option<bool>,
    #[serde(default)]
    pub is_backup_access_code_available: Option<bool>,
    #[serde(default)]
    pub pulled_backup_access_code_id: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl AccessCode {
    pub fn has_warning(&self, warning_code: &str) -> bool {
        self.warnings.iter().any(|w| w.warning_code == warning_code)
    }
}

open_enum! {
    /// Whether Seam has finished the work an action attempt tracks.
    pub enum ActionAttemptStatus {
        Pending = "pending",
        Success = "success",
        Error = "error",
        ..Other
    }
}

/// Seam's receipt for work it does on a device after answering (programming or removing a
/// code, unlocking): poll it with `get_action_attempt` until it is no longer pending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionAttempt {
    pub action_attempt_id: String,
    /// `CREATE_ACCESS_CODE`, `DELETE_ACCESS_CODE`, `UNLOCK_DOOR`, ...; grows with Seam.
    pub action_type: String,
    pub status: ActionAttemptStatus,
    /// What the work produced; its shape depends on `action_type`. Null until done.
    #[serde(default)]
    pub result: Option<Value>,
    #[serde(default)]
    pub error: Option<ActionAttemptError>,
}

/// Why an action attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionAttemptError {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_code_as_the_smart_lock_guide_shows_it_parses() {
        let code: AccessCode = serde_json::from_value(json!({
            "access_code_id": "d2047ba8-8849-467f-a07a-efab6c3673bc",
            "device_id": "6aae9d08-fed6-4ca5-8328-e36849ab48fe",
            "name": "my ongoing code",
            "appearance": null,
            "code": "1234",
            "common_code_key": null,
            "type": "ongoing",
            "status": "setting",
            "pulled_backup_access_code_id": null,
            "is_backup_access_code_available": true,
            "created_at": "2023-10-19T06:55:28.278Z",
            "errors": [],
            "warnings": [],
            "is_managed": true,
            "is_external_modification_allowed": false,
            "is_offline_access_code": false,
            "is_one_time_use": false
        }))
        .unwrap();
        assert_eq!(code.status, AccessCodeStatus::Setting);
        assert_eq!(code.kind, AccessCodeType::Ongoing);
        assert_eq!(code.code.as_ref().map(crate::Pin::expose), Some("1234"));
        assert_eq!((code.starts_at, code.ends_at), (None, None));
    }

    #[test]
    fn new_statuses_and_types_and_missing_options_still_parse() {
        let code: AccessCode = serde_json::from_value(json!({
            "access_code_id": "ac_1",
            "device_id": "lock_1",
            "type": "recurring_weekly",
            "status": "hibernating",
            "starts_at": "2024-07-13T16:50:42.072Z",
            "ends_at": null,
            "created_at": "2024-07-13T16:50:42.072Z",
            "warnings": [{"warning_code": "code_modified_external_to_seam", "message": "m"}],
            "dormakaba_oracode_metadata": {"stay_id": 1}
        }))
        .unwrap();
        assert_eq!(
            code.status,
            AccessCodeStatus::Other("hibernating".to_owned())
        );
        assert_eq!(code.kind.as_str(), "recurring_weekly");
        assert_eq!(code.code, None);
        assert!(code.has_warning("code_modified_external_to_seam"));
        assert_eq!(serde_json::to_value(&code.status).unwrap(), "hibernating");
        let unknown: AccessCodeStatus = serde_json::from_value(json!("unknown")).unwrap();
        assert_eq!(unknown, AccessCodeStatus::Unknown);
    }

    #[test]
    fn action_attempts_pending_done_failed_and_new() {
        let parse = |value| serde_json::from_value::<ActionAttempt>(value).unwrap();
        let pending = parse(json!({"action_attempt_id": "aa_1", "action_type":
            "CREATE_ACCESS_CODE", "status": "pending", "result": null, "error": null}));
        assert_eq!(pending.status, ActionAttemptStatus::Pending);
        assert_eq!(pending.result, None);
        let failed = parse(
            json!({"action_attempt_id": "aa_2", "action_type": "UNLOCK_DOOR",
            "status": "error", "result": null,
            "error": {"type": "device_offline", "message": "offline"}}),
        );
        assert_eq!(failed.error.unwrap().kind, "device_offline");
        let new = parse(
            json!({"action_attempt_id": "aa_3", "action_type": "LEVITATE",
            "status": "queued"}),
        );
        assert_eq!(new.status, ActionAttemptStatus::Other("queued".to_owned()));
    }
}
