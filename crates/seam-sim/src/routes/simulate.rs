//! `/devices/simulate/{disconnect,connect,remove}`: Seam's sandbox switches for a device's
//! connectivity, so a client can be tested against a lock that drops off and comes back, or
//! that disappears from its account altogether.
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
        .route("/devices/simulate/remove", post(remove))
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

/// Takes the device out of the workspace, as when it is removed from its provider account:
/// its codes go with it (each `access_code.deleted`), then `device.removed`.
async fn remove(ctx: Ctx, SeamBody(req): SeamBody<SimulateOn>) -> Reply {
    ctx.with(|ws| {
        let index = ws
            .devices
            .iter()
            .position(|d| d.device_id == req.device_id)
            .ok_or_else(|| not_found::<Device>(&req.device_id))?;
        let device = ws.devices.remove(index);
        let now = ws.now();
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut ws.access_codes)
            .into_iter()
            .partition(|c| c.device_id == device.device_id);
        ws.access_codes = kept;
        for code in &gone {
            ws.emit_for_code(
                "access_code.deleted",
                now,
                code,
                json!({ "code": code.code }),
            );
        }
        ws.unmanaged_codes
            .retain(|c| c.device_id != device.device_id);
        ws.emit_for_device("device.removed", now, &device, json!({}));
        Ok(())
    })?;
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
