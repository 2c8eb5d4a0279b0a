//! What we send to Seam. Field names are the OpenAPI request schemas'; absent options are
//! left out of the JSON, so Seam never receives a field it does not know or a stray `null`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::models::{AccessMethod, AccessSchedule};

mod access_codes;
mod events;

pub use access_codes::{AccessCodeFilter, CreateAccessCode, UpdateAccessCode};
pub use events::{CreateWebhook, EventFilter};

/// `/user_identities/create`. `user_identity_key` is Seam's only natural key: set it, so an
/// ambiguous create can be checked with `get_user_identity_by_key`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateUserIdentity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_identity_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// E.164, such as `+15555550100`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
}

/// `/user_identities/enrollment_automations/launch` (marked "will be removed" by Seam, but
/// still the documented way to turn on Latch mobile keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaunchEnrollmentAutomation {
    pub user_identity_id: String,
    pub credential_manager_acs_system_id: String,
    pub create_credential_manager_user: bool,
}

/// `/acs/users/create`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateAcsUser {
    pub acs_system_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_identity_id: Option<String>,
    pub full_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Salto KS keeps the user unsubscribed until `starts_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_schedule: Option<AccessSchedule>,
}

/// `/acs/credentials/create`. Latch mobile keys: `access_method: MobileKey`,
/// `is_multi_phone_sync_credential: Some(true)`, no `code`. Latch PIN codes: one entrance each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateAcsCredential {
    pub acs_user_id: String,
    pub access_method: AccessMethod,
    pub allowed_acs_entrance_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_multi_phone_sync_credential: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Digits only; some systems (Latch) generate the code themselves and refuse one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<crate::models::Pin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_manager_acs_system_id: Option<String>,
}

/// `/acs/users/list` filter; every page is fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AcsUserFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acs_system_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_identity_id: Option<String>,
}

/// `/acs/credentials/list` filter. Seam accepts `acs_user_id`, `acs_system_id`, both, or
/// `user_identity_id` alone; other combinations are rejected by Seam.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AcsCredentialFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acs_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acs_system_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_identity_id: Option<String>,
}

/// `/devices/list` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_ids: Option<Vec<String>>,
}

/// `/acs/users/update`: only the fields set are changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateAcsUser {
    pub acs_user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_schedule: Option<AccessSchedule>,
}

/// `/acs/credentials/update`: a new code, or a new end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateAcsCredential {
    pub acs_credential_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<crate::models::Pin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
}

/// `/user_identities/list` filter; every page is fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserIdentityFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_identity_ids: Option<Vec<String>>,
    /// Matched by Seam against names, emails, phone numbers and ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_manager_acs_system_id: Option<String>,
}

/// `/client_sessions/create`: a new session, unlike `get_or_create_client_session`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateClientSession {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_identity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_identifier_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connected_account_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_webview_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn absent_options_are_not_sent() {
        let body = CreateAcsUser {
            acs_system_id: "sys".into(),
            full_name: "Jane Doe".into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"acs_system_id": "sys", "full_name": "Jane Doe"})
        );
        assert_eq!(
            serde_json::to_value(CreateUserIdentity::default()).unwrap(),
            json!({})
        );
    }

    #[test]
    fn a_mobile_key_request_matches_the_latch_guide() {
        let body = CreateAcsCredential {
            acs_user_id: "user_1".into(),
            access_method: AccessMethod::MobileKey,
            allowed_acs_entrance_ids: vec!["e1".into(), "e2".into()],
            is_multi_phone_sync_credential: Some(true),
            starts_at: Some("2024-07-13T16:50:42.072Z".parse().unwrap()),
            ends_at: Some("2024-07-18T16:50:42.072Z".parse().unwrap()),
            code: None,
            credential_manager_acs_system_id: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "acs_user_id": "user_1",
                "access_method": "mobile_key",
                "allowed_acs_entrance_ids": ["e1", "e2"],
                "is_multi_phone_sync_credential": true,
                "starts_at": "2024-07-13T16:50:42.072Z",
                "ends_at": "2024-07-18T16:50:42.072Z"
            })
        );
    }
}
