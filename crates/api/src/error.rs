//! The service's one error type, and its mapping at the GraphQL edge.
//!
//! Use cases return [`ApiError`]; resolvers convert it once into a GraphQL error with a stable
//! `extensions.code`. Internal causes are logged in full under the request id and reach the
//! client only as an opaque message carrying that id.

use async_graphql::ErrorExtensions;
use doorway_domain::DomainError;
use seam_gateway::SeamError;

/// The header carrying each request's id (set by the HTTP layer when the client sent none).
pub const REQUEST_ID_HEADER: axum::http::HeaderName =
    axum::http::HeaderName::from_static("x-request-id");

tokio::task_local! {
    /// The id of the HTTP request being served, for error messages and logs.
    pub static REQUEST_ID: String;
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    BadInput {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    Unsupported {
        field: Option<String>,
        message: String,
    },
    #[error("Seam could not be reached; safe to retry")]
    UpstreamUnavailable(#[source] SeamError),
    #[error("too many requests; slow down and retry")]
    RateLimited,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::Unsupported { .. } => "UNSUPPORTED_BY_PROVIDER",
            Self::UpstreamUnavailable(_) => "UPSTREAM_UNAVAILABLE",
            Self::RateLimited => "RATE_LIMITED",
            Self::Internal(_) => "INTERNAL",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Self::BadInput { field, .. } | Self::Unsupported { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid { field, message } => Self::BadInput {
                field: Some(field.into()),
                message: format!("{field}: {message}"),
            },
            DomainError::Unsupported { field, message } => Self::Unsupported {
                field: Some(field.into()),
                message,
            },
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(err.into())
    }
}

impl From<SeamError> for ApiError {
    fn from(err: SeamError) -> Self {
        if err.status() == Some(429) {
            Self::RateLimited
        } else if err.is_transient() || err.is_ambiguous() {
            Self::UpstreamUnavailable(err)
        } else {
            Self::Internal(err.into())
        }
    }
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        let err = self;
        let request_id = current_request_id();
        let message = match err {
            ApiError::Internal(cause) => {
                tracing::error!(request_id = ?request_id, error = ?cause, "internal error");
                match &request_id {
                    Some(id) => format!("internal error (request id {id})"),
                    None => "internal error".to_owned(),
                }
            }
            ApiError::UpstreamUnavailable(cause) => {
                tracing::warn!(request_id = ?request_id, error = %cause, "Seam unavailable");
                err.to_string()
            }
            _ => err.to_string(),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", err.code());
            if let Some(field) = err.field() {
                ext.set("field", field);
            }
            if let Some(id) = &request_id {
                ext.set("requestId", id.as_str());
            }
        })
    }
}

/// Resolvers return this.
pub type GqlResult<T> = Result<T, async_graphql::Error>;

/// Maps a use case's result at the GraphQL edge: `service(..).await.gql()`.
pub trait IntoGql<T> {
    fn gql(self) -> GqlResult<T>;
}

impl<T> IntoGql<T> for Result<T, ApiError> {
    fn gql(self) -> GqlResult<T> {
        self.map_err(|err| err.extend())
    }
}
