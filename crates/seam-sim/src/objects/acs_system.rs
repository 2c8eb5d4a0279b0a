//! Access control systems (`acs_system`): a Latch building, its credential manager, a Salto KS
//! site. The kind decides the rules the simulator enforces for users and credentials.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;
use crate::clock::iso;
use crate::state::Workspace;

/// The kinds of access system the simulator knows, each with its provider's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum SystemKind {
    LatchBuilding,
    /// The system that issues Latch mobile keys to phones; Seam's spec has no external type
    /// for it, so it is rendered without one.
    LatchCredentialManager,
    SaltoKsSite,
}

impl SystemKind {
    pub(crate) fn external_type(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::LatchBuilding => Some(("latch_building", "Latch Building")),
            Self::SaltoKsSite => Some(("salto_ks_site", "Salto KS site")),
            Self::LatchCredentialManager => None,
        }
    }

    pub(crate) fn is_credential_manager(self) -> bool {
        self == Self::LatchCredentialManager
    }

    /// `external_type` and its display name for ACS users of this system.
    pub(crate) fn user_external_type(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::LatchBuilding => Some(("latch_user", "Latch User")),
            Self::SaltoKsSite => Some(("salto_site_user", "Salto KS User")),
            Self::LatchCredentialManager => None,
        }
    }

    /// `external_type` and its display name for credentials of this system.
    pub(crate) fn credential_external_type(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::LatchBuilding => Some(("latch_access", "Latch Access")),
            Self::SaltoKsSite => Some(("salto_ks_credential", "Salto KS Credential")),
            Self::LatchCredentialManager => None,
        }
    }

    fn image(self) -> (&'static str, &'static str) {
        match self {
            Self::LatchBuilding | Self::LatchCredentialManager => (
                "https://connect.getseam.com/assets/images/acs_systems/latch_building.png",
                "Latch Logo",
            ),
            Self::SaltoKsSite => (
                "https://connect.getseam.com/assets/images/acs_systems/salto_ks_site.png",
                "Salto KS site Logo",
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AcsSystem {
    pub(crate) acs_system_id: String,
    pub(crate) kind: SystemKind,
    pub(crate) name: String,
    pub(crate) connected_account_id: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) time_zone: String,
    /// Credential managers that can issue mobile keys for this system; the first is the
    /// default.
    pub(crate) credential_manager_ids: Vec<String>,
}

identified!(
    AcsSystem,
    acs_system_id,
    "acs_system_not_found",
    "acs system"
);

impl AcsSystem {
    pub(crate) fn render(&self, ws: &Workspace) -> Value {
        let (image_url, image_alt_text) = self.kind.image();
        let users = ws
            .acs_users
            .iter()
            .filter(|user| user.acs_system_id == self.acs_system_id)
            .count();
        let groups = ws
            .acs_access_groups
            .iter()
            .filter(|group| group.acs_system_id == self.acs_system_id)
            .count();
        let mut system = json!({
            "acs_system_id": self.acs_system_id,
            "name": self.name,
            "is_credential_manager": self.kind.is_credential_manager(),
            "location": { "time_zone": self.time_zone },
            "created_at": iso(self.created_at),
            "workspace_id": ws.workspace_id,
            "connected_account_id": self.connected_account_id,
            "connected_account_ids": [self.connected_account_id],
            "image_url": image_url,
            "image_alt_text": image_alt_text,
            "errors": [],
            "warnings": [],
            "acs_user_count": users,
            "acs_access_group_count": groups,
        });
        if let Some((external_type, display_name)) = self.kind.external_type() {
            system["external_type"] = json!(external_type);
            system["external_type_display_name"] = json!(display_name);
            system["system_type"] = json!(external_type);
            system["system_type_display_name"] = json!(display_name);
        }
        if let Some(default) = self.credential_manager_ids.first() {
            system["default_credential_manager_acs_system_id"] = json!(default);
        }
        system
    }
}
