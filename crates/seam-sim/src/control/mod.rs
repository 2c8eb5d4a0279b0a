//! The `/_sim/*` control surface, which Seam does not have: seed workspaces, read one
//! workspace's whole state ([`snapshot`]), move clocks, tune webhook delivery ([`webhooks`]),
//! inject faults, and count (and, on request, log) the Seam calls a workspace received. These
//! routes sit outside the gate, so faults never touch them and they are never counted.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use chrono::TimeDelta;
use serde::Deserialize;
use serde_json::json;

use crate::clock::iso;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::faults::Fault;
use crate::gate::{bearer_key, bearer_workspace};
use crate::input::{self, Input};
use crate::simulator::Simulator;

mod snapshot;
mod webhooks;

/// Clock moves are capped at a century, far beyond any schedule a test needs.
const MAX_ADVANCE_SECONDS: f64 = 100.0 * 366.0 * 24.0 * 3600.0;

pub(crate) fn router() -> Router<Simulator> {
    Router::new()
        .route("/workspaces", post(create_workspace))
        .route("/state", post(state).get(state))
        .route("/clock/advance", post(advance_clock))
        .route(
            "/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/webhooks", post(webhooks::configure).get(webhooks::report))
        .route("/calls", get(list_calls).delete(clear_calls))
}

struct NewWorkspace {
    name: Option<String>,
}

impl FromInput for NewWorkspace {
    fn from_input(input: &mut Input) -> Self {
        Self {
            name: input.nullable("name", input::non_empty),
        }
    }
}

async fn create_workspace(
    State(sim): State<Simulator>,
    SeamBody(req): SeamBody<NewWorkspace>,
) -> Reply {
    let name = req.name.as_deref().unwrap_or("Simulated Workspace");
    let seeded = sim.create_workspace(name);
    ok(json!({ "workspace_id": seeded.workspace_id, "api_key": seeded.api_key }))
}

async fn state(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let snapshot = sim.with_workspace(&workspace_id, |ws| Ok(snapshot::snapshot(ws)))?;
    ok(snapshot)
}

struct Advance {
    by: TimeDelta,
}

impl FromInput for Advance {
    fn from_input(input: &mut Input) -> Self {
        let seconds: f64 = input.required("seconds", input::number);
        if !(0.0..=MAX_ADVANCE_SECONDS).contains(&seconds) {
            input.issue("seconds", "Must be a number of seconds from 0 to 100 years");
        }
        Self {
            by: TimeDelta::milliseconds((seconds * 1000.0).round() as i64),
        }
    }
}

/// With a bearer key, moves that workspace's clock; without one, every clock. Either way,
/// everything that fell due in the jump happens (and is announced) before the answer.
async fn advance_clock(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    SeamBody(req): SeamBody<Advance>,
) -> Reply {
    let now = if bearer_key(&headers).is_some() {
        let workspace_id = bearer_workspace(&sim, &headers)?;
        sim.with_workspace(&workspace_id, |ws| {
            ws.clock.advance(req.by);
            Ok(ws.now())
        })?
    } else {
        let now = sim.with_store(|store| store.advance_all(req.by));
        sim.settle_all();
        now
    };
    ok(json!({ "now": iso(now) }))
}

async fn add_fault(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    SeamBody(fault): SeamBody<Fault>,
) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let faults = sim.with_workspace(&workspace_id, |ws| {
        ws.faults.add(fault);
        Ok(ws.faults.render())
    })?;
    ok(json!({ "faults": faults }))
}

async fn list_faults(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let faults = sim.with_workspace(&workspace_id, |ws| Ok(ws.faults.render()))?;
    ok(json!({ "faults": faults }))
}

async fn clear_faults(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    sim.with_workspace(&workspace_id, |ws| {
        ws.faults.clear();
        Ok(())
    })?;
    ok(json!({ "faults": [] }))
}

/// `GET /_sim/calls?log=true`: the query string, since a GET has no body.
#[derive(Debug, Deserialize)]
struct CallsQuery {
    log: Option<String>,
}

impl CallsQuery {
    fn with_log(&self) -> Result<bool, SimError> {
        match self.log.as_deref() {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1" | "") => Ok(true),
            Some(_) => Err(input::invalid_field(&["log"], "Must be true or false")),
        }
    }
}

/// The counts, and with `?log=true` the log of the last calls (see [`crate::calls`]).
async fn list_calls(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    Query(query): Query<CallsQuery>,
) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let with_log = query.with_log()?;
    ok(sim.with_workspace(&workspace_id, |ws| Ok(ws.calls.render(with_log)))?)
}

async fn clear_calls(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let counts = sim.with_workspace(&workspace_id, |ws| {
        ws.calls.clear();
        Ok(ws.calls.render(false))
    })?;
    ok(counts)
}
