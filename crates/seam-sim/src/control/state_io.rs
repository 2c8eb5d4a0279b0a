//! Workspaces as data: create one from a seed (`POST /_sim/workspaces`), add to one
//! (`POST /_sim/seed`), dump and load one as JSON (`GET /_sim/dump`, `POST /_sim/load`),
//! and reset one or all (`POST /_sim/reset`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::json;

use crate::dump::WorkspaceDump;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::{bearer_key, bearer_workspace};
use crate::input::{self, invalid_field, Input};
use crate::seed::{self, SeedSpec};
use crate::simulator::Simulator;
use crate::state::{Store, Workspace};

pub(super) struct NewWorkspace {
    name: Option<String>,
    seed: Option<SeedSpec>,
}

/// Reads a seed given as `field`, with serde's message or the seed's own problems.
fn read_seed(input: &mut Input, field: &str) -> Option<SeedSpec> {
    let raw = input.optional(field, |v| Ok(v.clone()))?;
    match serde_json::from_value::<SeedSpec>(raw) {
        Ok(spec) => {
            let problems = spec.problems();
            if problems.is_empty() {
                return Some(spec);
            }
            input.issue(field, problems.join("; "));
        }
        Err(error) => input.issue(field, error.to_string()),
    }
    None
}

impl FromInput for NewWorkspace {
    fn from_input(input: &mut Input) -> Self {
        Self {
            name: input.nullable("name", input::non_empty),
            seed: read_seed(input, "seed"),
        }
    }
}

/// `POST /_sim/workspaces {name?, seed?}`: the demo properties, or the seed given
/// (`{"seed": {}}` for an empty workspace).
pub(super) async fn create_workspace(
    State(sim): State<Simulator>,
    SeamBody(req): SeamBody<NewWorkspace>,
) -> Reply {
    let name = req.name.as_deref().unwrap_or("Simulated Workspace");
    let spec = req.seed.unwrap_or_else(seed::demo);
    let seeded = sim.create_seeded(name, &spec);
    let publishable_key = sim.with_store(|store| {
        store
            .workspace_mut(&seeded.workspace_id)
            .map(|ws| ws.publishable_key.clone())
    });
    ok(json!({
        "workspace_id": seeded.workspace_id,
        "api_key": seeded.api_key,
        "publishable_key": publishable_key,
    }))
}

pub(super) struct AddSeed(SeedSpec);

impl FromInput for AddSeed {
    fn from_input(input: &mut Input) -> Self {
        let spec = read_seed(input, "seed");
        if spec.is_none() && !input.has("seed") {
            input.issue("seed", "Required");
        }
        Self(spec.unwrap_or_default())
    }
}

/// `POST /_sim/seed {seed}`: adds systems and locks to the bearer's workspace and answers
/// what was added, rendered as Seam renders it. A reset forgets them: it goes back to what
/// the workspace was created with.
pub(super) async fn add_seed(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    SeamBody(AddSeed(spec)): SeamBody<AddSeed>,
) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let added = sim.with_workspace(&workspace_id, |ws| {
        let before = (
            ws.acs_systems.len(),
            ws.acs_entrances.len(),
            ws.acs_access_groups.len(),
            ws.devices.len(),
            ws.connected_accounts.len(),
        );
        seed::fill(ws, &spec);
        let id = ws.workspace_id.clone();
        Ok(json!({
            "acs_systems": ws.acs_systems[before.0..].iter().map(|s| s.render(ws)).collect::<Vec<_>>(),
            "acs_entrances": ws.acs_entrances[before.1..].iter().map(|e| e.render()).collect::<Vec<_>>(),
            "acs_access_groups": ws.acs_access_groups[before.2..].iter().map(|g| g.render(&id)).collect::<Vec<_>>(),
            "devices": ws.devices[before.3..].iter().map(|d| ws.render_device(d)).collect::<Vec<_>>(),
            "connected_accounts": ws.connected_accounts[before.4..].iter().map(|a| a.render()).collect::<Vec<_>>(),
        }))
    })?;
    ok(added)
}

/// `GET /_sim/dump`: the bearer's workspace as `{dump}`, which `POST /_sim/load` takes back.
pub(super) async fn dump(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let dump = sim.with_workspace(&workspace_id, |ws| {
        serde_json::to_value(ws.dump()).map_err(|e| SimError::Internal(e.to_string()))
    })?;
    ok(json!({ "dump": dump }))
}

/// The body of `POST /_sim/load`: a dump's answer as it was (its `ok` is ignored).
#[derive(Deserialize)]
struct LoadBody {
    dump: WorkspaceDump,
}

/// `POST /_sim/load {dump}`: the workspace back as it was dumped, replacing the one with
/// the same id if there is one; no key needed.
pub(super) async fn load(State(sim): State<Simulator>, body: Bytes) -> Reply {
    let body: LoadBody = serde_json::from_slice(&body)
        .map_err(|e| invalid_field(&["dump"], &format!("Not a workspace dump: {e}")))?;
    let ws = Workspace::load(body.dump, sim.options())
        .map_err(|message| invalid_field(&["dump"], &message))?;
    let answer = json!({ "workspace_id": ws.workspace_id, "api_key": ws.api_key, "publishable_key": ws.publishable_key });
    sim.with_store(|store| store.put(ws)).map_err(|holder| {
        invalid_field(
            &["dump", "api_key"],
            &format!("This API key already opens workspace {holder}"),
        )
    })?;
    sim.settle_all();
    ok(answer)
}

/// `POST /_sim/reset`: with a key, that workspace as it was created (same id, keys and
/// seed); without, the whole simulator as it started (no workspaces, clocks and random
/// sequence back at the start), so a seeded simulator replays identically.
pub(super) async fn reset(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    if bearer_key(&headers).is_none() {
        sim.with_store(|store| *store = Store::new(sim.options()));
        return ok(json!({ "workspaces": 0 }));
    }
    let workspace_id = bearer_workspace(&sim, &headers)?;
    sim.with_store(|store| {
        let Some(ws) = store.workspace_mut(&workspace_id) else {
            return;
        };
        let fresh = ws.reset(sim.options());
        *ws = fresh;
    });
    ok(json!({ "workspace_id": workspace_id }))
}
