//! `/action_attempts/{get,list}`: how the background work behind access-code calls went.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, not_found, ActionAttempt};
use crate::pagination::PageRequest;
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/action_attempts/get", post(get))
        .route("/action_attempts/list", post(list))
}

struct AttemptId {
    action_attempt_id: String,
}

impl FromInput for AttemptId {
    fn from_input(input: &mut Input) -> Self {
        Self {
            action_attempt_id: input.required("action_attempt_id", input::uuid),
        }
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<AttemptId>) -> Reply {
    let attempt = ctx.with(|ws| {
        let attempt = find::<ActionAttempt>(&ws.action_attempts, &req.action_attempt_id)?;
        // A client session sees only attempts on the locks it sees.
        if ctx.client_session_id().is_some() && ctx.device(ws, &attempt.device_id).is_err() {
            return Err(not_found::<ActionAttempt>(&req.action_attempt_id));
        }
        Ok(attempt.render())
    })?;
    ok(json!({ "action_attempt": attempt }))
}

struct ListAttempts {
    action_attempt_ids: Option<Vec<String>>,
    device_id: Option<String>,
    page: PageRequest,
}

impl FromInput for ListAttempts {
    fn from_input(input: &mut Input) -> Self {
        Self {
            action_attempt_ids: input.optional_list("action_attempt_ids", input::uuid),
            device_id: input.optional("device_id", input::uuid),
            page: PageRequest::read(input, 500),
        }
    }
}

/// `/action_attempts/list`: by ids and/or device, oldest first, paginated like Seam's lists.
async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListAttempts>) -> Reply {
    let (attempts, pagination) = ctx.with(|ws| {
        let matching = ws.action_attempts.iter().filter(|a| {
            req.action_attempt_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&a.action_attempt_id))
                && req.device_id.as_ref().is_none_or(|d| *d == a.device_id)
        });
        let page = req.page.page(matching, |a| a.seq);
        let rendered: Vec<Value> = page.items.iter().map(|a| a.render()).collect();
        Ok((rendered, page.pagination))
    })?;
    ok(json!({ "action_attempts": attempts, "pagination": pagination }))
}
