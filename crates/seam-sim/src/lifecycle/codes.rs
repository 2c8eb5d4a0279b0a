//! The steps of an access code's life, each due at an instant of simulator time:
//!
//! - ongoing: `setting` from creation, `set` after the set delay;
//! - time-bound: `unset` until `starts_at`, then `setting` and `set`; on a lock that schedules
//!   natively, preloaded (`is_scheduled_on_device`) 72 hours ahead and `set` at `starts_at`;
//! - on an offline lock, `setting` never ends: a delay warning, then a failure;
//! - at `ends_at`, or when deleted, `removing`, then gone; on an offline lock, `removing`
//!   lasts (a delay warning, then a failure) unless the lock never had the code;
//! - when the lock comes back online, whatever it held up (`setting` or `removing`) starts
//!   over from that moment and takes its usual delay.
//!
//! "Offline" here is a lock Seam cannot reach: disconnected itself, or behind a disconnected
//! hub or connected account ([`crate::connectivity`]); all three hold codes up alike.
//! Every delay counts from the later of when the move started and when the lock last went
//! online or offline, so no step is ever dated before the change that made it possible.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use super::Timing;
use crate::objects::{AccessCode, Phase};

/// One move of a code's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Load a time-bound code into a natively scheduling lock ahead of its start.
    Preload,
    /// A time-bound code's start: set if preloaded, else start programming it.
    Activate,
    /// Programming succeeded.
    MarkSet,
    /// An offline lock is taking long to set or remove the code: warn.
    WarnDelay,
    /// An offline lock is taking too long: give up (the code stays `setting` or `removing`,
    /// with an error).
    Fail,
    /// A time-bound code's end: start removing it.
    Expire,
    /// Removal finished: the code is gone.
    Remove,
}

/// What the code's lock is like, for deciding its next step.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Lock {
    /// Seam reaches the lock (it, its hub and its account are connected).
    pub(super) online: bool,
    /// When `online` last changed.
    pub(super) since: DateTime<Utc>,
    pub(super) native_scheduling: bool,
}

fn after(at: DateTime<Utc>, delay: TimeDelta) -> DateTime<Utc> {
    at.checked_add_signed(delay)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The code's next step and when it is due, if it has one.
pub(super) fn next_step(
    code: &AccessCode,
    lock: Lock,
    timing: &Timing,
) -> Option<(DateTime<Utc>, Step)> {
    let phase_step = match code.phase {
        Phase::Unset => {
            let starts = code
                .starts_at
                .unwrap_or(code.created_at)
                .max(code.created_at);
            let preload_at = after(
                (starts - timing.preload_lead)
                    .max(code.created_at)
                    .max(lock.since),
                timing.set_delay,
            );
            let preloads = lock.online
                && lock.native_scheduling
                && code.prefer_native_scheduling
                && !code.is_scheduled_on_device
                && preload_at < starts;
            if preloads {
                Some((preload_at, Step::Preload))
            } else {
                Some((starts, Step::Activate))
            }
        }
        Phase::Setting { since } if lock.online => Some((
            after(since.max(lock.since), timing.set_delay),
            Step::MarkSet,
        )),
        Phase::Setting { since } => held_up(code, since.max(lock.since), timing),
        Phase::Set => None,
        Phase::Removing {
            since,
            needs_lock: false,
            ..
        } => Some((after(since, timing.remove_delay), Step::Remove)),
        Phase::Removing { since, .. } if lock.online => Some((
            after(since.max(lock.since), timing.remove_delay),
            Step::Remove,
        )),
        Phase::Removing { since, .. } => held_up(code, since.max(lock.since), timing),
    };
    let expiry = match (code.ends_at, code.phase) {
        (_, Phase::Removing { .. }) | (None, _) => None,
        (Some(ends_at), _) => Some((ends_at, Step::Expire)),
    };
    match (phase_step, expiry) {
        (Some(step), Some(expiry)) if expiry.0 < step.0 => Some(expiry),
        (Some(step), _) => Some(step),
        (None, expiry) => expiry,
    }
}

/// The next step of a move an offline lock holds up, which has been waiting since `from`:
/// a delay warning, then a failure, then nothing until the lock is back.
fn held_up(
    code: &AccessCode,
    from: DateTime<Utc>,
    timing: &Timing,
) -> Option<(DateTime<Utc>, Step)> {
    match (code.delay_warned_at, code.failed_at) {
        (None, _) => Some((after(from, timing.warn_after), Step::WarnDelay)),
        // A warning from an earlier time offline does not shorten this one.
        (Some(warned), None) => Some((after(warned.max(from), timing.fail_after), Step::Fail)),
        (Some(_), Some(_)) => None,
    }
}

/// The event a step announces, if any, after it has been applied to `code`.
pub(super) fn apply(code: &mut AccessCode, due: DateTime<Utc>, step: Step) -> Option<&'static str> {
    match step {
        Step::Preload => {
            code.is_scheduled_on_device = true;
            Some("access_code.scheduled_on_device")
        }
        Step::Activate if code.is_scheduled_on_device => {
            code.phase = Phase::Set;
            Some("access_code.set_on_device")
        }
        Step::Activate => {
            code.phase = Phase::Setting { since: due };
            None
        }
        Step::MarkSet => {
            code.phase = Phase::Set;
            code.delay_warned_at = None;
            code.failed_at = None;
            Some("access_code.set_on_device")
        }
        Step::WarnDelay => {
            code.delay_warned_at = Some(due);
            Some(match code.phase {
                Phase::Removing { .. } => "access_code.delay_in_removing_from_device",
                _ => "access_code.delay_in_setting_on_device",
            })
        }
        Step::Fail => {
            code.failed_at = Some(due);
            Some(match code.phase {
                Phase::Removing { .. } => "access_code.failed_to_remove_from_device",
                _ => "access_code.failed_to_set_on_device",
            })
        }
        Step::Expire => {
            start_removal(code, due);
            None
        }
        // The caller removes the code and announces it; see `super::settle`.
        Step::Remove => None,
    }
}

/// Moves a code to `removing` (by expiry or by delete). Trouble setting it is over: what
/// matters from now on is whether it can be removed.
pub(crate) fn start_removal(code: &mut AccessCode, at: DateTime<Utc>) {
    if let Phase::Removing { .. } = code.phase {
        return;
    }
    let was_on_device = code.is_on_device();
    let needs_lock = was_on_device || matches!(code.phase, Phase::Setting { .. });
    code.phase = Phase::Removing {
        since: at,
        was_on_device,
        needs_lock,
    };
    code.delay_warned_at = None;
    code.failed_at = None;
}

/// The extra fields of the event a step announces.
pub(super) fn event_extra(code: &AccessCode, event_type: &str) -> serde_json::Value {
    match event_type {
        "access_code.scheduled_on_device" | "access_code.set_on_device" => {
            json!({ "code": code.code })
        }
        _ => json!({}),
    }
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;
