//! Access control systems and what they contain: entrances and access groups.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::access::AccessSchedule;
use super::common::{ErrorItem, Warning};

/// An access control system: a Latch building, a Salto KS site, or a credential manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcsSystem {
    pub acs_system_id: String,
    pub name: String,
    /// `latch_building`, `salto_ks_site`, `visionline_system`, ...; grows with integrations.
    #[serde(default)]
    pub external_type: Option<String>,
    #[serde(default)]
    pub external_type_display_name: Option<String>,
    /// Deprecated predecessor of `external_type`, read only as a fallback.
    #[serde(default)]
    pub system_type: Option<String>,
    #[serde(default)]
    pub is_credential_manager: bool,
    #[serde(default)]
    pub default_credential_manager_acs_system_id: Option<String>,
    #[serde(default)]
    pub connected_account_id: Option<String>,
    #[serde(default)]
    pub location: Option<AcsSystemLocation>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcsSystemLocation {
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl AcsSystem {
    /// The system's kind, preferring `external_type` over the deprecated `system_type`.
    pub fn kind(&self) -> Option<&str> {
        self.external_type
            .as_deref()
            .or(self.system_type.as_deref())
    }

    pub fn is_latch(&self) -> bool {
        self.kind() == Some("latch_building")
    }

    pub fn is_salto_ks(&self) -> bool {
        self.kind() == Some("salto_ks_site")
    }
}

/// A door, gate or other point of entry managed by an access control system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcsEntrance {
    pub acs_entrance_id: String,
    pub acs_system_id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub connected_account_id: Option<String>,
    #[serde(default)]
    pub space_ids: Vec<String>,
    #[serde(default)]
    pub can_unlock_with_mobile_key: Option<bool>,
    #[serde(default)]
    pub can_unlock_with_code: Option<bool>,
    #[serde(default)]
    pub can_unlock_with_card: Option<bool>,
    #[serde(default)]
    pub can_unlock_with_cloud_key: Option<bool>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// A preconfigured set of entrances and schedules (Salto KS, Brivo, ...); users join groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcsAccessGroup {
    pub acs_access_group_id: String,
    pub acs_system_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub display_name: String,
    /// `salto_ks_access_group`, `brivo_group`, ...; grows with integrations.
    #[serde(default)]
    pub external_type: Option<String>,
    #[serde(default)]
    pub access_schedule: Option<AccessSchedule>,
    #[serde(default)]
    pub connected_account_id: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_system_of_a_kind_we_never_heard_of_still_parses() {
        let system: AcsSystem = serde_json::from_value(json!({
            "acs_system_id": "acs_sys_1",
            "name": "Tower B",
            "external_type": "quantum_door_cloud",
            "is_credential_manager": false,
            "created_at": "2024-01-01T00:00:00.000Z",
            "location": {"time_zone": null},
            "warnings": [{"warning_code": "brand_new_warning", "message": "hm"}],
            "some_future_field": [1, 2, 3]
        }))
        .unwrap();
        assert_eq!(system.kind(), Some("quantum_door_cloud"));
        assert!(!system.is_latch() && !system.is_salto_ks());
        assert_eq!(system.warnings[0].warning_code, "brand_new_warning");
    }

    #[test]
    fn the_deprecated_system_type_is_a_fallback() {
        let system: AcsSystem = serde_json::from_value(json!({
            "acs_system_id": "s",
            "name": "n",
            "system_type": "latch_building",
            "created_at": "2024-01-01T00:00:00Z"
        }))
        .unwrap();
        assert!(system.is_latch());
    }
}
