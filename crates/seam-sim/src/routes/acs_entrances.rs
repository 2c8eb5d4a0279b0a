//! `/acs/entrances/list`: the doors of the workspace's access systems, paginated, filtered by
//! system, by ids, or by the credential that opens them.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::acs_credentials::accessible_entrance_ids;
use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, AcsCredential};
use crate::pagination::PageRequest;
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new().route("/acs/entrances/list", post(list))
}

struct ListEntrances {
    acs_system_id: Option<String>,
    acs_credential_id: Option<String>,
    acs_entrance_ids: Option<Vec<String>>,
    connected_account_id: Option<String>,
    search: Option<String>,
    page: PageRequest,
}

impl FromInput for ListEntrances {
    fn from_input(input: &mut Input) -> Self {
        input.optional("customer_key", input::string);
        input.optional("space_id", input::uuid);
        input.nullable("location_id", input::uuid);
        Self {
            acs_system_id: input.optional("acs_system_id", input::uuid),
            acs_credential_id: input.optional("acs_credential_id", input::uuid),
            acs_entrance_ids: input.optional_list("acs_entrance_ids", input::uuid),
            connected_account_id: input.optional("connected_account_id", input::uuid),
            search: input.optional("search", input::non_empty),
            page: PageRequest::read(input, 900),
        }
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListEntrances>) -> Reply {
    let (entrances, pagination) = ctx.with(|ws| {
        let opened_by = match &req.acs_credential_id {
            Some(id) => Some(accessible_entrance_ids(
                ws,
                find::<AcsCredential>(&ws.acs_credentials, id)?,
            )),
            None => None,
        };
        let matching = ws.acs_entrances.iter().filter(|entrance| {
            let id = &entrance.acs_entrance_id;
            req.acs_system_id
                .as_ref()
                .is_none_or(|s| *s == entrance.acs_system_id)
                && req
                    .connected_account_id
                    .as_ref()
                    .is_none_or(|a| *a == entrance.connected_account_id)
                && req
                    .acs_entrance_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(id))
                && opened_by.as_ref().is_none_or(|ids| ids.contains(id))
                && matches_search(req.search.as_deref(), &[Some(&entrance.display_name)])
        });
        let page = req.page.page(matching, |entrance| entrance.seq);
        let rendered: Vec<Value> = page
            .items
            .iter()
            .map(|entrance| entrance.render())
            .collect();
        Ok((rendered, page.pagination))
    })?;
    ok(json!({ "acs_entrances": entrances, "pagination": pagination }))
}
