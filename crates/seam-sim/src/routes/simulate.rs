//! `/devices/simulate/{disconnect,connect}`: Seam's sandbox switches for a device's
//! connectivity, so a client can be tested against a lock that drops off and comes back.
//!
//! A disconnected lock reports `properties.online: false` and a `device_disconnected` error,
//! and holds up the codes being set on or removed from it ([`crate::lifecycle`]) until it is
//! connected again. Only a change is announced (`device.disconnected`, `device.connected`):
//! Seam describes both events as the `online` property changing, so asking for the state a
//! device is already in is accepted and announces nothing.

use axum::routing::post;
use axum::Router;
use serde_json::json;

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::events::issues;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{not_found, Device};
use crate::simulator::Simulator;
use crate::state::Workspace;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/devices/simulate/disconnect", post(disconnect))
        .route("/devices/simulate/connect", post(connect))
}

struct SimulateOn {
    device_id: String,
}

impl FromInput for SimulateOn {
    fn from_input(input: &mut Input) -> Self {
        Self {
            device_id: input.required("device_id", input::uuid),
        }
    }
}

async fn disconnect(ctx: Ctx, SeamBody(req): SeamBody<SimulateOn>) -> Reply {
    ctx.with(|ws| set_online(ws, &req.device_id, false))?;
    ok(json!({}))
}

async fn connect(ctx: Ctx, SeamBody(req): SeamBody<SimulateOn>) -> Reply {
    ctx.with(|ws| set_online(ws, &req.device_id, true))?;
    ok(json!({}))
}

pub(crate) fn set_online(
    ws: &mut Workspace,
    device_id: &str,
    online: bool,
) -> Result<(), SimError> {
    let now = ws.now();
    let device = ws
        .devices
        .iter_mut()
        .find(|d| d.device_id == device_id)
        .ok_or_else(|| not_found::<Device>(device_id))?;
    if device.online == online {
        return Ok(());
    }
    device.online = online;
    device.online_changed_at = now;
    let device = device.clone();
    if online {
        ws.emit_for_device("device.connected", now, &device, json!({}));
    } else {
        let extra = json!({
            "error_code": "device_disconnected",
            "device_errors": issues(device.errors()),
            "device_warnings": [],
            "connected_account_errors": [],
            "connected_account_warnings": [],
        });
        ws.emit_for_device("device.disconnected", now, &device, extra);
    }
    Ok(())
}
