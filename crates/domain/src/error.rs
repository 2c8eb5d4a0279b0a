//! Why the business refused something, in words a portal can show next to the field at fault.

/// A request the business rules refuse. Every variant names the input field at fault so the
/// GraphQL edge can put it in `extensions.field`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The value of `field` is malformed or contradicts another input.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The property's access-control system cannot do what was asked.
    #[error("{field}: {message}")]
    Unsupported {
        field: &'static str,
        message: String,
    },
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn unsupported(field: &'static str, message: impl Into<String>) -> Self {
        Self::Unsupported {
            field,
            message: message.into(),
        }
    }

    /// The input field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Invalid { field, .. } | Self::Unsupported { field, .. } => field,
        }
    }
}
