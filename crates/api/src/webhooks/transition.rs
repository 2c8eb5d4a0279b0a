//! What an event does to one credential, given where it stands. Pure, so that every rule is
//! tested here: events may arrive late, twice or out of order; ending access is final and is
//! recorded only by the run that removes the credential (it alone knows whether it ends REVOKED
//! or EXPIRED); and a credential whose grant no longer gives access is never brought back.
//! Every change decided here is then written through the domain's transition table.

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
    /// Its grant is PROVISIONING or ACTIVE.
    pub grant_live: bool,
    /// The event is about the Seam object a replacement superseded (Doorway deletes it).
    pub superseded: bool,
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
    if current.superseded {
        return Decision::Keep("about a credential replaced for a new window, being deleted");
    }
    if current.last_event_at.is_some_and(|last| at < last) {
        return Decision::Stale;
    }
    let change = |status, reason: Option<&str>, issued| Decision::Change {
        status,
        reason: reason.map(str::to_owned),
        issued,
    };
    match (current.status, effect) {
        (S::Revoked | S::Expired, _) => Decision::Keep("already removed"),
        (S::Revoking, Effect::Delayed(reason)) => change(S::Revoking, Some(reason), false),
        (S::Revoking, _) => Decision::Keep("being removed; the removal records how it ends"),
        (_, Effect::Issued | Effect::Set) if !current.grant_live => {
            Decision::Keep("its grant no longer gives access")
        }
        (_, Effect::Issued) => change(S::issued(current.starts_at, now), None, true),
        (_, Effect::Set) => change(S::Active, None, true),
        (_, Effect::Failed(reason)) => change(S::Failed, Some(reason), false),
        (S::Issuing, Effect::Delayed(reason)) => change(S::Issuing, Some(reason), false),
        (_, Effect::Delayed(_)) => Decision::Keep("not waiting for Seam"),
        // Seam removes time-bound codes and credentials once their window has ended: the
        // expiry sweep removes what is left and records the end.
        (_, Effect::Removed(_)) if current.ends_at.is_some_and(|end| end <= at) => {
            Decision::Keep("its window has ended; the expiry records it")
        }
        (_, Effect::Removed(reason)) => change(S::Failed, Some(reason), false),
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
            grant_live: true,
            superseded: false,
        }
    }

    fn status_after(current: &Current, effect: &Effect) -> Option<CredentialStatus> {
        let now = Utc::now();
        match decide(current, effect, now, now) {
            Decision::Change { status, .. } => Some(status),
            _ => None,
        }
    }

    fn delayed() -> Effect {
        Effect::Delayed(CODE_DELAYED.to_owned())
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
        // A code set on its lock opens the door now.
        assert_eq!(status_after(&later, &Effect::Set), Some(S::Active));
        // A credential invalidated and then reissued works again.
        assert_eq!(
            status_after(&credential(S::Failed), &Effect::Issued),
            Some(S::Active)
        );
    }

    #[test]
    fn a_grant_that_no_longer_gives_access_is_never_revived() {
        use CredentialStatus as S;
        let failed_grant = Current {
            grant_live: false,
            ..credential(S::Failed)
        };
        assert_eq!(status_after(&failed_grant, &Effect::Issued), None);
        assert_eq!(status_after(&failed_grant, &Effect::Set), None);
    }

    #[test]
    fn removal_is_recorded_by_the_run_not_by_events() {
        use CredentialStatus as S;
        let effects = [
            Effect::Issued,
            Effect::Set,
            Effect::Failed(INVALIDATED.into()),
            Effect::Removed(CREDENTIAL_DELETED),
        ];
        for status in [S::Revoked, S::Expired, S::Revoking] {
            for effect in &effects {
                assert_eq!(status_after(&credential(status), effect), None);
            }
        }
        // A slow lock is explained on a credential being removed.
        assert_eq!(
            status_after(&credential(S::Revoking), &delayed()),
            Some(S::Revoking)
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
            None
        );
        let replaced = Current {
            superseded: true,
            ..credential(S::Active)
        };
        assert_eq!(
            status_after(&replaced, &Effect::Removed(CREDENTIAL_DELETED)),
            None
        );
    }

    #[test]
    fn a_delay_only_explains_a_credential_still_on_its_way() {
        use CredentialStatus as S;
        let now = Utc::now();
        assert_eq!(
            decide(&credential(S::Issuing), &delayed(), now, now),
            Decision::Change {
                status: S::Issuing,
                reason: Some(CODE_DELAYED.into()),
                issued: false
            }
        );
        assert_eq!(status_after(&credential(S::Active), &delayed()), None);
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
