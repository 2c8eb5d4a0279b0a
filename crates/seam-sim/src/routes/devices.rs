//! `/devices/{list,get}`: the smart locks of the workspace; to a client session, only those
//! of its connected accounts (another account's lock is not found).

use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::Device;
use crate::pagination::PageRequest;
use crate::simulator::Simulator;
use crate::state::Workspace;

/// The capability flags `include_if` / `exclude_if` accept; ones the seeded locks never have
/// (thermostat, hub and subscription flags) simply match nothing.
const CAPABILITY_FLAGS: [&str; 20] = [
    "can_remotely_unlock",
    "can_remotely_lock",
    "can_program_offline_access_codes",
    "can_program_online_access_codes",
    "can_hvac_heat",
    "can_hvac_cool",
    "can_hvac_heat_cool",
    "can_turn_off_hvac",
    "can_simulate_removal",
    "can_simulate_connection",
    "can_simulate_disconnection",
    "can_unlock_with_code",
    "can_run_thermostat_programs",
    "can_configure_auto_lock",
    "can_simulate_hub_connection",
    "can_simulate_hub_disconnection",
    "can_simulate_paid_subscription",
    "can_program_thermostat_programs_as_different_each_day",
    "can_program_thermostat_programs_as_same_each_day",
    "can_program_thermostat_programs_as_weekday_weekend",
];

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/devices/list", post(list))
        .route("/devices/get", post(get))
}

struct ListDevices {
    device_ids: Option<Vec<String>>,
    device_types: Option<Vec<String>>,
    manufacturer: Option<String>,
    connected_account_ids: Option<Vec<String>>,
    include_if: Vec<String>,
    exclude_if: Vec<String>,
    created_before: Option<DateTime<Utc>>,
    search: Option<String>,
    page: PageRequest,
}

impl FromInput for ListDevices {
    fn from_input(input: &mut Input) -> Self {
        let device_type = input.optional("device_type", input::string);
        let device_types = input.optional_list("device_types", input::string);
        let account = input.optional("connected_account_id", input::uuid);
        let accounts = input.optional_list("connected_account_ids", input::uuid);
        let capability = |v: &Value| input::one_of(v, &CAPABILITY_FLAGS);
        Self {
            device_ids: input.optional_list("device_ids", input::uuid),
            device_types: merge(device_type, device_types),
            manufacturer: input.optional("manufacturer", input::string),
            connected_account_ids: merge(account, accounts),
            include_if: input
                .optional_list("include_if", capability)
                .unwrap_or_default(),
            exclude_if: input
                .optional_list("exclude_if", capability)
                .unwrap_or_default(),
            created_before: input.optional("created_before", input::datetime),
            search: input.optional("search", input::non_empty),
            page: PageRequest::read(input, 500),
        }
    }
}

/// A singular filter and its plural form narrow together, as one list.
fn merge(one: Option<String>, many: Option<Vec<String>>) -> Option<Vec<String>> {
    match (one, many) {
        (None, many) => many,
        (Some(one), None) => Some(vec![one]),
        (Some(one), Some(many)) => Some(many.into_iter().filter(|m| *m == one).collect()),
    }
}

fn flag(device: &Device, name: &str) -> bool {
    device
        .capability_flags()
        .iter()
        .any(|(flag, value)| *flag == name && *value)
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListDevices>) -> Reply {
    let (devices, pagination) = ctx.with(|ws| {
        let matching = ws.devices.iter().filter(|d| {
            ctx.sees_account(&d.connected_account_id)
                && req
                    .device_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&d.device_id))
                && req
                    .device_types
                    .as_ref()
                    .is_none_or(|types| types.contains(&d.model.device_type))
                && req
                    .manufacturer
                    .as_ref()
                    .is_none_or(|m| *m == d.model.manufacturer)
                && req
                    .connected_account_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&d.connected_account_id))
                && req.include_if.iter().all(|name| flag(d, name))
                && !req.exclude_if.iter().any(|name| flag(d, name))
                && req
                    .created_before
                    .is_none_or(|before| d.created_at < before)
                && matches_search(
                    req.search.as_deref(),
                    &[Some(&d.display_name), Some(&d.device_id)],
                )
        });
        let page = req.page.page(matching, |d| d.seq);
        let rendered: Vec<Value> = page.items.iter().map(|d| ws.render_device(d)).collect();
        Ok((rendered, page.pagination))
    })?;
    ok(json!({ "devices": devices, "pagination": pagination }))
}

/// A device named by id or by name, as `/devices/get` and `/locks/get` take it.
pub(super) enum GetDevice {
    ById(String),
    ByName(String),
}

impl FromInput for GetDevice {
    fn from_input(input: &mut Input) -> Self {
        if let Some(id) = input.optional("device_id", input::uuid) {
            return Self::ById(id);
        }
        if let Some(name) = input.optional("name", input::string) {
            return Self::ByName(name);
        }
        input.issue("", "Must provide device_id or name");
        Self::ById(String::new())
    }
}

/// The device `req` names, among those `ctx` may see.
pub(super) fn find_device<'a>(
    ctx: &Ctx,
    ws: &'a Workspace,
    req: &GetDevice,
) -> Result<&'a Device, SimError> {
    match req {
        GetDevice::ById(id) => ctx.device(ws, id),
        GetDevice::ByName(name) => ws
            .devices
            .iter()
            .find(|d| d.display_name == *name && ctx.sees_account(&d.connected_account_id))
            .ok_or_else(|| {
                SimError::not_found(
                    "device_not_found",
                    format!("Could not find device named {name}"),
                )
            }),
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<GetDevice>) -> Reply {
    let device = ctx.with(|ws| Ok(ws.render_device(find_device(&ctx, ws, &req)?)))?;
    ok(json!({ "device": device }))
}
