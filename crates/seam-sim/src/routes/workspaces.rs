//! `/workspaces/get`: the workspace the API key belongs to.

use axum::routing::post;
use axum::Router;
use serde_json::json;

use crate::envelope::{ok, Reply};
use crate::gate::Ctx;
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new().route("/workspaces/get", post(get))
}

async fn get(ctx: Ctx) -> Reply {
    let workspace = ctx.with(|ws| Ok(ws.render()))?;
    ok(json!({ "workspace": workspace }))
}
