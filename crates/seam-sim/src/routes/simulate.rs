//! `/devices/simulate/*`: Seam's sandbox switches for a device, so a client can be tested
//! against a lock that drops off and comes back (`disconnect`, `connect`), whose hub does
//! (`disconnect_from_hub`, `connect_to_hub`), whose subscription expires
//! (`paid_subscription`), or that disappears from its account altogether (`remove`).
//!
//! What each switch means for the lock and its codes, and which changes are announced, is
//! [`crate::connectivity`]'s. A switch the device cannot simulate (its `can_simulate_*` flag
//! is false) is refused before anything changes.

use axum::routing::post;
use axum::Router;
use serde_json::json;

use crate::connectivity::Link;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, not_found, Device};
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/devices/simulate/disconnect", post(disconnect))
        .route("/devices/simulate/connect", post(connect))
        .route(
            "/devices/simulate/disconnect_from_hub",
            post(disconnect_hub),
        )
        .route("/devices/simulate/connect_to_hub", post(connect_hub))
        .route("/devices/simulate/paid_subscription", post(subscription))
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
    ctx.with(|ws| ws.set_link(&req.device_id, Link::Device, false))?;
    ok(json!({}))
}

async fn connect(ctx: Ctx, SeamBody(req): SeamBody<SimulateOn>) -> Reply {
    ctx.with(|ws| ws.set_link(&req.device_id, Link::Device, true))?;
    ok(json!({}))
}

async fn disconnect_hub(ctx: Ctx, SeamBody(req): SeamBody<SimulateOn>) -> Reply {
    ctx.with(|ws| {
        let device = find::<Device>(&ws.devices, &req.device_id)?;
        require(
            device,
            "can_simulate_hub_disconnection",
            device.model.has_hub,
        )?;
        ws.set_link(&req.device_id, Link::Hub, false)
    })?;
    ok(json!({}))
}

async fn connect_hub(ctx: Ctx, SeamBody(req): SeamBody<SimulateOn>) -> Reply {
    ctx.with(|ws| {
        let device = find::<Device>(&ws.devices, &req.device_id)?;
        require(device, "can_simulate_hub_connection", device.model.has_hub)?;
        ws.set_link(&req.device_id, Link::Hub, true)
    })?;
    ok(json!({}))
}

struct Subscription {
    device_id: String,
    is_expired: bool,
}

impl FromInput for Subscription {
    fn from_input(input: &mut Input) -> Self {
        Self {
            device_id: input.required("device_id", input::uuid),
            is_expired: input.required("is_expired", input::boolean),
        }
    }
}

async fn subscription(ctx: Ctx, SeamBody(req): SeamBody<Subscription>) -> Reply {
    ctx.with(|ws| {
        let device = find::<Device>(&ws.devices, &req.device_id)?;
        let able = device.model.needs_subscription;
        require(device, "can_simulate_paid_subscription", able)?;
        ws.set_subscription_expired(&req.device_id, req.is_expired)
    })?;
    ok(json!({}))
}

/// Seam's sandbox simulates hubs and subscriptions only for the providers that have them
/// (the device's `can_simulate_*` flag). Seam documents no error type for asking anyway; the
/// simulator refuses with a 400 that names the flag.
fn require(device: &Device, flag: &str, able: bool) -> Result<(), SimError> {
    if able {
        return Ok(());
    }
    Err(SimError::rejected(
        "device_cannot_simulate",
        format!(
            "Device {} ({}) cannot simulate this: its {flag} is false",
            device.device_id, device.display_name
        ),
    ))
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
