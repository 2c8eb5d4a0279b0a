//! Who may enter (ACS users) and with what (credentials).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{lenient_timestamp, open_enum, ErrorItem, Warning};

open_enum! {
    /// How a credential opens a door. Seam adds methods over time; a new one arrives as
    /// `Unknown` and round-trips unchanged.
    pub enum AccessMethod {
        Code = "code",
        Card = "card",
        MobileKey = "mobile_key",
        CloudKey = "cloud_key",
        ..Unknown
    }
}

/// When an ACS user's access starts and ends. Used in requests and responses alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessSchedule {
    pub starts_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
}

/// A person as the access control system knows them (a Latch resident, a Salto KS user).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcsUser {
    pub acs_user_id: String,
    pub acs_system_id: String,
    #[serde(default)]
    pub user_identity_id: Option<String>,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub access_schedule: Option<AccessSchedule>,
    #[serde(default)]
    pub is_suspended: Option<bool>,
    /// `latch_user`, `salto_site_user`, ...; grows with integrations.
    #[serde(default)]
    pub external_type: Option<String>,
    #[serde(default)]
    pub salto_ks_metadata: Option<SaltoKsUserMetadata>,
    #[serde(default)]
    pub connected_account_id: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// Salto KS keeps a user "unsubscribed" until their access schedule starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaltoKsUserMetadata {
    #[serde(default)]
    pub is_subscribed: Option<bool>,
}

/// A PIN code, card, or mobile key. It has no status: its state is `is_issued`/`issued_at`,
/// and its `warnings` (`waiting_to_be_issued`, `being_deleted`, ...) and `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcsCredential {
    pub acs_credential_id: String,
    #[serde(default)]
    pub acs_user_id: Option<String>,
    pub acs_system_id: String,
    #[serde(default)]
    pub user_identity_id: Option<String>,
    pub access_method: AccessMethod,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub code: Option<crate::models::Pin>,
    #[serde(default)]
    pub card_number: Option<String>,
    #[serde(default)]
    pub is_issued: Option<bool>,
    #[serde(default)]
    pub issued_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub is_multi_phone_sync_credential: Option<bool>,
    #[serde(default)]
    pub is_latest_desired_state_synced_with_provider: Option<bool>,
    /// `latch_access`, `salto_ks_credential`, ...; grows with integrations.
    #[serde(default)]
    pub external_type: Option<String>,
    #[serde(default)]
    pub parent_acs_credential_id: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl AcsCredential {
    pub fn has_warning(&self, warning_code: &str) -> bool {
        self.warnings.iter().any(|w| w.warning_code == warning_code)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn access_methods_round_trip_including_new_ones() {
        for text in ["code", "card", "mobile_key", "cloud_key", "retina_scan"] {
            let method: AccessMethod = serde_json::from_value(json!(text)).unwrap();
            assert_eq!(method.as_str(), text);
            assert_eq!(serde_json::to_value(&method).unwrap(), json!(text));
        }
        assert_eq!(
            AccessMethod::from("mobile_key".to_owned()),
            AccessMethod::MobileKey
        );
    }

    #[test]
    fn a_credential_parses_from_a_minimal_and_a_grown_body() {
        let minimal: AcsCredential = serde_json::from_value(json!({
            "acs_credential_id": "cred_1",
            "acs_system_id": "sys_1",
            "access_method": "mobile_key",
            "created_at": "2024-07-13T16:50:42.072Z"
        }))
        .unwrap();
        assert_eq!(minimal.acs_user_id, None);
        assert!(minimal.warnings.is_empty());

        let grown: AcsCredential = serde_json::from_value(json!({
            "acs_credential_id": "cred_2",
            "acs_user_id": "user_1",
            "acs_system_id": "sys_1",
            "access_method": "palm_vein",
            "display_name": "Palm",
            "code": null,
            "is_issued": false,
            "issued_at": null,
            "starts_at": "2024-07-13T16:50:42.072Z",
            "ends_at": "2024-07-18T16:50:42.072Z",
            "is_multi_phone_sync_credential": true,
            "warnings": [{"warning_code": "waiting_to_be_issued", "message": "soon"}],
            "errors": [],
            "created_at": "2024-07-13T16:50:42.072Z",
            "hologram_metadata": {"hue": 3}
        }))
        .unwrap();
        assert_eq!(
            grown.access_method,
            AccessMethod::Unknown("palm_vein".to_owned())
        );
        assert!(grown.has_warning("waiting_to_be_issued"));
        assert!(grown.ends_at > grown.starts_at);
    }
}
