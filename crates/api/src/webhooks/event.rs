//! A Seam event as a webhook delivers it, and what it means for one of Doorway's credentials,
//! worded for the portal.

use chrono::{DateTime, Utc};
use seam_gateway::EventType;
use serde::Deserialize;
use serde_json::Value;

/// The event types Doorway acts on; the webhook is registered for these only.
pub const APPLIED_EVENT_TYPES: [EventType; 12] = [
    EventType::AcsCredentialIssued,
    EventType::AcsCredentialReissued,
    EventType::AcsCredentialInvalidated,
    EventType::AcsCredentialDeleted,
    EventType::AccessCodeSetOnDevice,
    EventType::AccessCodeFailedToSetOnDevice,
    EventType::AccessCodeDelayInSettingOnDevice,
    EventType::AccessCodeRemovedFromDevice,
    EventType::AccessCodeDeleted,
    EventType::AccessCodeDelayInRemovingFromDevice,
    EventType::AccessCodeFailedToRemoveFromDevice,
    EventType::AcsUserDeleted,
];

pub const INVALIDATED: &str =
    "the access system invalidated this credential; it no longer opens doors";
pub const CREDENTIAL_DELETED: &str = "deleted at Seam outside Doorway";
pub const CODE_DELAYED: &str = "the lock has not confirmed the code yet";
pub const CODE_NOT_SET: &str =
    "the lock could not be programmed with the code yet; Seam keeps trying";
pub const REMOVAL_DELAYED: &str = "the lock has not confirmed the code's removal yet";
pub const REMOVAL_FAILED: &str =
    "the lock could not remove the code yet (it may be offline); Seam keeps trying";
pub const CODE_REMOVED: &str = "the code was removed from the lock outside Doorway";
pub const CODE_DELETED: &str = "the code was deleted at Seam outside Doorway";
pub const ACS_USER_DELETED: &str =
    "the resident's user in the access system was deleted at Seam outside Doorway";

/// The fields of an event that Doorway reads; the rest is kept in the stored payload.
#[derive(Debug, Clone, Deserialize)]
pub struct SeamEvent {
    pub event_id: String,
    pub event_type: EventType,
    #[serde(default)]
    pub workspace_id: Option<String>,
    #[serde(default)]
    occurred_at: Option<DateTime<Utc>>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub acs_credential_id: Option<String>,
    #[serde(default)]
    pub access_code_id: Option<String>,
    #[serde(default)]
    pub acs_user_id: Option<String>,
    #[serde(default)]
    access_code_errors: Vec<Trouble>,
    #[serde(default)]
    device_errors: Vec<Trouble>,
}

#[derive(Debug, Clone, Deserialize)]
struct Trouble {
    #[serde(default)]
    message: String,
}

/// Which of Doorway's records an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    AcsCredential(&'a str),
    AccessCode(&'a str),
    /// Every credential of this ACS user.
    AcsUser(&'a str),
}

/// What an event says happened to a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Issued: it opens doors from the start of its window.
    Issued,
    /// Set on the lock: it opens the door now.
    Set,
    /// Seam could not make it work, or it stopped working.
    Failed(String),
    /// Still on its way (to the lock, or off it), and slower than usual, for this reason.
    Delayed(String),
    /// Gone from Seam or from the lock: revoked when Doorway asked for it, expired after its
    /// window, otherwise a failure for this reason.
    Removed(&'static str),
}

impl SeamEvent {
    /// The event, and the whole body as JSON for storing (with the fields Doorway does not
    /// read), less the PIN that access-code events carry: the event log is not where PINs
    /// are kept.
    pub fn parse(body: &[u8]) -> Result<(Self, Value), serde_json::Error> {
        let mut payload: Value = serde_json::from_slice(body)?;
        let event = Self::deserialize(&payload)?;
        if let Some(code) = payload.get_mut("code").filter(|c| c.is_string()) {
            *code = Value::from("[redacted]");
        }
        Ok((event, payload))
    }

    /// When it happened at Seam: what orders events that arrive late or out of order.
    pub fn occurred_at(&self) -> Option<DateTime<Utc>> {
        self.occurred_at.or(self.created_at)
    }

    /// What the event means and for which records, or `None` for events Doorway ignores.
    pub fn effect(&self) -> Option<(Target<'_>, Effect)> {
        let credential = self.acs_credential_id.as_deref().map(Target::AcsCredential);
        let code = self.access_code_id.as_deref().map(Target::AccessCode);
        let user = self.acs_user_id.as_deref().map(Target::AcsUser);
        let (target, effect) = match &self.event_type {
            EventType::AcsCredentialIssued | EventType::AcsCredentialReissued => {
                (credential, Effect::Issued)
            }
            EventType::AcsCredentialInvalidated => {
                (credential, Effect::Failed(INVALIDATED.to_owned()))
            }
            EventType::AcsCredentialDeleted => (credential, Effect::Removed(CREDENTIAL_DELETED)),
            EventType::AccessCodeSetOnDevice => (code, Effect::Set),
            // Seam keeps trying a lock it could not program (an offline lock, say): the code
            // is late, not refused.
            EventType::AccessCodeFailedToSetOnDevice => (code, Effect::Delayed(self.not_set())),
            EventType::AccessCodeDelayInSettingOnDevice => {
                (code, Effect::Delayed(CODE_DELAYED.to_owned()))
            }
            EventType::AccessCodeDelayInRemovingFromDevice => {
                (code, Effect::Delayed(REMOVAL_DELAYED.to_owned()))
            }
            EventType::AccessCodeFailedToRemoveFromDevice => {
                (code, Effect::Delayed(REMOVAL_FAILED.to_owned()))
            }
            EventType::AccessCodeRemovedFromDevice => (code, Effect::Removed(CODE_REMOVED)),
            EventType::AccessCodeDeleted => (code, Effect::Removed(CODE_DELETED)),
            EventType::AcsUserDeleted => (user, Effect::Removed(ACS_USER_DELETED)),
            _ => return None,
        };
        Some((target?, effect))
    }

    /// Why the lock could not take the code, in Seam's words where it gave some.
    fn not_set(&self) -> String {
        let detail = self
            .access_code_errors
            .iter()
            .chain(&self.device_errors)
            .map(|t| t.message.trim())
            .find(|m| !m.is_empty());
        match detail {
            Some(detail) => format!("{CODE_NOT_SET}: {detail}"),
            None => CODE_NOT_SET.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(fields: Value) -> SeamEvent {
        let mut body = json!({ "event_id": "ev_1", "workspace_id": "ws_1" });
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        SeamEvent::parse(body.to_string().as_bytes()).unwrap().0
    }

    #[test]
    fn credential_events_name_their_credential() {
        let issued = event(json!({
            "event_type": "acs_credential.issued", "acs_credential_id": "cred_1",
            "acs_user_id": "user_1", "occurred_at": "2026-01-01T10:00:00Z",
            "created_at": "2026-01-01T10:00:05Z"
        }));
        assert_eq!(
            issued.effect(),
            Some((Target::AcsCredential("cred_1"), Effect::Issued))
        );
        assert_eq!(
            issued.occurred_at().unwrap().to_rfc3339(),
            "2026-01-01T10:00:00+00:00"
        );
        let deleted =
            event(json!({ "event_type": "acs_credential.deleted", "acs_credential_id": "cred_1" }));
        assert_eq!(
            deleted.effect(),
            Some((
                Target::AcsCredential("cred_1"),
                Effect::Removed(CREDENTIAL_DELETED)
            ))
        );
        assert_eq!(deleted.occurred_at(), None);
    }

    #[test]
    fn a_code_that_failed_to_set_carries_seams_words() {
        let failed = event(json!({
            "event_type": "access_code.failed_to_set_on_device", "access_code_id": "code_1",
            "access_code_errors": [{ "error_code": "failed_to_set_on_device", "message": "the device is offline" }],
            "device_errors": []
        }));
        assert_eq!(
            failed.effect(),
            Some((
                Target::AccessCode("code_1"),
                Effect::Delayed(format!("{CODE_NOT_SET}: the device is offline"))
            ))
        );
        let bare = event(
            json!({ "event_type": "access_code.failed_to_set_on_device", "access_code_id": "code_1" }),
        );
        assert_eq!(
            bare.effect().unwrap().1,
            Effect::Delayed(CODE_NOT_SET.to_owned())
        );
    }

    #[test]
    fn the_stored_payload_keeps_everything_but_the_pin() {
        let body = json!({
            "event_id": "ev_1", "event_type": "access_code.set_on_device",
            "access_code_id": "code_1", "code": "1234", "device_id": "lock_1"
        });
        let (_, payload) = SeamEvent::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(payload["code"], "[redacted]");
        assert_eq!(payload["device_id"], "lock_1");
    }

    #[test]
    fn other_events_and_events_without_their_id_are_ignored() {
        let unlocked = event(json!({ "event_type": "lock.unlocked", "device_id": "lock_1" }));
        assert_eq!(unlocked.effect(), None);
        let new = event(json!({ "event_type": "teleporter.warmed_up" }));
        assert_eq!(new.effect(), None);
        let anonymous = event(json!({ "event_type": "acs_credential.issued" }));
        assert_eq!(anonymous.effect(), None);
    }
}
