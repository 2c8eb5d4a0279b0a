//! What a step's Seam calls came to, before it is recorded.

use std::time::Duration;

use chrono::{DateTime, Utc};
use seam_gateway::SeamError;
use serde_json::json;
use uuid::Uuid;

/// What a step produced at Seam, to record in the same transaction that marks it done.
#[derive(Debug, Clone)]
pub enum Produced {
    UserIdentity(String),
    CredentialManager(String),
    EnrollmentAutomation(String),
    AcsUser {
        acs_system_id: String,
        acs_user_id: String,
    },
    AcsCredential {
        credential_id: Uuid,
        acs_credential_id: String,
        code: Option<String>,
    },
    AccessibleEntrances {
        credential_id: Uuid,
        entrance_ids: Vec<Uuid>,
        seam_ids: Vec<String>,
    },
    Issued {
        credential_id: Uuid,
        code: Option<String>,
        issued_at: Option<DateTime<Utc>>,
    },
    AccessCode {
        credential_id: Uuid,
        access_code_id: String,
        code: Option<String>,
    },
    /// The credential no longer exists at Seam; `revoked` unless it is being replaced.
    Deleted {
        credential_id: Uuid,
        revoked: bool,
        seam_ids: Vec<String>,
    },
    AcsUserReleased {
        acs_system_id: String,
        acs_user_id: String,
    },
    /// A change at Seam with nothing to record but the ids involved.
    Changed(serde_json::Value),
}

impl Produced {
    /// The Seam ids shown on the step (`provisioning.steps.seamIds`).
    pub fn seam_ids(&self) -> serde_json::Value {
        match self {
            Self::UserIdentity(id) => json!({ "user_identity_id": id }),
            Self::CredentialManager(id) => json!({ "credential_manager_acs_system_id": id }),
            Self::EnrollmentAutomation(id) => json!({ "enrollment_automation_id": id }),
            Self::AcsUser { acs_user_id, .. } => json!({ "acs_user_id": acs_user_id }),
            Self::AcsCredential {
                acs_credential_id, ..
            } => json!({ "acs_credential_id": acs_credential_id }),
            Self::AccessibleEntrances { seam_ids, .. } => json!({ "acs_entrance_ids": seam_ids }),
            Self::Issued { .. } => json!({}),
            Self::AccessCode { access_code_id, .. } => json!({ "access_code_id": access_code_id }),
            Self::Deleted { seam_ids, .. } => json!({ "deleted": seam_ids }),
            Self::AcsUserReleased { acs_user_id, .. } => {
                json!({ "deleted_acs_user_id": acs_user_id })
            }
            Self::Changed(ids) => ids.clone(),
        }
    }
}

#[derive(Debug)]
pub enum Outcome {
    Done(Produced),
    /// Not needed: already done, or no longer offered by Seam. `produced` is still recorded.
    Skipped {
        reason: String,
        produced: Option<Produced>,
    },
    /// Seam is still working on it: look again after `after`. Not a failure.
    Wait {
        after: Duration,
    },
    /// A transient failure: try again after a backoff.
    Retry {
        error: String,
    },
    /// A permanent failure: the grant fails with this reason.
    Fail {
        error: String,
    },
}

impl Outcome {
    /// A short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Done(_) => "done",
            Self::Skipped { .. } => "skipped",
            Self::Wait { .. } => "wait",
            Self::Retry { .. } => "retry",
            Self::Fail { .. } => "fail",
        }
    }

    /// Retry what may succeed later (Seam unreachable, overloaded, or an ambiguous create that
    /// the next attempt will reconcile by looking first); fail on what Seam refused.
    pub fn from_seam_error(step: &str, err: &SeamError) -> Self {
        let request_id = err
            .request_id()
            .map(|id| format!(" (Seam request {id})"))
            .unwrap_or_default();
        if err.is_transient() || err.is_ambiguous() {
            tracing::warn!(step, error = %err, "transient or ambiguous Seam failure; will look again and retry");
            Self::Retry {
                error: format!("{err}{request_id}"),
            }
        } else {
            tracing::warn!(step, error = %err, "Seam refused the step");
            Self::Fail {
                error: format!("{err}{request_id}"),
            }
        }
    }
}
