//! The one place a request's bearer token is read: a middleware that verifies it, answers 401
//! with a JSON error when it is missing or bad, and hands the [`AuthContext`] to the handlers.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::{AuthContext, TokenError, TokenVerifier};

/// Verifies the bearer token and stores the caller in the request's extensions.
pub async fn require_auth(
    State(verifier): State<Arc<TokenVerifier>>,
    mut request: Request,
    next: Next,
) -> Response {
    match authenticate(&verifier, request.headers()).await {
        Ok(context) => {
            request.extensions_mut().insert(context);
            next.run(request).await
        }
        Err(err) => {
            tracing::info!(reason = %err, "request refused: unauthenticated");
            // REST clients get the REST error body; GraphQL clients a GraphQL-shaped one.
            if request.uri().path().starts_with("/v1/") {
                crate::error::ApiError::Unauthenticated.into_response()
            } else {
                unauthenticated_response()
            }
        }
    }
}

/// The caller named by the request's `Authorization: Bearer` header.
pub async fn authenticate(
    verifier: &TokenVerifier,
    headers: &HeaderMap,
) -> Result<AuthContext, TokenError> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(TokenError::Missing)?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or(TokenError::Missing)?;
    AuthContext::from_claims(verifier.verify(token.trim()).await?)
}

/// HTTP 401 with a GraphQL-shaped JSON error and no data.
pub fn unauthenticated_response() -> Response {
    let body = serde_json::json!({
        "errors": [{
            "message": "a valid bearer token is required",
            "extensions": { "code": "UNAUTHENTICATED" }
        }]
    });
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json(body),
    )
        .into_response()
}
