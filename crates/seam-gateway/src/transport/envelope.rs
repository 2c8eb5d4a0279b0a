//! Reading Seam's answers: the success body, the error envelope, and what a failure means
//! for the endpoint that was called.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Endpoint, Idempotency};
use crate::error::SeamError;

/// A success body, from which the endpoint's fields are taken.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) request_id: Option<String>,
    fields: Map<String, Value>,
}

impl Reply {
    /// Takes the endpoint's response-key field (or nothing, for endpoints without one).
    pub(crate) fn take<T: DeserializeOwned>(
        &mut self,
        endpoint: &Endpoint,
    ) -> Result<T, SeamError> {
        let value = match endpoint.response_key {
            Some(key) => self
                .fields
                .remove(key)
                .ok_or_else(|| self.decode_error(endpoint, format!("no `{key}` in the body")))?,
            None => Value::Null,
        };
        serde_json::from_value(value).map_err(|err| self.decode_error(endpoint, err.to_string()))
    }

    /// Takes an optional field such as `pagination`; absent and `null` are both `None`.
    pub(crate) fn take_optional<T: DeserializeOwned>(
        &mut self,
        endpoint: &Endpoint,
        key: &str,
    ) -> Result<Option<T>, SeamError> {
        let value = self.fields.remove(key).unwrap_or(Value::Null);
        serde_json::from_value(value)
            .map_err(|err| self.decode_error(endpoint, format!("`{key}`: {err}")))
    }

    pub(crate) fn decode_error(&self, endpoint: &Endpoint, detail: String) -> SeamError {
        undecodable(endpoint, self.status, self.request_id.clone(), detail)
    }
}

/// A success answer we cannot read. For a create that is `Ambiguous`: Seam said it made
/// something, and we do not know what, so the caller must look before creating again; a
/// `Decode` error there would read as a bug to fix rather than a duplicate to avoid.
fn undecodable(
    endpoint: &Endpoint,
    status: u16,
    request_id: Option<String>,
    detail: String,
) -> SeamError {
    if endpoint.idempotency == Idempotency::Create {
        SeamError::Ambiguous {
            endpoint: endpoint.path,
            status: Some(status),
            request_id,
            detail: format!("success answer not understood: {detail}"),
        }
    } else {
        SeamError::Decode {
            endpoint: endpoint.path,
            request_id,
            detail,
        }
    }
}

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("seam-request-id")?.to_str().ok()?;
    Some(value.to_owned())
}

/// No usable response: the request never left, timed out, or the connection broke.
pub(crate) fn transport_failure(
    endpoint: &'static Endpoint,
    status: Option<u16>,
    request_id: Option<String>,
    err: &reqwest::Error,
) -> SeamError {
    let what = if err.is_connect() {
        "could not connect"
    } else if err.is_timeout() {
        "timed out"
    } else {
        "connection failed"
    };
    let detail = format!("{what}: {}", error_chain(err));
    // Only a failure to connect proves the request never reached Seam.
    if endpoint.idempotency == Idempotency::Create && !err.is_connect() {
        SeamError::Ambiguous {
            endpoint: endpoint.path,
            status,
            request_id,
            detail,
        }
    } else {
        let retry_after = None;
        SeamError::Unavailable {
            endpoint: endpoint.path,
            status,
            request_id,
            retry_after,
            detail,
        }
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Turns one HTTP response into the success body or the error it means for this endpoint.
pub(crate) fn classify(
    endpoint: &'static Endpoint,
    status: u16,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Reply, SeamError> {
    let parsed = serde_json::from_slice::<Map<String, Value>>(body);
    if (200..300).contains(&status) {
        let decode = |detail| undecodable(endpoint, status, request_id.clone(), detail);
        let fields = parsed.map_err(|err| decode(format!("body is not a JSON object: {err}")))?;
        if fields.get("ok") == Some(&Value::Bool(false)) {
            return Err(decode(format!("HTTP {status} with `ok: false`")));
        }
        return Ok(Reply {
            status,
            request_id,
            fields,
        });
    }

    let seam = parsed
        .ok()
        .and_then(|mut fields| fields.remove("error"))
        .and_then(|error| serde_json::from_value::<SeamErrorBody>(error).ok());
    let (kind, message, validation_errors) = match seam {
        Some(seam) => (
            seam.kind,
            seam.message,
            flatten_validation_errors(seam.validation_errors),
        ),
        None => (String::new(), snippet(body), BTreeMap::new()),
    };

    let transient = matches!(status, 408 | 429) || status >= 500;
    if !transient {
        return Err(match Refusal::of(status, &kind) {
            Refusal::EndpointRemoved => SeamError::EndpointRemoved {
                endpoint: endpoint.path,
                status,
                kind,
                message,
                request_id,
            },
            Refusal::NotFound => SeamError::NotFound {
                endpoint: endpoint.path,
                kind,
                message,
                request_id,
            },
            Refusal::Rejected => SeamError::Rejected {
                endpoint: endpoint.path,
                status,
                kind,
                message,
                request_id,
                validation_errors,
            },
        });
    }
    let detail = if kind.is_empty() {
        message
    } else {
        format!("{kind}: {message}")
    };
    // A 429 is refused before any work; any other server failure may have come after it.
    if endpoint.idempotency == Idempotency::Create && status != 429 {
        return Err(SeamError::Ambiguous {
            endpoint: endpoint.path,
            status: Some(status),
            request_id,
            detail,
        });
    }
    Err(SeamError::Unavailable {
        endpoint: endpoint.path,
        status: Some(status),
        request_id,
        retry_after,
        detail,
    })
}

/// What a definitive refusal is about.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The route itself: 410, or 404 whose type names no object. Seam's API answers an unknown
    /// route with 404 and no object type (`endpoint_not_found`, or `not_found` in Seam's own
    /// fake), or a router's page with no envelope at all; a missing object always has its own
    /// `<thing>_not_found` type (`acs_user_not_found`, `access_code_not_found`).
    EndpointRemoved,
    /// The object the request names: 404 with a `<thing>_not_found` type.
    NotFound,
    /// Anything else Seam said no to.
    Rejected,
}

impl Refusal {
    pub(crate) fn of(status: u16, kind: &str) -> Self {
        let names_no_object = matches!(
            kind,
            "" | "not_found" | "endpoint_not_found" | "route_not_found"
        );
        match status {
            410 => Self::EndpointRemoved,
            404 if names_no_object => Self::EndpointRemoved,
            404 if kind.ends_with("_not_found") => Self::NotFound,
            _ => Self::Rejected,
        }
    }
}

/// Seam's `error` object: `{type, message, data?, validation_errors?}`.
#[derive(Deserialize)]
struct SeamErrorBody {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    validation_errors: Value,
}

/// Seam reports validation as zod's formatted tree: `{"_errors": [..], "field": {"_errors":
/// [..], "nested": {..}}}`. Flattened to `field.nested -> messages`, empty lists dropped.
fn flatten_validation_errors(tree: Value) -> BTreeMap<String, Vec<String>> {
    fn walk(path: &str, node: &Value, out: &mut BTreeMap<String, Vec<String>>) {
        let Value::Object(fields) = node else { return };
        for (name, child) in fields {
            if name == "_errors" {
                let messages: Vec<String> = child
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                    .collect();
                if !messages.is_empty() {
                    let key = if path.is_empty() { "_root" } else { path };
                    out.entry(key.to_owned()).or_default().extend(messages);
                }
            } else {
                let child_path = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                walk(&child_path, child, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", &tree, &mut out);
    out
}

/// The start of a body that is not Seam's envelope (a proxy's HTML page, say).
fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None if text.is_empty() => "empty body".to_owned(),
        None => text.to_owned(),
    }
}
