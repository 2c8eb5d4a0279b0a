//! Prometheus metrics at `GET /metrics`, behind a token: HTTP traffic by route and status,
//! provisioning steps by name and outcome, and the provisioning queue (runs due and waiting, how
//! long the oldest due run has waited, runs needing attention per tenant), refreshed in the
//! background rather than queried at each scrape.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;

use crate::db;
use crate::state::AppState;

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

/// Who may read `/metrics`: it names tenants and shows the service's load, so it is not for
/// the public.
#[derive(Clone)]
pub enum Access {
    /// A bearer token (`DOORWAY_METRICS_TOKEN`) is required.
    Token(SecretString),
    /// Anyone (the demo, with no token configured).
    Open,
    /// Not served (`serve` with no token configured).
    Off,
}

impl Access {
    pub fn from_config(token: Option<&SecretString>, profile: crate::Profile) -> Self {
        match (token, profile) {
            (Some(token), _) => Self::Token(token.clone()),
            (None, crate::Profile::Demo) => Self::Open,
            (None, crate::Profile::Serve) => Self::Off,
        }
    }

    fn allows(&self, headers: &HeaderMap) -> Result<(), StatusCode> {
        match self {
            Self::Open => Ok(()),
            Self::Off => Err(StatusCode::NOT_FOUND),
            Self::Token(token) => {
                let presented = headers
                    .get(AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .unwrap_or_default();
                let expected = token.expose_secret().as_bytes();
                // Constant time: a scraper's token is a secret like any other.
                if bool::from(presented.as_bytes().ct_eq(expected)) {
                    Ok(())
                } else {
                    Err(StatusCode::UNAUTHORIZED)
                }
            }
        }
    }
}

/// Renders what the recorder holds; the queue's gauges are refreshed in the background (see
/// [`refresh_queue_forever`]), so a scrape runs no query.
/// `GET /metrics`, behind its token.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/metrics", axum::routing::get(render))
}

pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(status) = state.metrics.allows(&headers) {
        return status.into_response();
    }
    let body = handle().map(PrometheusHandle::render).unwrap_or_default();
    ([("content-type", "text/plain; version=0.0.4")], body).into_response()
}

/// How often this process refreshes the queue's gauges.
const QUEUE_REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// Refreshes the queue's gauges every few seconds (counts only: due, waiting, the oldest due
/// run's wait, runs needing attention per tenant), until `shutdown`.
pub async fn refresh_queue_forever(pool: sqlx::PgPool, shutdown: CancellationToken) {
    loop {
        match db::runs::queue_depth(&pool).await {
            Ok(depth) => {
                metrics::gauge!("doorway_provisioning_runs_due").set(depth.due as f64);
                metrics::gauge!("doorway_provisioning_runs_waiting").set(depth.waiting as f64);
                metrics::gauge!("doorway_provisioning_oldest_due_seconds")
                    .set(depth.oldest_due_seconds);
                // Tenants at zero are included, so a gauge falls back once runs are dealt with.
                for (tenant, runs) in depth.attention {
                    attention_gauge(tenant).set(runs as f64);
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot read the provisioning queue depth"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(QUEUE_REFRESH) => {}
        }
    }
}

fn attention_gauge(tenant: uuid::Uuid) -> metrics::Gauge {
    metrics::gauge!("doorway_provisioning_runs_needing_attention", "tenant_id" => tenant.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        headers
    }

    #[test]
    fn serve_without_a_token_does_not_serve_metrics() {
        let access = Access::from_config(None, crate::Profile::Serve);
        assert_eq!(
            access.allows(&bearer("anything")),
            Err(StatusCode::NOT_FOUND)
        );
    }

    #[test]
    fn the_demo_without_a_token_serves_metrics_to_anyone() {
        let access = Access::from_config(None, crate::Profile::Demo);
        assert_eq!(access.allows(&HeaderMap::new()), Ok(()));
    }

    #[test]
    fn a_configured_token_is_required_in_either_profile() {
        let token = SecretString::from("s3cret");
        for profile in [crate::Profile::Serve, crate::Profile::Demo] {
            let access = Access::from_config(Some(&token), profile);
            assert_eq!(access.allows(&bearer("s3cret")), Ok(()));
            assert_eq!(
                access.allows(&bearer("s3cre")),
                Err(StatusCode::UNAUTHORIZED)
            );
            assert_eq!(
                access.allows(&HeaderMap::new()),
                Err(StatusCode::UNAUTHORIZED)
            );
        }
    }
}
