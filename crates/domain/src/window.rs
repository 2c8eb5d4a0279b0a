//! The time window of a grant.

use chrono::{DateTime, SubsecRound, Utc};

use crate::DomainError;

/// When a grant's access begins and ends. Both ends are optional: no start means "from now",
/// no end means "until revoked".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccessWindow {
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
}

impl AccessWindow {
    /// A window that ends after it starts and has not already ended at `now`.
    pub fn new(
        starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        // Microseconds are as fine as storage keeps; finer would make a window differ from
        // itself once stored and read back.
        let starts_at = starts_at.map(|t| t.trunc_subsecs(6));
        let ends_at = ends_at.map(|t| t.trunc_subsecs(6));
        if let Some(end) = ends_at {
            if let Some(start) = starts_at {
                if end <= start {
                    return Err(DomainError::invalid(
                        "endsAt",
                        "endsAt must be after startsAt",
                    ));
                }
            }
            if end <= now {
                return Err(DomainError::invalid("endsAt", "endsAt is in the past"));
            }
        }
        Ok(Self { starts_at, ends_at })
    }

    pub fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.starts_at
    }

    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.ends_at
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn a_window_must_end_after_it_starts() {
        let now = Utc::now();
        let err = AccessWindow::new(
            Some(now + Duration::days(2)),
            Some(now + Duration::days(1)),
            now,
        )
        .unwrap_err();
        assert_eq!(err.field(), "endsAt");
    }

    #[test]
    fn a_window_that_already_ended_is_refused() {
        let now = Utc::now();
        let err = AccessWindow::new(None, Some(now - Duration::minutes(1)), now).unwrap_err();
        assert_eq!(err, DomainError::invalid("endsAt", "endsAt is in the past"));
    }

    #[test]
    fn windows_keep_microseconds_at_most() {
        let now = Utc::now();
        let start = now + Duration::nanoseconds(1_000_000_123);
        let window = AccessWindow::new(Some(start), None, now).unwrap();
        assert_eq!(
            window.starts_at().unwrap().timestamp_subsec_nanos() % 1000,
            0
        );
        assert_eq!(
            window,
            AccessWindow::new(window.starts_at(), None, now).unwrap()
        );
    }

    #[test]
    fn open_ended_windows_are_fine() {
        let now = Utc::now();
        let window = AccessWindow::new(Some(now - Duration::days(1)), None, now).unwrap();
        assert_eq!(window.ends_at(), None);
    }
}
