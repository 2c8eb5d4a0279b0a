//! The two halves of every Seam exchange: a typed request read from the JSON body (refused
//! with Seam's `invalid_input` envelope when it does not fit), and the `{"ok": true, ...}`
//! answer.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::error::SimError;
use crate::input::{Input, RequestMeta};

/// What every handler returns.
pub(crate) type Reply = Result<Response, SimError>;

/// A request type that knows how to read itself from a body; see [`crate::input`].
pub(crate) trait FromInput: Sized {
    fn from_input(input: &mut Input) -> Self;
}

/// Extracts `T` from the request body, or answers `invalid_input` naming every bad field.
pub(crate) struct SeamBody<T>(pub(crate) T);

impl<S, T> FromRequest<S> for SeamBody<T>
where
    S: Send + Sync,
    T: FromInput,
{
    type Rejection = SimError;

    async fn from_request(req: Request, state: &S) -> Result<Self, SimError> {
        let meta = RequestMeta {
            path: req.uri().path().to_owned(),
            origin: req
                .headers()
                .get(header::HOST)
                .and_then(|host| host.to_str().ok())
                .map(|host| format!("http://{host}")),
        };
        let body =
            Bytes::from_request(req, state)
                .await
                .map_err(|rejection| SimError::InvalidInput {
                    message: format!("Could not read the request body: {rejection}"),
                    validation_errors: None,
                })?;
        let mut input = Input::parse(&body, meta)?;
        let request = T::from_input(&mut input);
        input.finish()?;
        Ok(Self(request))
    }
}

/// Answers `{"ok": true, ...fields}`; `fields` must be a JSON object such as
/// `json!({"acs_user": user})`.
pub(crate) fn ok(fields: Value) -> Reply {
    let mut body = match fields {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    body.insert("ok".to_owned(), Value::Bool(true));
    Ok(Json(Value::Object(body)).into_response())
}
