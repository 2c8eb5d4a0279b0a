//! GraphQL subscriptions over WebSocket at `GET /graphql/ws`: the `graphql-transport-ws`
//! protocol (and the older `graphql-ws` of subscriptions-transport-ws), executed by
//! async-graphql.
//!
//! The caller is authenticated once per connection with the same verifier as every request: from
//! the upgrade request's `Authorization: Bearer` header (a bad one is answered 401 and never
//! upgraded), or from the `connection_init` payload (`{"Authorization": "Bearer ..."}` or
//! `{"token": "..."}`), which wins when both are given. Without a valid token the connection is
//! closed with 4403 instead of being acknowledged. It is closed with 4401 when the token
//! expires, 4408 when no `connection_init` comes within 10 seconds, and 1001 when the
//! application stops.

use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_graphql::dataloader::DataLoader;
use async_graphql::http::{WebSocketProtocols, WsMessage, ALL_WEBSOCKET_PROTOCOLS};
use async_graphql::Data;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::time::{sleep, sleep_until, Instant};

use crate::auth::{unauthenticated_response, AuthContext, TokenError, TokenVerifier};
use crate::error::REQUEST_ID;
use crate::graphql::loaders::TenantLoader;
use crate::notify::ChangeFeed;
use crate::services::Services;
use crate::state::AppState;

/// How long a client has to send `connection_init` after the upgrade.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long closing may take with a client that does not read.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// The init error that becomes close code 4403 (async-graphql would close with 1002).
const REFUSED: &str = "Forbidden: a valid bearer token is required";
/// What async-graphql sends when `connection_init` is accepted.
const ACK: &str = r#"{"type":"connection_ack"}"#;

/// A verified caller and when its token expires (seconds since the epoch).
struct Caller {
    context: AuthContext,
    expires_at: i64,
}

async fn verify(verifier: &TokenVerifier, token: &str) -> Result<Caller, TokenError> {
    let claims = verifier.verify(token.trim()).await?;
    let expires_at = claims.exp;
    Ok(Caller {
        context: AuthContext::from_claims(claims)?,
        expires_at,
    })
}

fn without_bearer(value: &str) -> &str {
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or(value)
}

/// The token of a `connection_init` payload: `Authorization` (with or without `Bearer `),
/// `token`, or the same under `headers`.
fn token_in(payload: &Value) -> Option<&str> {
    fn find(object: &Value) -> Option<&str> {
        ["Authorization", "authorization", "token"]
            .iter()
            .find_map(|key| object.get(key)?.as_str())
    }
    find(payload)
        .or_else(|| payload.get("headers").and_then(find))
        .map(without_bearer)
}

/// `GET /graphql/ws`: subscriptions over `graphql-transport-ws`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/graphql/ws", axum::routing::get(graphql_ws))
}

pub async fn graphql_ws(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        });
    let Some(protocol) = protocol else {
        return (
            StatusCode::BAD_REQUEST,
            "Sec-WebSocket-Protocol must offer graphql-transport-ws",
        )
            .into_response();
    };
    let from_header = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => {
            let token = value.to_str().ok().and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
            let verified = match token {
                Some(token) => verify(&state.verifier, token).await,
                None => Err(TokenError::Missing),
            };
            match verified {
                Ok(caller) => Some(caller),
                Err(err) => {
                    tracing::info!(reason = %err, "subscription refused: unauthenticated");
                    return unauthenticated_response();
                }
            }
        }
    };
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            REQUEST_ID.scope(request_id, serve(socket, state, protocol, from_header))
        })
}

/// What the resolvers of one connection read: the caller, its tenant's loader, the feed.
fn connection_data(caller: AuthContext, services: Services, feed: ChangeFeed) -> Data {
    let mut data = Data::default();
    if let Some(visibility) = caller.visibility() {
        // Released after each event (see `graphql::request`), so an idle subscription holds
        // no connection.
        let db = std::sync::Arc::new(crate::db::RequestTx::new(
            services.pool.clone(),
            services.read_slots.clone(),
            visibility,
        ));
        data.insert(DataLoader::new(TenantLoader::new(db.clone()), tokio::spawn));
        data.insert(db);
    }
    data.insert(caller);
    data.insert(feed);
    data
}

async fn serve(
    socket: WebSocket,
    state: AppState,
    protocol: WebSocketProtocols,
    from_header: Option<Caller>,
) {
    metrics::gauge!("doorway_graphql_ws_connections").increment(1.0);
    let (mut sink, source) = socket.split();
    let input = source
        .take_while(|message| futures::future::ready(message.is_ok()))
        .filter_map(|message| {
            futures::future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        });
    let expires_at = Arc::new(OnceLock::new());
    let on_init = {
        let verifier = state.verifier.clone();
        let services = state.services.clone();
        let feed = state.changes.clone();
        let expires_at = expires_at.clone();
        move |payload: Value| async move {
            let caller = match token_in(&payload) {
                Some(token) => verify(&verifier, token).await.map_err(|err| {
                    tracing::info!(reason = %err, "subscription refused: unauthenticated");
                    async_graphql::Error::new(REFUSED)
                })?,
                None => from_header.ok_or_else(|| {
                    tracing::info!("subscription refused: no token");
                    async_graphql::Error::new(REFUSED)
                })?,
            };
            let _ = expires_at.set(caller.expires_at);
            Ok(connection_data(caller.context, services, feed))
        }
    };
    let messages = async_graphql::http::WebSocket::new(state.schema.clone(), input, protocol)
        .on_connection_init(on_init);
    futures::pin_mut!(messages);

    let stop = state.changes.stop_token().clone();
    let init_timeout = sleep(INIT_TIMEOUT);
    futures::pin_mut!(init_timeout);
    // Until the token expires, once the connection is acknowledged.
    let mut expiry: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
    let close = loop {
        tokio::select! {
            () = stop.cancelled() => break Some(going_away()),
            () = &mut init_timeout, if expiry.is_none() => {
                break Some((4408, "Connection initialisation timeout".to_owned()));
            }
            () = async { if let Some(e) = expiry.as_mut() { e.await } }, if expiry.is_some() => {
                break Some((4401, "Unauthorized: the token expired".to_owned()));
            }
            message = messages.next() => match message {
                None => break None,
                Some(WsMessage::Text(text)) => {
                    if expiry.is_none() && text == ACK {
                        expiry = Some(Box::pin(sleep_until(token_deadline(&expires_at))));
                    }
                    // A client that does not read holds up only itself (its subscriptions
                    // fall behind and resync), and not the application's stopping.
                    tokio::select! {
                        biased;
                        sent = sink.send(Message::Text(text.into())) => if sent.is_err() {
                            break None;
                        },
                        () = stop.cancelled() => break Some(going_away()),
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let code = if reason == REFUSED { 4403 } else { code };
                    break Some((code, reason));
                }
            },
        }
    };
    let closing = async {
        if let Some((code, reason)) = close {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = sink.send(Message::Close(Some(frame))).await;
        }
        let _ = sink.close().await;
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, closing).await;
    metrics::gauge!("doorway_graphql_ws_connections").decrement(1.0);
}

fn going_away() -> (u16, String) {
    (1001, "the server is shutting down".to_owned())
}

fn token_deadline(expires_at: &OnceLock<i64>) -> Instant {
    let left = expires_at
        .get()
        .map_or(0, |exp| exp.saturating_sub(chrono::Utc::now().timestamp()));
    Instant::now() + Duration::from_secs(u64::try_from(left).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tokens_are_found_where_clients_put_them() {
        assert_eq!(
            token_in(&json!({ "Authorization": "Bearer abc" })),
            Some("abc")
        );
        assert_eq!(token_in(&json!({ "authorization": "abc" })), Some("abc"));
        assert_eq!(token_in(&json!({ "token": "abc" })), Some("abc"));
        assert_eq!(
            token_in(&json!({ "headers": { "Authorization": "Bearer abc" } })),
            Some("abc")
        );
        assert_eq!(token_in(&json!({})), None);
        assert_eq!(token_in(&Value::Null), None);
    }
}
