//! `/access_codes/simulate/create_unmanaged_access_code` and `/access_codes/unmanaged/{list,get}`:
//! codes on a lock that Seam does not manage (see [`crate::objects::UnmanagedCode`]). A client
//! session reaches only the locks of its connected accounts, and their codes.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use crate::code_rules;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, not_found, UnmanagedCode};
use crate::pagination::PageRequest;
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route(
            "/access_codes/simulate/create_unmanaged_access_code",
            post(create),
        )
        .route("/access_codes/unmanaged/list", post(list))
        .route("/access_codes/unmanaged/get", post(get))
}

struct CreateUnmanaged {
    device_id: String,
    name: String,
    code: String,
}

impl FromInput for CreateUnmanaged {
    fn from_input(input: &mut Input) -> Self {
        let code: String = input.required("code", input::pin);
        if code.len() > 8 {
            input.issue("code", "String must contain at most 8 character(s)");
        }
        Self {
            device_id: input.required("device_id", input::uuid),
            name: input.required("name", input::string),
            code,
        }
    }
}

async fn create(ctx: Ctx, SeamBody(req): SeamBody<CreateUnmanaged>) -> Reply {
    let code = ctx.with(|ws| {
        let device = ctx.device(ws, &req.device_id)?.clone();
        code_rules::require_capability(&device)?;
        code_rules::check_code(&device, &req.code, &ws.access_codes, None)?;
        code_rules::refuse_unmanaged_duplicate(&device, &req.code, &ws.unmanaged_codes)?;
        let now = ws.now();
        let code = UnmanagedCode {
            access_code_id: ws.rng.new_id(),
            seq: ws.next_seq(),
            device_id: device.device_id.clone(),
            connected_account_id: device.connected_account_id.clone(),
            name: req.name,
            code: req.code,
            created_at: now,
        };
        let fields = json!({
            "access_code_id": code.access_code_id,
            "device_id": code.device_id,
            "connected_account_id": code.connected_account_id,
        });
        ws.emit("access_code.unmanaged.created", now, fields);
        let rendered = code.render(&ws.workspace_id);
        ws.unmanaged_codes.push(code);
        Ok(rendered)
    })?;
    ok(json!({ "access_code": code }))
}

struct ListUnmanaged {
    device_id: String,
    page: PageRequest,
}

impl FromInput for ListUnmanaged {
    fn from_input(input: &mut Input) -> Self {
        input.optional("search", input::string);
        input.optional("user_identifier_key", input::string);
        Self {
            device_id: input.required("device_id", input::uuid),
            page: PageRequest::read(input, 500),
        }
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListUnmanaged>) -> Reply {
    let (codes, pagination) = ctx.with(|ws| {
        ctx.device(ws, &req.device_id)?;
        let matching = ws
            .unmanaged_codes
            .iter()
            .filter(|c| c.device_id == req.device_id);
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

struct GetUnmanaged {
    access_code_id: String,
}

impl FromInput for GetUnmanaged {
    fn from_input(input: &mut Input) -> Self {
        Self {
            access_code_id: input.required("access_code_id", input::uuid),
        }
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<GetUnmanaged>) -> Reply {
    let code = ctx.with(|ws| {
        let code = find::<UnmanagedCode>(&ws.unmanaged_codes, &req.access_code_id)?;
        if !ctx.sees_account(&code.connected_account_id) {
            return Err(not_found::<UnmanagedCode>(&req.access_code_id));
        }
        Ok(code.render(&ws.workspace_id))
    })?;
    ok(json!({ "access_code": code }))
}
