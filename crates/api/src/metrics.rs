//! Prometheus metrics at `GET /metrics`: HTTP traffic by route and status, provisioning steps by
//! name and outcome, and the provisioning queue read at scrape time (runs due and waiting, how
//! long the oldest due run has waited, runs needing attention per tenant).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::db;
use crate::http::AppState;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Installs the process-wide recorder once (several applications in one test process share it).
fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), LATENCY_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match built {
                Ok(handle) => Some(handle),
                Err(err) => {
                    tracing::warn!(error = %err, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

pub fn init() {
    let _ = handle();
}

/// Counts every request and its latency, labelled by route template (not raw path, so ids do
/// not explode the label space).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("doorway_http_requests_total", &labels).increment(1);
    metrics::histogram!("doorway_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Records one executed provisioning step.
pub fn step_executed(step: &str, outcome: &'static str) {
    metrics::counter!("doorway_provisioning_steps_total", "step" => step.to_owned(), "outcome" => outcome)
        .increment(1);
}

pub async fn render(State(state): State<AppState>) -> Response {
    match db::runs::queue_depth(&state.services.pool).await {
        Ok(depth) => {
            metrics::gauge!("doorway_provisioning_runs_due").set(depth.due as f64);
            metrics::gauge!("doorway_provisioning_runs_waiting").set(depth.waiting as f64);
            metrics::gauge!("doorway_provisioning_oldest_due_seconds")
                .set(depth.oldest_due_seconds);
            for (tenant, runs) in depth.attention {
                metrics::gauge!("doorway_provisioning_runs_needing_attention", "tenant_id" => tenant.to_string())
                    .set(runs as f64);
            }
        }
        Err(err) => tracing::warn!(error = %err, "cannot read the provisioning queue depth"),
    }
    let body = handle().map(PrometheusHandle::render).unwrap_or_default();
    ([("content-type", "text/plain; version=0.0.4")], body).into_response()
}
