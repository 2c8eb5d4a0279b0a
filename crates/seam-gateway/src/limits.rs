//! Rate limits on our side of the wire, so that bulk work queues instead of collecting 429s.
//!
//! Each workspace (each API key) has one [`WorkspaceLimits`], kept by the [`SeamClient`] and
//! shared by every [`WorkspaceClient`] it hands out for that key, however many are made:
//! - a concurrency bound, `max_concurrent_per_workspace` requests in flight at once;
//! - one limiter per rate-limited kind of call (Seam documents 10 access-code creates or
//!   updates and 20 deletes per minute per device), counting calls per device id.
//!
//! A concurrency permit is held for one HTTP exchange only: never while waiting for a device's
//! limiter and never during a retry's backoff (the transport drops it before sleeping), so a
//! device being throttled, by us or by Seam, cannot hold up calls for other devices.
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

/// One workspace's concurrency bound and per-device limiters.
pub(crate) struct WorkspaceLimits {
    concurrency: Semaphore,
    access_code_writes: DeviceLimiter,
    access_code_deletes: DeviceLimiter,
}

impl WorkspaceLimits {
    fn new(config: &SeamClientConfig) -> Self {
        Self {
            concurrency: Semaphore::new(config.max_concurrent_per_workspace),
            access_code_writes: DeviceLimiter::new(config.access_code_write_limit),
            access_code_deletes: DeviceLimiter::new(config.access_code_delete_limit),
        }
    }

    /// Waits until one request may be sent: a concurrency permit, and room on the device's
    /// limiter when the call has one. The device is checked while the permit is held, so that
    /// the request leaves right after it is counted; when the device has no room, the permit
    /// is given back before waiting.
    pub(crate) async fn admit(&self, device: Option<(DeviceBucket, &str)>) -> SemaphorePermit<'_> {
        loop {
            let Ok(permit) = self.concurrency.acquire().await else {
                unreachable!("the semaphore is never closed");
            };
            let Some((bucket, device_id)) = device else {
                return permit;
            };
            let limiter = match bucket {
                DeviceBucket::AccessCodeWrite => &self.access_code_writes,
                DeviceBucket::AccessCodeDelete => &self.access_code_deletes,
            };
            match limiter.try_take(device_id, Instant::now()) {
                Ok(()) => return permit,
                Err(wait) => {
                    drop(permit);
                    tracing::debug!(device_id, wait_ms = wait.as_millis(), "device rate limit");
                    tokio::time::sleep(wait).await;
                }
            }
        }
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
