//! `/client_sessions/*`: the token a resident's phone gives to Seam's mobile SDK.
//! `get_or_create` returns an unexpired session for the same user identity (or user
//! identifier key) rather than a new one, so asking again is cheap and does not pile up
//! sessions; `create` always makes a new one. Getting, listing and revoking live in
//! [`manage`].

use axum::routing::post;
use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::ids::SimRng;
use crate::input::{self, invalid_field, Input};
use crate::objects::{find, ClientSession, UserIdentity};
use crate::simulator::Simulator;
use crate::state::Workspace;

mod manage;

/// How long a new session lives when the request names no `expires_at`.
const DEFAULT_LIFETIME: TimeDelta = TimeDelta::days(1);

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/client_sessions/create", post(create))
        .route("/client_sessions/get_or_create", post(get_or_create))
        .route("/client_sessions/get", post(manage::get))
        .route("/client_sessions/list", post(manage::list))
        .route("/client_sessions/revoke", post(manage::revoke))
}

/// The body of `create` and `get_or_create` (`create` also takes customer fields, which the
/// simulator accepts and ignores).
struct GetOrCreate {
    user_identity_id: Option<String>,
    user_identifier_key: Option<String>,
    connected_account_ids: Vec<String>,
    connect_webview_ids: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
}

impl FromInput for GetOrCreate {
    fn from_input(input: &mut Input) -> Self {
        let single = input.optional("user_identity_id", input::uuid);
        let deprecated = input.optional_list("user_identity_ids", input::uuid);
        if deprecated.as_ref().is_some_and(|ids| ids.len() != 1) {
            input.issue(
                "user_identity_ids",
                "Array must contain exactly 1 element(s)",
            );
        }
        Self {
            user_identity_id: single.or_else(|| deprecated.and_then(|ids| ids.into_iter().next())),
            user_identifier_key: input.optional("user_identifier_key", input::non_empty),
            connected_account_ids: input
                .optional_list("connected_account_ids", input::string)
                .unwrap_or_default(),
            connect_webview_ids: input
                .optional_list("connect_webview_ids", input::string)
                .unwrap_or_default(),
            expires_at: input.optional("expires_at", input::datetime),
        }
    }
}

fn new_session(req: GetOrCreate, now: DateTime<Utc>, rng: &mut SimRng) -> ClientSession {
    ClientSession {
        client_session_id: rng.new_id(),
        token: rng.client_session_token(),
        user_identity_id: req.user_identity_id,
        user_identifier_key: req.user_identifier_key,
        connected_account_ids: req.connected_account_ids,
        connect_webview_ids: req.connect_webview_ids,
        created_at: now,
        expires_at: req.expires_at.unwrap_or(now + DEFAULT_LIFETIME),
    }
}

/// The checks `create` and `get_or_create` make before touching sessions.
fn check(ws: &Workspace, req: &GetOrCreate, now: DateTime<Utc>) -> Result<(), SimError> {
    if let Some(id) = &req.user_identity_id {
        find::<UserIdentity>(&ws.user_identities, id)?;
    }
    if req.expires_at.is_some_and(|at| at <= now) {
        return Err(invalid_field(
            &["expires_at"],
            "expires_at must be in the future",
        ));
    }
    Ok(())
}

struct Create(GetOrCreate);

impl FromInput for Create {
    fn from_input(input: &mut Input) -> Self {
        input.optional("customer_id", input::string);
        input.optional("customer_key", input::non_empty);
        Self(GetOrCreate::from_input(input))
    }
}

async fn create(ctx: Ctx, SeamBody(Create(req)): SeamBody<Create>) -> Reply {
    let session = ctx.with(|ws| {
        let now = ws.now();
        check(ws, &req, now)?;
        let session = new_session(req, now, &mut ws.rng);
        let rendered = session.render(ws);
        ws.client_sessions.push(session);
        Ok(rendered)
    })?;
    ok(json!({ "client_session": session }))
}

async fn get_or_create(ctx: Ctx, SeamBody(req): SeamBody<GetOrCreate>) -> Reply {
    let session = ctx.with(|ws| {
        let now = ws.now();
        check(ws, &req, now)?;
        let existing = ws.client_sessions.iter_mut().rev().find(|session| {
            session.is_live(now)
                && session.user_identity_id == req.user_identity_id
                && session.user_identifier_key == req.user_identifier_key
        });
        let session = match existing {
            Some(session) => {
                // Seam: "If the client session already exists, this will update the
                // expiration before returning it."
                if let Some(expires_at) = req.expires_at {
                    session.expires_at = expires_at;
                }
                session.clone()
            }
            None => {
                let session = new_session(req, now, &mut ws.rng);
                ws.client_sessions.push(session.clone());
                session
            }
        };
        Ok(session.render(ws))
    })?;
    ok(json!({ "client_session": session }))
}
