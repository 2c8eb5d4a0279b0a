//! The `/_sim/*` control surface, which Seam does not have: create, seed, dump, load and
//! reset workspaces ([`state_io`]), read one workspace's whole state ([`snapshot`]), read,
//! move, set and freeze clocks ([`clock`]), take devices offline, reconnect connected
//! accounts, tune webhook delivery
//! ([`webhooks`]), inject faults, and count (and, on request, log) the Seam calls a
//! workspace received. These routes sit outside the gate, so faults never touch them and
//! they are never counted.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::connectivity::Link;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::faults::Fault;
use crate::gate::bearer_workspace;
use crate::input::{self, Input};
use crate::objects::{find, AcsCredential, ConnectedAccount, Device};
use crate::simulator::Simulator;

mod clock;
mod snapshot;
mod state_io;
mod webhooks;

pub(crate) fn router() -> Router<Simulator> {
    Router::new()
        .route("/workspaces", post(state_io::create_workspace))
        .route("/seed", post(state_io::add_seed))
        .route("/dump", get(state_io::dump).post(state_io::dump))
        .route("/load", post(state_io::load))
        .route("/reset", post(state_io::reset))
        .route("/state", post(state).get(state))
        .route("/clock", get(clock::read))
        .route("/clock/advance", post(clock::advance))
        .route("/clock/set", post(clock::set))
        .route("/clock/freeze", post(clock::freeze))
        .route("/clock/unfreeze", post(clock::unfreeze))
        .route("/devices/online", post(set_online))
        .route("/connected_accounts/reconnect", post(reconnect))
        .route("/acs_credentials/invalidate", post(invalidate))
        .route(
            "/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/webhooks", post(webhooks::configure).get(webhooks::report))
        .route("/calls", get(list_calls).delete(clear_calls))
}

async fn state(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let snapshot = sim.with_workspace(&workspace_id, |ws| Ok(snapshot::snapshot(ws)))?;
    ok(snapshot)
}

struct Online {
    device_id: String,
    online: bool,
}

impl FromInput for Online {
    fn from_input(input: &mut Input) -> Self {
        Self {
            device_id: input.required("device_id", input::uuid),
            online: input.required("online", input::boolean),
        }
    }
}

/// `POST /_sim/devices/online {device_id, online}`: what `/devices/simulate/connect` and
/// `/disconnect` do, without counting as a Seam call or meeting a fault.
async fn set_online(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    SeamBody(req): SeamBody<Online>,
) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let device = sim.with_workspace(&workspace_id, |ws| {
        ws.set_link(&req.device_id, Link::Device, req.online)?;
        Ok(ws.render_device(find::<Device>(&ws.devices, &req.device_id)?))
    })?;
    ok(json!({ "device": device }))
}

struct AccountId(String);

impl FromInput for AccountId {
    fn from_input(input: &mut Input) -> Self {
        Self(input.required("connected_account_id", input::uuid))
    }
}

/// `POST /_sim/connected_accounts/reconnect {connected_account_id}`: the account's owner
/// logs in again after `/connected_accounts/simulate/disconnect` (Seam has no sandbox switch
/// for this): `connected_account.connected`, and its devices are reached again.
async fn reconnect(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    SeamBody(AccountId(id)): SeamBody<AccountId>,
) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let account = sim.with_workspace(&workspace_id, |ws| {
        ws.set_account_connected(&id, true)?;
        Ok(find::<ConnectedAccount>(&ws.connected_accounts, &id)?.render())
    })?;
    ok(json!({ "connected_account": account }))
}

struct CredentialId(String);

impl FromInput for CredentialId {
    fn from_input(input: &mut Input) -> Self {
        Self(input.required("acs_credential_id", input::uuid))
    }
}

/// `POST /_sim/acs_credentials/invalidate {acs_credential_id}`: the access system drops a
/// credential (a key revoked at the provider): `acs_credential.invalidated`, and a
/// `needs_to_be_reissued` warning on the credential.
async fn invalidate(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    SeamBody(CredentialId(id)): SeamBody<CredentialId>,
) -> Reply {
    let workspace_id = bearer_workspace(&sim, &headers)?;
    let credential = sim.with_workspace(&workspace_id, |ws| {
        find::<AcsCredential>(&ws.acs_credentials, &id)?;
        ws.invalidate_credential(&id);
        Ok(find::<AcsCredential>(&ws.acs_credentials, &id)?.render(ws))
    })?;
    ok(json!({ "acs_credential": credential }))
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
