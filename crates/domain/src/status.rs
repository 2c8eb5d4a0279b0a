//! Life-cycle states of residents, grants, credentials and provisioning runs, with the text
//! form the database and the contract both use.

use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

text_enum!(
    /// Whether a resident still lives at the tenant's properties.
    ResidentStatus {
        Active => "ACTIVE",
        MovedOut => "MOVED_OUT",
    }
);

text_enum!(
    /// Where a grant stands, as the portal shows it.
    GrantStatus {
        Provisioning => "PROVISIONING",
        Active => "ACTIVE",
        Failed => "FAILED",
        Revoking => "REVOKING",
        Revoked => "REVOKED",
        Expired => "EXPIRED",
    }
);

text_enum!(
    /// Where one credential stands, as the resident app shows it.
    CredentialStatus {
        /// Not yet created at Seam.
        Pending => "PENDING",
        /// Created, not yet issued or set on the device.
        Issuing => "ISSUING",
        /// Issued, window not started.
        Scheduled => "SCHEDULED",
        Active => "ACTIVE",
        Failed => "FAILED",
        Revoking => "REVOKING",
        Revoked => "REVOKED",
        Expired => "EXPIRED",
    }
);

text_enum!(
    /// What a provisioning run does.
    RunKind {
        Provision => "PROVISION",
        Revoke => "REVOKE",
        Reschedule => "RESCHEDULE",
        /// The window has ended: remove what is left at Seam, then the grant is EXPIRED.
        Expire => "EXPIRE",
        /// Provisioning failed: remove what it created, so that a FAILED grant opens nothing.
        Compensate => "COMPENSATE",
        /// The resident moved out: end every Seam client session of their user identity, so no
        /// app of theirs keeps a session that fetches keys. Recorded on the resident's latest
        /// grant; it changes no grant.
        SignOut => "SIGN_OUT",
    }
);

text_enum!(
    /// Where a provisioning run stands.
    RunStatus {
        Pending => "PENDING",
        Running => "RUNNING",
        /// Still being retried, but past its deadline or refused by Seam again and again:
        /// an operator should look (`provisioningRuns(status: NEEDS_ATTENTION)`).
        NeedsAttention => "NEEDS_ATTENTION",
        Succeeded => "SUCCEEDED",
        Failed => "FAILED",
        /// Superseded (by a revocation) or cancelled by an operator before it finished.
        Cancelled => "CANCELLED",
    }
);

text_enum!(
    /// Where one step of a run stands.
    StepStatus {
        Pending => "PENDING",
        Running => "RUNNING",
        Succeeded => "SUCCEEDED",
        /// Failed transiently; the engine will try again after a backoff.
        Retrying => "RETRYING",
        Failed => "FAILED",
        /// Not needed (already done before, or not offered by Seam any more).
        Skipped => "SKIPPED",
    }
);

impl StepStatus {
    /// A step in this state will not run again.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Skipped)
    }
}

impl CredentialStatus {
    /// The status of a credential Seam reports issued, given its window.
    pub fn issued(
        starts_at: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        match starts_at {
            Some(start) if start > now => Self::Scheduled,
            _ => Self::Active,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::*;

    #[test]
    fn every_status_round_trips_through_its_text() {
        for s in GrantStatus::ALL {
            assert_eq!(GrantStatus::parse(s.as_str()), Some(*s));
        }
        for s in CredentialStatus::ALL {
            assert_eq!(CredentialStatus::parse(s.as_str()), Some(*s));
        }
        for s in StepStatus::ALL {
            assert_eq!(StepStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(RunStatus::parse("DONE"), None);
    }

    #[test]
    fn an_issued_credential_is_scheduled_until_its_window_opens() {
        let now = Utc::now();
        assert_eq!(
            CredentialStatus::issued(Some(now + Duration::hours(1)), now),
            CredentialStatus::Scheduled
        );
        assert_eq!(
            CredentialStatus::issued(Some(now - Duration::hours(1)), now),
            CredentialStatus::Active
        );
        assert_eq!(
            CredentialStatus::issued(None, now),
            CredentialStatus::Active
        );
    }
}
