//! `/acs/systems/*`: the access systems of the workspace and the credential managers that
//! can issue mobile keys for them. Not paginated, as in Seam.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, AcsSystem};
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/acs/systems/list", post(list))
        .route("/acs/systems/get", post(get))
        .route(
            "/acs/systems/list_compatible_credential_manager_acs_systems",
            post(list_compatible_credential_managers),
        )
}

struct ListSystems {
    connected_account_id: Option<String>,
    search: Option<String>,
}

impl FromInput for ListSystems {
    fn from_input(input: &mut Input) -> Self {
        input.optional("customer_key", input::string);
        Self {
            connected_account_id: input.optional("connected_account_id", input::uuid),
            search: input.optional("search", input::non_empty),
        }
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListSystems>) -> Reply {
    let systems = ctx.with(|ws| {
        Ok(ws
            .acs_systems
            .iter()
            .filter(|system| {
                req.connected_account_id
                    .as_ref()
                    .is_none_or(|id| *id == system.connected_account_id)
            })
            .filter(|system| {
                matches_search(
                    req.search.as_deref(),
                    &[Some(&system.name), Some(&system.acs_system_id)],
                )
            })
            .map(|system| system.render(ws))
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "acs_systems": systems }))
}

/// A request naming one access system.
struct SystemId {
    acs_system_id: String,
}

impl FromInput for SystemId {
    fn from_input(input: &mut Input) -> Self {
        Self {
            acs_system_id: input.required("acs_system_id", input::uuid),
        }
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<SystemId>) -> Reply {
    let system =
        ctx.with(|ws| Ok(find::<AcsSystem>(&ws.acs_systems, &req.acs_system_id)?.render(ws)))?;
    ok(json!({ "acs_system": system }))
}

async fn list_compatible_credential_managers(ctx: Ctx, SeamBody(req): SeamBody<SystemId>) -> Reply {
    let managers = ctx.with(|ws| {
        let system = find::<AcsSystem>(&ws.acs_systems, &req.acs_system_id)?;
        system
            .credential_manager_ids
            .iter()
            .map(|id| Ok(find::<AcsSystem>(&ws.acs_systems, id)?.render(ws)))
            .collect::<Result<Vec<Value>, _>>()
    })?;
    ok(json!({ "acs_systems": managers }))
}
