//! Access groups (`acs_access_group`): how Salto KS grants access. A group is preconfigured
//! with entrances; users are put in groups instead of being given entrances one by one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;
use crate::clock::iso;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AcsAccessGroup {
    pub(crate) acs_access_group_id: String,
    pub(crate) acs_system_id: String,
    pub(crate) connected_account_id: String,
    pub(crate) name: String,
    pub(crate) created_at: DateTime<Utc>,
    /// The entrances the group opens; Seam does not render them on the group, but credentials
    /// of its members reach them.
    pub(crate) acs_entrance_ids: Vec<String>,
}

identified!(
    AcsAccessGroup,
    acs_access_group_id,
    "acs_access_group_not_found",
    "acs access group"
);

impl AcsAccessGroup {
    pub(crate) fn render(&self, workspace_id: &str) -> Value {
        json!({
            "acs_access_group_id": self.acs_access_group_id,
            "acs_system_id": self.acs_system_id,
            "workspace_id": workspace_id,
            "connected_account_id": self.connected_account_id,
            "name": self.name,
            "display_name": self.name,
            "access_group_type": "salto_ks_access_group",
            "access_group_type_display_name": "Salto KS Access Group",
            "external_type": "salto_ks_access_group",
            "external_type_display_name": "Salto KS Access Group",
            "created_at": iso(self.created_at),
            "errors": [],
            "warnings": [],
            "pending_mutations": [],
            "is_managed": true,
        })
    }
}
