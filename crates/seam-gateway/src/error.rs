//! What can go wrong talking to Seam, sorted by what the caller should do about it.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::redact::redact_pins;

/// One error type for the whole gateway.
///
/// The variants answer the caller's real question: may I try again? `Rejected` never (Seam
/// said no), `NotFound` never (the object named is not there: for a get that is `None`, for a
/// delete it is done), `EndpointRemoved` never (Seam no longer has the route: an API change to
/// act on, and never proof that an object is gone), `Unavailable` and `NotSent` later (nothing
/// happened), `Ambiguous` only after checking what Seam did (a create may or may not have
/// taken effect), `Decode` and `Config` are bugs somewhere.
/// No variant ever carries the API key: texts that came from the wire are scrubbed of it.
#[derive(Debug, thiserror::Error)]
pub enum SeamError {
    /// A definitive 4xx (not 408 or 429): retrying the same request will not help.
    #[error("Seam rejected {endpoint} ({status} {kind}): {message}{}", rid(.request_id))]
    Rejected {
        endpoint: &'static str,
        status: u16,
        /// Seam's `error.type`, such as `acs_user_not_found`; empty when the body had none.
        kind: String,
        message: String,
        request_id: Option<String>,
        /// Field path (dotted for nested fields) to Seam's complaints about it.
        validation_errors: BTreeMap<String, Vec<String>>,
    },
    /// The object the request names does not exist: 404 with a `<thing>_not_found` type, such
    /// as `acs_user_not_found`. Gets turn it into `None` and deletes into done.
    #[error("Seam has no such object for {endpoint} ({kind}): {message}{}", rid(.request_id))]
    NotFound {
        endpoint: &'static str,
        kind: String,
        message: String,
        request_id: Option<String>,
    },
    /// Seam has no such endpoint (any more): 410, or 404 whose type is not about an object
    /// (`endpoint_not_found`, a bare `not_found`, or no Seam envelope at all). Seam removed or
    /// renamed the route, or the endpoint URL is wrong. Never read as "the object is gone":
    /// acting on that would, say, mark a credential removed that Seam still holds.
    #[error("Seam has no endpoint {endpoint} (HTTP {status} {kind}): {message}{}", rid(.request_id))]
    EndpointRemoved {
        endpoint: &'static str,
        status: u16,
        /// Seam's `error.type`; empty when the body had none (a proxy's or router's 404 page).
        kind: String,
        message: String,
        request_id: Option<String>,
    },
    /// Seam could not be reached, failed, or asked us to back off, after any retries. Trying
    /// again later is safe: nothing was done, or the call is a read, update or delete, which
    /// may be repeated.
    #[error("Seam unavailable for {endpoint} ({}): {detail}{}", status_text(*.status), rid(.request_id))]
    Unavailable {
        endpoint: &'static str,
        status: Option<u16>,
        request_id: Option<String>,
        /// How long Seam asked us to wait, when it said.
        retry_after: Option<Duration>,
        detail: String,
    },
    /// A create was sent and we cannot tell whether Seam carried it out, or Seam answered
    /// success with a body we cannot read (the create happened, but we do not know what it
    /// made). Look before retrying: Seam has no idempotency keys, so list and match on what
    /// was sent.
    #[error("outcome of {endpoint} unknown ({}): {detail}{}", status_text(*.status), rid(.request_id))]
    Ambiguous {
        endpoint: &'static str,
        status: Option<u16>,
        request_id: Option<String>,
        detail: String,
    },
    /// Seam answered success, but the body is not what its OpenAPI description says. Never
    /// for a create: there the same answer is `Ambiguous`.
    #[error("unexpected response from Seam for {endpoint}: {detail}{}", rid(.request_id))]
    Decode {
        endpoint: &'static str,
        request_id: Option<String>,
        detail: String,
    },
    /// The gateway chose not to send (this attempt, or a retry): the send budget was too short
    /// for one more request, or no request slot or device room could be had in time. Nothing
    /// reached Seam on this attempt, so trying again later is safe; `retry_after`, when set,
    /// says when trying again can succeed.
    #[error("{endpoint} not sent to Seam: {reason}")]
    NotSent {
        endpoint: &'static str,
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The client was set up wrongly; no request was sent.
    #[error("Seam client misconfigured: {0}")]
    Config(String),
}

fn rid(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map(|id| format!(" [seam-request-id {id}]"))
        .unwrap_or_default()
}

fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "no response".to_owned(), |s| format!("HTTP {s}"))
}

impl SeamError {
    /// Trying again later may succeed and is safe: nothing was done this time, or what was
    /// done may be done again.
    /// `Ambiguous` is deliberately not transient: a blind retry could create a duplicate.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::NotSent { .. })
    }

    /// How long to wait before trying again, when that is known: Seam's `Retry-After`, or when
    /// the gateway's own limiter will have room again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Unavailable { retry_after, .. } | Self::NotSent { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Seam refused the API key (401 or 403): it was revoked or never valid. Retrying will not
    /// help; the workspace needs a new key.
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            Self::Rejected {
                status: 401 | 403,
                ..
            }
        )
    }

    /// Seam answered 429: too many requests, nothing was done.
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self,
            Self::Unavailable {
                status: Some(429),
                ..
            }
        )
    }

    /// A create may or may not have taken effect.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Self::Ambiguous { .. })
    }

    /// The `seam-request-id` of the last response, for support tickets with Seam.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Rejected { request_id, .. }
            | Self::NotFound { request_id, .. }
            | Self::EndpointRemoved { request_id, .. }
            | Self::Unavailable { request_id, .. }
            | Self::Ambiguous { request_id, .. }
            | Self::Decode { request_id, .. } => request_id.as_deref(),
            Self::NotSent { .. } | Self::Config(_) => None,
        }
    }

    /// HTTP status of the last response, if one arrived and was an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Rejected { status, .. } | Self::EndpointRemoved { status, .. } => Some(*status),
            Self::NotFound { .. } => Some(404),
            Self::Unavailable { status, .. } | Self::Ambiguous { status, .. } => *status,
            Self::Decode { .. } | Self::NotSent { .. } | Self::Config(_) => None,
        }
    }

    /// Seam's `error.type` for a rejection, such as `invalid_input` or `acs_user_not_found`.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Self::Rejected { kind, .. }
            | Self::NotFound { kind, .. }
            | Self::EndpointRemoved { kind, .. }
                if !kind.is_empty() =>
            {
                Some(kind)
            }
            _ => None,
        }
    }

    /// Seam no longer has this route ([`SeamError::EndpointRemoved`]): a deploy problem or an
    /// API removal, not a missing object.
    pub fn is_endpoint_missing(&self) -> bool {
        matches!(self, Self::EndpointRemoved { .. })
    }

    /// The object asked about does not exist ([`SeamError::NotFound`]). False for a missing
    /// route, so that "already gone" is never concluded from an endpoint Seam removed.
    pub fn is_resource_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

impl SeamError {
    /// The span's `outcome` field.
    pub(crate) fn outcome(&self) -> &'static str {
        match self {
            Self::Rejected { .. } => "rejected",
            Self::NotFound { .. } => "not_found",
            Self::EndpointRemoved { .. } => "endpoint_removed",
            Self::Unavailable { .. } => "unavailable",
            Self::Ambiguous { .. } => "ambiguous",
            Self::Decode { .. } => "decode",
            Self::NotSent { .. } => "not_sent",
            Self::Config(_) => "config",
        }
    }

    /// Removes `secret` from every text that came off the wire, in case something upstream
    /// echoed the key back in a message, and every PIN-like run of digits (Seam's messages can
    /// quote the code, as in "code 4821 is already in use on this device").
    pub(crate) fn scrubbed(mut self, secret: &str) -> Self {
        let scrub = |text: &mut String| {
            if !secret.is_empty() && text.contains(secret) {
                *text = text.replace(secret, "[redacted]");
            }
            *text = redact_pins(text);
        };
        match &mut self {
            Self::Rejected {
                message,
                validation_errors,
                ..
            } => {
                scrub(message);
                validation_errors.values_mut().flatten().for_each(scrub);
            }
            Self::NotFound { message, .. } | Self::EndpointRemoved { message, .. } => {
                scrub(message)
            }
            Self::Unavailable { detail, .. }
            | Self::Ambiguous { detail, .. }
            | Self::Decode { detail, .. }
            | Self::NotSent { reason: detail, .. }
            | Self::Config(detail) => scrub(detail),
        }
        self
    }
}

/// Turns "that object does not exist" into `Ok(None)` for gets (and `Ok(())` for deletes),
/// leaving every other failure, including a missing route, an error.
pub(crate) trait NotFoundAsNone<T> {
    fn or_not_found(self) -> Result<Option<T>, SeamError>;
}

impl<T> NotFoundAsNone<T> for Result<T, SeamError> {
    fn or_not_found(self) -> Result<Option<T>, SeamError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(err) if err.is_resource_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
