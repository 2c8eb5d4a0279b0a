//! What the gateway tells the process's metrics recorder (the `metrics` facade: whoever embeds
//! the gateway chooses the exporter; Doorway serves them at `/metrics`). Labelled by endpoint
//! path only, a fixed set, so the series stay few.
//!
//! - `seam_gateway_calls_total{endpoint, outcome}`: calls, retries included, by how they ended
//!   (`ok`, `rejected`, `unavailable`, `ambiguous`, `decode`, `not_sent`, `config`);
//! - `seam_gateway_call_duration_seconds{endpoint}`: a call's whole time, waiting for the rate
//!   limits and retrying included;
//! - `seam_gateway_rate_limited_total{endpoint}`: 429 answers, each attempt's;
//! - `seam_gateway_ambiguous_total{endpoint}`: attempts whose effect at Seam is unknown (the
//!   answer was lost after the request went out), each attempt's.

use std::time::Duration;

use super::envelope::Reply;
use super::Endpoint;
use crate::error::SeamError;

/// One failed attempt, whether or not it is retried.
pub(super) fn attempt_failed(endpoint: &Endpoint, err: &SeamError) {
    if err.status() == Some(429) {
        metrics::counter!("seam_gateway_rate_limited_total", "endpoint" => endpoint.path)
            .increment(1);
    }
    if err.is_ambiguous() {
        metrics::counter!("seam_gateway_ambiguous_total", "endpoint" => endpoint.path).increment(1);
    }
}

/// One call, after its last attempt.
pub(super) fn call_ended(endpoint: &Endpoint, result: &Result<Reply, SeamError>, took: Duration) {
    let outcome = result.as_ref().map_or_else(SeamError::outcome, |_| "ok");
    metrics::counter!("seam_gateway_calls_total", "endpoint" => endpoint.path, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("seam_gateway_call_duration_seconds", "endpoint" => endpoint.path)
        .record(took.as_secs_f64());
}
