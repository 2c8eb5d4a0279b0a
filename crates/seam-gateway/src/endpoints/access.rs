//! ACS users and their credentials.

use serde_json::json;

use crate::client::WorkspaceClient;
use crate::error::{NotFoundAsNone, SeamError};
use crate::models::{AcsCredential, AcsEntrance, AcsUser};
use crate::requests::{
    AcsCredentialFilter, AcsUserFilter, CreateAcsCredential, CreateAcsUser, UpdateAcsCredential,
    UpdateAcsUser,
};
use crate::transport::Endpoint;

pub(super) static CREATE_USER: Endpoint = Endpoint::create("/acs/users/create", "acs_user");
pub(super) static GET_USER: Endpoint = Endpoint::read("/acs/users/get", "acs_user");
pub(super) static LIST_USERS: Endpoint = Endpoint::read("/acs/users/list", "acs_users");
pub(super) static UPDATE_USER: Endpoint = Endpoint::update("/acs/users/update");
pub(super) static DELETE_USER: Endpoint = Endpoint::delete("/acs/users/delete");
pub(super) static ADD_USER_TO_GROUP: Endpoint = Endpoint::update("/acs/users/add_to_access_group");
pub(super) static REMOVE_USER_FROM_GROUP: Endpoint =
    Endpoint::update("/acs/users/remove_from_access_group");
pub(super) static SUSPEND_USER: Endpoint = Endpoint::update("/acs/users/suspend");
pub(super) static UNSUSPEND_USER: Endpoint = Endpoint::update("/acs/users/unsuspend");
pub(super) static CREATE_CREDENTIAL: Endpoint =
    Endpoint::create("/acs/credentials/create", "acs_credential");
pub(super) static GET_CREDENTIAL: Endpoint =
    Endpoint::read("/acs/credentials/get", "acs_credential");
pub(super) static LIST_CREDENTIALS: Endpoint =
    Endpoint::read("/acs/credentials/list", "acs_credentials");
pub(super) static UPDATE_CREDENTIAL: Endpoint = Endpoint::update("/acs/credentials/update");
pub(super) static DELETE_CREDENTIAL: Endpoint = Endpoint::delete("/acs/credentials/delete");
pub(super) static LIST_ACCESSIBLE_ENTRANCES: Endpoint = Endpoint::read(
    "/acs/credentials/list_accessible_entrances",
    "acs_entrances",
);

impl WorkspaceClient {
    /// Never retried. ACS users have no natural key: after an ambiguous failure, list the
    /// user identity's ACS users and match before creating again.
    pub async fn create_acs_user(&self, request: &CreateAcsUser) -> Result<AcsUser, SeamError> {
        self.call(&CREATE_USER, request).await
    }

    pub async fn get_acs_user(&self, acs_user_id: &str) -> Result<Option<AcsUser>, SeamError> {
        let body = json!({ "acs_user_id": acs_user_id });
        self.call(&GET_USER, &body).await.or_not_found()
    }

    /// Every ACS user matching the filter, all pages.
    pub async fn list_acs_users(&self, filter: &AcsUserFilter) -> Result<Vec<AcsUser>, SeamError> {
        self.list_all(&LIST_USERS, filter).await
    }

    /// Changes the fields set in `request`. Retried: setting the same values twice is harmless.
    pub async fn update_acs_user(&self, request: &UpdateAcsUser) -> Result<(), SeamError> {
        self.call(&UPDATE_USER, request).await
    }

    /// Deletes the ACS user; one that is already gone counts as deleted.
    pub async fn delete_acs_user(&self, acs_user_id: &str) -> Result<(), SeamError> {
        let body = json!({ "acs_user_id": acs_user_id });
        self.call::<()>(&DELETE_USER, &body)
            .await
            .or_not_found()
            .map(drop)
    }

    pub async fn add_acs_user_to_access_group(
        &self,
        acs_user_id: &str,
        acs_access_group_id: &str,
    ) -> Result<(), SeamError> {
        let body =
            json!({ "acs_user_id": acs_user_id, "acs_access_group_id": acs_access_group_id });
        self.call(&ADD_USER_TO_GROUP, &body).await
    }

    pub async fn remove_acs_user_from_access_group(
        &self,
        acs_user_id: &str,
        acs_access_group_id: &str,
    ) -> Result<(), SeamError> {
        let body =
            json!({ "acs_user_id": acs_user_id, "acs_access_group_id": acs_access_group_id });
        self.call(&REMOVE_USER_FROM_GROUP, &body).await
    }

    /// Takes the user's access away without deleting anything; `unsuspend_acs_user` gives it
    /// back.
    pub async fn suspend_acs_user(&self, acs_user_id: &str) -> Result<(), SeamError> {
        self.call(&SUSPEND_USER, &json!({ "acs_user_id": acs_user_id }))
            .await
    }

    pub async fn unsuspend_acs_user(&self, acs_user_id: &str) -> Result<(), SeamError> {
        self.call(&UNSUSPEND_USER, &json!({ "acs_user_id": acs_user_id }))
            .await
    }

    /// Never retried. Credentials have no natural key: after an ambiguous failure, list the
    /// ACS user's credentials and match before creating again.
    pub async fn create_acs_credential(
        &self,
        request: &CreateAcsCredential,
    ) -> Result<AcsCredential, SeamError> {
        self.call(&CREATE_CREDENTIAL, request).await
    }

    pub async fn get_acs_credential(
        &self,
        acs_credential_id: &str,
    ) -> Result<Option<AcsCredential>, SeamError> {
        let body = json!({ "acs_credential_id": acs_credential_id });
        self.call(&GET_CREDENTIAL, &body).await.or_not_found()
    }

    /// Every credential matching the filter, all pages.
    pub async fn list_acs_credentials(
        &self,
        filter: &AcsCredentialFilter,
    ) -> Result<Vec<AcsCredential>, SeamError> {
        self.list_all(&LIST_CREDENTIALS, filter).await
    }

    /// A new code or end for the credential. Retried: setting the same values twice is
    /// harmless.
    pub async fn update_acs_credential(
        &self,
        request: &UpdateAcsCredential,
    ) -> Result<(), SeamError> {
        self.call(&UPDATE_CREDENTIAL, request).await
    }

    /// Deletes the credential; one that is already gone counts as deleted.
    pub async fn delete_acs_credential(&self, acs_credential_id: &str) -> Result<(), SeamError> {
        let body = json!({ "acs_credential_id": acs_credential_id });
        self.call::<()>(&DELETE_CREDENTIAL, &body)
            .await
            .or_not_found()
            .map(drop)
    }

    /// The entrances a credential opens (not paginated by Seam).
    pub async fn list_accessible_entrances(
        &self,
        acs_credential_id: &str,
    ) -> Result<Vec<AcsEntrance>, SeamError> {
        let body = json!({ "acs_credential_id": acs_credential_id });
        self.call(&LIST_ACCESSIBLE_ENTRANCES, &body).await
    }
}
