//! Rate limits over a sliding window of real time: Seam's documented per-device limits on
//! access-code calls (a minute unless [`DeviceRateLimits::window`] says otherwise), and the
//! `rate_limit_per_minute` of injected faults.
//!
//! Real time rather than simulator time, because a limit is about how fast a client calls,
//! and a clock advance must not reset it.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::error::SimError;
use crate::options::DeviceRateLimits;

/// The window of an injected fault's `rate_limit_per_minute`.
pub(crate) const MINUTE: Duration = Duration::from_secs(60);

/// Admits a call if fewer than `limit` were admitted in the last `window`, recording it;
/// otherwise answers 429 with the whole seconds until the oldest call leaves the window.
pub(crate) fn admit(
    calls: &mut VecDeque<Instant>,
    limit: usize,
    window: Duration,
    now: Instant,
) -> Result<(), SimError> {
    while calls
        .front()
        .is_some_and(|at| now.duration_since(*at) >= window)
    {
        calls.pop_front();
    }
    match calls.front() {
        Some(oldest) if calls.len() >= limit => Err(SimError::RateLimited {
            retry_after_secs: whole_seconds(window.saturating_sub(now.duration_since(*oldest))),
        }),
        None if limit == 0 => Err(SimError::RateLimited {
            retry_after_secs: whole_seconds(window),
        }),
        _ => {
            calls.push_back(now);
            Ok(())
        }
    }
}

/// `Retry-After` is in whole seconds: rounded up, and never 0, which would invite a client to
/// retry at once and be refused again.
fn whole_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

/// Which of Seam's per-device budgets a call spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DeviceCall {
    /// `/access_codes/create` and `/access_codes/update`.
    AccessCodeWrite,
    /// `/access_codes/delete`.
    AccessCodeDelete,
}

/// The per-device limits of one workspace and the calls they have seen.
#[derive(Debug, Default)]
pub(crate) struct DeviceLimiter {
    limits: Option<DeviceRateLimits>,
    calls: HashMap<(String, DeviceCall), VecDeque<Instant>>,
}

impl DeviceLimiter {
    pub(crate) fn new(limits: Option<DeviceRateLimits>) -> Self {
        Self {
            limits,
            calls: HashMap::new(),
        }
    }

    /// Spends one call of `kind` on `device_id`, or answers `rate_limited`.
    pub(crate) fn admit(
        &mut self,
        device_id: &str,
        kind: DeviceCall,
        now: Instant,
    ) -> Result<(), SimError> {
        let Some(limits) = &self.limits else {
            return Ok(());
        };
        let limit = match kind {
            DeviceCall::AccessCodeWrite => limits.access_code_writes_per_minute,
            DeviceCall::AccessCodeDelete => limits.access_code_deletes_per_minute,
        };
        let calls = self.calls.entry((device_id.to_owned(), kind)).or_default();
        admit(calls, limit, limits.window, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_device_and_kind_separately() {
        let mut limiter = DeviceLimiter::new(Some(DeviceRateLimits {
            access_code_writes_per_minute: 2,
            access_code_deletes_per_minute: 1,
            ..DeviceRateLimits::default()
        }));
        let start = Instant::now();
        let write = DeviceCall::AccessCodeWrite;
        assert!(limiter.admit("a", write, start).is_ok());
        assert!(limiter.admit("a", write, start).is_ok());
        let refused = limiter.admit("a", write, start).unwrap_err();
        assert!(matches!(
            refused,
            SimError::RateLimited {
                retry_after_secs: 60
            }
        ));
        assert!(limiter.admit("b", write, start).is_ok());
        assert!(limiter
            .admit("a", DeviceCall::AccessCodeDelete, start)
            .is_ok());
        let later = start + Duration::from_secs(45);
        match limiter.admit("a", write, later) {
            Err(SimError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 15),
            other => panic!("{other:?}"),
        }
        assert!(limiter.admit("a", write, start + MINUTE).is_ok());
    }

    #[test]
    fn a_shorter_window_lifts_sooner_and_says_so() {
        let mut limiter = DeviceLimiter::new(Some(DeviceRateLimits {
            access_code_writes_per_minute: 1,
            access_code_deletes_per_minute: 1,
            window: Duration::from_millis(2500),
        }));
        let start = Instant::now();
        let write = DeviceCall::AccessCodeWrite;
        assert!(limiter.admit("a", write, start).is_ok());
        match limiter.admit("a", write, start + Duration::from_millis(500)) {
            Err(SimError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 2),
            other => panic!("{other:?}"),
        }
        match limiter.admit("a", write, start + Duration::from_millis(2400)) {
            Err(SimError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
            other => panic!("{other:?}"),
        }
        assert!(limiter
            .admit("a", write, start + Duration::from_millis(2500))
            .is_ok());
    }

    #[test]
    fn a_zero_limit_refuses_for_a_whole_window() {
        let mut calls = VecDeque::new();
        match admit(&mut calls, 0, Duration::from_secs(2), Instant::now()) {
            Err(SimError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_limits_admit_everything() {
        let mut limiter = DeviceLimiter::new(None);
        for _ in 0..100 {
            assert!(limiter
                .admit("a", DeviceCall::AccessCodeWrite, Instant::now())
                .is_ok());
        }
    }
}
