//! `/user_identities/{list,list_acs_users,add_acs_user}`: finding identities and the ACS users
//! linked to them. An identity holds at most one ACS user per access system and a user
//! belongs to at most one identity, so linking refuses to break either.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::refuse_taken_fields;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, not_found, refuse_second_user, AcsUser, UserIdentity};
use crate::pagination::PageRequest;
use crate::routes::matches_search;
use crate::state::Workspace;

pub(super) struct ListIdentities {
    user_identity_ids: Option<Vec<String>>,
    credential_manager_acs_system_id: Option<String>,
    created_before: Option<DateTime<Utc>>,
    search: Option<String>,
    page: PageRequest,
}

impl FromInput for ListIdentities {
    fn from_input(input: &mut Input) -> Self {
        Self {
            user_identity_ids: input.optional_list("user_identity_ids", input::uuid),
            credential_manager_acs_system_id: input
                .optional("credential_manager_acs_system_id", input::uuid),
            created_before: input.optional("created_before", input::datetime),
            search: input.optional("search", input::string),
            page: PageRequest::read(input, 500),
        }
    }
}

/// Whether the identity can receive keys from the credential manager: it has an enrollment
/// automation for it, or a user on it.
fn enrolled_with(ws: &Workspace, identity: &UserIdentity, manager: &str) -> bool {
    let id = &identity.user_identity_id;
    ws.enrollment_automations
        .iter()
        .any(|e| e.user_identity_id == *id && e.credential_manager_acs_system_id == manager)
        || ws
            .acs_users
            .iter()
            .any(|u| u.acs_system_id == manager && u.user_identity_id.as_ref() == Some(id))
}

pub(super) async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListIdentities>) -> Reply {
    let (identities, pagination) = ctx.with(|ws| {
        let matching = ws.user_identities.iter().filter(|identity| {
            ctx.sees_identity(Some(&identity.user_identity_id))
                && req
                    .user_identity_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&identity.user_identity_id))
                && req
                    .credential_manager_acs_system_id
                    .as_ref()
                    .is_none_or(|manager| enrolled_with(ws, identity, manager))
                && req
                    .created_before
                    .is_none_or(|before| identity.created_at < before)
                && matches_search(
                    req.search.as_deref().filter(|s| !s.is_empty()),
                    &[
                        identity.full_name.as_deref(),
                        identity.phone_number.as_deref(),
                        identity.email_address.as_deref(),
                        Some(&identity.user_identity_id),
                    ],
                )
        });
        let page = req.page.page(matching, |identity| identity.seq);
        let rendered: Vec<Value> = page.items.iter().map(|i| i.render(ws)).collect();
        Ok((rendered, page.pagination))
    })?;
    ok(json!({ "user_identities": identities, "pagination": pagination }))
}

pub(super) struct IdentityId {
    user_identity_id: String,
}

impl FromInput for IdentityId {
    fn from_input(input: &mut Input) -> Self {
        Self {
            user_identity_id: input.required("user_identity_id", input::uuid),
        }
    }
}

pub(super) async fn list_acs_users(ctx: Ctx, SeamBody(req): SeamBody<IdentityId>) -> Reply {
    let users = ctx.with(|ws| {
        find::<UserIdentity>(&ws.user_identities, &req.user_identity_id)?;
        Ok(ws
            .acs_users
            .iter()
            .filter(|u| u.user_identity_id.as_ref() == Some(&req.user_identity_id))
            .map(|u| u.render(ws))
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "acs_users": users }))
}

pub(super) struct AddAcsUser {
    acs_user_id: String,
    user_identity_id: Option<String>,
    user_identity_key: Option<String>,
}

impl FromInput for AddAcsUser {
    fn from_input(input: &mut Input) -> Self {
        let req = Self {
            acs_user_id: input.required("acs_user_id", input::uuid),
            user_identity_id: input.optional("user_identity_id", input::uuid),
            user_identity_key: input.optional("user_identity_key", input::non_empty),
        };
        if req.user_identity_id.is_none() && req.user_identity_key.is_none() {
            input.issue(
                "user_identity_id",
                "Required unless user_identity_key is given",
            );
        }
        req
    }
}

/// Seam: "If `user_identity_key` is provided, but the user identity doesn't exist, a new user
/// identity will be created automatically using information from the ACS user."
pub(super) async fn add_acs_user(ctx: Ctx, SeamBody(req): SeamBody<AddAcsUser>) -> Reply {
    ctx.with(|ws| {
        let user = find::<AcsUser>(&ws.acs_users, &req.acs_user_id)?.clone();
        let target = match (&req.user_identity_id, &req.user_identity_key) {
            (Some(id), _) => Some(
                find::<UserIdentity>(&ws.user_identities, id)?
                    .user_identity_id
                    .clone(),
            ),
            (None, key) => ws
                .user_identities
                .iter()
                .find(|i| i.user_identity_key.is_some() && i.user_identity_key == *key)
                .map(|i| i.user_identity_id.clone()),
        };
        check_linkable(ws, &user, target.as_deref())?;
        let identity_id = match (target, &req.user_identity_key) {
            (Some(id), _) => id,
            (None, Some(key)) => create_identity(ws, key, &user),
            (None, None) => return Err(not_found::<UserIdentity>("")),
        };
        if let Some(linked) = ws
            .acs_users
            .iter_mut()
            .find(|u| u.acs_user_id == user.acs_user_id)
        {
            linked.user_identity_id = Some(identity_id);
        }
        Ok(())
    })?;
    ok(json!({}))
}

/// A new identity from the ACS user's details; its email address and phone number come
/// along unless another identity has them.
fn create_identity(ws: &mut Workspace, key: &str, user: &AcsUser) -> String {
    let email_free = refuse_taken_fields(ws, &None, &user.email_address, &None).is_ok();
    let phone_free = refuse_taken_fields(ws, &None, &None, &user.phone_number).is_ok();
    let identity = UserIdentity {
        user_identity_id: ws.rng.new_id(),
        seq: ws.next_seq(),
        user_identity_key: Some(key.to_owned()),
        email_address: user.email_address.clone().filter(|_| email_free),
        phone_number: user.phone_number.clone().filter(|_| phone_free),
        full_name: user.full_name.clone(),
        created_at: ws.now(),
    };
    let id = identity.user_identity_id.clone();
    ws.user_identities.push(identity);
    id
}

/// Refuses a link that would give the user two identities, or the identity two users on one
/// system; linking the same pair again is fine.
fn check_linkable(ws: &Workspace, user: &AcsUser, target: Option<&str>) -> Result<(), SimError> {
    match (&user.user_identity_id, target) {
        (Some(current), Some(target)) if current == target => return Ok(()),
        (Some(current), _) => {
            return Err(SimError::rejected(
                "acs_user_already_linked_to_user_identity",
                format!(
                    "Acs user {} already belongs to user identity {current}",
                    user.acs_user_id
                ),
            ))
        }
        (None, _) => {}
    }
    match target {
        Some(target) => refuse_second_user(&ws.acs_users, target, &user.acs_system_id),
        None => Ok(()),
    }
}
