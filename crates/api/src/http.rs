//! The HTTP surface: GraphQL (POST, and GET for GraphiQL or queries), health and readiness,
//! with a request id on every request and in every log line it causes.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::dataloader::DataLoader;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderName, Request, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{
    authenticate, require_auth, unauthenticated_response, AuthContext, TokenVerifier,
};
use crate::db;
use crate::error::REQUEST_ID;
use crate::graphql::loaders::TenantLoader;
use crate::graphql::DoorwaySchema;
use crate::services::Services;

const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone)]
pub struct AppState {
    pub schema: DoorwaySchema,
    pub services: Services,
    pub verifier: Arc<TokenVerifier>,
    /// Changes for subscriptions (`GET /graphql/ws`).
    pub changes: crate::notify::ChangeFeed,
    /// Who may read `/metrics`.
    pub metrics: crate::metrics::Access,
}

pub fn router(state: AppState) -> Router {
    let graphql_post = axum::routing::post(graphql).route_layer(middleware::from_fn_with_state(
        state.verifier.clone(),
        require_auth,
    ));
    Router::new()
        .route("/graphql", graphql_post.get(graphql_get))
        .route("/graphql/ws", get(crate::ws::graphql_ws))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::metrics::render))
        .route("/webhooks/seam/{tenant_id}", axum::routing::post(crate::webhooks::receive))
        .merge(crate::rest::routes(&state))
        .with_state(state)
        .layer(middleware::from_fn(crate::metrics::track))
        // Enforced by the extractors (announced or chunked), so /graphql answers 413 as JSON.
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let request_id = request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
}

async fn graphql(
    State(state): State<AppState>,
    Extension(caller): Extension<AuthContext>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        // Over the body limit, announced or chunked: 413, in the shape of every other error.
        Err(BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_))) => {
            return request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the request body is larger than 1 MiB",
            )
        }
        Err(rejection) => {
            tracing::debug!(error = %rejection, "unreadable GraphQL body");
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request body could not be read",
            );
        }
    };
    let request: async_graphql::Request =
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(_) => return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the body must be a JSON GraphQL request: {\"query\": ..., \"variables\": {...}}",
            ),
        };
    execute(&state, caller, &headers, request)
        .await
        .into_response()
}

/// An error about the request as a whole, before GraphQL: `{"errors": [{message, extensions}]}`.
fn request_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({
            "errors": [{ "message": message, "extensions": { "code": code } }]
        })),
    )
        .into_response()
}

/// GraphiQL for a browser; a query in the URL is executed like a POST (GraphQL over HTTP).
async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let Some(query) = params.get("query") else {
        return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
    };
    let Ok(caller) = authenticate(&state.verifier, &headers).await else {
        return unauthenticated_response();
    };
    // GET must not change anything (GraphQL over HTTP): mutations are refused.
    if is_mutation(query) {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations must be sent with POST",
        )
            .into_response();
    }
    let mut request = async_graphql::Request::new(query.clone());
    if let Some(name) = params.get("operationName") {
        request = request.operation_name(name.clone());
    }
    if let Some(variables) = params.get("variables") {
        match serde_json::from_str(variables) {
            Ok(variables) => {
                request = request.variables(async_graphql::Variables::from_json(variables))
            }
            Err(_) => return (StatusCode::BAD_REQUEST, "variables must be JSON").into_response(),
        }
    }
    execute(&state, caller, &headers, request)
        .await
        .into_response()
}

fn is_mutation(query: &str) -> bool {
    use async_graphql::parser::types::OperationType;
    async_graphql::parser::parse_query(query).is_ok_and(|doc| {
        doc.operations
            .iter()
            .any(|(_, op)| op.node.ty == OperationType::Mutation)
    })
}

async fn execute(
    state: &AppState,
    caller: AuthContext,
    headers: &HeaderMap,
    mut request: async_graphql::Request,
) -> GraphQLResponse {
    let request_id = headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if let Some(visibility) = caller.visibility() {
        let loader = TenantLoader {
            services: state.services.clone(),
            visibility,
        };
        request = request.data(DataLoader::new(loader, tokio::spawn));
    }
    if let Err(refused) = crate::graphql::shape::check(&request.query, &request.variables) {
        return async_graphql::Response::from_errors(vec![refused]).into();
    }
    let query = request.query.clone();
    request = request.data(caller);
    let mut response = REQUEST_ID
        .scope(request_id, state.schema.execute(request))
        .await;
    crate::graphql::shape::add_codes(&mut response.errors, &query);
    response.into()
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
