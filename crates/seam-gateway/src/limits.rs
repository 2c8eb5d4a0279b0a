//! Rate limits on our side of the wire, so that bulk work queues instead of collecting 429s.
//!
//! Each workspace (each API key) has one [`WorkspaceLimits`], kept by the [`SeamClient`] and
//! shared by every [`WorkspaceClient`] it hands out for that key, however many are made:
//! - a concurrency bound, `max_concurrent_per_workspace` requests in flight at once;
//! - one limiter per rate-limited kind of call (Seam documents 10 access-code creates or
//!   updates and 20 deletes per minute per device), counting calls per device id, unless the
//!   configuration turns it off (`None`) because the caller keeps that window itself.
//!
//! A concurrency permit is held for one HTTP exchange only: never while waiting for a device's
//! limiter and never during a retry's backoff (the transport drops it before sleeping), so a
//! device being throttled, by us or by Seam, cannot hold up calls for other devices.
//!
//! Waiting is bounded: admission takes a patience, asked again at least every [`RECHECK`],
//! and gives up ([`Refusal`]) when it runs out. A device whose limiter has no room for longer
//! than the patience is refused at once, with the time until it will have room.
//!
//! The registry is keyed by a salted SHA-256 fingerprint of the key, never by the key itself.
//!
//! [`SeamClient`]: crate::SeamClient
//! [`WorkspaceClient`]: crate::WorkspaceClient

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::config::{DeviceRateLimit, SeamClientConfig};

/// How often a wait asks its patience again, so that a send budget cut short (a lease lost)
/// ends the wait soon rather than when the wait was first expected to end.
pub(crate) const RECHECK: Duration = Duration::from_millis(250);

/// Slack added to every device window (2%), so that network jitter between two of our calls
/// cannot make Seam see more of them in one window than we counted.
const JITTER_SLACK: f64 = 1.02;

/// Which of Seam's per-device limits a call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceBucket {
    /// `/access_codes/create` and `/access_codes/update`.
    AccessCodeWrite,
    /// `/access_codes/delete`.
    AccessCodeDelete,
}

impl DeviceBucket {
    /// The limit's name, for messages.
    pub(crate) fn limit_name(self) -> &'static str {
        match self {
            Self::AccessCodeWrite => "access-code write",
            Self::AccessCodeDelete => "access-code delete",
        }
    }
}

/// Why a call was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Every request slot of the workspace stayed taken for as long as the patience lasted.
    Busy,
    /// The device's limiter has no room within the patience; it will after the duration.
    DeviceFull(Duration),
}

/// Every workspace's limits, created on first use of a key.
pub(crate) struct Registry {
    salt: [u8; 16],
    workspaces: Mutex<HashMap<[u8; 32], Arc<WorkspaceLimits>>>,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Self {
            salt: rand::random(),
            workspaces: Mutex::new(HashMap::new()),
        }
    }

    /// The limits of the workspace `api_key` belongs to.
    pub(crate) fn for_key(&self, api_key: &str, config: &SeamClientConfig) -> Arc<WorkspaceLimits> {
        let fingerprint: [u8; 32] = Sha256::new()
            .chain_update(self.salt)
            .chain_update(api_key.as_bytes())
            .finalize()
            .into();
        // The map is only ever inserted into, so a panic elsewhere cannot leave it half-done.
        let mut workspaces = self
            .workspaces
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            workspaces
                .entry(fingerprint)
                .or_insert_with(|| Arc::new(WorkspaceLimits::new(config))),
        )
    }
}

/// One workspace's concurrency bound and per-device limiters (`None`: not limited here).
pub(crate) struct WorkspaceLimits {
    concurrency: Semaphore,
    access_code_writes: Option<DeviceLimiter>,
    access_code_deletes: Option<DeviceLimiter>,
}

impl WorkspaceLimits {
    fn new(config: &SeamClientConfig) -> Self {
        Self {
            concurrency: Semaphore::new(config.max_concurrent_per_workspace),
            access_code_writes: config.access_code_write_limit.map(DeviceLimiter::new),
            access_code_deletes: config.access_code_delete_limit.map(DeviceLimiter::new),
        }
    }

    /// Waits until one request may be sent: a concurrency permit, and room on the device's
    /// limiter when the call has one. The device is checked while the permit is held, so that
    /// the request leaves right after it is counted; when the device has no room, the permit
    /// is given back before waiting.
    ///
    /// `patience` says how much longer the caller may wait; it is asked again at least every
    /// [`RECHECK`], and the wait ends with a [`Refusal`] once it is zero.
    pub(crate) async fn admit(
        &self,
        device: Option<(DeviceBucket, &str)>,
        patience: impl Fn() -> Duration,
    ) -> Result<SemaphorePermit<'_>, Refusal> {
        loop {
            let permit = self.permit_within(&patience).await?;
            let limiter = device.and_then(|(bucket, device_id)| {
                let limiter = match bucket {
                    DeviceBucket::AccessCodeWrite => self.access_code_writes.as_ref(),
                    DeviceBucket::AccessCodeDelete => self.access_code_deletes.as_ref(),
                };
                limiter.map(|limiter| (limiter, device_id))
            });
            let Some((limiter, device_id)) = limiter else {
                return Ok(permit);
            };
            match limiter.try_take(device_id, Instant::now()) {
                Ok(()) => return Ok(permit),
                Err(wait) => {
                    drop(permit);
                    tracing::debug!(device_id, wait_ms = wait.as_millis(), "device rate limit");
                    sleep_within(wait, &patience).await?;
                }
            }
        }
    }

    /// A concurrency permit, keeping its place in the queue across rechecks of the patience.
    async fn permit_within(
        &self,
        patience: &impl Fn() -> Duration,
    ) -> Result<SemaphorePermit<'_>, Refusal> {
        let acquire = self.concurrency.acquire();
        tokio::pin!(acquire);
        loop {
            let left = patience();
            tokio::select! {
                // A free permit is taken even when the patience is already spent.
                biased;
                permit = &mut acquire => {
                    let Ok(permit) = permit else {
                        unreachable!("the semaphore is never closed");
                    };
                    return Ok(permit);
                }
                () = tokio::time::sleep(left.min(RECHECK)) => {
                    if left.is_zero() {
                        return Err(Refusal::Busy);
                    }
                }
            }
        }
    }
}

/// Sleeps `wait` for a device's room, or refuses at once (and later, should the patience
/// shrink) when the patience will not last that long.
async fn sleep_within(wait: Duration, patience: &impl Fn() -> Duration) -> Result<(), Refusal> {
    let Some(until) = Instant::now().checked_add(wait) else {
        return Err(Refusal::DeviceFull(wait));
    };
    loop {
        let rest = until.saturating_duration_since(Instant::now());
        if rest.is_zero() {
            return Ok(());
        }
        if rest > patience() {
            return Err(Refusal::DeviceFull(rest));
        }
        tokio::time::sleep(rest.min(RECHECK)).await;
    }
}

/// Seam's per-device limit for one kind of call: at most `calls` in any window of `per`,
/// counted per device as a log of recent calls.
///
/// A sliding log rather than a token bucket (`governor`'s GCRA): Seam counts calls in a window,
/// and a bucket that allows a burst of `calls` refilling at `calls / per` lets one window see
/// nearly twice the limit. The only GCRA settings that stay under it either give up the burst
/// (so a create followed by an update on one lock would wait six seconds) or a large share of
/// the throughput. The log keeps both, and is what Seam's limit literally says.
///
/// Memory: one entry per device written to in the last window; idle devices are swept out.
struct DeviceLimiter {
    calls: usize,
    window: Duration,
    logs: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Above this many tracked devices, idle ones are swept out on the next call.
const SWEEP_ABOVE: usize = 1024;

impl DeviceLimiter {
    fn new(limit: DeviceRateLimit) -> Self {
        Self {
            calls: usize::try_from(limit.calls).unwrap_or(usize::MAX),
            window: limit.per.mul_f64(JITTER_SLACK),
            logs: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one call to `device_id` at `now`, or says how long until one may be made.
    fn try_take(&self, device_id: &str, now: Instant) -> Result<(), Duration> {
        let mut logs = self.logs.lock().unwrap_or_else(PoisonError::into_inner);
        if logs.len() > SWEEP_ABOVE {
            let window = self.window;
            logs.retain(|_, log| log.back().is_some_and(|at| now - *at < window));
        }
        let log = logs.entry(device_id.to_owned()).or_default();
        while log.front().is_some_and(|at| now - *at >= self.window) {
            log.pop_front();
        }
        match log.front() {
            Some(oldest) if log.len() >= self.calls => Err(self.window - (now - *oldest)),
            _ => {
                log.push_back(now);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
#[path = "limits_tests.rs"]
mod tests;
