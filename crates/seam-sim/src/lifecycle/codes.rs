//! The steps of an access code's life, each due at an instant of simulator time:
//!
//! - ongoing: `setting` from creation, `set` after the set delay;
//! - time-bound: `unset` until `starts_at`, then `setting` and `set`; on a lock that schedules
//!   natively, preloaded (`is_scheduled_on_device`) 72 hours ahead and `set` at `starts_at`;
//! - on an offline lock, `setting` never ends: a delay warning, then a failure;
//! - at `ends_at`, or when deleted, `removing`, then gone.

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
    /// An offline lock is taking long: warn.
    WarnDelay,
    /// An offline lock is taking too long: give up (the code stays `setting`, with an error).
    Fail,
    /// A time-bound code's end: start removing it.
    Expire,
    /// Removal finished: the code is gone.
    Remove,
}

/// What the code's lock is like, for deciding its next step.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Lock {
    pub(super) online: bool,
    pub(super) native_scheduling: bool,
}

/// The code's next step and when it is due, if it has one.
pub(super) fn next_step(
    code: &AccessCode,
    lock: Lock,
    timing: &Timing,
) -> Option<(DateTime<Utc>, Step)> {
    let after = |at: DateTime<Utc>, delay: TimeDelta| {
        at.checked_add_signed(delay)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    };
    let phase_step = match code.phase {
        Phase::Unset => {
            let starts = code
                .starts_at
                .unwrap_or(code.created_at)
                .max(code.created_at);
            let preload_at = after(
                (starts - timing.preload_lead).max(code.created_at),
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
        Phase::Setting { since } if lock.online => {
            Some((after(since, timing.set_delay), Step::MarkSet))
        }
        Phase::Setting { since } => {
            let warn_at = after(since, timing.warn_after);
            match (code.delay_warned_at, code.failed_at) {
                (None, _) => Some((warn_at, Step::WarnDelay)),
                (Some(_), None) => Some((after(warn_at, timing.fail_after), Step::Fail)),
                (Some(_), Some(_)) => None,
            }
        }
        Phase::Set => None,
        Phase::Removing { since, .. } => Some((after(since, timing.remove_delay), Step::Remove)),
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
            Some("access_code.delay_in_setting_on_device")
        }
        Step::Fail => {
            code.failed_at = Some(due);
            Some("access_code.failed_to_set_on_device")
        }
        Step::Expire => {
            start_removal(code, due);
            None
        }
        // The caller removes the code and announces it; see `super::settle`.
        Step::Remove => None,
    }
}

/// Moves a code to `removing` (by expiry or by delete).
pub(crate) fn start_removal(code: &mut AccessCode, at: DateTime<Utc>) {
    if let Phase::Removing { .. } = code.phase {
        return;
    }
    code.phase = Phase::Removing {
        since: at,
        was_on_device: code.is_on_device(),
    };
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
