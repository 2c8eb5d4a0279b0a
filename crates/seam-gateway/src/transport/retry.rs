//! When to try again, and after how long: exponential backoff with full jitter, capped, and
//! never sooner than Seam's `Retry-After`.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::Idempotency;
use crate::config::SeamClientConfig;
use crate::error::SeamError;

/// The pause before attempt `attempts + 1`, or `None` when the call must end with `err`:
/// creates are never repeated, only transient failures are, and a `Retry-After` longer than
/// `backoff_max` is handed to the caller rather than waited out inside a request.
/// (`NotSent` is transient too, but it is the gateway's own verdict and is never retried here.)
pub(crate) fn delay_before_retry(
    config: &SeamClientConfig,
    idempotency: Idempotency,
    attempts: u32,
    err: &SeamError,
) -> Option<Duration> {
    let unavailable = matches!(err, SeamError::Unavailable { .. });
    if idempotency == Idempotency::Create || !unavailable || attempts > config.max_retries {
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

/// `Retry-After`, in seconds or as an HTTP date (the delay until then, zero once past).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// Both forms RFC 9110 allows: delay-seconds, or an HTTP-date in any of its three formats
/// (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete RFC 850 and asctime forms
/// a recipient must still accept), read by `httpdate`. Anything else is ignored: a malformed
/// header must not make us wait.
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    // A date already past (or our clock ahead of Seam's) means: now.
    Some(at.duration_since(now).unwrap_or_default())
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
    fn not_sent_is_never_retried_here() {
        let err = SeamError::NotSent {
            endpoint: "/acs/users/list",
            reason: String::new(),
            retry_after: Some(Duration::from_millis(1)),
        };
        assert!(err.is_transient());
        assert_eq!(
            delay_before_retry(&config(), Idempotency::Read, 1, &err),
            None
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds_or_as_an_http_date() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static(" 0 "));
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        // Long past: retry now.
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("-5"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn an_http_date_is_the_delay_until_then_in_any_of_its_formats() {
        // 1994-11-06T08:49:07Z, thirty seconds before the dates below.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_747);
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(date, now),
                Some(Duration::from_secs(30)),
                "{date}"
            );
        }
        let later = now + Duration::from_secs(90);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", now),
            None
        );
    }
}
