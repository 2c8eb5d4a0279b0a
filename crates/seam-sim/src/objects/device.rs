//! Devices (`device`): smart locks connected directly to Seam. A lock with a keypad supports
//! the `access_code` capability and online access codes; an offline lock keeps its
//! capabilities but reports `online: false` and a `device_disconnected` error. Like Seam's
//! sandbox devices, every lock can be disconnected and reconnected through
//! `/devices/simulate/{disconnect,connect}`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::identified;
use crate::clock::iso;

/// What a lock model is and can do; the seed picks from a few real-world models.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DeviceModel {
    pub(crate) device_type: String,
    pub(crate) manufacturer: String,
    pub(crate) manufacturer_display_name: String,
    pub(crate) model_display_name: String,
    /// Has a keypad Seam can program codes on (the `access_code` capability).
    pub(crate) has_keypad: bool,
    pub(crate) supported_code_lengths: Vec<u8>,
    pub(crate) max_active_codes_supported: u32,
    /// Keeps time-bound codes in its own schedule, so Seam preloads them 72 hours ahead.
    /// Seam does not render this; `/_sim/state` does, for tests.
    pub(crate) supports_native_scheduling: bool,
    /// Seam's `properties.code_constraints`: what else the lock refuses in a code or a name.
    #[serde(default)]
    pub(crate) code_constraints: Vec<CodeConstraint>,
}

/// One of a lock's `code_constraints`, as Seam renders it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeConstraint {
    pub(crate) constraint_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_length: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Device {
    pub(crate) device_id: String,
    pub(crate) seq: u64,
    pub(crate) display_name: String,
    pub(crate) model: DeviceModel,
    pub(crate) connected_account_id: String,
    pub(crate) online: bool,
    /// When `online` last changed (creation, for a lock never disconnected or reconnected):
    /// when its `device_disconnected` error appeared, and where the lifecycles of its codes
    /// restart from.
    pub(crate) online_changed_at: DateTime<Utc>,
    pub(crate) locked: bool,
    pub(crate) battery_level: f64,
    pub(crate) location_name: String,
    pub(crate) time_zone: String,
    pub(crate) created_at: DateTime<Utc>,
}

identified!(Device, device_id, "device_not_found", "device");

impl Device {
    /// The `access_code` capability: a keypad Seam can program.
    pub(crate) fn supports_access_codes(&self) -> bool {
        self.model.has_keypad
    }

    /// The `can_*` flags `/devices/list` filters on with `include_if` / `exclude_if`.
    pub(crate) fn capability_flags(&self) -> [(&'static str, bool); 8] {
        let codes = self.model.has_keypad;
        [
            ("can_remotely_lock", true),
            ("can_remotely_unlock", true),
            ("can_program_online_access_codes", codes),
            ("can_program_offline_access_codes", false),
            ("can_unlock_with_code", codes),
            ("can_simulate_connection", true),
            ("can_simulate_disconnection", true),
            ("can_simulate_removal", true),
        ]
    }

    /// `errors` as rendered: `device_disconnected` while offline.
    pub(crate) fn errors(&self) -> Value {
        if self.online {
            return json!([]);
        }
        json!([{
            "error_code": "device_disconnected",
            "message": "Device is disconnected",
            "is_device_error": true,
            "created_at": iso(self.online_changed_at),
        }])
    }

    pub(crate) fn render(&self, workspace_id: &str) -> Value {
        let model = &self.model;
        let mut capabilities = vec!["lock"];
        if model.has_keypad {
            capabilities.insert(0, "access_code");
        }
        let image_url = format!(
            "https://connect.getseam.com/assets/images/devices/{}.png",
            model.device_type
        );
        let mut properties = json!({
            "online": self.online,
            "name": self.display_name,
            "appearance": { "name": self.display_name },
            "model": {
                "display_name": model.model_display_name,
                "manufacturer_display_name": model.manufacturer_display_name,
                "has_built_in_keypad": model.has_keypad,
                "can_connect_accessory_keypad": false,
                "online_access_codes_supported": model.has_keypad,
                "offline_access_codes_supported": false,
            },
            "manufacturer": model.manufacturer,
            "image_url": image_url,
            "image_alt_text": format!("{} {}", model.manufacturer_display_name, model.model_display_name),
            "battery_level": self.battery_level,
            "battery": { "level": self.battery_level, "status": battery_status(self.battery_level) },
            "locked": self.locked,
            "door_open": false,
            "has_native_entry_events": true,
        });
        if model.has_keypad {
            properties["online_access_codes_enabled"] = json!(true);
            properties["offline_access_codes_enabled"] = json!(false);
            properties["supported_code_lengths"] = json!(model.supported_code_lengths);
            properties["max_active_codes_supported"] = json!(model.max_active_codes_supported);
            properties["code_constraints"] = json!(model.code_constraints);
        }
        properties[format!("{}_metadata", model.manufacturer)] = json!({
            "device_name": self.display_name,
            "device_id": self.device_id,
            "model": model.model_display_name,
        });
        let mut device = json!({
            "device_id": self.device_id,
            "device_type": model.device_type,
            "display_name": self.display_name,
            "nickname": self.display_name,
            "capabilities_supported": capabilities,
            "properties": properties,
            "connected_account_id": self.connected_account_id,
            "workspace_id": workspace_id,
            "created_at": iso(self.created_at),
            "is_managed": true,
            "custom_metadata": {},
            "space_ids": [],
            "errors": self.errors(),
            "warnings": [],
            "location": { "location_name": self.location_name, "time_zone": self.time_zone },
            "device_manufacturer": {
                "manufacturer": model.manufacturer,
                "display_name": model.manufacturer_display_name,
            },
        });
        if let Value::Object(fields) = &mut device {
            let flags: Map<String, Value> = self
                .capability_flags()
                .into_iter()
                .map(|(flag, value)| (flag.to_owned(), json!(value)))
                .collect();
            fields.extend(flags);
        }
        device
    }
}

fn battery_status(level: f64) -> &'static str {
    match level {
        l if l >= 0.95 => "full",
        l if l >= 0.4 => "good",
        l if l >= 0.15 => "low",
        _ => "critical",
    }
}
