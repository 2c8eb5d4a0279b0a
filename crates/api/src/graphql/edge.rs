//! The GraphQL edge over HTTP: `POST /graphql` (authenticated), and `GET /graphql` for GraphiQL
//! (served from this origin, [`super::explorer`]) or a query in the URL. Each request's shape is checked before the schema runs
//! ([`super::shape`]), its caller's visibility becomes its DataLoader's, and every error leaves
//! with an `extensions.code`.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql_axum::GraphQLResponse;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};

use super::loaders::TenantLoader;
use crate::auth::{authenticate, require_auth, unauthenticated_response, AuthContext};
use crate::db::RequestTx;
use crate::error::{REQUEST_ID, REQUEST_ID_HEADER};
use crate::state::AppState;

pub fn routes(state: &AppState) -> Router<AppState> {
    let post = axum::routing::post(graphql).route_layer(middleware::from_fn_with_state(
        state.verifier.clone(),
        require_auth,
    ));
    Router::new()
        .route("/graphql", post.get(graphql_get))
        .route(
            "/graphiql/{*path}",
            axum::routing::get(super::explorer_assets::serve),
        )
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
        return state.explorer.page();
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
    let request_tx = caller.visibility().map(|visibility| {
        Arc::new(RequestTx::new(
            state.services.pool.clone(),
            state.services.read_slots.clone(),
            visibility,
        ))
    });
    if let Some(db) = &request_tx {
        let loader = TenantLoader::new(db.clone());
        request = request
            .data(DataLoader::new(loader, tokio::spawn))
            .data(db.clone());
    }
    let query = request.query.clone();
    request = request.data(caller);
    let mut response = REQUEST_ID
        .scope(request_id, state.schema.execute(request))
        .await;
    if let Some(db) = request_tx {
        db.release().await;
    }
    crate::graphql::shape::add_codes(&mut response.errors, &query);
    response.into()
}
