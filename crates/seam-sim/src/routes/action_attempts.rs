//! `/action_attempts/get`: how the background work behind an access-code call went.

use axum::routing::post;
use axum::Router;
use serde_json::json;

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, ActionAttempt};
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new().route("/action_attempts/get", post(get))
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
        Ok(find::<ActionAttempt>(&ws.action_attempts, &req.action_attempt_id)?.render())
    })?;
    ok(json!({ "action_attempt": attempt }))
}
