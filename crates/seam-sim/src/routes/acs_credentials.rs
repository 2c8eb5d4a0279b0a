//! `/acs/credentials/{create,get,list,list_accessible_entrances}`: PIN codes and mobile keys
//! for ACS users, checked against the rules of their access system ([`crate::rules`]).

use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, invalid_field, Input};
use crate::objects::{
    find, AccessMethod, AcsCredential, AcsEntrance, AcsSystem, AcsUser, SystemKind, UserIdentity,
};
use crate::pagination::PageRequest;
use crate::simulator::Simulator;
use crate::state::Workspace;
use crate::{ids, rules};

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/acs/credentials/create", post(create))
        .route("/acs/credentials/get", post(get))
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

struct CreateCredential {
    acs_user_id: Option<String>,
    user_identity_id: Option<String>,
    acs_system_id: Option<String>,
    access_method: Option<AccessMethod>,
    allowed_acs_entrance_ids: Vec<String>,
    is_multi_phone_sync_credential: bool,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    code: Option<String>,
    credential_manager_acs_system_id: Option<String>,
}

impl FromInput for CreateCredential {
    fn from_input(input: &mut Input) -> Self {
        let method: String =
            input.required("access_method", |v| input::one_of(v, &AccessMethod::NAMES));
        let req = Self {
            acs_user_id: input.optional("acs_user_id", input::uuid),
            user_identity_id: input.optional("user_identity_id", input::uuid),
            acs_system_id: input.optional("acs_system_id", input::uuid),
            access_method: AccessMethod::parse(&method),
            allowed_acs_entrance_ids: input
                .optional_list("allowed_acs_entrance_ids", input::uuid)
                .unwrap_or_default(),
            is_multi_phone_sync_credential: input
                .optional("is_multi_phone_sync_credential", input::boolean)
                .unwrap_or(false),
            starts_at: input.optional("starts_at", input::datetime),
            ends_at: input.optional("ends_at", input::datetime),
            code: input.optional("code", input::digits),
            credential_manager_acs_system_id: input
                .optional("credential_manager_acs_system_id", input::uuid),
        };
        if req.acs_user_id.is_none()
            && (req.user_identity_id.is_none() || req.acs_system_id.is_none())
        {
            input.issue(
                "",
                "Must provide either acs_user_id or both user_identity_id and acs_system_id",
            );
        }
        if let (Some(starts_at), Some(ends_at)) = (req.starts_at, req.ends_at) {
            if ends_at <= starts_at {
                input.issue("ends_at", "ends_at must be after starts_at");
            }
        }
        req
    }
}

async fn create(ctx: Ctx, SeamBody(req): SeamBody<CreateCredential>) -> Reply {
    let credential = ctx.with(|ws| create_in(ws, req))?;
    ok(json!({ "acs_credential": credential }))
}

fn create_in(ws: &mut Workspace, req: CreateCredential) -> Result<Value, SimError> {
    let now = ws.now();
    let method = req.access_method.unwrap_or(AccessMethod::Code);
    // Who holds it: the given ACS user, or the identity's user on the given system (created
    // if missing, as Seam does, but only once every rule has passed).
    let (system, holder) = match &req.acs_user_id {
        Some(id) => {
            let user = find::<AcsUser>(&ws.acs_users, id)?;
            if req
                .acs_system_id
                .as_ref()
                .is_some_and(|s| *s != user.acs_system_id)
            {
                return Err(invalid_field(
                    &["acs_system_id"],
                    "acs_system_id is not the access system of acs_user_id",
                ));
            }
            (
                find::<AcsSystem>(&ws.acs_systems, &user.acs_system_id)?.clone(),
                Ok(user.clone()),
            )
        }
        None => {
            let identity_id = req.user_identity_id.clone().unwrap_or_default();
            let system_id = req.acs_system_id.clone().unwrap_or_default();
            let identity = find::<UserIdentity>(&ws.user_identities, &identity_id)?.clone();
            let system = find::<AcsSystem>(&ws.acs_systems, &system_id)?.clone();
            let existing = ws.acs_users.iter().find(|user| {
                user.acs_system_id == system_id
                    && user.user_identity_id.as_ref() == Some(&identity_id)
            });
            (system, existing.cloned().ok_or(identity))
        }
    };
    let mut entrance_ids: Vec<String> = Vec::new();
    for id in req.allowed_acs_entrance_ids {
        if !entrance_ids.contains(&id) {
            entrance_ids.push(id);
        }
    }
    let entrances = entrance_ids
        .iter()
        .map(|id| find::<AcsEntrance>(&ws.acs_entrances, id))
        .collect::<Result<Vec<_>, _>>()?;
    let code_length = rules::check_credential(&system, method, &entrances, req.code.is_some())?;
    if let Some(id) = &req.credential_manager_acs_system_id {
        if !find::<AcsSystem>(&ws.acs_systems, id)?
            .kind
            .is_credential_manager()
        {
            return Err(not_a_credential_manager(id));
        }
    }
    if req.ends_at.is_some_and(|ends_at| ends_at <= now) {
        return Err(invalid_field(&["ends_at"], "ends_at must be in the future"));
    }
    let user = match holder {
        Ok(user) => user,
        Err(identity) => {
            let mut user = AcsUser::new(&system, ws.next_seq(), now);
            user.full_name = identity.full_name.clone();
            user.email_address = identity.email_address.clone();
            user.phone_number = identity.phone_number.clone();
            user.user_identity_id = Some(identity.user_identity_id.clone());
            ws.acs_users.push(user.clone());
            user
        }
    };
    let credential = AcsCredential {
        acs_credential_id: ids::new_id(),
        seq: ws.next_seq(),
        acs_user_id: user.acs_user_id.clone(),
        acs_system_id: system.acs_system_id.clone(),
        kind: system.kind,
        connected_account_id: system.connected_account_id.clone(),
        access_method: method,
        code: code_length.map(ids::pin_code),
        is_multi_phone_sync_credential: req.is_multi_phone_sync_credential,
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        display_name: format!(
            "{} ({})",
            user.display_name(),
            method.as_str().replace('_', " ")
        ),
        created_at: now,
        issues_at: now + ws.issue_delay,
        acs_entrance_ids: entrance_ids,
    };
    let rendered = credential.render(ws);
    ws.acs_credentials.push(credential);
    Ok(rendered)
}

pub(super) fn not_a_credential_manager(acs_system_id: &str) -> SimError {
    SimError::rejected(
        "acs_system_not_credential_manager",
        format!("Access system {acs_system_id} is not a credential manager"),
    )
}

struct CredentialId {
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
            req.acs_user_id.as_ref().is_none_or(|u| *u == c.acs_user_id)
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
