//! `/acs/credentials/*`: PIN codes and mobile keys for ACS users. Creation, with its rules,
//! lives in [`create`]; updates and deletion in [`manage`].

use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, AcsCredential, AcsEntrance, AcsUser, SystemKind};
use crate::pagination::PageRequest;
use crate::simulator::Simulator;
use crate::state::Workspace;

mod create;
mod manage;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/acs/credentials/create", post(create::create))
        .route("/acs/credentials/get", post(get))
        .route("/acs/credentials/update", post(manage::update))
        .route("/acs/credentials/delete", post(manage::delete))
        .route("/acs/credentials/list", post(list))
        .route(
            "/acs/credentials/list_accessible_entrances",
            post(list_accessible_entrances),
        )
}

/// The entrances a credential opens: those it was created with, or on Salto KS those of its
/// user's access groups (looked up now, so group changes show).
pub(super) fn accessible_entrance_ids(ws: &Workspace, credential: &AcsCredential) -> Vec<String> {
    if credential.kind != SystemKind::SaltoKsSite {
        return credential.acs_entrance_ids.clone();
    }
    let Ok(user) = find::<AcsUser>(&ws.acs_users, &credential.acs_user_id) else {
        return Vec::new();
    };
    ws.acs_access_groups
        .iter()
        .filter(|group| {
            user.acs_access_group_ids
                .contains(&group.acs_access_group_id)
        })
        .flat_map(|group| group.acs_entrance_ids.iter().cloned())
        .collect()
}

pub(super) fn not_a_credential_manager(acs_system_id: &str) -> SimError {
    SimError::rejected(
        "acs_system_not_credential_manager",
        format!("Access system {acs_system_id} is not a credential manager"),
    )
}

pub(super) struct CredentialId {
    acs_credential_id: String,
}

impl FromInput for CredentialId {
    fn from_input(input: &mut Input) -> Self {
        Self {
            acs_credential_id: input.required("acs_credential_id", input::uuid),
        }
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<CredentialId>) -> Reply {
    let credential = ctx.with(|ws| {
        let credential = find::<AcsCredential>(&ws.acs_credentials, &req.acs_credential_id)?;
        Ok(credential.render(ws))
    })?;
    ok(json!({ "acs_credential": credential }))
}

async fn list_accessible_entrances(ctx: Ctx, SeamBody(req): SeamBody<CredentialId>) -> Reply {
    let entrances = ctx.with(|ws| {
        let credential = find::<AcsCredential>(&ws.acs_credentials, &req.acs_credential_id)?;
        let ids = accessible_entrance_ids(ws, credential);
        Ok(ws
            .acs_entrances
            .iter()
            .filter(|entrance| ids.contains(&entrance.acs_entrance_id))
            .map(AcsEntrance::render)
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "acs_entrances": entrances }))
}

struct ListCredentials {
    acs_user_id: Option<String>,
    acs_system_id: Option<String>,
    user_identity_id: Option<String>,
    is_multi_phone_sync_credential: Option<bool>,
    created_before: Option<DateTime<Utc>>,
    search: Option<String>,
    page: PageRequest,
}

impl FromInput for ListCredentials {
    fn from_input(input: &mut Input) -> Self {
        Self {
            acs_user_id: input.optional("acs_user_id", input::uuid),
            acs_system_id: input.optional("acs_system_id", input::uuid),
            user_identity_id: input.optional("user_identity_id", input::uuid),
            is_multi_phone_sync_credential: input
                .optional("is_multi_phone_sync_credential", input::boolean),
            created_before: input.optional("created_before", input::datetime),
            search: input.optional("search", input::non_empty),
            page: PageRequest::read(input, 500),
        }
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListCredentials>) -> Reply {
    let (credentials, pagination) = ctx.with(|ws| {
        let matching = ws.acs_credentials.iter().filter(|c| {
            ctx.sees_identity(c.user_identity_id(ws))
                && req.acs_user_id.as_ref().is_none_or(|u| *u == c.acs_user_id)
                && req
                    .acs_system_id
                    .as_ref()
                    .is_none_or(|s| *s == c.acs_system_id)
                && req
                    .user_identity_id
                    .as_ref()
                    .is_none_or(|i| c.user_identity_id(ws) == Some(i.as_str()))
                && req
                    .is_multi_phone_sync_credential
                    .is_none_or(|m| m == c.is_multi_phone_sync_credential)
                && req
                    .created_before
                    .is_none_or(|before| c.created_at < before)
                && matches_search(
                    req.search.as_deref(),
                    &[
                        Some(&c.display_name),
                        c.code.as_deref(),
                        Some(&c.acs_user_id),
                        Some(&c.acs_credential_id),
                    ],
                )
        });
        let page = req.page.page(matching, |c| c.seq);
        let rendered: Vec<Value> = page.items.iter().map(|c| c.render(ws)).collect();
        Ok((rendered, page.pagination))
    })?;
    ok(json!({ "acs_credentials": credentials, "pagination": pagination }))
}
