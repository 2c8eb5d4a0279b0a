//! `/locks/{get,list}`: the devices that are locks (all seeded devices are), answered under
//! both the `device` and the older `lock` key, as Seam's spec has it; narrowed for a client
//! session as `/devices/*` are.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::devices::{find_device, GetDevice};
use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/locks/get", post(get))
        .route("/locks/list", post(list))
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<GetDevice>) -> Reply {
    let device = ctx.with(|ws| Ok(ws.render_device(find_device(&ctx, ws, &req)?)))?;
    ok(json!({ "device": device, "lock": device }))
}

struct ListLocks {
    device_ids: Option<Vec<String>>,
    connected_account_id: Option<String>,
    search: Option<String>,
    /// Seam's `/locks/list` is not paginated (its answer has no `pagination`); `limit` only
    /// caps how many come back.
    limit: usize,
}

impl FromInput for ListLocks {
    fn from_input(input: &mut Input) -> Self {
        Self {
            device_ids: input.optional_list("device_ids", input::uuid),
            connected_account_id: input.optional("connected_account_id", input::uuid),
            search: input.optional("search", input::non_empty),
            limit: {
                input.optional("page_cursor", |v| Ok(v.clone()));
                input
                    .optional("limit", input::number)
                    .map_or(usize::MAX, |n| n.max(1.0) as usize)
            },
        }
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListLocks>) -> Reply {
    let devices = ctx.with(|ws| {
        let matching = ws.devices.iter().filter(|d| {
            ctx.sees_account(&d.connected_account_id)
                && req
                    .device_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&d.device_id))
                && req
                    .connected_account_id
                    .as_ref()
                    .is_none_or(|a| *a == d.connected_account_id)
                && matches_search(
                    req.search.as_deref(),
                    &[Some(&d.display_name), Some(&d.device_id)],
                )
        });
        Ok(matching
            .take(req.limit)
            .map(|d| ws.render_device(d))
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "devices": devices, "locks": devices }))
}
