//! `/acs/access_groups/{list,list_accessible_entrances}`: Salto KS access groups, filtered by
//! system, by member ACS user, or by the user identity behind members, and the entrances each
//! group opens. Neither is paginated, as in Seam.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, AcsAccessGroup, AcsEntrance, AcsUser, UserIdentity};
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/acs/access_groups/list", post(list))
        .route(
            "/acs/access_groups/list_accessible_entrances",
            post(list_accessible_entrances),
        )
}

struct ListAccessGroups {
    acs_system_id: Option<String>,
    acs_user_id: Option<String>,
    user_identity_id: Option<String>,
    search: Option<String>,
}

impl FromInput for ListAccessGroups {
    fn from_input(input: &mut Input) -> Self {
        Self {
            acs_system_id: input.optional("acs_system_id", input::uuid),
            acs_user_id: input.optional("acs_user_id", input::uuid),
            user_identity_id: input.optional("user_identity_id", input::uuid),
            search: input.optional("search", input::non_empty),
        }
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListAccessGroups>) -> Reply {
    let groups = ctx.with(|ws| {
        if let Some(id) = &req.acs_user_id {
            find::<AcsUser>(&ws.acs_users, id)?;
        }
        if let Some(id) = &req.user_identity_id {
            find::<UserIdentity>(&ws.user_identities, id)?;
        }
        // When asked about a user or an identity, only the groups its ACS users are in.
        let members: Option<Vec<&AcsUser>> =
            (req.acs_user_id.is_some() || req.user_identity_id.is_some()).then(|| {
                ws.acs_users
                    .iter()
                    .filter(|user| {
                        req.acs_user_id
                            .as_ref()
                            .is_none_or(|id| *id == user.acs_user_id)
                            && req
                                .user_identity_id
                                .as_ref()
                                .is_none_or(|id| user.user_identity_id.as_ref() == Some(id))
                    })
                    .collect()
            });
        Ok(ws
            .acs_access_groups
            .iter()
            .filter(|group| {
                req.acs_system_id
                    .as_ref()
                    .is_none_or(|s| *s == group.acs_system_id)
                    && members.as_ref().is_none_or(|users| {
                        users.iter().any(|user| {
                            user.acs_access_group_ids
                                .contains(&group.acs_access_group_id)
                        })
                    })
                    && matches_search(
                        req.search.as_deref(),
                        &[Some(&group.name), Some(&group.acs_access_group_id)],
                    )
            })
            .map(|group| group.render(&ws.workspace_id))
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "acs_access_groups": groups }))
}

struct GroupId {
    acs_access_group_id: String,
}

impl FromInput for GroupId {
    fn from_input(input: &mut Input) -> Self {
        Self {
            acs_access_group_id: input.required("acs_access_group_id", input::uuid),
        }
    }
}

/// The group's entrances, rendered as `/acs/entrances/list` renders them and in the same
/// (creation) order, so a client can compare the two lists directly.
async fn list_accessible_entrances(ctx: Ctx, SeamBody(req): SeamBody<GroupId>) -> Reply {
    let entrances = ctx.with(|ws| {
        let group = find::<AcsAccessGroup>(&ws.acs_access_groups, &req.acs_access_group_id)?;
        Ok(ws
            .acs_entrances
            .iter()
            .filter(|entrance| group.acs_entrance_ids.contains(&entrance.acs_entrance_id))
            .map(AcsEntrance::render)
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "acs_entrances": entrances }))
}
