//! Entrances (`acs_entrance`): the doors of an access system, with what can open them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{identified, SystemKind};
use crate::clock::iso;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AcsEntrance {
    pub(crate) acs_entrance_id: String,
    pub(crate) seq: u64,
    pub(crate) acs_system_id: String,
    pub(crate) connected_account_id: String,
    pub(crate) display_name: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) kind: SystemKind,
    pub(crate) can_unlock_with_code: bool,
    pub(crate) can_unlock_with_mobile_key: bool,
    pub(crate) can_unlock_with_card: bool,
    /// Latch's door type (`building_entrance`, `unit_door`...), shown in `latch_metadata`.
    pub(crate) door_type: String,
}

identified!(
    AcsEntrance,
    acs_entrance_id,
    "acs_entrance_not_found",
    "acs entrance"
);

impl AcsEntrance {
    pub(crate) fn render(&self) -> Value {
        let mut entrance = json!({
            "acs_entrance_id": self.acs_entrance_id,
            "acs_system_id": self.acs_system_id,
            "connected_account_id": self.connected_account_id,
            "display_name": self.display_name,
            "created_at": iso(self.created_at),
            "space_ids": [],
            "errors": [],
            "warnings": [],
            "can_unlock_with_code": self.can_unlock_with_code,
            "can_unlock_with_mobile_key": self.can_unlock_with_mobile_key,
            "can_unlock_with_card": self.can_unlock_with_card,
            "can_unlock_with_cloud_key": false,
            "can_belong_to_reservation": false,
        });
        match self.kind {
            SystemKind::LatchBuilding => {
                entrance["latch_metadata"] = json!({
                    "door_name": self.display_name,
                    "door_type": self.door_type,
                    "accessibility_type": if self.door_type == "unit_door" { "private" } else { "shared" },
                    "is_connected": true,
                });
            }
            SystemKind::SaltoKsSite => {
                entrance["salto_ks_metadata"] = json!({
                    "door_name": self.display_name,
                    "lock_type": self.door_type,
                    "locked_state": "locked",
                    "online": true,
                    "battery_level": "full",
                    "intrusion_alarm": false,
                    "left_open_alarm": false,
                    "privacy_mode": false,
                });
            }
            SystemKind::LatchCredentialManager => {}
        }
        entrance
    }
}
