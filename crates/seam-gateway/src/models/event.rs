//! What happened in a workspace (events), and where Seam sends them (webhooks).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::open_enum;

open_enum! {
    /// The kind of an event. Seam has over a hundred and adds more; the ones Doorway acts on
    /// are variants, every other one arrives as `Other`.
    pub enum EventType {
        AccessCodeCreated = "access_code.created",
        AccessCodeChanged = "access_code.changed",
        AccessCodeScheduledOnDevice = "access_code.scheduled_on_device",
        AccessCodeSetOnDevice = "access_code.set_on_device",
        AccessCodeRemovedFromDevice = "access_code.removed_from_device",
        AccessCodeDelayInSettingOnDevice = "access_code.delay_in_setting_on_device",
        AccessCodeFailedToSetOnDevice = "access_code.failed_to_set_on_device",
        AccessCodeDeleted = "access_code.deleted",
        AccessCodeDelayInRemovingFromDevice = "access_code.delay_in_removing_from_device",
        AccessCodeFailedToRemoveFromDevice = "access_code.failed_to_remove_from_device",
        AccessCodeModifiedExternalToSeam = "access_code.modified_external_to_seam",
        AccessCodeDeletedExternalToSeam = "access_code.deleted_external_to_seam",
        AcsCredentialIssued = "acs_credential.issued",
        AcsCredentialReissued = "acs_credential.reissued",
        AcsCredentialInvalidated = "acs_credential.invalidated",
        AcsCredentialDeleted = "acs_credential.deleted",
        AcsUserCreated = "acs_user.created",
        AcsUserDeleted = "acs_user.deleted",
        DeviceConnected = "device.connected",
        DeviceDisconnected = "device.disconnected",
        DeviceLowBattery = "device.low_battery",
        DeviceRemoved = "device.removed",
        DeviceDeleted = "device.deleted",
        LockLocked = "lock.locked",
        LockUnlocked = "lock.unlocked",
        LockAccessDenied = "lock.access_denied",
        ..Other
    }
}

/// One event. Which ids are present depends on `event_type`; all but the five every event
/// has are optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub event_id: String,
    pub event_type: EventType,
    pub workspace_id: String,
    pub created_at: DateTime<Utc>,
    pub occurred_at: DateTime<Utc>,
    #[serde(default)]
    pub event_description: Option<String>,
    #[serde(default)]
    pub device_id: Option<String>,
    #[serde(default)]
    pub access_code_id: Option<String>,
    #[serde(default)]
    pub acs_system_id: Option<String>,
    #[serde(default)]
    pub acs_user_id: Option<String>,
    #[serde(default)]
    pub acs_credential_id: Option<String>,
    #[serde(default)]
    pub acs_entrance_id: Option<String>,
    #[serde(default)]
    pub user_identity_id: Option<String>,
    #[serde(default)]
    pub connected_account_id: Option<String>,
    #[serde(default)]
    pub action_attempt_id: Option<String>,
}

/// Where Seam delivers events (through Svix). `secret` is the signing key for verifying
/// deliveries: Seam returns it on create, and `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub webhook_id: String,
    pub url: String,
    /// The event types delivered; absent or empty means all.
    #[serde(default)]
    pub event_types: Option<Vec<EventType>>,
    /// `whsec_...`; the part after the prefix, base64-decoded, keys the HMAC-SHA256.
    #[serde(default)]
    pub secret: Option<String>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = self.secret.as_ref().map(|_| "[redacted]");
        f.debug_struct("Webhook")
            .field("webhook_id", &self.webhook_id)
            .field("url", &self.url)
            .field("event_types", &self.event_types)
            .field("secret", &secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_event_with_only_the_required_fields_parses() {
        let event: Event = serde_json::from_value(json!({
            "event_id": "ev_1",
            "event_type": "access_code.set_on_device",
            "workspace_id": "ws_1",
            "created_at": "2024-01-01T00:00:00Z",
            "occurred_at": "2024-01-01T00:00:00Z"
        }))
        .unwrap();
        assert_eq!(event.event_type, EventType::AccessCodeSetOnDevice);
        assert_eq!((event.device_id, event.access_code_id), (None, None));
    }

    #[test]
    fn an_event_of_a_new_type_with_new_fields_parses_and_round_trips() {
        let event: Event = serde_json::from_value(json!({
            "event_id": "ev_2",
            "event_type": "teleporter.warmed_up",
            "workspace_id": "ws_1",
            "created_at": "2024-01-01T00:00:00Z",
            "occurred_at": "2024-01-01T00:00:00Z",
            "device_id": "lock_1",
            "device_custom_metadata": {"unit": "4B"},
            "temperature_celsius": 21.5
        }))
        .unwrap();
        assert_eq!(
            event.event_type,
            EventType::Other("teleporter.warmed_up".to_owned())
        );
        assert_eq!(event.device_id.as_deref(), Some("lock_1"));
        let written = serde_json::to_value(&event).unwrap();
        assert_eq!(written["event_type"], "teleporter.warmed_up");
    }

    #[test]
    fn a_webhook_secret_stays_out_of_debug_output() {
        let webhook: Webhook = serde_json::from_value(json!({
            "webhook_id": "wh_1",
            "url": "https://doorway.example/hooks/seam",
            "event_types": ["access_code.set_on_device", "something.new"],
            "secret": "whsec_c2VjcmV0LXNpZ25pbmcta2V5"
        }))
        .unwrap();
        let shown = format!("{webhook:?}");
        assert!(!shown.contains("whsec_"), "{shown}");
        assert!(
            shown.contains("wh_1") && shown.contains("[redacted]"),
            "{shown}"
        );
        let listed: Webhook =
            serde_json::from_value(json!({"webhook_id": "wh_1", "url": "https://x"})).unwrap();
        assert_eq!((listed.secret, listed.event_types), (None, None));
    }
}
