//! How to reach Seam and how patient to be with it.

use std::time::Duration;

use url::Url;

use crate::error::SeamError;

/// Where Seam lives and the limits every call runs under.
///
/// The endpoint is injected so that tests and demos point the same client at the simulator.
#[derive(Debug, Clone)]
pub struct SeamClientConfig {
    /// Base URL, `https://connect.getseam.com` in production. A path prefix is kept.
    pub endpoint: Url,
    /// Limit on one attempt of a read, update or delete, from connecting until the whole
    /// response body has arrived.
    pub timeout: Duration,
    /// Limit on the one attempt of a create. Longer than `timeout` on purpose: see
    /// [`DEFAULT_CREATE_TIMEOUT`].
    pub create_timeout: Duration,
    /// The longest one call may take, from entering the gateway to its result: admission
    /// waits, every attempt and every backoff included. An attempt is sent only while the
    /// deadline leaves room for its whole timeout (so no attempt is ever cut short by it, and
    /// a create never becomes ambiguous because of it); a retry that would not fit ends the
    /// call with the last attempt's error. Must be at least `timeout` and `create_timeout`.
    pub call_deadline: Duration,
    /// With a send budget attached (`WorkspaceClient::with_budget`), an attempt is sent only
    /// while the budget exceeds `timeout + send_margin`: the answer must arrive, and the caller
    /// still have time to record it, before its lease can run out.
    pub send_margin: Duration,
    /// Extra attempts for reads and deletes after a transient failure; creates get none.
    pub max_retries: u32,
    /// First backoff step; doubled per attempt, then fully jittered.
    pub backoff_base: Duration,
    /// Cap on one backoff, and the longest `Retry-After` we are willing to wait inside a call.
    pub backoff_max: Duration,
    /// Requests in flight at once for one workspace (one API key), shared by every
    /// `WorkspaceClient` made for that key from one `SeamClient`. Calls beyond it queue.
    pub max_concurrent_per_workspace: usize,
    /// The longest one attempt queues for a request slot or for room on its device's limiter.
    /// A call that would wait longer ends with `SeamError::NotSent` instead, so that a long
    /// wait becomes the caller's decision (Doorway defers the run) rather than a stalled task.
    pub max_admission_wait: Duration,
    /// Seam's documented limit on access-code creates and updates per device, or `None` when
    /// the caller keeps that window itself (Doorway does, in PostgreSQL, across processes).
    pub access_code_write_limit: Option<DeviceRateLimit>,
    /// Seam's documented limit on access-code deletes per device, or `None` as above.
    pub access_code_delete_limit: Option<DeviceRateLimit>,
}

/// At most `calls` calls per device in any window of `per`. The gateway waits for room (up to
/// `max_admission_wait`) rather than letting Seam answer 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceRateLimit {
    pub calls: u32,
    pub per: Duration,
}

impl DeviceRateLimit {
    pub const fn new(calls: u32, per: Duration) -> Self {
        Self { calls, per }
    }
}

/// How long a create may take by default: 30 s.
///
/// Seam's own SDKs put no limit on a request at all (`seamapi/javascript-http` builds an axios
/// client without a `timeout`, whose default is none; `seamapi/python` sends through a
/// requests-style session without one), so a create is waited for until Seam answers; only
/// the optional wait for an action attempt afterwards is bounded (5 s, polled every 0.5 s).
/// Creates are the calls that reach the lock or the access system's cloud before Seam
/// answers, and the only ones where giving up early costs something: a create we stop waiting
/// for is ambiguous, and has to be looked for before anything is sent again. Waiting without
/// bound is not possible for a worker whose lease bounds its time, so creates get the longest
/// wait that still fits the worker's default lease (60 s; an attempt goes out only while the
/// lease left exceeds the attempt's timeout plus the send margin), three times what a read
/// gets.
pub const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(30);

impl SeamClientConfig {
    /// The production endpoint is not assumed: callers say where Seam is.
    pub fn new(endpoint: Url) -> Self {
        Self {
            endpoint,
            timeout: Duration::from_secs(10),
            create_timeout: DEFAULT_CREATE_TIMEOUT,
            call_deadline: Duration::from_secs(40),
            send_margin: Duration::from_secs(2),
            max_retries: 2,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(5),
            max_concurrent_per_workspace: 8,
            max_admission_wait: Duration::from_secs(30),
            access_code_write_limit: Some(DeviceRateLimit::new(10, Duration::from_secs(60))),
            access_code_delete_limit: Some(DeviceRateLimit::new(20, Duration::from_secs(60))),
        }
    }

    /// What a send budget must exceed for an attempt of a read, update or delete to be sent:
    /// `timeout + send_margin`.
    pub fn send_floor(&self) -> Duration {
        self.timeout.saturating_add(self.send_margin)
    }

    /// What a send budget must exceed for a create to be sent: `create_timeout + send_margin`.
    pub fn create_send_floor(&self) -> Duration {
        self.create_timeout.saturating_add(self.send_margin)
    }

    /// Checks the values and returns the endpoint with a trailing slash, so that joining
    /// `acs/users/list` keeps any path prefix instead of replacing its last segment.
    pub(crate) fn validated_endpoint(&self) -> Result<Url, SeamError> {
        let mut endpoint = self.endpoint.clone();
        if !matches!(endpoint.scheme(), "http" | "https") || endpoint.cannot_be_a_base() {
            return Err(SeamError::Config(format!(
                "Seam endpoint must be an http(s) base URL, got scheme {:?}",
                endpoint.scheme()
            )));
        }
        if endpoint.query().is_some() || endpoint.fragment().is_some() {
            return Err(SeamError::Config(
                "Seam endpoint must not carry a query or fragment".to_owned(),
            ));
        }
        if self.timeout.is_zero() || self.create_timeout.is_zero() {
            return Err(SeamError::Config(
                "timeout and create_timeout must be positive".to_owned(),
            ));
        }
        if self.call_deadline < self.timeout.max(self.create_timeout) {
            return Err(SeamError::Config(
                "call_deadline must be at least timeout and create_timeout, or no attempt \
                 could ever be sent"
                    .to_owned(),
            ));
        }
        if self.backoff_base > self.backoff_max {
            return Err(SeamError::Config(
                "backoff_base must not exceed backoff_max".to_owned(),
            ));
        }
        if self.max_concurrent_per_workspace == 0
            || self.max_concurrent_per_workspace > tokio::sync::Semaphore::MAX_PERMITS
        {
            return Err(SeamError::Config(format!(
                "max_concurrent_per_workspace must be from 1 to {}",
                tokio::sync::Semaphore::MAX_PERMITS
            )));
        }
        for (name, limit) in [
            ("access_code_write_limit", self.access_code_write_limit),
            ("access_code_delete_limit", self.access_code_delete_limit),
        ] {
            // `None` is not limited here at all; only a limit that is set must make sense.
            let Some(limit) = limit else { continue };
            if limit.calls == 0 || limit.per.is_zero() {
                return Err(SeamError::Config(format!(
                    "{name} needs a positive number of calls and a positive window"
                )));
            }
        }
        if !endpoint.path().ends_with('/') {
            let path = format!("{}/", endpoint.path());
            endpoint.set_path(&path);
        }
        Ok(endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn defaults_match_the_documented_values() {
        let config = SeamClientConfig::new(url("https://connect.getseam.com"));
        assert_eq!(config.timeout, Duration::from_secs(10));
        assert_eq!(config.create_timeout, Duration::from_secs(30));
        assert_eq!(config.call_deadline, Duration::from_secs(40));
        assert_eq!(config.create_send_floor(), Duration::from_secs(32));
        assert_eq!(config.send_margin, Duration::from_secs(2));
        assert_eq!(config.send_floor(), Duration::from_secs(12));
        assert_eq!(config.max_admission_wait, Duration::from_secs(30));
        assert_eq!(config.max_retries, 2);
        assert_eq!(config.backoff_base, Duration::from_millis(200));
        assert_eq!(config.backoff_max, Duration::from_secs(5));
        assert_eq!(config.max_concurrent_per_workspace, 8);
        let minute = Duration::from_secs(60);
        assert_eq!(
            config.access_code_write_limit,
            Some(DeviceRateLimit::new(10, minute))
        );
        assert_eq!(
            config.access_code_delete_limit,
            Some(DeviceRateLimit::new(20, minute))
        );
    }

    #[test]
    fn a_path_prefix_survives_joining() {
        let config = SeamClientConfig::new(url("http://127.0.0.1:9/seam"));
        let endpoint = config.validated_endpoint().unwrap();
        assert_eq!(
            endpoint.join("acs/users/list").unwrap().as_str(),
            "http://127.0.0.1:9/seam/acs/users/list"
        );
    }

    #[test]
    fn bad_values_are_config_errors() {
        assert!(SeamClientConfig::new(url("ftp://example.com"))
            .validated_endpoint()
            .is_err());
        let mut config = SeamClientConfig::new(url("https://example.com"));
        config.timeout = Duration::ZERO;
        assert!(matches!(
            config.validated_endpoint(),
            Err(SeamError::Config(_))
        ));
        let mut config = SeamClientConfig::new(url("https://example.com"));
        config.create_timeout = Duration::ZERO;
        assert!(config.validated_endpoint().is_err());
        let mut config = SeamClientConfig::new(url("https://example.com"));
        config.call_deadline = Duration::from_secs(29);
        assert!(config.validated_endpoint().is_err());
        let mut config = SeamClientConfig::new(url("https://example.com"));
        config.max_concurrent_per_workspace = 0;
        assert!(config.validated_endpoint().is_err());
        let mut config = SeamClientConfig::new(url("https://example.com"));
        config.access_code_delete_limit = Some(DeviceRateLimit::new(0, Duration::from_secs(1)));
        assert!(config.validated_endpoint().is_err());
        config.access_code_delete_limit = Some(DeviceRateLimit::new(1, Duration::ZERO));
        assert!(config.validated_endpoint().is_err());
    }

    #[test]
    fn device_limits_may_be_left_to_the_caller() {
        let mut config = SeamClientConfig::new(url("https://example.com"));
        config.access_code_write_limit = None;
        config.access_code_delete_limit = None;
        config.max_admission_wait = Duration::ZERO;
        config.send_margin = Duration::MAX;
        assert!(config.validated_endpoint().is_ok());
        assert_eq!(config.send_floor(), Duration::MAX);
    }
}
