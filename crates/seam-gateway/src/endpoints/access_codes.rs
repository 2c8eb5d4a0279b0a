//! PIN codes on smart locks, and the action attempts that track them onto the device.
//!
//! Writes count against Seam's per-device limits (see `limits`) unless the configuration
//! leaves those to the caller: they wait for room on their device, up to `max_admission_wait`,
//! rather than collecting 429s, and end with `NotSent` (saying when there will be room) when
//! the wait would be longer.

use serde_json::json;

use crate::client::WorkspaceClient;
use crate::error::{NotFoundAsNone, SeamError};
use crate::limits::DeviceBucket;
use crate::models::{AccessCode, ActionAttempt};
use crate::requests::{AccessCodeFilter, CreateAccessCode, UpdateAccessCode};
use crate::transport::Endpoint;

pub(super) static CREATE_ACCESS_CODE: Endpoint =
    Endpoint::create("/access_codes/create", "access_code")
        .per_device(DeviceBucket::AccessCodeWrite);
pub(super) static GET_ACCESS_CODE: Endpoint = Endpoint::read("/access_codes/get", "access_code");
pub(super) static LIST_ACCESS_CODES: Endpoint =
    Endpoint::read("/access_codes/list", "access_codes");
// Sets the fields sent; repeating it converges on the same code.
pub(super) static UPDATE_ACCESS_CODE: Endpoint =
    Endpoint::update("/access_codes/update").per_device(DeviceBucket::AccessCodeWrite);
pub(super) static DELETE_ACCESS_CODE: Endpoint =
    Endpoint::delete("/access_codes/delete").per_device(DeviceBucket::AccessCodeDelete);
/// Where updates and deletes put their action attempt; the spec gives them no response key.
const ACTION_ATTEMPT: &str = "action_attempt";
pub(super) static GET_ACTION_ATTEMPT: Endpoint =
    Endpoint::read("/action_attempts/get", "action_attempt");

impl WorkspaceClient {
    /// Creates a code on `request.device_id`; Seam then programs it onto the lock (watch
    /// `status`). Never retried. After an ambiguous failure, list the device's codes and match
    /// on `name` or `code` (or `common_code_key`) before creating again.
    pub async fn create_access_code(
        &self,
        request: &CreateAccessCode,
    ) -> Result<AccessCode, SeamError> {
        self.send_for_device(&CREATE_ACCESS_CODE, &request.device_id, request)
            .await?
            .take(&CREATE_ACCESS_CODE)
    }

    pub async fn get_access_code(
        &self,
        access_code_id: &str,
    ) -> Result<Option<AccessCode>, SeamError> {
        let body = json!({ "access_code_id": access_code_id });
        self.call(&GET_ACCESS_CODE, &body).await.or_not_found()
    }

    /// Every code matching the filter, all pages.
    pub async fn list_access_codes(
        &self,
        filter: &AccessCodeFilter,
    ) -> Result<Vec<AccessCode>, SeamError> {
        self.list_all(&LIST_ACCESS_CODES, filter).await
    }

    /// Changes the fields set in `request`, and returns the action attempt that tracks the
    /// change onto the lock (when Seam sends one). Retried: setting the same values twice is
    /// harmless.
    pub async fn update_access_code(
        &self,
        request: &UpdateAccessCode,
    ) -> Result<Option<ActionAttempt>, SeamError> {
        self.send_for_device(&UPDATE_ACCESS_CODE, &request.device_id, request)
            .await?
            .take_optional(&UPDATE_ACCESS_CODE, ACTION_ATTEMPT)
    }

    /// Deletes the code from `device_id`, the device it is on (the per-device limit is keyed
    /// on it), and returns the action attempt that tracks its removal from the lock. A code
    /// that is already gone (time-bound codes vanish after `ends_at`) counts as deleted, with
    /// no attempt.
    pub async fn delete_access_code(
        &self,
        device_id: &str,
        access_code_id: &str,
    ) -> Result<Option<ActionAttempt>, SeamError> {
        let body = json!({ "device_id": device_id, "access_code_id": access_code_id });
        let deleted = async {
            self.send_for_device(&DELETE_ACCESS_CODE, device_id, &body)
                .await?
                .take_optional(&DELETE_ACCESS_CODE, ACTION_ATTEMPT)
        };
        Ok(deleted.await.or_not_found()?.flatten())
    }

    pub async fn get_action_attempt(
        &self,
        action_attempt_id: &str,
    ) -> Result<Option<ActionAttempt>, SeamError> {
        let body = json!({ "action_attempt_id": action_attempt_id });
        self.call(&GET_ACTION_ATTEMPT, &body).await.or_not_found()
    }
}
