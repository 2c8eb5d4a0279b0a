//! `/_sim/webhooks`: `POST` changes how the workspace's webhooks are delivered (jitter,
//! duplicates, retries, timeout; see [`crate::delivery::SettingsUpdate`]) and `GET` reports
//! the settings with every delivery so far.

use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::json;

use crate::delivery::{self, SettingsUpdate};
use crate::envelope::{ok, Reply, SeamBody};
use crate::gate::bearer_workspace;
use crate::simulator::Simulator;

pub(super) async fn configure(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    SeamBody(update): SeamBody<SettingsUpdate>,
) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let settings = sim.with_workspace(&workspace_id, |ws| {
        update.apply(&mut ws.deliveries.settings);
        Ok(delivery::render_settings(&ws.deliveries.settings))
    })?;
    ok(json!({ "webhook_delivery_settings": settings }))
}

pub(super) async fn report(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let (settings, deliveries) = sim.with_workspace(&workspace_id, |ws| {
        Ok((
            delivery::render_settings(&ws.deliveries.settings),
            ws.deliveries.render_records(),
        ))
    })?;
    ok(json!({ "webhook_delivery_settings": settings, "webhook_deliveries": deliveries }))
}
