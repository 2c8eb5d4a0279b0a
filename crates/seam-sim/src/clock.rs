//! Simulator time.
//!
//! Each workspace has its own clock. A running clock reads the wall clock plus an offset, so a
//! demo sees credentials become issued on their own while a test can jump over a schedule
//! without sleeping (`/_sim/clock/advance`). A frozen clock stands still until it is advanced
//! or set, which is what a deterministic run needs: every timestamp then depends only on the
//! requests. Instants are kept at millisecond precision because that is what Seam renders;
//! comparing the same values that clients see keeps lifecycles unsurprising.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A clock that runs with the wall clock, shifted by however far it was moved, or stands
/// still at one instant.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SimClock {
    offset: TimeDelta,
    frozen_at: Option<DateTime<Utc>>,
}

/// A clock as `/_sim/clock` reports it and a dump keeps it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct ClockReading {
    #[serde(with = "iso_serde")]
    pub(crate) now: DateTime<Utc>,
    pub(crate) frozen: bool,
}

impl SimClock {
    /// A clock showing `start` (the wall clock when `None`), frozen there or running on.
    pub(crate) fn starting(start: Option<DateTime<Utc>>, frozen: bool) -> Self {
        let mut clock = Self::default();
        if let Some(start) = start {
            clock.offset = truncate_to_millis(start) - Utc::now();
        }
        if frozen {
            clock.freeze();
        }
        clock
    }

    pub(crate) fn from_reading(reading: ClockReading) -> Self {
        Self::starting(Some(reading.now), reading.frozen)
    }

    pub(crate) fn reading(&self) -> ClockReading {
        ClockReading {
            now: self.now(),
            frozen: self.is_frozen(),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        if let Some(at) = self.frozen_at {
            return at;
        }
        let now = Utc::now()
            .checked_add_signed(self.offset)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        truncate_to_millis(now)
    }

    pub(crate) fn is_frozen(&self) -> bool {
        self.frozen_at.is_some()
    }

    pub(crate) fn advance(&mut self, by: TimeDelta) {
        match self.frozen_at.as_mut() {
            Some(at) => {
                *at = at
                    .checked_add_signed(by)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC)
            }
            None => self.offset = self.offset.checked_add(&by).unwrap_or(TimeDelta::MAX),
        }
    }

    /// Moves the clock to `at`, keeping it frozen or running as it was.
    pub(crate) fn set(&mut self, at: DateTime<Utc>) {
        let at = truncate_to_millis(at);
        match self.frozen_at.as_mut() {
            Some(frozen) => *frozen = at,
            None => self.offset = at - Utc::now(),
        }
    }

    /// Stops the clock where it stands.
    pub(crate) fn freeze(&mut self) {
        self.frozen_at = Some(self.now());
    }

    /// Lets a frozen clock run on from where it stood.
    pub(crate) fn unfreeze(&mut self) {
        if let Some(at) = self.frozen_at.take() {
            self.offset = at - Utc::now();
        }
    }
}

/// Serde for timestamps in Seam's rendering, for dumps that people read and edit.
pub(crate) mod iso_serde {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::iso(*at))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_iso(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an ISO 8601 time")))
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

    #[test]
    fn a_frozen_clock_moves_only_when_told() {
        let start = parse_iso("2025-01-01T00:00:00Z").unwrap();
        let mut clock = SimClock::starting(Some(start), true);
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::seconds(90));
        assert_eq!(iso(clock.now()), "2025-01-01T00:01:30.000Z");
        clock.set(start + TimeDelta::days(1));
        assert_eq!(iso(clock.now()), "2025-01-02T00:00:00.000Z");
        clock.unfreeze();
        assert!(clock.now() >= start + TimeDelta::days(1));
    }
}
