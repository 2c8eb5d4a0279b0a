//! Moving a workspace along its clock: access codes through their statuses, credentials to
//! issued, action attempts to done, each move announced by an event dated when it was due.
//!
//! [`Workspace::settle`] runs before and after every call on the workspace and on every tick
//! of the background ticker, so a client sees the same world whether it polls, waits for a
//! webhook, or jumps the clock. Steps are applied in the order they fell due, across all
//! codes, so events come out in the order they happened even after a long jump.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::objects::{AccessCode, ActionType, AttemptStatus, Phase};
use crate::options::AccessCodeTiming;
use crate::state::Workspace;

mod codes;

pub(crate) use codes::start_removal;
use codes::{Lock, Step};

/// Seam preloads natively scheduled codes this long before they start.
const PRELOAD_LEAD: TimeDelta = TimeDelta::hours(72);

/// A settle that finds more steps than this is caught in a loop; better to stop than hang.
const MAX_STEPS_PER_SETTLE: usize = 100_000;

/// [`AccessCodeTiming`] in simulator-clock units.
#[derive(Debug, Clone)]
pub(crate) struct Timing {
    pub(crate) set_delay: TimeDelta,
    pub(crate) remove_delay: TimeDelta,
    pub(crate) warn_after: TimeDelta,
    pub(crate) fail_after: TimeDelta,
    pub(crate) preload_lead: TimeDelta,
}

impl Timing {
    pub(crate) fn new(options: &AccessCodeTiming) -> Self {
        let delta = |d| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        Self {
            set_delay: delta(options.set_delay),
            remove_delay: delta(options.remove_delay),
            warn_after: delta(options.offline_delay_warning_after),
            fail_after: delta(options.offline_failure_after),
            preload_lead: PRELOAD_LEAD,
        }
    }
}

impl Workspace {
    /// Applies every step that has fallen due; see the module docs.
    pub(crate) fn settle(&mut self) {
        let now = self.now();
        for _ in 0..MAX_STEPS_PER_SETTLE {
            let Some((due, index, step)) = self.earliest_due_step(now) else {
                break;
            };
            self.apply_step(index, due, step);
        }
        self.announce_issued_credentials(now);
        self.resolve_due_attempts(now);
    }

    fn lock_of(&self, code: &AccessCode) -> Lock {
        self.devices
            .iter()
            .find(|d| d.device_id == code.device_id)
            .map(|d| Lock {
                online: self.is_reachable(d),
                since: d.reach_since(),
                native_scheduling: d.model.supports_native_scheduling,
            })
            .unwrap_or_default()
    }

    fn earliest_due_step(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, usize, Step)> {
        self.access_codes
            .iter()
            .enumerate()
            .filter_map(|(index, code)| {
                let (due, step) = codes::next_step(code, self.lock_of(code), &self.timing)?;
                (due <= now).then_some((due, index, step))
            })
            .min_by_key(|(due, index, _)| (*due, *index))
    }

    fn apply_step(&mut self, index: usize, due: DateTime<Utc>, step: Step) {
        if step == Step::Remove {
            let code = self.access_codes.remove(index);
            if let Phase::Removing {
                was_on_device: true,
                ..
            } = code.phase
            {
                self.emit_for_code("access_code.removed_from_device", due, &code, json!({}));
            }
            let extra = json!({ "code": code.code });
            self.emit_for_code("access_code.deleted", due, &code, extra);
            self.settle_attempts(&code.access_code_id, |kind| {
                (kind == ActionType::Delete).then(|| AttemptStatus::Success { result: json!({}) })
            });
            return;
        }
        let Some(code) = self.access_codes.get_mut(index) else {
            return;
        };
        let Some(event_type) = codes::apply(code, due, step) else {
            return;
        };
        let code = code.clone();
        match step {
            Step::WarnDelay => self.emit_code_trouble(event_type, due, &code),
            Step::Fail => {
                self.emit_code_trouble(event_type, due, &code);
                let removing = matches!(code.phase, Phase::Removing { .. });
                self.settle_attempts(&code.access_code_id, |kind| {
                    ((kind == ActionType::Delete) == removing).then(|| failed_attempt(removing))
                });
            }
            _ => {
                let extra = codes::event_extra(&code, event_type);
                self.emit_for_code(event_type, due, &code, extra);
                if event_type == "access_code.set_on_device" {
                    self.settle_waiting_attempts(&code);
                }
            }
        }
    }

    /// Create and update attempts made while the lock was offline wait for the code to be
    /// set (online, they succeed on their own schedule; see `resolve_due_attempts`).
    fn settle_waiting_attempts(&mut self, code: &AccessCode) {
        let result = json!({ "access_code": code.render(&self.workspace_id) });
        for attempt in &mut self.action_attempts {
            if attempt.access_code_id == code.access_code_id
                && attempt.action_type != ActionType::Delete
                && attempt.status == (AttemptStatus::Pending { until: None })
            {
                attempt.status = AttemptStatus::Success {
                    result: result.clone(),
                };
            }
        }
    }

    /// Gives every pending attempt on `access_code_id` the status `outcome` picks for its
    /// kind (`None` leaves it pending).
    fn settle_attempts(
        &mut self,
        access_code_id: &str,
        outcome: impl Fn(ActionType) -> Option<AttemptStatus>,
    ) {
        for attempt in &mut self.action_attempts {
            if attempt.access_code_id == access_code_id && attempt.is_pending() {
                if let Some(status) = outcome(attempt.action_type) {
                    attempt.status = status;
                }
            }
        }
    }

    fn announce_issued_credentials(&mut self, now: DateTime<Utc>) {
        let due: Vec<usize> = (0..self.acs_credentials.len())
            .filter(|&i| {
                let c = &self.acs_credentials[i];
                !c.issued_announced && c.issues_at <= now
            })
            .collect();
        for index in due {
            self.acs_credentials[index].issued_announced = true;
            let credential = self.acs_credentials[index].clone();
            self.emit_for_credential("acs_credential.issued", credential.issues_at, &credential);
        }
    }

    /// Create and update attempts succeed once their time comes, with the code as it is then.
    fn resolve_due_attempts(&mut self, now: DateTime<Utc>) {
        for index in 0..self.action_attempts.len() {
            let attempt = &self.action_attempts[index];
            let AttemptStatus::Pending { until: Some(until) } = attempt.status else {
                continue;
            };
            if until > now {
                continue;
            }
            let code = self
                .access_codes
                .iter()
                .find(|c| c.access_code_id == attempt.access_code_id)
                .map(|c| c.render(&self.workspace_id));
            let result = match code {
                Some(code) => json!({ "access_code": code }),
                None => json!({}),
            };
            self.action_attempts[index].status = AttemptStatus::Success { result };
        }
    }
}

/// What an attempt says when an offline lock made Seam give up setting or removing its code.
fn failed_attempt(removing: bool) -> AttemptStatus {
    let (error_type, message) = if removing {
        (
            "failed_to_remove_from_device",
            "Could not remove the code: the device is offline",
        )
    } else {
        (
            "failed_to_set_on_device",
            "Could not program the code: the device is offline",
        )
    };
    AttemptStatus::Error {
        error_type: error_type.to_owned(),
        message: message.to_owned(),
    }
}
