//! The time window of a grant.

use chrono::{DateTime, Datelike, SubsecRound, Utc};

use crate::DomainError;

/// No window starts or ends before this year.
const EARLIEST_YEAR: i32 = 2000;
/// Nor more than this many years ahead.
const MAX_YEARS_AHEAD: i64 = 10;

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
        // Dates a lease can have: a typo (1900, 20205) is refused rather than stored and
        // handed to Seam.
        let latest = now + chrono::Duration::days(366 * MAX_YEARS_AHEAD);
        for (field, at) in [("startsAt", starts_at), ("endsAt", ends_at)] {
            let Some(at) = at else { continue };
            if at.year() < EARLIEST_YEAR || at > latest {
                return Err(DomainError::invalid(
                    field,
                    format!(
                        "{field} must be between {EARLIEST_YEAR} and {MAX_YEARS_AHEAD} years from now"
                    ),
                ));
            }
        }
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
    fn dates_out_of_any_lease_are_refused_naming_their_field() {
        let now = Utc::now();
        let long_ago = DateTime::parse_from_rfc3339("1900-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let err = AccessWindow::new(Some(long_ago), None, now).unwrap_err();
        assert_eq!(err.field(), "startsAt");
        let err = AccessWindow::new(None, Some(now + Duration::days(366 * 11)), now).unwrap_err();
        assert_eq!(err.field(), "endsAt");
        assert!(AccessWindow::new(
            Some(now - Duration::days(400)),
            Some(now + Duration::days(3650)),
            now
        )
        .is_ok());
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
