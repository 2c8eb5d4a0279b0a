//! Simulator time.
//!
//! Each workspace reads the wall clock plus an offset that `/_sim/clock/advance` grows, so a
//! demo sees credentials become issued on their own while a test can jump over a schedule
//! without sleeping. Instants are kept at millisecond precision because that is what Seam
//! renders; comparing the same values that clients see keeps lifecycles unsurprising.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// A clock that runs with the wall clock, shifted by however far it was advanced.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SimClock {
    offset: TimeDelta,
}

impl SimClock {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let now = Utc::now()
            .checked_add_signed(self.offset)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        truncate_to_millis(now)
    }

    pub(crate) fn advance(&mut self, by: TimeDelta) {
        self.offset = self.offset.checked_add(&by).unwrap_or(TimeDelta::MAX);
    }
}

/// Renders a timestamp the way Seam does: ISO 8601, UTC, milliseconds, `Z`.
pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an ISO 8601 timestamp with an offset (`Z` or `+hh:mm`).
pub(crate) fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| truncate_to_millis(at.with_timezone(&Utc)))
}

fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn renders_milliseconds_in_utc() {
        let at = parse_iso("2024-07-13T18:50:42.0729+02:00").unwrap();
        assert_eq!(iso(at), "2024-07-13T16:50:42.072Z");
    }

    #[test]
    fn advancing_moves_now_forward() {
        let mut clock = SimClock::default();
        let before = clock.now();
        clock.advance(TimeDelta::hours(2));
        assert!(clock.now() - before >= TimeDelta::hours(2));
    }
}
