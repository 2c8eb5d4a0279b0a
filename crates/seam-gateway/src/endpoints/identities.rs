//! The workspace, user identities, enrollment automations and client sessions.

use serde_json::json;

use crate::client::WorkspaceClient;
use crate::error::{NotFoundAsNone, SeamError};
use crate::models::AcsUser;
use crate::models::{ClientSession, EnrollmentAutomation, UserIdentity, Workspace};
use crate::requests::{
    CreateClientSession, CreateUserIdentity, LaunchEnrollmentAutomation, UserIdentityFilter,
};
use crate::transport::Endpoint;

pub(super) static GET_WORKSPACE: Endpoint = Endpoint::read("/workspaces/get", "workspace");
pub(super) static CREATE_USER_IDENTITY: Endpoint =
    Endpoint::create("/user_identities/create", "user_identity");
pub(super) static GET_USER_IDENTITY: Endpoint =
    Endpoint::read("/user_identities/get", "user_identity");
pub(super) static DELETE_USER_IDENTITY: Endpoint = Endpoint::delete("/user_identities/delete");
pub(super) static LIST_USER_IDENTITIES: Endpoint =
    Endpoint::read("/user_identities/list", "user_identities");
pub(super) static LIST_USER_IDENTITY_ACS_USERS: Endpoint =
    Endpoint::read("/user_identities/list_acs_users", "acs_users");
// Links an ACS user to the identity; linking twice leaves one link.
pub(super) static ADD_ACS_USER_TO_USER_IDENTITY: Endpoint =
    Endpoint::update("/user_identities/add_acs_user");
pub(super) static LAUNCH_ENROLLMENT_AUTOMATION: Endpoint = Endpoint::create(
    "/user_identities/enrollment_automations/launch",
    "enrollment_automation",
);
pub(super) static LIST_ENROLLMENT_AUTOMATIONS: Endpoint = Endpoint::read(
    "/user_identities/enrollment_automations/list",
    "enrollment_automations",
);
// Converges on one session per user identity, so repeating it is as safe as a read.
pub(super) static GET_OR_CREATE_CLIENT_SESSION: Endpoint =
    Endpoint::read("/client_sessions/get_or_create", "client_session");
pub(super) static CREATE_CLIENT_SESSION: Endpoint =
    Endpoint::create("/client_sessions/create", "client_session");
// Not paginated by Seam: the request takes no `limit` or `page_cursor`.
pub(super) static LIST_CLIENT_SESSIONS: Endpoint =
    Endpoint::read("/client_sessions/list", "client_sessions");
pub(super) static REVOKE_CLIENT_SESSION: Endpoint = Endpoint::delete("/client_sessions/revoke");

impl WorkspaceClient {
    /// The workspace this API key belongs to; a cheap way to check a key.
    pub async fn get_workspace(&self) -> Result<Workspace, SeamError> {
        self.call(&GET_WORKSPACE, &json!({})).await
    }

    /// Never retried. After an ambiguous failure, look the identity up by its key.
    pub async fn create_user_identity(
        &self,
        request: &CreateUserIdentity,
    ) -> Result<UserIdentity, SeamError> {
        self.call(&CREATE_USER_IDENTITY, request).await
    }

    pub async fn get_user_identity(
        &self,
        user_identity_id: &str,
    ) -> Result<Option<UserIdentity>, SeamError> {
        let body = json!({ "user_identity_id": user_identity_id });
        self.call(&GET_USER_IDENTITY, &body).await.or_not_found()
    }

    /// Looks an identity up by our own key, the way to settle an ambiguous create.
    pub async fn get_user_identity_by_key(
        &self,
        user_identity_key: &str,
    ) -> Result<Option<UserIdentity>, SeamError> {
        let body = json!({ "user_identity_key": user_identity_key });
        self.call(&GET_USER_IDENTITY, &body).await.or_not_found()
    }

    /// Deletes the identity; one that is already gone counts as deleted.
    pub async fn delete_user_identity(&self, user_identity_id: &str) -> Result<(), SeamError> {
        let body = json!({ "user_identity_id": user_identity_id });
        self.call::<()>(&DELETE_USER_IDENTITY, &body)
            .await
            .or_not_found()
            .map(drop)
    }

    /// Every user identity matching the filter, all pages.
    pub async fn list_user_identities(
        &self,
        filter: &UserIdentityFilter,
    ) -> Result<Vec<UserIdentity>, SeamError> {
        self.list_all(&LIST_USER_IDENTITIES, filter).await
    }

    /// The ACS users linked to an identity (not paginated by Seam).
    pub async fn list_user_identity_acs_users(
        &self,
        user_identity_id: &str,
    ) -> Result<Vec<AcsUser>, SeamError> {
        let body = json!({ "user_identity_id": user_identity_id });
        self.call(&LIST_USER_IDENTITY_ACS_USERS, &body).await
    }

    /// Links an existing ACS user to the identity (`/user_identities/add_acs_user`).
    pub async fn add_acs_user_to_user_identity(
        &self,
        user_identity_id: &str,
        acs_user_id: &str,
    ) -> Result<(), SeamError> {
        let body = json!({ "user_identity_id": user_identity_id, "acs_user_id": acs_user_id });
        self.call(&ADD_ACS_USER_TO_USER_IDENTITY, &body).await
    }

    /// Never retried. After an ambiguous failure, see `list_enrollment_automations`.
    pub async fn launch_enrollment_automation(
        &self,
        request: &LaunchEnrollmentAutomation,
    ) -> Result<EnrollmentAutomation, SeamError> {
        self.call(&LAUNCH_ENROLLMENT_AUTOMATION, request).await
    }

    pub async fn list_enrollment_automations(
        &self,
        user_identity_id: &str,
    ) -> Result<Vec<EnrollmentAutomation>, SeamError> {
        let body = json!({ "user_identity_id": user_identity_id });
        self.call(&LIST_ENROLLMENT_AUTOMATIONS, &body).await
    }

    /// The session token a resident's phone hands to Seam's mobile SDK.
    pub async fn get_or_create_client_session(
        &self,
        user_identity_id: &str,
    ) -> Result<ClientSession, SeamError> {
        let body = json!({ "user_identity_id": user_identity_id });
        self.call(&GET_OR_CREATE_CLIENT_SESSION, &body).await
    }

    /// A new client session, never retried (a lost one is harmless: it expires unused).
    /// `get_or_create_client_session` is the retryable way to get one for an identity.
    pub async fn create_client_session(
        &self,
        request: &CreateClientSession,
    ) -> Result<ClientSession, SeamError> {
        self.call(&CREATE_CLIENT_SESSION, request).await
    }

    /// The client sessions Seam holds for a user identity, so that moving a resident out can
    /// revoke every token their phones were given. One call: Seam does not page this list.
    pub async fn list_client_sessions(
        &self,
        user_identity_id: &str,
    ) -> Result<Vec<ClientSession>, SeamError> {
        let body = json!({ "user_identity_id": user_identity_id });
        self.call(&LIST_CLIENT_SESSIONS, &body).await
    }

    /// Revokes a client session, so its token stops working; one that is already gone
    /// (`client_session_not_found`) counts as revoked, which makes a repeat after a lost
    /// answer harmless.
    pub async fn revoke_client_session(&self, client_session_id: &str) -> Result<(), SeamError> {
        let body = json!({ "client_session_id": client_session_id });
        self.call::<()>(&REVOKE_CLIENT_SESSION, &body)
            .await
            .or_not_found()
            .map(drop)
    }
}
