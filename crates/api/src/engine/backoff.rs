//! How long to wait before trying a step again.

use std::time::Duration;

use rand::Rng;

/// After a transient failure: 1 s, 2 s, 4 s ... capped at 5 minutes, with ±20 % jitter so that
/// runs failing together do not retry together.
pub fn after_failure(attempts: i32) -> Duration {
    jitter(exponential(
        Duration::from_secs(1),
        attempts,
        Duration::from_secs(300),
    ))
}

/// After Seam refused a step that ends access (a revocation never gives up while a door may
/// still open): 1 min, 2 min, 4 min ... capped at an hour.
pub fn after_refusal(attempts: i32) -> Duration {
    jitter(exponential(
        Duration::from_secs(60),
        attempts,
        Duration::from_secs(3600),
    ))
}

/// While waiting for Seam to finish something (issue a credential): 0.5 s, 1 s, 2 s ... capped at
/// 30 s. Webhooks make this faster; polling is the fallback the seeds describe.
pub fn while_waiting(attempts: i32) -> Duration {
    jitter(exponential(
        Duration::from_millis(500),
        attempts,
        Duration::from_secs(30),
    ))
}

/// While waiting for Seam with its webhook registered, the poll is a fallback for an event
/// that never comes: 15 s, 30 s, 60 s ... capped at 5 minutes.
pub fn while_awaiting_event(attempts: i32) -> Duration {
    jitter(exponential(
        Duration::from_secs(15),
        attempts,
        Duration::from_secs(300),
    ))
}

fn exponential(base: Duration, attempts: i32, cap: Duration) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    base.saturating_mul(1 << doublings).min(cap)
}

fn jitter(delay: Duration) -> Duration {
    delay.mul_f64(rand::thread_rng().gen_range(0.8..1.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_stop_growing() {
        assert_eq!(
            exponential(Duration::from_secs(1), 1, Duration::from_secs(300)),
            Duration::from_secs(1)
        );
        assert_eq!(
            exponential(Duration::from_secs(1), 4, Duration::from_secs(300)),
            Duration::from_secs(8)
        );
        assert_eq!(
            exponential(Duration::from_secs(1), 40, Duration::from_secs(300)),
            Duration::from_secs(300)
        );
        assert_eq!(
            exponential(Duration::from_secs(1), 0, Duration::from_secs(300)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..100 {
            let d = after_failure(3);
            assert!(
                d >= Duration::from_millis(3200) && d <= Duration::from_millis(4800),
                "{d:?}"
            );
        }
    }
}
