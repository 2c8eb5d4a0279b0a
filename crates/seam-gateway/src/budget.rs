//! The send budget: how long a caller may still act on what Seam answers, and the checks that
//! keep a request from leaving when too little of it is left.
//!
//! Seam cannot tell a stale worker from a live one: a create sent by a worker whose lease has
//! run out lands anyway, beside whatever the run's next holder does. So a worker attaches what
//! is left of its lease as a [`SendBudget`] (`WorkspaceClient::with_budget`), and the transport
//! asks it before every attempt, again after every wait for admission, and before every
//! backoff. When the budget does not exceed the attempt's timeout plus `send_margin` (its whole
//! timeout, `create_timeout` for a create, and time to record the answer), the call ends with `SeamError::NotSent`: nothing
//! is sent, and no lease is slept away inside a step.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::WorkspaceClient;
use crate::config::SeamClientConfig;
use crate::error::SeamError;
use crate::limits::{DeviceBucket, Refusal};

/// How long the caller may still act on what Seam answers (for Doorway: what is left of a
/// worker's lease).
///
/// Asked before every attempt and, while a call queues for admission, at least every quarter
/// second; it should be cheap (read a clock and a deadline), and should shrink as time passes,
/// since the gateway takes a wait of `d` to cost `d` of it.
pub trait SendBudget: Send + Sync + 'static {
    fn remaining(&self) -> std::time::Duration;
}

impl WorkspaceClient {
    /// The same workspace handle (same key, same connection pool, same rate limits) with
    /// `budget` checked before every request it sends, replacing any budget this handle had.
    /// Handles made by `SeamClient::workspace` have none and are never stopped by one.
    pub fn with_budget(&self, budget: Arc<dyn SendBudget>) -> WorkspaceClient {
        WorkspaceClient {
            budget: Some(budget),
            ..self.clone()
        }
    }
}

/// One call's checks against its deadline, its budget and the configured patience.
pub(crate) struct Guard<'a> {
    endpoint: &'static str,
    config: &'a SeamClientConfig,
    budget: Option<&'a dyn SendBudget>,
    /// The timeout of each of this call's attempts (the endpoint's: creates wait longer).
    attempt_timeout: Duration,
    /// When the call must be over (`call_deadline` after it started); `None` past `Instant`'s
    /// range, which is never.
    deadline: Option<Instant>,
}

impl<'a> Guard<'a> {
    pub(crate) fn new(
        endpoint: &'static str,
        attempt_timeout: Duration,
        config: &'a SeamClientConfig,
        budget: Option<&'a dyn SendBudget>,
    ) -> Self {
        Self {
            endpoint,
            config,
            budget,
            attempt_timeout,
            deadline: Instant::now().checked_add(config.call_deadline),
        }
    }

    /// What the budget must exceed for one of this call's attempts to leave.
    fn floor(&self) -> Duration {
        self.attempt_timeout.saturating_add(self.config.send_margin)
    }

    /// What is left of the call's deadline.
    fn deadline_left(&self) -> Duration {
        self.deadline.map_or(Duration::MAX, |deadline| {
            deadline.saturating_duration_since(Instant::now())
        })
    }

    /// True when an attempt starting after `wait` would still end (timeout included) by the
    /// call's deadline.
    pub(crate) fn deadline_allows(&self, wait: Duration) -> bool {
        self.deadline_left() >= wait.saturating_add(self.attempt_timeout)
    }

    /// The error for a call whose deadline left no room for a first attempt.
    pub(crate) fn past_deadline(&self) -> SeamError {
        let reason = format!(
            "the call deadline ({:?}) leaves less than the attempt timeout {:?}",
            self.config.call_deadline, self.attempt_timeout
        );
        self.not_sent(reason, None)
    }

    /// Ok when an attempt may leave now: no budget, or one that exceeds the send floor.
    pub(crate) fn may_send(&self) -> Result<(), SeamError> {
        let Some(budget) = self.budget else {
            return Ok(());
        };
        let remaining = budget.remaining();
        if remaining > self.floor() {
            return Ok(());
        }
        let reason = format!(
            "send budget {remaining:?} does not exceed the timeout {:?} plus the send margin {:?}",
            self.attempt_timeout, self.config.send_margin
        );
        Err(self.not_sent(reason, None))
    }

    /// Ok when, after sleeping `delay` before a retry, an attempt could still leave. Otherwise
    /// the retry is not slept for: the caller hears when to try again instead.
    pub(crate) fn may_retry_after(
        &self,
        delay: Duration,
        err: &SeamError,
    ) -> Result<(), SeamError> {
        let Some(budget) = self.budget else {
            return Ok(());
        };
        let remaining = budget.remaining();
        if remaining > delay.saturating_add(self.floor()) {
            return Ok(());
        }
        let reason = format!(
            "a retry after {delay:?} would leave too little of the send budget ({remaining:?}) \
             for the timeout plus the send margin; the last attempt failed: {err}"
        );
        Err(self.not_sent(reason, Some(delay)))
    }

    /// How much longer one admission, starting now, may wait: up to `max_admission_wait`, and
    /// never past the point where the budget would be too short to send, or the deadline too
    /// close for a whole attempt.
    pub(crate) fn patience(&self) -> impl Fn() -> Duration + '_ {
        let deadline = Instant::now().checked_add(self.config.max_admission_wait);
        move || {
            let by_config = deadline.map_or(Duration::MAX, |deadline| {
                deadline.saturating_duration_since(Instant::now())
            });
            let by_deadline = self.deadline_left().saturating_sub(self.attempt_timeout);
            let patience = by_config.min(by_deadline);
            match self.budget {
                Some(budget) => patience.min(budget.remaining().saturating_sub(self.floor())),
                None => patience,
            }
        }
    }

    /// The error for an admission that ran out of patience after `waited`.
    pub(crate) fn refused(
        &self,
        refusal: Refusal,
        device: Option<(DeviceBucket, &str)>,
        waited: Duration,
    ) -> SeamError {
        match refusal {
            Refusal::Busy => {
                let reason = format!(
                    "none of the workspace's {} request slots came free within {waited:?} \
                     (bounded by max_admission_wait, the call deadline and any send budget)",
                    self.config.max_concurrent_per_workspace
                );
                self.not_sent(reason, None)
            }
            Refusal::DeviceFull(wait) => {
                let (limit, device_id) = device.map_or(("device", ""), |(bucket, device_id)| {
                    (bucket.limit_name(), device_id)
                });
                let reason = format!(
                    "device {device_id} is at its {limit} limit for another {wait:?}, longer \
                     than max_admission_wait, the call deadline or the send budget allow"
                );
                self.not_sent(reason, Some(wait))
            }
        }
    }

    fn not_sent(&self, reason: String, retry_after: Option<Duration>) -> SeamError {
        SeamError::NotSent {
            endpoint: self.endpoint,
            reason,
            retry_after,
        }
    }
}
