//! What one attempt of a step came to, before it is recorded.

use std::time::Duration;

use chrono::{DateTime, Utc};
use doorway_domain::CredentialStatus;
use doorway_domain::{CredentialId, EntranceId};
use seam_gateway::SeamError;
use serde_json::json;

use crate::db::residents::Schedule;

/// What a step produced at Seam, recorded in the transaction that marks the step done.
#[derive(Debug, Clone)]
pub enum Produced {
    UserIdentity(String),
    CredentialManager(String),
    EnrollmentAutomation(String),
    AcsUser {
        acs_system_id: String,
        acs_user_id: String,
        /// The schedule it was created with.
        schedule: Option<Schedule>,
    },
    AcsUserSchedule {
        acs_system_id: String,
        schedule: Schedule,
    },
    AcsCredential {
        credential_id: CredentialId,
        acs_credential_id: String,
        code: Option<seam_gateway::Pin>,
    },
    /// A credential for the grant's new window; the one it replaces stays until deleted.
    Replacement {
        credential_id: CredentialId,
        acs_credential_id: String,
        code: Option<seam_gateway::Pin>,
    },
    AccessibleEntrances {
        credential_id: CredentialId,
        entrance_ids: Vec<EntranceId>,
        seam_ids: Vec<String>,
    },
    /// Seam reports the credential issued or the code set (or scheduled on its lock).
    Issued {
        credential_id: CredentialId,
        status: CredentialStatus,
        code: Option<seam_gateway::Pin>,
        issued_at: Option<DateTime<Utc>>,
    },
    AccessCode {
        credential_id: CredentialId,
        access_code_id: String,
        code: Option<seam_gateway::Pin>,
    },
    /// Nothing of the credential is left at Seam.
    Gone {
        credential_id: CredentialId,
        seam_ids: Vec<String>,
    },
    /// Seam was asked to move an access code to the grant's new window; the lock must
    /// confirm it again.
    Rescheduled {
        credential_id: CredentialId,
        seam_id: String,
    },
    /// Seam was asked to remove an access code; it is gone once Seam no longer lists it.
    Removing {
        credential_id: CredentialId,
        access_code_id: String,
    },
    /// The credential a replacement superseded is gone from Seam.
    SupersededGone {
        credential_id: CredentialId,
        seam_id: Option<String>,
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
            Self::AcsUserSchedule { schedule, .. } => json!({
                "starts_at": schedule.starts_at, "ends_at": schedule.ends_at
            }),
            Self::AcsCredential {
                acs_credential_id, ..
            }
            | Self::Replacement {
                acs_credential_id, ..
            } => json!({ "acs_credential_id": acs_credential_id }),
            Self::AccessibleEntrances { seam_ids, .. } => json!({ "acs_entrance_ids": seam_ids }),
            Self::Issued { .. } => json!({}),
            Self::AccessCode { access_code_id, .. } => json!({ "access_code_id": access_code_id }),
            Self::Gone { seam_ids, .. } => json!({ "deleted": seam_ids }),
            Self::Rescheduled { seam_id, .. } => json!({ "access_code_id": seam_id }),
            Self::Removing { access_code_id, .. } => json!({ "deleting": access_code_id }),
            Self::SupersededGone { seam_id, .. } => json!({ "deleted": seam_id }),
            Self::AcsUserReleased { acs_user_id, .. } => {
                json!({ "deleted_acs_user_id": acs_user_id })
            }
            Self::Changed(ids) => ids.clone(),
        }
    }
}

/// Why a step must be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryCause {
    /// Seam unreachable or failing, or Doorway chose not to send (too little lease left).
    Transient,
    /// Seam asked us to slow down (429).
    RateLimited,
    /// A create may have taken effect: look, after it has had time to land.
    Ambiguous,
    /// Seam refused the tenant's API key: the tenant's runs pause.
    KeyRejected,
    /// Seam refused the request; only steps that end access retry that, with a long backoff.
    Refused,
}

#[derive(Debug)]
pub enum Outcome {
    Done(Produced),
    /// Not needed: already done, or no longer offered by Seam. `produced` is still recorded.
    Skipped {
        reason: String,
        produced: Option<Produced>,
    },
    /// Seam is still working on it: look again at `until`. Not a failure; `reason` says why it
    /// is slow, for the portal (a lock that is offline, say).
    Wait {
        until: DateTime<Utc>,
        reason: Option<String>,
    },
    /// Recorded what Seam reports so far (a code scheduled on its lock), and look again at
    /// `until` for the rest.
    Progress {
        produced: Produced,
        until: DateTime<Utc>,
    },
    /// Try again after a backoff (at least `after`).
    Retry {
        error: String,
        cause: RetryCause,
        after: Option<Duration>,
    },
    /// A permanent refusal: a provisioning fails (and is undone) with this reason.
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
            Self::Wait { .. } | Self::Progress { .. } => "wait",
            Self::Retry { .. } => "retry",
            Self::Fail { .. } => "fail",
        }
    }

    pub fn skipped(reason: impl Into<String>) -> Self {
        Self::Skipped {
            reason: reason.into(),
            produced: None,
        }
    }
}

/// Why a step could not reach an outcome by itself; turned into one by [`StepError::outcome`].
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Seam(#[from] SeamError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A record the step needs is missing: a bug or a manual change, not something to retry.
    #[error("{0}")]
    Broken(String),
}

pub type StepResult = Result<Outcome, StepError>;

/// Shorthand for a step that cannot go on because a record is missing.
pub fn broken(what: &str) -> StepError {
    StepError::Broken(what.to_owned())
}

impl StepError {
    /// Retry what may pass, look again after an ambiguous create, pause on a refused key,
    /// and fail on what Seam refused.
    pub fn outcome(self, step: &str) -> Outcome {
        let err = match self {
            Self::Seam(err) => err,
            Self::Database(err) => {
                return Outcome::Retry {
                    error: "Doorway's database was unavailable".to_owned(),
                    cause: RetryCause::Transient,
                    after: None,
                }
                .logged(step, &err)
            }
            Self::Broken(why) => return Outcome::Fail { error: why },
        };
        let request_id = err
            .request_id()
            .map(|id| format!(" (Seam request {id})"))
            .unwrap_or_default();
        let error = format!("{err}{request_id}");
        let retry = |cause| Outcome::Retry {
            error: error.clone(),
            cause,
            after: err.retry_after(),
        };
        let outcome = if err.is_ambiguous() {
            retry(RetryCause::Ambiguous)
        } else if err.is_unauthorized() {
            retry(RetryCause::KeyRejected)
        } else if err.is_rate_limited() {
            retry(RetryCause::RateLimited)
        } else if err.is_transient() {
            retry(RetryCause::Transient)
        } else {
            Outcome::Fail {
                error: error.clone(),
            }
        };
        outcome.logged(step, &err)
    }
}

impl Outcome {
    fn logged(self, step: &str, err: &dyn std::fmt::Display) -> Self {
        match &self {
            Self::Fail { .. } => tracing::warn!(step, error = %err, "Seam refused the step"),
            _ => tracing::warn!(step, error = %err, "step failed; it will be tried again"),
        }
        self
    }
}
