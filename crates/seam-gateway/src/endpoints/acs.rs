//! Access control systems, their entrances and access groups.

use serde_json::json;

use crate::client::WorkspaceClient;
use crate::error::{NotFoundAsNone, SeamError};
use crate::models::{AcsAccessGroup, AcsEntrance, AcsSystem};
use crate::transport::Endpoint;

pub(super) static LIST_SYSTEMS: Endpoint = Endpoint::read("/acs/systems/list", "acs_systems");
pub(super) static GET_SYSTEM: Endpoint = Endpoint::read("/acs/systems/get", "acs_system");
pub(super) static LIST_CREDENTIAL_MANAGERS: Endpoint = Endpoint::read(
    "/acs/systems/list_compatible_credential_manager_acs_systems",
    "acs_systems",
);
pub(super) static LIST_ENTRANCES: Endpoint = Endpoint::read("/acs/entrances/list", "acs_entrances");
pub(super) static LIST_ACCESS_GROUPS: Endpoint =
    Endpoint::read("/acs/access_groups/list", "acs_access_groups");
pub(super) static LIST_ACCESS_GROUP_ENTRANCES: Endpoint = Endpoint::read(
    "/acs/access_groups/list_accessible_entrances",
    "acs_entrances",
);

impl WorkspaceClient {
    /// Every access control system in the workspace (not paginated by Seam).
    pub async fn list_acs_systems(&self) -> Result<Vec<AcsSystem>, SeamError> {
        self.call(&LIST_SYSTEMS, &json!({})).await
    }

    pub async fn get_acs_system(
        &self,
        acs_system_id: &str,
    ) -> Result<Option<AcsSystem>, SeamError> {
        self.call(&GET_SYSTEM, &json!({ "acs_system_id": acs_system_id }))
            .await
            .or_not_found()
    }

    /// Credential managers that can issue mobile keys for this system (Latch: step 2 of the
    /// mobile-credentials guide).
    pub async fn list_compatible_credential_managers(
        &self,
        acs_system_id: &str,
    ) -> Result<Vec<AcsSystem>, SeamError> {
        let body = json!({ "acs_system_id": acs_system_id });
        self.call(&LIST_CREDENTIAL_MANAGERS, &body).await
    }

    /// Every entrance of a system, all pages.
    pub async fn list_entrances(&self, acs_system_id: &str) -> Result<Vec<AcsEntrance>, SeamError> {
        let filter = json!({ "acs_system_id": acs_system_id });
        self.list_all(&LIST_ENTRANCES, &filter).await
    }

    /// Every access group of a system (not paginated by Seam).
    pub async fn list_access_groups(
        &self,
        acs_system_id: &str,
    ) -> Result<Vec<AcsAccessGroup>, SeamError> {
        let body = json!({ "acs_system_id": acs_system_id });
        self.call(&LIST_ACCESS_GROUPS, &body).await
    }

    /// The entrances an access group opens (not paginated by Seam): on Salto KS, the doors a
    /// user gets by joining the group.
    pub async fn list_access_group_entrances(
        &self,
        acs_access_group_id: &str,
    ) -> Result<Vec<AcsEntrance>, SeamError> {
        let body = json!({ "acs_access_group_id": acs_access_group_id });
        self.call(&LIST_ACCESS_GROUP_ENTRANCES, &body).await
    }
}
