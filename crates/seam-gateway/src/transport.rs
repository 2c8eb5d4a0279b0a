//! The one way a request reaches Seam: POST JSON with the workspace's key, under the
//! endpoint's timeout and the call's deadline, admitted by the workspace's rate limits within
//! a bounded wait, sent only while the handle's send budget allows, retried only where that is
//! safe, inside a `seam.call` tracing span.

#[cfg(test)]
mod admission_tests;
#[cfg(test)]
mod budget_tests;
mod call_metrics;
#[cfg(test)]
mod deadline_tests;
mod envelope;
#[cfg(test)]
mod envelope_tests;
mod retry;
#[cfg(test)]
mod retry_tests;

use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::field::Empty;
use tracing::Instrument;

pub(crate) use envelope::Reply;

use crate::budget::Guard;
use crate::client::WorkspaceClient;
use crate::config::SeamClientConfig;
use crate::error::SeamError;
use crate::limits::DeviceBucket;

/// What repeating a call could do, declared once per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Changes nothing (or converges to the same state, like `get_or_create`): retry freely.
    Read,
    /// Sets fields, or a membership or flag, to the values sent: a repeat leaves the same
    /// state, so retry freely.
    Update,
    /// Deleting twice leaves the same state (already gone counts as done): retry freely.
    SafeDelete,
    /// Seam has no idempotency keys: never repeat, and say when the outcome is unknown.
    Create,
}

/// One Seam endpoint: its path, the field of the success body holding the result, how safe it
/// is to repeat, and which per-device rate limit it counts against.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) path: &'static str,
    pub(crate) response_key: Option<&'static str>,
    pub(crate) idempotency: Idempotency,
    pub(crate) device_bucket: Option<DeviceBucket>,
}

impl Endpoint {
    const fn new(
        path: &'static str,
        response_key: Option<&'static str>,
        idempotency: Idempotency,
    ) -> Self {
        Self {
            path,
            response_key,
            idempotency,
            device_bucket: None,
        }
    }

    pub(crate) const fn read(path: &'static str, response_key: &'static str) -> Self {
        Self::new(path, Some(response_key), Idempotency::Read)
    }

    pub(crate) const fn create(path: &'static str, response_key: &'static str) -> Self {
        Self::new(path, Some(response_key), Idempotency::Create)
    }

    /// An update whose success body has no response key (Seam answers `ok`, sometimes with an
    /// action attempt).
    pub(crate) const fn update(path: &'static str) -> Self {
        Self::new(path, None, Idempotency::Update)
    }

    pub(crate) const fn delete(path: &'static str) -> Self {
        Self::new(path, None, Idempotency::SafeDelete)
    }

    /// The timeout of one attempt at this endpoint: creates wait longer (`create_timeout`),
    /// since they alone cannot be repeated and become ambiguous when we stop waiting.
    pub(crate) fn timeout(&self, config: &SeamClientConfig) -> Duration {
        match self.idempotency {
            Idempotency::Create => config.create_timeout,
            Idempotency::Read | Idempotency::Update | Idempotency::SafeDelete => config.timeout,
        }
    }

    /// Counts the call against one of Seam's per-device limits; see `limits`.
    pub(crate) const fn per_device(mut self, bucket: DeviceBucket) -> Self {
        self.device_bucket = Some(bucket);
        self
    }
}

impl WorkspaceClient {
    /// Calls `endpoint` and returns the value under its response key.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        endpoint: &'static Endpoint,
        body: &impl Serialize,
    ) -> Result<T, SeamError> {
        self.send(endpoint, body).await?.take(endpoint)
    }

    /// Calls `endpoint`, retrying as its idempotency allows, and returns the success body.
    pub(crate) async fn send(
        &self,
        endpoint: &'static Endpoint,
        body: &impl Serialize,
    ) -> Result<Reply, SeamError> {
        self.send_scoped(endpoint, None, body).await
    }

    /// Like `send`, for a call about one device: before every attempt it waits for room
    /// under the endpoint's per-device rate limit, when the configuration sets one.
    pub(crate) async fn send_for_device(
        &self,
        endpoint: &'static Endpoint,
        device_id: &str,
        body: &impl Serialize,
    ) -> Result<Reply, SeamError> {
        self.send_scoped(endpoint, Some(device_id), body).await
    }

    async fn send_scoped(
        &self,
        endpoint: &'static Endpoint,
        device_id: Option<&str>,
        body: &impl Serialize,
    ) -> Result<Reply, SeamError> {
        let body = serde_json::to_vec(body)
            .map_err(|err| SeamError::Config(format!("cannot encode {}: {err}", endpoint.path)))?;
        let span = tracing::info_span!(
            "seam.call",
            otel.name = %format_args!("seam {}", endpoint.path),
            otel.kind = "client",
            otel.status_code = Empty,
            endpoint = endpoint.path,
            device_id,
            status = Empty,
            attempts = Empty,
            queued_ms = Empty,
            duration_ms = Empty,
            seam_request_id = Empty,
            outcome = Empty,
        );
        let device = endpoint.device_bucket.zip(device_id);
        self.send_with_retries(endpoint, device, body)
            .instrument(span)
            .await
    }

    /// The attempts of one call. Before each: the deadline and the budget are checked, the
    /// limits admit it (within `max_admission_wait`, the deadline and the budget), and both are
    /// checked again, since the wait spent some of them. A retry's backoff is slept only if
    /// the deadline and the budget will still allow an attempt afterwards. Nothing sent yet
    /// ends the call with `NotSent`; a retry the deadline has no room for ends it with the last
    /// attempt's error.
    async fn send_with_retries(
        &self,
        endpoint: &'static Endpoint,
        device: Option<(DeviceBucket, &str)>,
        body: Vec<u8>,
    ) -> Result<Reply, SeamError> {
        let started = Instant::now();
        let config = &self.shared.config;
        let timeout = endpoint.timeout(config);
        let guard = Guard::new(endpoint.path, timeout, config, self.budget.as_deref());
        let mut attempts = 0;
        let mut queued = Duration::ZERO;
        // The error of the attempt a backoff was slept after, for a deadline reached since.
        let mut last: Option<SeamError> = None;
        let result = loop {
            if !guard.deadline_allows(Duration::ZERO) {
                break Err(last.take().unwrap_or_else(|| guard.past_deadline()));
            }
            if let Err(not_sent) = guard.may_send() {
                break Err(not_sent);
            }
            let waiting = Instant::now();
            let admitted = self.limits.admit(device, guard.patience()).await;
            let waited = waiting.elapsed();
            queued += waited;
            let permit = match admitted {
                Ok(permit) => permit,
                Err(refusal) => break Err(guard.refused(refusal, device, waited)),
            };
            // A device slot taken by admission stays counted even if nothing is sent now:
            // erring towards fewer calls than Seam allows costs nothing there.
            if !guard.deadline_allows(Duration::ZERO) {
                break Err(last.take().unwrap_or_else(|| guard.past_deadline()));
            }
            if let Err(not_sent) = guard.may_send() {
                break Err(not_sent);
            }
            attempts += 1;
            let outcome = self.attempt(endpoint, timeout, &body).await;
            // Given back before any backoff, so sleeping never holds up other calls.
            drop(permit);
            let err = match outcome {
                Ok(reply) => break Ok(reply),
                Err(err) => err.scrubbed(self.api_key.expose_secret()),
            };
            call_metrics::attempt_failed(endpoint, &err);
            match retry::delay_before_retry(config, endpoint.idempotency, attempts, &err) {
                Some(delay) if guard.deadline_allows(delay) => {
                    if let Err(not_sent) = guard.may_retry_after(delay, &err) {
                        break Err(not_sent);
                    }
                    let delay_ms = delay.as_millis();
                    tracing::info!(attempt = attempts, delay_ms, error = %err, "retrying");
                    tokio::time::sleep(delay).await;
                    last = Some(err);
                }
                Some(_) => {
                    tracing::info!(
                        attempt = attempts,
                        "no time left for a retry before the call deadline"
                    );
                    break Err(err);
                }
                None => break Err(err),
            }
        };

        call_metrics::call_ended(endpoint, &result, started.elapsed());
        let span = tracing::Span::current();
        span.record("attempts", attempts);
        span.record("queued_ms", queued.as_millis());
        span.record("duration_ms", started.elapsed().as_millis());
        match &result {
            Ok(reply) => {
                span.record("status", reply.status);
                span.record("seam_request_id", reply.request_id.as_deref());
                span.record("outcome", "ok");
                tracing::debug!("Seam call succeeded");
            }
            Err(err) => {
                span.record("status", err.status());
                span.record("seam_request_id", err.request_id());
                span.record("outcome", err.outcome());
                span.record("otel.status_code", "ERROR");
                if matches!(err, SeamError::EndpointRemoved { .. }) {
                    tracing::error!(error = %err, "Seam no longer has this endpoint");
                } else if matches!(err, SeamError::Rejected { .. } | SeamError::NotFound { .. }) {
                    tracing::info!(error = %err, "Seam call rejected");
                } else if matches!(err, SeamError::NotSent { .. }) {
                    tracing::info!(error = %err, "Seam call not sent");
                } else {
                    tracing::warn!(error = %err, "Seam call failed");
                }
            }
        }
        result
    }

    /// One HTTP exchange, its failure classified for this endpoint.
    async fn attempt(
        &self,
        endpoint: &'static Endpoint,
        timeout: Duration,
        body: &[u8],
    ) -> Result<Reply, SeamError> {
        let shared = &self.shared;
        let url = shared
            .endpoint
            .join(endpoint.path.trim_start_matches('/'))
            .map_err(|err| SeamError::Config(format!("bad path {}: {err}", endpoint.path)))?;
        let response = shared
            .http
            .post(url)
            .header(AUTHORIZATION, self.bearer()?)
            .header(CONTENT_TYPE, "application/json")
            .timeout(timeout)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|err| envelope::transport_failure(endpoint, None, None, &err))?;
        let status = response.status().as_u16();
        let request_id = envelope::request_id(response.headers());
        let retry_after = retry::retry_after(response.headers());
        let bytes = response.bytes().await.map_err(|err| {
            envelope::transport_failure(endpoint, Some(status), request_id.clone(), &err)
        })?;
        envelope::classify(endpoint, status, request_id, retry_after, &bytes)
    }

    /// The only place the API key goes on the wire.
    fn bearer(&self) -> Result<HeaderValue, SeamError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.api_key.expose_secret()))
            .map_err(|_| SeamError::Config("API key is not a valid header value".into()))?;
        value.set_sensitive(true);
        Ok(value)
    }
}
