//! The one table of which status may follow which, for grants, credentials and runs.
//!
//! Statuses are promises to people who open doors, so a status never changes by overwrite:
//! every write in the service is a compare-and-set from the statuses this table allows to
//! precede the new one (`... where status = any($from)`), and checks that it changed a row.
//! Two rules shape the table:
//! - ending access wins: nothing leads out of REVOKED or EXPIRED, and a grant that is being
//!   revoked can only become REVOKED or EXPIRED, so a late provisioning step or webhook can
//!   never make it live again;
//! - a status says what Seam holds: a credential reaches ACTIVE or SCHEDULED only from a state
//!   in which Seam was asked for it, and REVOKED only through REVOKING (Doorway asked Seam to
//!   remove it and saw it gone).

use crate::{CredentialStatus, GrantStatus, RunKind, RunStatus};

/// A status governed by the transition table.
pub trait Transition: Copy + Eq + Sized + 'static {
    /// Every status, in declaration order.
    fn all() -> &'static [Self];

    /// The text stored in the database.
    fn text(self) -> &'static str;

    /// Whether a record in status `self` may be moved to `next`. Writing the same status again
    /// (to change only its reason) is a transition too, allowed wherever the status is not final.
    fn may_become(self, next: Self) -> bool;

    /// The statuses `next` may be reached from: the `$from` of a compare-and-set.
    fn sources(next: Self) -> Vec<Self> {
        Self::all()
            .iter()
            .copied()
            .filter(|from| from.may_become(next))
            .collect()
    }

    /// [`sources`](Self::sources) as stored text, ready to bind as `text[]`.
    fn source_texts(next: Self) -> Vec<String> {
        Self::sources(next)
            .into_iter()
            .map(|s| s.text().to_owned())
            .collect()
    }
}

impl Transition for GrantStatus {
    fn all() -> &'static [Self] {
        Self::ALL
    }

    fn text(self) -> &'static str {
        self.as_str()
    }

    fn may_become(self, next: Self) -> bool {
        use GrantStatus as G;
        match self {
            G::Provisioning => {
                matches!(next, G::Provisioning | G::Active | G::Failed | G::Revoking)
            }
            G::Active => matches!(next, G::Active | G::Revoking),
            // A failed grant was compensated (or is being): it can only be revoked.
            G::Failed => matches!(next, G::Failed | G::Revoking),
            G::Revoking => matches!(next, G::Revoking | G::Revoked | G::Expired),
            G::Revoked | G::Expired => false,
        }
    }
}

impl Transition for CredentialStatus {
    fn all() -> &'static [Self] {
        Self::ALL
    }

    fn text(self) -> &'static str {
        self.as_str()
    }

    fn may_become(self, next: Self) -> bool {
        use CredentialStatus as C;
        match self {
            C::Pending => matches!(next, C::Pending | C::Issuing | C::Failed | C::Revoking),
            // Seam holds it (or is setting it): what it reports moves it on.
            C::Issuing | C::Scheduled | C::Active | C::Failed => matches!(
                next,
                C::Issuing | C::Scheduled | C::Active | C::Failed | C::Revoking
            ),
            // Only the run removing it says how it ended: revoked (also when a failed
            // provisioning was undone) or expired.
            C::Revoking => matches!(next, C::Revoking | C::Revoked | C::Expired),
            C::Revoked | C::Expired => false,
        }
    }
}

impl Transition for RunStatus {
    fn all() -> &'static [Self] {
        Self::ALL
    }

    fn text(self) -> &'static str {
        self.as_str()
    }

    fn may_become(self, next: Self) -> bool {
        use RunStatus as R;
        match self {
            R::Pending => matches!(next, R::Running | R::Cancelled),
            R::Running => matches!(
                next,
                R::Running | R::NeedsAttention | R::Succeeded | R::Failed | R::Cancelled
            ),
            R::NeedsAttention => matches!(next, R::Running | R::NeedsAttention | R::Cancelled),
            R::Succeeded | R::Failed | R::Cancelled => false,
        }
    }
}

impl RunStatus {
    /// A run in this state will not be worked on again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

impl RunKind {
    /// Runs that end access never fail for good: while a door may still open they retry,
    /// raising the run for an operator's attention instead.
    pub fn ends_access(self) -> bool {
        matches!(self, Self::Revoke | Self::Expire | Self::Compensate)
    }

    /// Runs that are retried until they succeed: those that end access, and the sign-out of a
    /// resident who moved out (a session left behind would outlive the move).
    pub fn never_fails(self) -> bool {
        self.ends_access() || self == Self::SignOut
    }
}

impl GrantStatus {
    /// The grant still gives (or is about to give) access.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Provisioning | Self::Active)
    }
}

impl CredentialStatus {
    /// Seam reports it issued or set (SCHEDULED: issued, waiting for its window at Seam).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::Scheduled)
    }

    /// It will never change again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Revoked | Self::Expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closure<T: Transition>(from: T) -> Vec<T> {
        let mut seen = vec![from];
        let mut i = 0;
        while i < seen.len() {
            let current = seen[i];
            for next in T::all() {
                if current.may_become(*next) && !seen.contains(next) {
                    seen.push(*next);
                }
            }
            i += 1;
        }
        seen
    }

    #[test]
    fn ended_access_never_comes_back() {
        for ended in [GrantStatus::Revoked, GrantStatus::Expired] {
            assert_eq!(closure(ended), vec![ended]);
        }
        for live in [GrantStatus::Provisioning, GrantStatus::Active] {
            assert!(!closure(GrantStatus::Revoking).contains(&live));
        }
        for ended in [CredentialStatus::Revoked, CredentialStatus::Expired] {
            assert_eq!(closure(ended), vec![ended]);
        }
        assert!(!closure(CredentialStatus::Revoking).contains(&CredentialStatus::Active));
    }

    #[test]
    fn a_revoking_grant_is_never_overwritten_by_a_late_finish() {
        assert!(!GrantStatus::sources(GrantStatus::Active).contains(&GrantStatus::Revoking));
        assert!(!GrantStatus::sources(GrantStatus::Failed).contains(&GrantStatus::Revoking));
    }

    #[test]
    fn revoked_is_reached_only_through_revoking() {
        assert_eq!(
            CredentialStatus::sources(CredentialStatus::Revoked),
            vec![CredentialStatus::Revoking]
        );
        assert_eq!(
            GrantStatus::sources(GrantStatus::Revoked),
            vec![GrantStatus::Revoking]
        );
    }

    #[test]
    fn a_credential_goes_live_only_once_seam_was_asked_for_it() {
        let sources = CredentialStatus::sources(CredentialStatus::Active);
        assert!(!sources.contains(&CredentialStatus::Pending));
        assert!(!sources.contains(&CredentialStatus::Revoking));
    }

    #[test]
    fn finished_runs_stay_finished_and_attention_is_still_worked_on() {
        for done in [
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Cancelled,
        ] {
            assert!(done.is_final());
            assert_eq!(closure(done), vec![done]);
        }
        assert!(RunStatus::NeedsAttention.may_become(RunStatus::Running));
        assert!(!RunStatus::NeedsAttention.may_become(RunStatus::Failed));
        assert_eq!(
            RunStatus::source_texts(RunStatus::Running),
            vec!["PENDING", "RUNNING", "NEEDS_ATTENTION"]
        );
    }
}
