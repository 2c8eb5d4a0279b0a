//! Every way a simulated Seam call can fail, and how each one reaches the client: Seam's
//! `{"ok": false, "error": {"type", "message", "validation_errors"?}}` envelope with the status
//! Seam would use. Keeping the mapping in one place means a rule added later cannot invent its
//! own error shape.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// No bearer key, or one that names no workspace.
    #[error("{0}")]
    Unauthorized(String),

    /// The body does not fit the endpoint's schema; `validation_errors` is in zod's `format()`
    /// shape, which is what Seam sends.
    #[error("{message}")]
    InvalidInput {
        message: String,
        validation_errors: Option<Value>,
    },

    /// An object named in the request does not exist in this workspace.
    #[error("{message}")]
    NotFound { kind: &'static str, message: String },

    /// The request is well formed but breaks a rule of Seam or of the access system.
    #[error("{message}")]
    Rejected { kind: &'static str, message: String },

    #[error("endpoint {0} does not exist")]
    EndpointNotFound(String),

    #[error("method not allowed")]
    MethodNotAllowed,

    #[error("rate limited; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },

    /// A failure injected through `/_sim/faults`.
    #[error("injected fault with status {0}")]
    Injected(StatusCode),

    /// The simulator itself failed (a handler panicked); answered as Seam answers its own.
    #[error("{0}")]
    Internal(String),
}

impl SimError {
    pub(crate) fn not_found(kind: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn rejected(kind: &'static str, message: impl Into<String>) -> Self {
        Self::Rejected {
            kind,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::InvalidInput { .. } | Self::Rejected { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound { .. } | Self::EndpointNotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Injected(status) => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `error.type` string clients branch on.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Unauthorized(_) => "unauthorized",
            Self::InvalidInput { .. } => "invalid_input",
            Self::NotFound { kind, .. } | Self::Rejected { kind, .. } => kind,
            Self::EndpointNotFound(_) => "endpoint_not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::RateLimited { .. } => "rate_limited",
            Self::Injected(status) => injected_type(*status),
            Self::Internal(_) => "internal_server_error",
        }
    }
}

fn injected_type(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "endpoint_not_found",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        StatusCode::BAD_GATEWAY => "bad_gateway",
        StatusCode::GATEWAY_TIMEOUT => "gateway_timeout",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::CONFLICT => "conflict",
        status if status.is_server_error() => "internal_server_error",
        _ => "bad_request",
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let message = match &self {
            Self::Injected(status) if status.is_server_error() => {
                "An unexpected error occurred (injected by the simulator)".to_owned()
            }
            Self::Injected(status) if *status == StatusCode::NOT_FOUND => {
                "Endpoint not found (injected by the simulator)".to_owned()
            }
            other => other.to_string(),
        };
        let mut error = json!({ "type": self.error_type(), "message": message });
        if let Self::InvalidInput {
            validation_errors: Some(errors),
            ..
        } = &self
        {
            error["validation_errors"] = errors.clone();
        }
        let mut response =
            (self.status(), Json(json!({ "ok": false, "error": error }))).into_response();
        if let Self::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}
