//! When to try again, and after how long: exponential backoff with full jitter, capped, and
//! never sooner than Seam's `Retry-After`.

use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::Idempotency;
use crate::config::SeamClientConfig;
use crate::error::SeamError;

/// The pause before attempt `attempts + 1`, or `None` when the call must end with `err`:
/// creates are never repeated, only transient failures are, and a `Retry-After` longer than
/// `backoff_max` is handed to the caller rather than waited out inside a request.
pub(crate) fn delay_before_retry(
    config: &SeamClientConfig,
    idempotency: Idempotency,
    attempts: u32,
    err: &SeamError,
) -> Option<Duration> {
    if idempotency == Idempotency::Create || !err.is_transient() || attempts > config.max_retries {
        return None;
    }
    if let SeamError::Unavailable {
        retry_after: Some(wait),
        ..
    } = err
    {
        return (*wait <= config.backoff_max).then_some(*wait);
    }
    Some(jittered_backoff(config, attempts, &mut rand::thread_rng()))
}

/// Uniform in `[0, min(backoff_max, backoff_base * 2^(attempts - 1))]`.
fn jittered_backoff(config: &SeamClientConfig, attempts: u32, rng: &mut impl Rng) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1));
    let ceiling = config
        .backoff_base
        .saturating_mul(factor)
        .min(config.backoff_max);
    ceiling.mul_f64(rng.gen_range(0.0..=1.0))
}

/// `Retry-After` in seconds. The HTTP-date form is not used by Seam and is ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use rand::rngs::mock::StepRng;
    use reqwest::header::HeaderValue;
    use url::Url;

    use super::*;

    fn config() -> SeamClientConfig {
        SeamClientConfig::new(Url::parse("http://127.0.0.1:1").unwrap())
    }

    fn unavailable(retry_after: Option<Duration>) -> SeamError {
        SeamError::Unavailable {
            endpoint: "/acs/users/list",
            status: Some(503),
            request_id: None,
            retry_after,
            detail: String::new(),
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_is_jittered_down_to_zero() {
        let config = config();
        // StepRng(u64::MAX, 0) makes gen_range return the top of its range, StepRng(0, 0) the
        // bottom.
        let mut top = StepRng::new(u64::MAX, 0);
        let near =
            |d: Duration, ms: u64| d.abs_diff(Duration::from_millis(ms)) < Duration::from_millis(2);
        assert!(near(jittered_backoff(&config, 1, &mut top), 200));
        assert!(near(jittered_backoff(&config, 3, &mut top), 800));
        for attempts in [10, 40, u32::MAX] {
            assert!(near(jittered_backoff(&config, attempts, &mut top), 5_000));
        }
        let mut bottom = StepRng::new(0, 0);
        assert_eq!(jittered_backoff(&config, 3, &mut bottom), Duration::ZERO);
    }

    #[test]
    fn only_transient_failures_of_repeatable_calls_are_retried() {
        let config = config();
        let err = unavailable(None);
        assert!(delay_before_retry(&config, Idempotency::Read, 1, &err).is_some());
        assert!(delay_before_retry(&config, Idempotency::SafeDelete, 2, &err).is_some());
        assert!(delay_before_retry(&config, Idempotency::Update, 2, &err).is_some());
        assert!(delay_before_retry(&config, Idempotency::Read, 3, &err).is_none());
        assert!(delay_before_retry(&config, Idempotency::Create, 1, &err).is_none());
        let long = unavailable(Some(Duration::from_secs(60)));
        assert!(delay_before_retry(&config, Idempotency::Read, 1, &long).is_none());
        let short = unavailable(Some(Duration::from_secs(1)));
        assert_eq!(
            delay_before_retry(&config, Idempotency::Read, 1, &short),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
