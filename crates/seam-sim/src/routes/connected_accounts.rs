//! `/connected_accounts/{list,get}` and `/connected_accounts/simulate/disconnect`: the
//! provider accounts behind the workspace's devices and access systems, and Seam's sandbox
//! switch that disconnects one (what that does to its devices is [`crate::connectivity`]'s).
//! A client session sees only its own accounts, as it sees only their devices.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, not_found, ConnectedAccount};
use crate::pagination::PageRequest;
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/connected_accounts/list", post(list))
        .route("/connected_accounts/get", post(get))
        .route(
            "/connected_accounts/simulate/disconnect",
            post(simulate_disconnect),
        )
}

struct ListAccounts {
    /// Filters on what the simulator's accounts never have (customers, spaces, user
    /// identifier keys, custom metadata): nothing matches them.
    unmatchable: bool,
    search: Option<String>,
    page: PageRequest,
}

impl FromInput for ListAccounts {
    fn from_input(input: &mut Input) -> Self {
        let unmatchable = input
            .optional("user_identifier_key", input::string)
            .is_some()
            | input.optional("customer_key", input::string).is_some()
            | input.optional("space_id", input::uuid).is_some()
            | input
                .optional("custom_metadata_has", |v| match v {
                    Value::Object(pairs) => Ok(!pairs.is_empty()),
                    _ => Err("Expected object".to_owned()),
                })
                .unwrap_or(false);
        Self {
            unmatchable,
            search: input.optional("search", input::non_empty),
            page: PageRequest::read(input, 11_000),
        }
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListAccounts>) -> Reply {
    let (accounts, pagination) = ctx.with(|ws| {
        let matching = ws.connected_accounts.iter().filter(|a| {
            !req.unmatchable
                && matches_search(
                    req.search.as_deref(),
                    &[Some(&a.connected_account_id), Some(&a.account_type)],
                )
        });
        let page = req.page.page(matching, |a| a.seq);
        let rendered: Vec<Value> = page.items.iter().map(|a| a.render()).collect();
        Ok((rendered, page.pagination))
    })?;
    ok(json!({ "connected_accounts": accounts, "pagination": pagination }))
}

/// Seam finds an account by id or by its login's email address; the simulator's accounts
/// have no login, so an email finds nothing.
enum GetAccount {
    ById(String),
    ByEmail(String),
}

impl FromInput for GetAccount {
    fn from_input(input: &mut Input) -> Self {
        if let Some(id) = input.optional("connected_account_id", input::uuid) {
            return Self::ById(id);
        }
        if let Some(email) = input.optional("email", input::email) {
            return Self::ByEmail(email);
        }
        input.issue("", "Must provide connected_account_id or email");
        Self::ById(String::new())
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<GetAccount>) -> Reply {
    let account = ctx.with(|ws| match &req {
        GetAccount::ById(id) => {
            let account = find::<ConnectedAccount>(&ws.connected_accounts, id)?;
            if !ctx.sees_account(id) {
                return Err(not_found::<ConnectedAccount>(id));
            }
            Ok(account.render())
        }
        GetAccount::ByEmail(email) => Err(SimError::not_found(
            "connected_account_not_found",
            format!("Could not find a connected account with email {email}"),
        )),
    })?;
    ok(json!({ "connected_account": account }))
}

struct SimulateOn {
    connected_account_id: String,
}

impl FromInput for SimulateOn {
    fn from_input(input: &mut Input) -> Self {
        Self {
            connected_account_id: input.required("connected_account_id", input::uuid),
        }
    }
}

async fn simulate_disconnect(ctx: Ctx, SeamBody(req): SeamBody<SimulateOn>) -> Reply {
    ctx.with(|ws| ws.set_account_connected(&req.connected_account_id, false))?;
    ok(json!({}))
}
