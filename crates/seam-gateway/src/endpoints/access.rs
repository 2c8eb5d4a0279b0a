//! ACS users and their credentials.

use serde_json::json;

use crate::client::WorkspaceClient;
use crate::error::{NotFoundAsNone, SeamError};
use crate::models::{AcsCredential, AcsEntrance, AcsUser};
use crate::requests::{AcsCredentialFilter, AcsUserFilter, CreateAcsCredential, CreateAcsUser};
use crate::transport::Endpoint;

pub(super) static CREATE_USER: Endpoint = Endpoint::create("/acs/users/create", "acs_user");
pub(super) static GET_USER: Endpoint = Endpoint::read("/acs/users/get", "acs_user");
pub(super) static LIST_USERS: Endpoint = Endpoint::read("/acs/users/list", "acs_users");
pub(super) static CREATE_CREDENTIAL: Endpoint =
    Endpoint::create("/acs/credentials/create", "acs_credential");
pub(super) static GET_CREDENTIAL: Endpoint =
    Endpoint::read("/acs/credentials/get", "acs_credential");
pub(super) static LIST_CREDENTIALS: Endpoint =
    Endpoint::read("/acs/credentials/list", "acs_credentials");
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

    /// The entrances a credential opens (not paginated by Seam).
    pub async fn list_accessible_entrances(
        &self,
        acs_credential_id: &str,
    ) -> Result<Vec<AcsEntrance>, SeamError> {
        let body = json!({ "acs_credential_id": acs_credential_id });
        self.call(&LIST_ACCESSIBLE_ENTRANCES, &body).await
    }
}
