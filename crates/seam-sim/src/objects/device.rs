//! Devices (`device`): smart locks connected directly to Seam. A lock with a keypad supports
//! the `access_code` capability and online access codes. Like Seam's sandbox devices, every
//! lock can be disconnected and reconnected (`/devices/simulate/{disconnect,connect}`); a lock
//! that reaches Seam through a hub (the August model) can lose its hub
//! (`/devices/simulate/{disconnect_from_hub,connect_to_hub}`), and one that needs a paid
//! subscription (the Nuki model) can see it expire (`/devices/simulate/paid_subscription`).
//!
//! Seam reaches a lock only while the lock, its hub and its connected account are all
//! connected: the device then reports `online: true`. Otherwise it keeps its capabilities but
//! reports `online: false` and an error for each cause (`device_disconnected`,
//! `hub_disconnected`, `account_disconnected`), and [`crate::lifecycle`] holds up its codes.
//! An expired subscription is an error (`subscription_required`) without cutting the lock off.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{identified, ConnectedAccount};
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
    /// Reaches Seam through a Wi-Fi hub (bridge), which can be disconnected on its own.
    #[serde(default)]
    pub(crate) has_hub: bool,
    /// Needs the provider's paid subscription, which can expire.
    #[serde(default)]
    pub(crate) needs_subscription: bool,
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
    /// The lock's own connection; see the module docs for what else `online` depends on.
    pub(crate) online: bool,
    /// When `online` last changed (creation, for a lock never disconnected or reconnected):
    /// when its `device_disconnected` error appeared.
    pub(crate) online_changed_at: DateTime<Utc>,
    /// When the lock's hub went offline, while it is.
    #[serde(default)]
    pub(crate) hub_disconnected_at: Option<DateTime<Utc>>,
    /// When the lock's subscription expired, while it is.
    #[serde(default)]
    pub(crate) subscription_expired_at: Option<DateTime<Utc>>,
    /// When Seam last gained or lost its way to the lock, which is where the lifecycles of its
    /// codes restart from; `None` until something other than `online` changed it (then
    /// `online_changed_at` tells).
    #[serde(default)]
    pub(crate) reach_changed_at: Option<DateTime<Utc>>,
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

    /// Whether Seam can reach the lock: it, its hub and its account (`account_down`) are
    /// all connected.
    pub(crate) fn reachable(&self, account_down: bool) -> bool {
        self.online && self.hub_disconnected_at.is_none() && !account_down
    }

    /// When [`Self::reachable`] last changed.
    pub(crate) fn reach_since(&self) -> DateTime<Utc> {
        self.reach_changed_at.unwrap_or(self.online_changed_at)
    }

    /// The `can_*` flags `/devices/list` filters on with `include_if` / `exclude_if`.
    pub(crate) fn capability_flags(&self) -> [(&'static str, bool); 11] {
        let codes = self.model.has_keypad;
        let hub = self.model.has_hub;
        [
            ("can_remotely_lock", true),
            ("can_remotely_unlock", true),
            ("can_program_online_access_codes", codes),
            ("can_program_offline_access_codes", false),
            ("can_unlock_with_code", codes),
            ("can_simulate_connection", true),
            ("can_simulate_disconnection", true),
            ("can_simulate_removal", true),
            ("can_simulate_hub_connection", hub),
            ("can_simulate_hub_disconnection", hub),
            (
                "can_simulate_paid_subscription",
                self.model.needs_subscription,
            ),
        ]
    }

    /// The device's own errors (not its account's): `device_disconnected` while offline,
    /// `hub_disconnected` while its hub is, `subscription_required` while its subscription has
    /// expired.
    pub(crate) fn own_errors(&self) -> Vec<Value> {
        let offline = (!self.online).then_some((
            "device_disconnected",
            "Device is disconnected",
            self.online_changed_at,
        ));
        let hub = self.hub_disconnected_at.map(|at| {
            (
                "hub_disconnected",
                "The hub (bridge) the device reaches Seam through is disconnected",
                at,
            )
        });
        let subscription = self.subscription_expired_at.map(|at| {
            (
                "subscription_required",
                "The device needs an active subscription with its provider",
                at,
            )
        });
        [offline, hub, subscription]
            .into_iter()
            .flatten()
            .map(|(error_code, message, at)| {
                json!({
                    "error_code": error_code,
                    "message": message,
                    "is_device_error": true,
                    "created_at": iso(at),
                })
            })
            .collect()
    }

    /// `errors` as rendered: the device's own, then its connected account's, flagged as not
    /// a device error.
    pub(crate) fn errors(&self, account: Option<&ConnectedAccount>) -> Vec<Value> {
        let mut errors = self.own_errors();
        let account_errors = account.map(ConnectedAccount::errors).unwrap_or_default();
        errors.extend(account_errors.into_iter().map(|mut error| {
            error["is_device_error"] = json!(false);
            error
        }));
        errors
    }

    /// The device as Seam renders it, with its connected `account` (`None` only in a
    /// workspace loaded from a dump made before connected accounts were kept).
    pub(crate) fn render(&self, workspace_id: &str, account: Option<&ConnectedAccount>) -> Value {
        let online = self.reachable(account.is_some_and(ConnectedAccount::is_disconnected));
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
            "online": online,
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
            "errors": self.errors(account),
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
