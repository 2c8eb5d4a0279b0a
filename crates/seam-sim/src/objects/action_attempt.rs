//! Action attempts (`action_attempt`): Seam's receipt for work it does on a device in the
//! background. Access-code creates, updates and deletes each return one, `pending` at first;
//! [`crate::lifecycle`] settles it when the work is done or has failed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
/// What was asked of an access code.
pub(crate) enum ActionType {
    Create,
    Update,
    Delete,
}

impl ActionType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE_ACCESS_CODE",
            Self::Update => "UPDATE_ACCESS_CODE",
            Self::Delete => "DELETE_ACCESS_CODE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum AttemptStatus {
    /// Not done yet; `until` is when it succeeds unless something else settles it first
    /// (`None`: only the code's lifecycle settles it).
    Pending {
        until: Option<DateTime<Utc>>,
    },
    Success {
        result: Value,
    },
    Error {
        error_type: String,
        message: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ActionAttempt {
    pub(crate) action_attempt_id: String,
    /// Creation order, for `/action_attempts/list` pages.
    #[serde(default)]
    pub(crate) seq: u64,
    /// The lock the attempt works on, for `/action_attempts/list`'s `device_id`.
    #[serde(default)]
    pub(crate) device_id: String,
    pub(crate) action_type: ActionType,
    pub(crate) access_code_id: String,
    pub(crate) status: AttemptStatus,
}

identified!(
    ActionAttempt,
    action_attempt_id,
    "action_attempt_not_found",
    "action attempt"
);

impl ActionAttempt {
    pub(crate) fn is_pending(&self) -> bool {
        matches!(self.status, AttemptStatus::Pending { .. })
    }

    pub(crate) fn render(&self) -> Value {
        let (status, result, error) = match &self.status {
            AttemptStatus::Pending { .. } => ("pending", Value::Null, Value::Null),
            AttemptStatus::Success { result } => ("success", result.clone(), Value::Null),
            AttemptStatus::Error {
                error_type,
                message,
            } => (
                "error",
                Value::Null,
                json!({ "type": error_type, "message": message }),
            ),
        };
        json!({
            "action_attempt_id": self.action_attempt_id,
            "action_type": self.action_type.as_str(),
            "status": status,
            "result": result,
            "error": error,
        })
    }
}
