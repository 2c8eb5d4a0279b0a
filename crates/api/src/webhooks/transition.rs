//! What an event does to one credential, given where it stands. Pure, so that every rule is
//! tested here: events may arrive late, twice or out of order, and revocation is final.

use chrono::{DateTime, Utc};
use doorway_domain::CredentialStatus;

use super::event::Effect;

/// A credential as the event finds it.
#[derive(Debug, Clone)]
pub struct Current {
    pub status: CredentialStatus,
    /// When the latest event applied to it happened.
    pub last_event_at: Option<DateTime<Utc>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// A reschedule of its grant is under way: Doorway itself may be deleting it at Seam to
    /// put a new one in its place.
    pub being_replaced: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Write this status and reason, and remember the event's time.
    Change {
        status: CredentialStatus,
        reason: Option<String>,
        issued: bool,
    },
    /// Nothing to do, for this reason.
    Keep(&'static str),
    /// An event newer than this one was applied already.
    Stale,
}

/// The decision for an event that happened `at`, received `now`.
pub fn decide(
    current: &Current,
    effect: &Effect,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Decision {
    use CredentialStatus as S;
    if current.last_event_at.is_some_and(|last| at < last) {
        return Decision::Stale;
    }
    let change = |status, reason: Option<&str>| Decision::Change {
        status,
        reason: reason.map(str::to_owned),
        issued: false,
    };
    match (current.status, effect) {
        // Revocation is final, and only finishing it (the credential is gone) moves it on.
        (S::Revoked | S::Expired, _) => Decision::Keep("already revoked or expired"),
        (S::Revoking, Effect::Removed(_)) => change(S::Revoked, None),
        (S::Revoking, _) => Decision::Keep("being revoked"),
        (_, Effect::Issued) => Decision::Change {
            status: S::issued(current.starts_at, now),
            reason: None,
            issued: true,
        },
        (_, Effect::Failed(reason)) => change(S::Failed, Some(reason)),
        (S::Issuing, Effect::Delayed(reason)) => change(S::Issuing, Some(reason)),
        (_, Effect::Delayed(_)) => Decision::Keep("not waiting for Seam"),
        (_, Effect::Removed(_)) if current.being_replaced => {
            Decision::Keep("being replaced by a reschedule")
        }
        // Seam removes time-bound codes and credentials once their window has ended.
        (_, Effect::Removed(_)) if current.ends_at.is_some_and(|end| end <= at) => {
            change(S::Expired, None)
        }
        (_, Effect::Removed(reason)) => change(S::Failed, Some(reason)),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::webhooks::event::{CODE_DELAYED, CREDENTIAL_DELETED, INVALIDATED};

    fn credential(status: CredentialStatus) -> Current {
        Current {
            status,
            last_event_at: None,
            starts_at: None,
            ends_at: None,
            being_replaced: false,
        }
    }

    fn status_after(current: &Current, effect: &Effect) -> Option<CredentialStatus> {
        let now = Utc::now();
        match decide(current, effect, now, now) {
            Decision::Change { status, .. } => Some(status),
            _ => None,
        }
    }

    #[test]
    fn issued_credentials_become_active_or_scheduled_before_their_window() {
        use CredentialStatus as S;
        let now = Utc::now();
        assert_eq!(
            decide(&credential(S::Issuing), &Effect::Issued, now, now),
            Decision::Change {
                status: S::Active,
                reason: None,
                issued: true
            }
        );
        let later = Current {
            starts_at: Some(now + Duration::hours(2)),
            ..credential(S::Issuing)
        };
        assert_eq!(status_after(&later, &Effect::Issued), Some(S::Scheduled));
        // A credential invalidated and then reissued works again.
        assert_eq!(
            status_after(&credential(S::Failed), &Effect::Issued),
            Some(S::Active)
        );
    }

    #[test]
    fn revocation_is_never_undone() {
        use CredentialStatus as S;
        let effects = [
            Effect::Issued,
            Effect::Failed(INVALIDATED.into()),
            Effect::Delayed(CODE_DELAYED),
            Effect::Removed(CREDENTIAL_DELETED),
        ];
        for status in [S::Revoked, S::Expired] {
            for effect in &effects {
                assert_eq!(status_after(&credential(status), effect), None);
            }
        }
        for effect in &effects[..3] {
            assert_eq!(status_after(&credential(S::Revoking), effect), None);
        }
        assert_eq!(
            status_after(
                &credential(S::Revoking),
                &Effect::Removed(CREDENTIAL_DELETED)
            ),
            Some(S::Revoked)
        );
    }

    #[test]
    fn removal_outside_doorway_is_a_failure_with_the_reason_unless_the_window_ended() {
        use CredentialStatus as S;
        let now = Utc::now();
        assert_eq!(
            decide(
                &credential(S::Active),
                &Effect::Removed(CREDENTIAL_DELETED),
                now,
                now
            ),
            Decision::Change {
                status: S::Failed,
                reason: Some(CREDENTIAL_DELETED.into()),
                issued: false
            }
        );
        let ended = Current {
            ends_at: Some(now - Duration::minutes(1)),
            ..credential(S::Active)
        };
        assert_eq!(
            status_after(&ended, &Effect::Removed(CREDENTIAL_DELETED)),
            Some(S::Expired)
        );
        let replaced = Current {
            being_replaced: true,
            ..credential(S::Active)
        };
        assert_eq!(
            status_after(&replaced, &Effect::Removed(CREDENTIAL_DELETED)),
            None
        );
    }

    #[test]
    fn a_delay_only_explains_a_credential_still_issuing() {
        use CredentialStatus as S;
        let now = Utc::now();
        assert_eq!(
            decide(
                &credential(S::Issuing),
                &Effect::Delayed(CODE_DELAYED),
                now,
                now
            ),
            Decision::Change {
                status: S::Issuing,
                reason: Some(CODE_DELAYED.into()),
                issued: false
            }
        );
        assert_eq!(
            status_after(&credential(S::Active), &Effect::Delayed(CODE_DELAYED)),
            None
        );
    }

    #[test]
    fn an_event_older_than_the_last_applied_one_is_stale() {
        use CredentialStatus as S;
        let now = Utc::now();
        let failed = Current {
            last_event_at: Some(now),
            ..credential(S::Failed)
        };
        let earlier = now - Duration::seconds(1);
        assert_eq!(
            decide(&failed, &Effect::Issued, earlier, now),
            Decision::Stale
        );
        // The same instant is not older: an event repeated under another delivery applies
        // again, to the same end.
        assert!(matches!(
            decide(&failed, &Effect::Issued, now, now),
            Decision::Change { .. }
        ));
    }
}
