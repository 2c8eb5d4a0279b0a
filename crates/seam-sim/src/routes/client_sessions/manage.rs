//! `/client_sessions/{get,list,revoke}`. Revoking removes the session outright, so that
//! afterwards `get` answers `client_session_not_found` and `list` leaves it out: a resident
//! who moved out must not find their phone's token still listed. Seam does not paginate this
//! list (its request takes no `limit` or `page_cursor`, its answer has no `pagination`), so
//! `list` answers every session that matches. Expired sessions are still sessions until
//! revoked, so both `get` and `list` include them.

use serde_json::{json, Value};

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, invalid_field, Input};
use crate::objects::{find, not_found, ClientSession};

/// `/client_sessions/get` names a session by id, by the client's `user_identifier_key`, or
/// by both (then both must match); called with a client session token and neither, it is
/// that session.
pub(super) struct GetSession {
    client_session_id: Option<String>,
    user_identifier_key: Option<String>,
}

impl FromInput for GetSession {
    fn from_input(input: &mut Input) -> Self {
        Self {
            client_session_id: input.optional("client_session_id", input::uuid),
            user_identifier_key: input.optional("user_identifier_key", input::string),
        }
    }
}

pub(super) async fn get(ctx: Ctx, SeamBody(mut req): SeamBody<GetSession>) -> Reply {
    if req.client_session_id.is_none() && req.user_identifier_key.is_none() {
        match ctx.client_session_id() {
            Some(own) => req.client_session_id = Some(own.to_owned()),
            None => {
                return Err(invalid_field(
                    &[],
                    "Must provide client_session_id or user_identifier_key",
                ))
            }
        }
    }
    let session = ctx.with(|ws| {
        // The newest first: a key can have had several sessions, and the live one is the
        // one a caller asking by key means.
        let session = ws
            .client_sessions
            .iter()
            .rev()
            .find(|session| {
                req.client_session_id
                    .as_ref()
                    .is_none_or(|id| *id == session.client_session_id)
                    && req
                        .user_identifier_key
                        .as_ref()
                        .is_none_or(|key| session.user_identifier_key.as_ref() == Some(key))
            })
            .ok_or_else(
                || match (&req.client_session_id, &req.user_identifier_key) {
                    (Some(id), _) => not_found::<ClientSession>(id),
                    (None, key) => SimError::not_found(
                        "client_session_not_found",
                        format!(
                            "Could not find client session with user_identifier_key {}",
                            key.as_deref().unwrap_or_default()
                        ),
                    ),
                },
            )?;
        Ok(session.render(ws))
    })?;
    ok(json!({ "client_session": session }))
}

/// The filters of `/client_sessions/list`; every one given must match. The spec types the
/// ids here as plain strings (not `format: uuid`), so any string is accepted and one that
/// names nothing simply matches nothing.
pub(super) struct ListSessions {
    client_session_id: Option<String>,
    user_identity_id: Option<String>,
    user_identifier_key: Option<String>,
    connect_webview_id: Option<String>,
    without_user_identifier_key: bool,
}

impl FromInput for ListSessions {
    fn from_input(input: &mut Input) -> Self {
        Self {
            client_session_id: input.optional("client_session_id", input::string),
            user_identity_id: input.optional("user_identity_id", input::string),
            user_identifier_key: input.optional("user_identifier_key", input::string),
            connect_webview_id: input.optional("connect_webview_id", input::string),
            without_user_identifier_key: input
                .optional("without_user_identifier_key", input::boolean)
                .unwrap_or(false),
        }
    }
}

impl ListSessions {
    fn matches(&self, session: &ClientSession) -> bool {
        let same = |wanted: &Option<String>, actual: Option<&String>| {
            wanted.as_ref().is_none_or(|wanted| actual == Some(wanted))
        };
        same(&self.client_session_id, Some(&session.client_session_id))
            && same(&self.user_identity_id, session.user_identity_id.as_ref())
            && same(
                &self.user_identifier_key,
                session.user_identifier_key.as_ref(),
            )
            && self
                .connect_webview_id
                .as_ref()
                .is_none_or(|id| session.connect_webview_ids.contains(id))
            && (!self.without_user_identifier_key || session.user_identifier_key.is_none())
    }
}

pub(super) async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListSessions>) -> Reply {
    let sessions = ctx.with(|ws| {
        Ok(ws
            .client_sessions
            .iter()
            .filter(|session| req.matches(session))
            .map(|session| session.render(ws))
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "client_sessions": sessions }))
}

pub(super) struct RevokeSession {
    client_session_id: String,
}

impl FromInput for RevokeSession {
    fn from_input(input: &mut Input) -> Self {
        Self {
            client_session_id: input.required("client_session_id", input::uuid),
        }
    }
}

/// Seam answers `{ok: true}` and nothing else; an unknown id is 404
/// `client_session_not_found`, as for any missing object.
pub(super) async fn revoke(ctx: Ctx, SeamBody(req): SeamBody<RevokeSession>) -> Reply {
    ctx.with(|ws| {
        let id = &req.client_session_id;
        find::<ClientSession>(&ws.client_sessions, id)?;
        ws.client_sessions
            .retain(|session| session.client_session_id != *id);
        Ok(())
    })?;
    ok(json!({}))
}
