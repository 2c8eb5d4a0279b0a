//! The one way a request reaches Seam: POST JSON with the workspace's key, under a timeout,
//! retried only where that is safe, inside a `seam.call` tracing span.

mod envelope;
#[cfg(test)]
mod envelope_tests;
mod retry;
#[cfg(test)]
mod retry_tests;

use std::time::Instant;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::field::Empty;
use tracing::Instrument;

pub(crate) use envelope::Reply;

use crate::client::WorkspaceClient;
use crate::error::SeamError;

/// What repeating a call could do, declared once per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Changes nothing (or converges to the same state, like `get_or_create`): retry freely.
    Read,
    /// Deleting twice leaves the same state: retry freely.
    SafeDelete,
    /// Seam has no idempotency keys: never repeat, and say when the outcome is unknown.
    Create,
}

/// One Seam endpoint: its path, the field of the success body holding the result, and how
/// safe it is to repeat.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) path: &'static str,
    pub(crate) response_key: Option<&'static str>,
    pub(crate) idempotency: Idempotency,
}

impl Endpoint {
    pub(crate) const fn read(path: &'static str, response_key: &'static str) -> Self {
        let response_key = Some(response_key);
        Self {
            path,
            response_key,
            idempotency: Idempotency::Read,
        }
    }

    pub(crate) const fn create(path: &'static str, response_key: &'static str) -> Self {
        let response_key = Some(response_key);
        Self {
            path,
            response_key,
            idempotency: Idempotency::Create,
        }
    }

    pub(crate) const fn delete(path: &'static str) -> Self {
        Self {
            path,
            response_key: None,
            idempotency: Idempotency::SafeDelete,
        }
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
        let body = serde_json::to_vec(body)
            .map_err(|err| SeamError::Config(format!("cannot encode {}: {err}", endpoint.path)))?;
        let span = tracing::info_span!(
            "seam.call",
            endpoint = endpoint.path,
            status = Empty,
            attempts = Empty,
            duration_ms = Empty,
            seam_request_id = Empty,
            outcome = Empty,
        );
        self.send_with_retries(endpoint, body)
            .instrument(span)
            .await
    }

    async fn send_with_retries(
        &self,
        endpoint: &'static Endpoint,
        body: Vec<u8>,
    ) -> Result<Reply, SeamError> {
        let started = Instant::now();
        let config = &self.shared.config;
        let mut attempts = 0;
        let result = loop {
            attempts += 1;
            let err = match self.attempt(endpoint, &body).await {
                Ok(reply) => break Ok(reply),
                Err(err) => err.scrubbed(self.api_key.expose_secret()),
            };
            match retry::delay_before_retry(config, endpoint.idempotency, attempts, &err) {
                Some(delay) => {
                    let delay_ms = delay.as_millis();
                    tracing::info!(attempt = attempts, delay_ms, error = %err, "retrying");
                    tokio::time::sleep(delay).await;
                }
                None => break Err(err),
            }
        };

        let span = tracing::Span::current();
        span.record("attempts", attempts);
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
                if matches!(err, SeamError::Rejected { .. }) {
                    tracing::info!(error = %err, "Seam call rejected");
                } else {
                    tracing::warn!(error = %err, "Seam call failed");
                }
            }
        }
        result
    }

    /// One HTTP exchange, its failure classified for this endpoint.
    async fn attempt(&self, endpoint: &'static Endpoint, body: &[u8]) -> Result<Reply, SeamError> {
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
            .timeout(shared.config.timeout)
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

    /// The only place the API key is exposed.
    fn bearer(&self) -> Result<HeaderValue, SeamError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.api_key.expose_secret()))
            .map_err(|_| SeamError::Config("API key is not a valid header value".into()))?;
        value.set_sensitive(true);
        Ok(value)
    }
}
