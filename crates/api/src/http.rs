//! The HTTP surface: every edge's routes (GraphQL, subscriptions, REST, webhooks, metrics) merged
//! with health and readiness, under the layers every request passes through: a request id in
//! every log line it causes, the body limit, the timeout, CORS for allowed browser origins,
//! tracing and request metrics. The edges
//! live in their own modules; this one imports them and nothing imports it but start-up.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Request, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::cors::CorsOrigins;
use crate::db;
use crate::error::REQUEST_ID_HEADER;
use crate::state::AppState;

/// The whole surface; `cors` (from `DOORWAY_CORS_ALLOWED_ORIGINS`) answers browsers' preflights
/// inside the request id and tracing layers, so those are logged like any request.
pub fn router(state: AppState, cors: &CorsOrigins) -> Router {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(crate::graphql::edge::routes(&state))
        .merge(crate::ws::routes())
        .merge(crate::metrics::routes())
        .merge(crate::webhooks::routes())
        .merge(crate::rest::routes(&state))
        .with_state(state)
        .layer(middleware::from_fn(crate::metrics::track))
        // Enforced by the extractors (announced or chunked), so /graphql answers 413 as JSON.
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ));
    cors.apply(app)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(
                    |response: &Response, latency: Duration, span: &tracing::Span| {
                        let status = response.status().as_u16();
                        span.record("http.response.status_code", status);
                        if response.status().is_server_error() {
                            span.record("otel.status_code", "ERROR");
                        }
                        tracing::debug!(
                            status,
                            latency_ms = latency.as_millis(),
                            "finished processing request"
                        );
                    },
                ),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
}

/// The request's span, named the OpenTelemetry way and continuing the caller's trace when
/// the request carries a `traceparent`.
fn request_span(request: &Request<axum::body::Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let method = request.method();
    let path = request.uri().path();
    let span = tracing::info_span!(
        "http",
        otel.name = %format_args!("{method} {path}"),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        method = %method,
        path = %path,
        http.response.status_code = tracing::field::Empty,
        request_id,
    );
    crate::telemetry::context::continue_remote(&span, request.headers());
    span
}

/// Ready when the database answers and every migration this build knows is applied.
async fn readyz(State(state): State<AppState>) -> Response {
    match db::migrations_applied(&state.services.pool).await {
        Ok(true) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        Ok(false) => not_ready("migrations pending"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            not_ready("database unreachable")
        }
    }
}

fn not_ready(reason: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "status": "not ready", "reason": reason })),
    )
        .into_response()
}
