//! `/acs/users/{add_to_access_group,remove_from_access_group}`: Salto KS grants access through
//! access groups, so membership is what opens doors there. Both are idempotent: adding a
//! member or removing a non-member succeeds and changes nothing.

use serde_json::json;

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, not_found, AcsAccessGroup, AcsUser, UserIdentity};
use crate::state::Workspace;

/// The group, if it belongs to `acs_system_id`; a user can only join groups of its system.
pub(super) fn group_on_system<'a>(
    ws: &'a Workspace,
    acs_access_group_id: &str,
    acs_system_id: &str,
) -> Result<&'a AcsAccessGroup, SimError> {
    let group = find::<AcsAccessGroup>(&ws.acs_access_groups, acs_access_group_id)?;
    if group.acs_system_id != acs_system_id {
        return Err(SimError::rejected(
            "acs_access_group_not_in_acs_system",
            format!(
                "Access group {acs_access_group_id} does not belong to access system {acs_system_id}"
            ),
        ));
    }
    Ok(group)
}

pub(super) struct AddToGroup {
    acs_user_id: String,
    acs_access_group_id: String,
}

impl FromInput for AddToGroup {
    fn from_input(input: &mut Input) -> Self {
        Self {
            acs_user_id: input.required("acs_user_id", input::uuid),
            acs_access_group_id: input.required("acs_access_group_id", input::uuid),
        }
    }
}

pub(super) async fn add_to_access_group(ctx: Ctx, SeamBody(req): SeamBody<AddToGroup>) -> Reply {
    ctx.with(|ws| {
        let index = ws
            .acs_users
            .iter()
            .position(|u| u.acs_user_id == req.acs_user_id)
            .ok_or_else(|| not_found::<AcsUser>(&req.acs_user_id))?;
        let system = ws.acs_users[index].acs_system_id.clone();
        group_on_system(ws, &req.acs_access_group_id, &system)?;
        let groups = &mut ws.acs_users[index].acs_access_group_ids;
        if !groups.contains(&req.acs_access_group_id) {
            groups.push(req.acs_access_group_id);
        }
        Ok(())
    })?;
    ok(json!({}))
}

pub(super) struct RemoveFromGroup {
    acs_user_id: Option<String>,
    user_identity_id: Option<String>,
    acs_access_group_id: String,
}

impl FromInput for RemoveFromGroup {
    fn from_input(input: &mut Input) -> Self {
        let req = Self {
            acs_user_id: input.optional("acs_user_id", input::uuid),
            user_identity_id: input.optional("user_identity_id", input::uuid),
            acs_access_group_id: input.required("acs_access_group_id", input::uuid),
        };
        match (&req.acs_user_id, &req.user_identity_id) {
            (Some(_), Some(_)) => input.issue(
                "user_identity_id",
                "Provide acs_user_id or user_identity_id, not both",
            ),
            (None, None) => input.issue("acs_user_id", "Required unless user_identity_id is given"),
            _ => {}
        }
        req
    }
}

/// By identity, the identity's user on the group's system is meant.
pub(super) async fn remove_from_access_group(
    ctx: Ctx,
    SeamBody(req): SeamBody<RemoveFromGroup>,
) -> Reply {
    ctx.with(|ws| {
        let group = find::<AcsAccessGroup>(&ws.acs_access_groups, &req.acs_access_group_id)?;
        let system = group.acs_system_id.clone();
        if let Some(id) = &req.user_identity_id {
            find::<UserIdentity>(&ws.user_identities, id)?;
        }
        let index = ws
            .acs_users
            .iter()
            .position(|u| match (&req.acs_user_id, &req.user_identity_id) {
                (Some(id), _) => u.acs_user_id == *id,
                (None, identity) => {
                    u.acs_system_id == system && u.user_identity_id.as_ref() == identity.as_ref()
                }
            })
            .ok_or_else(|| {
                SimError::not_found(
                    "acs_user_not_found",
                    "Could not find the acs user to remove from the access group",
                )
            })?;
        if ws.acs_users[index].acs_system_id != system {
            return Err(SimError::rejected(
                "acs_access_group_not_in_acs_system",
                format!(
                    "Access group {} does not belong to the access system of the acs user",
                    req.acs_access_group_id
                ),
            ));
        }
        ws.acs_users[index]
            .acs_access_group_ids
            .retain(|g| *g != req.acs_access_group_id);
        Ok(())
    })?;
    ok(json!({}))
}
