//! `/access_codes/{create,get,list,update,delete}`: PINs on smart locks. Creation and updates,
//! with the lock's rules ([`crate::code_rules`]) and Seam's per-device rate limits, live in
//! [`create`] and [`update`]; the lifecycle after the call is [`crate::lifecycle`]'s. A client
//! session reaches only the codes on the locks of its connected accounts; others are, to it,
//! not found.

use std::time::Instant;

use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::lifecycle::start_removal;
use crate::objects::{find, not_found, AccessCode, ActionAttempt, ActionType, AttemptStatus};
use crate::pagination::PageRequest;
use crate::rate_limits::DeviceCall;
use crate::simulator::Simulator;
use crate::state::Workspace;

mod create;
mod update;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/access_codes/create", post(create::create))
        .route("/access_codes/get", post(get))
        .route("/access_codes/list", post(list))
        .route("/access_codes/update", post(update::update))
        .route("/access_codes/delete", post(delete))
}

/// Records a pending action attempt for work on a code and renders it. On an online lock,
/// creates and updates succeed after the set delay; otherwise the lifecycle settles them.
fn new_attempt(
    ws: &mut Workspace,
    action_type: ActionType,
    code: &AccessCode,
    online: bool,
) -> Value {
    let now = ws.now();
    let until = (online && action_type != ActionType::Delete)
        .then(|| now.checked_add_signed(ws.timing.set_delay))
        .flatten();
    let attempt = ActionAttempt {
        action_attempt_id: ws.rng.new_id(),
        seq: ws.next_seq(),
        device_id: code.device_id.clone(),
        action_type,
        access_code_id: code.access_code_id.clone(),
        status: AttemptStatus::Pending { until },
    };
    let rendered = attempt.render();
    ws.action_attempts.push(attempt);
    rendered
}

/// `ends_at` must lie ahead, which needs the workspace clock.
fn require_future(ends_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), SimError> {
    match ends_at {
        Some(ends_at) if ends_at <= now => Err(input::invalid_field(
            &["ends_at"],
            "ends_at must be in the future",
        )),
        _ => Ok(()),
    }
}

/// Seam finds a code by its id, or by its lock and PIN.
enum GetCode {
    ById(String),
    ByPin { device_id: String, code: String },
}

impl FromInput for GetCode {
    fn from_input(input: &mut Input) -> Self {
        let id = input.optional("access_code_id", input::uuid);
        let device_id = input.optional("device_id", input::uuid);
        let code = input.optional("code", input::string);
        match (id, device_id, code) {
            (Some(_), _, Some(_)) => {
                input.issue("code", "Both access_code_id and code can not be provided");
                Self::ById(String::new())
            }
            (Some(id), _, None) => Self::ById(id),
            (None, Some(device_id), Some(code)) => Self::ByPin { device_id, code },
            (None, None, Some(_)) => {
                input.issue("device_id", "Required when code is given");
                Self::ById(String::new())
            }
            (None, Some(_), None) => {
                input.issue("code", "Required when device_id is given");
                Self::ById(String::new())
            }
            (None, None, None) => {
                input.issue(
                    "",
                    "Either access_code_id or both device_id and code must be provided",
                );
                Self::ById(String::new())
            }
        }
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<GetCode>) -> Reply {
    let code = ctx.with(|ws| {
        let code = match &req {
            GetCode::ById(id) => find::<AccessCode>(&ws.access_codes, id)
                .ok()
                .filter(|c| ctx.sees_account(&c.connected_account_id))
                .ok_or_else(|| not_found::<AccessCode>(id))?,
            GetCode::ByPin { device_id, code } => ws
                .access_codes
                .iter()
                .find(|c| {
                    c.device_id == *device_id
                        && c.code == *code
                        && ctx.sees_account(&c.connected_account_id)
                })
                .ok_or_else(|| {
                    SimError::not_found(
                        "access_code_not_found",
                        format!("Could not find access code {code} on device {device_id}"),
                    )
                })?,
        };
        Ok(code.render(&ws.workspace_id))
    })?;
    ok(json!({ "access_code": code }))
}

struct ListCodes {
    device_id: Option<String>,
    access_code_ids: Option<Vec<String>>,
    /// Filters on things the simulator never has (access grants, customers...): nothing
    /// matches them.
    unmatchable: bool,
    search: Option<String>,
    page: PageRequest,
}

impl FromInput for ListCodes {
    fn from_input(input: &mut Input) -> Self {
        let grant = input.optional("access_grant_id", input::uuid).is_some()
            | input.optional("access_grant_key", input::string).is_some()
            | input.optional("access_method_id", input::uuid).is_some();
        let other = input.optional("customer_key", input::string).is_some()
            | input
                .optional("user_identifier_key", input::string)
                .is_some();
        let req = Self {
            device_id: input.optional("device_id", input::uuid),
            access_code_ids: input.optional_list("access_code_ids", input::uuid),
            unmatchable: grant || other,
            search: input.optional("search", input::non_empty),
            page: PageRequest::read(input, 55_000),
        };
        if req.device_id.is_none() && req.access_code_ids.is_none() && !grant {
            input.issue(
                "",
                "Specify device_id, access_code_ids, access_method_id, access_grant_id, or access_grant_key",
            );
        }
        req
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListCodes>) -> Reply {
    let (codes, pagination) = ctx.with(|ws| {
        let matching = ws.access_codes.iter().filter(|c| {
            !req.unmatchable
                && ctx.sees_account(&c.connected_account_id)
                && req.device_id.as_ref().is_none_or(|d| *d == c.device_id)
                && req
                    .access_code_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&c.access_code_id))
                && matches_search(
                    req.search.as_deref(),
                    &[c.name.as_deref(), Some(&c.code), Some(&c.access_code_id)],
                )
        });
        let page = req.page.page(matching, |c| c.seq);
        let rendered: Vec<Value> = page
            .items
            .iter()
            .map(|c| c.render(&ws.workspace_id))
            .collect();
        Ok((rendered, page.pagination))
    })?;
    ok(json!({ "access_codes": codes, "pagination": pagination }))
}

struct DeleteCode {
    access_code_id: String,
    device_id: Option<String>,
}

impl FromInput for DeleteCode {
    fn from_input(input: &mut Input) -> Self {
        input.optional("sync", input::boolean);
        Self {
            access_code_id: input.required("access_code_id", input::uuid),
            device_id: input.optional("device_id", input::uuid),
        }
    }
}

/// The code goes to `removing` and is gone after the remove delay; the attempt succeeds then.
async fn delete(ctx: Ctx, SeamBody(req): SeamBody<DeleteCode>) -> Reply {
    let attempt = ctx.with(|ws| {
        let now = ws.now();
        let index = ws
            .access_codes
            .iter()
            .position(|c| {
                c.access_code_id == req.access_code_id
                    && req.device_id.as_ref().is_none_or(|d| *d == c.device_id)
                    && ctx.sees_account(&c.connected_account_id)
            })
            .ok_or_else(|| not_found::<AccessCode>(&req.access_code_id))?;
        let device_id = ws.access_codes[index].device_id.clone();
        ws.device_limits
            .admit(&device_id, DeviceCall::AccessCodeDelete, Instant::now())?;
        start_removal(&mut ws.access_codes[index], now);
        let code = ws.access_codes[index].clone();
        Ok(new_attempt(ws, ActionType::Delete, &code, false))
    })?;
    ok(json!({ "action_attempt": attempt }))
}
