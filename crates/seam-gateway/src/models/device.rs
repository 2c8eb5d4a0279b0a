//! Smart locks and other devices connected to the workspace.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{ErrorItem, Warning};

/// A device such as a smart lock. `device_type` and `capabilities_supported` grow with
/// every integration, so both stay strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub device_id: String,
    /// `august_lock`, `schlage_lock`, ...
    pub device_type: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub nickname: Option<String>,
    /// `access_code`, `lock`, `thermostat`, ...
    #[serde(default)]
    pub capabilities_supported: Vec<String>,
    #[serde(default)]
    pub can_program_online_access_codes: Option<bool>,
    #[serde(default)]
    pub can_program_offline_access_codes: Option<bool>,
    #[serde(default)]
    pub can_remotely_lock: Option<bool>,
    #[serde(default)]
    pub can_remotely_unlock: Option<bool>,
    #[serde(default)]
    pub properties: DeviceProperties,
    #[serde(default)]
    pub connected_account_id: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl Device {
    pub fn has_capability(&self, capability: &str) -> bool {
        self.capabilities_supported.iter().any(|c| c == capability)
    }

    /// Whether online access codes can be programmed now: the capability flag when Seam sends
    /// it, else the older `access_code` capability plus `online_access_codes_enabled`.
    pub fn supports_online_access_codes(&self) -> bool {
        self.can_program_online_access_codes.unwrap_or_else(|| {
            self.has_capability("access_code")
                && self.properties.online_access_codes_enabled != Some(false)
        })
    }
}

/// The part of a device's `properties` that access codes depend on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceProperties {
    #[serde(default)]
    pub online: Option<bool>,
    /// Deprecated by Seam in favour of `Device::display_name`; kept for older devices.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub locked: Option<bool>,
    #[serde(default)]
    pub battery_level: Option<f64>,
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub online_access_codes_enabled: Option<bool>,
    #[serde(default)]
    pub offline_access_codes_enabled: Option<bool>,
    #[serde(default)]
    pub supported_code_lengths: Vec<u32>,
    #[serde(default)]
    pub max_active_codes_supported: Option<u32>,
    #[serde(default)]
    pub code_constraints: Vec<CodeConstraint>,
}

/// A rule for codes on a device, such as `no_zeros` or `name_length` with bounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeConstraint {
    pub constraint_type: String,
    #[serde(default)]
    pub min_length: Option<u32>,
    #[serde(default)]
    pub max_length: Option<u32>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_lock_with_unknown_type_and_capability_parses() {
        let device: Device = serde_json::from_value(json!({
            "device_id": "august_device_1",
            "device_type": "teleport_lock",
            "display_name": "Front door",
            "capabilities_supported": ["access_code", "lock", "levitation"],
            "properties": {
                "online": true,
                "name": "Front door",
                "online_access_codes_enabled": true,
                "supported_code_lengths": [4, 6],
                "code_constraints": [
                    {"constraint_type": "no_zeros"},
                    {"constraint_type": "name_length", "max_length": 14}
                ],
                "appearance": {"name": "x"}
            },
            "created_at": "2024-01-01T00:00:00Z"
        }))
        .unwrap();
        assert!(device.supports_online_access_codes());
        assert_eq!(device.properties.code_constraints[1].max_length, Some(14));
        assert_eq!(device.properties.online, Some(true));
    }
}
