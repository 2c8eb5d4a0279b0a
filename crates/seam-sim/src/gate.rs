//! The gate in front of every Seam endpoint: authenticate the bearer key once, count the call
//! (`/_sim/calls`), apply the workspace's injected faults, hand the handler a [`Ctx`] naming
//! its workspace, and log the call with the device it was about and the status it was
//! answered.
//!
//! Faults are applied here rather than in handlers so that "do the work, then fail" is the
//! same for every endpoint: the handler runs to completion (its effects committed) before
//! the gate delays or replaces its answer. For faults scoped to one device the gate reads the
//! body first: a call names a device through `device_id`, `device_ids`, or the
//! `access_code_id` of a code on that device.
//!
//! Everything after the count (faults, `hang_ms`, the handler, logging the answer) runs on a
//! task of its own. Hyper drops a request's future when its client disconnects or times out;
//! a real server still finishes work it has started, and a client that gave up must find that
//! work done, so the work must not live in the future that gets dropped. For the same reason
//! the answer's status is logged on that task: a call whose client gave up is logged with
//! what it was (or would have been) answered.

use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::auth::{authenticate, Principal, SessionScope};
use crate::calls::CallId;
use crate::error::SimError;
use crate::objects::{find, not_found, Device};
use crate::simulator::Simulator;
use crate::state::Workspace;

/// Bodies larger than this are refused, as axum's JSON extractor would by default.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Who a request was authenticated as, left in the request's extensions.
#[derive(Debug, Clone)]
struct Authed(Principal);

/// What a Seam handler works with: the simulator, the caller's workspace and, for a client
/// session, the user identity it acts as.
pub(crate) struct Ctx {
    sim: Simulator,
    workspace_id: String,
    session: Option<SessionScope>,
}

impl Ctx {
    /// Runs `work` on the caller's workspace under the lock.
    pub(crate) fn with<R>(
        &self,
        work: impl FnOnce(&mut Workspace) -> Result<R, SimError>,
    ) -> Result<R, SimError> {
        self.sim.with_workspace(&self.workspace_id, work)
    }

    /// Whether the caller may see what belongs to `identity`: an API key sees everything, a
    /// client session only its own user identity's.
    pub(crate) fn sees_identity(&self, identity: Option<&str>) -> bool {
        match &self.session {
            None => true,
            Some(session) => {
                session.user_identity_id.is_some()
                    && session.user_identity_id.as_deref() == identity
            }
        }
    }

    /// Whether the caller may see what is reached through the connected account `account`
    /// (its devices and their access codes): an API key sees everything, a client session
    /// only what its own `connected_account_ids` reach. What a session cannot see is, to it,
    /// not found.
    pub(crate) fn sees_account(&self, account: &str) -> bool {
        match &self.session {
            None => true,
            Some(session) => session.connected_account_ids.iter().any(|a| a == account),
        }
    }

    /// The device `id`, if the caller may see it ([`Self::sees_account`]); else Seam's
    /// `device_not_found`.
    pub(crate) fn device<'w>(&self, ws: &'w Workspace, id: &str) -> Result<&'w Device, SimError> {
        find::<Device>(&ws.devices, id)
            .ok()
            .filter(|device| self.sees_account(&device.connected_account_id))
            .ok_or_else(|| not_found::<Device>(id))
    }

    /// The client session the call came with, if any.
    pub(crate) fn client_session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.client_session_id.as_str())
    }
}

impl FromRequestParts<Simulator> for Ctx {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, sim: &Simulator) -> Result<Self, SimError> {
        // Only the gate authenticates; a handler mounted outside it is refused, not silently
        // served without faults.
        match parts.extensions.get::<Authed>() {
            Some(Authed(principal)) => Ok(Self {
                sim: sim.clone(),
                workspace_id: principal.workspace_id.clone(),
                session: principal.session.clone(),
            }),
            None => Err(SimError::Unauthorized(
                "This endpoint is not behind the simulator's gate".to_owned(),
            )),
        }
    }
}

/// The workspace named by `Authorization: Bearer <api key>`, or Seam's 401.
pub(crate) fn bearer_workspace(sim: &Simulator, headers: &HeaderMap) -> Result<String, SimError> {
    let key = bearer_key(headers).ok_or_else(|| {
        SimError::Unauthorized("Missing Authorization header with a Bearer API key".to_owned())
    })?;
    sim.workspace_for_key(key)
        .ok_or_else(|| SimError::Unauthorized("Invalid API key".to_owned()))
}

pub(crate) fn bearer_key(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then_some(key)
}

/// Middleware for the Seam routes; see the module docs.
pub(crate) async fn seam_gate(State(sim): State<Simulator>, req: Request, next: Next) -> Response {
    let endpoint = req.uri().path().to_owned();
    let principal = match authenticate(&sim, req.headers(), &endpoint) {
        Ok(principal) => principal,
        Err(error) => return error.into_response(),
    };
    let workspace_id = principal.workspace_id.clone();
    // Counted before anything can refuse it: a refused call was still sent.
    let call = sim.with_store(|store| {
        store
            .workspace_mut(&workspace_id)
            .map(|ws| ws.calls.record(&endpoint))
    });
    let log = CallLog {
        sim: sim.clone(),
        workspace_id: workspace_id.clone(),
        call,
    };
    let work = tokio::spawn({
        let (log, endpoint) = (log.clone(), endpoint.clone());
        async move {
            let response = respond(sim, principal, &endpoint, &log, req, next).await;
            log.answered(response.status());
            response
        }
    });
    match work.await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%endpoint, %error, "handler task failed");
            let failure = SimError::Internal(format!("The handler of {endpoint} failed"));
            log.answered(failure.status());
            failure.into_response()
        }
    }
}

/// Where the gate writes down what it learns about a call after counting it.
#[derive(Clone)]
struct CallLog {
    sim: Simulator,
    workspace_id: String,
    /// `None` only if the workspace vanished between authentication and counting.
    call: Option<CallId>,
}

impl CallLog {
    fn answered(&self, status: StatusCode) {
        let Some(call) = self.call else { return };
        self.sim.with_store(|store| {
            if let Some(ws) = store.workspace_mut(&self.workspace_id) {
                ws.calls.answered(call, status.as_u16());
            }
        });
    }
}

/// Reads the body, applies the faults planned for it, and runs the handler: everything after
/// the count, on the gate's task.
async fn respond(
    sim: Simulator,
    principal: Principal,
    endpoint: &str,
    log: &CallLog,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(error) => {
            return SimError::InvalidInput {
                message: format!("Could not read the request body: {error}"),
                validation_errors: None,
            }
            .into_response()
        }
    };
    let named = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let plan = sim.with_workspace(&principal.workspace_id, |ws| {
        let devices = named_devices(ws, &named);
        if let Some(call) = log.call {
            ws.calls.about_device(call, single_device(&devices));
        }
        Ok(ws
            .faults
            .plan(endpoint, &devices, Instant::now(), &mut ws.rng))
    });
    let mut req = Request::from_parts(parts, Body::from(body));
    let plan = match plan {
        Ok(plan) => plan,
        Err(error) => return error.into_response(),
    };
    hang(plan.hang).await;
    if let Some(refusal) = plan.refuse {
        tracing::debug!(%endpoint, error = %refusal, "injected fault refused the call");
        return refusal.into_response();
    }
    req.extensions_mut().insert(Authed(principal));
    let response = next.run(req).await;
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    if plan.ambiguous {
        tracing::debug!(%endpoint, "injected an ambiguous failure after the work was done");
        return SimError::Injected(StatusCode::INTERNAL_SERVER_ERROR).into_response();
    }
    response
}

/// Holds a call for an injected `hang_ms` (nothing when zero).
async fn hang(duration: Duration) {
    if !duration.is_zero() {
        tokio::time::sleep(duration).await;
    }
}

/// The devices a request body is about, for device-scoped faults.
fn named_devices(ws: &Workspace, body: &Value) -> Vec<String> {
    let mut devices: Vec<String> = Vec::new();
    if let Some(id) = body["device_id"].as_str() {
        devices.push(id.to_owned());
    }
    if let Some(ids) = body["device_ids"].as_array() {
        devices.extend(ids.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(code_id) = body["access_code_id"].as_str() {
        let code = ws.access_codes.iter().find(|c| c.access_code_id == code_id);
        devices.extend(code.map(|c| c.device_id.clone()));
    }
    devices
}

/// The lock a call is about, for the call log: the one device it names, if it names exactly
/// one (a body may name it twice, by `device_id` and through an `access_code_id`).
fn single_device(devices: &[String]) -> Option<String> {
    let (first, rest) = devices.split_first()?;
    rest.iter().all(|d| d == first).then(|| first.clone())
}
