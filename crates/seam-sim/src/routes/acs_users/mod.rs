//! `/acs/users/*`: people on an access system, optionally linked to a user identity (at most
//! one user per identity and system, as in Seam), with a schedule and (on Salto KS) access
//! groups. Creating, getting and listing live here;
//! changing, suspending and deleting in [`manage`]; access-group membership in [`groups`].

use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::matches_search;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, invalid_field, Input};
use crate::objects::{find, refuse_second_user, AccessSchedule, AcsSystem, AcsUser, UserIdentity};
use crate::pagination::PageRequest;
use crate::simulator::Simulator;

mod groups;
mod manage;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/acs/users/create", post(create))
        .route("/acs/users/get", post(get))
        .route("/acs/users/list", post(list))
        .route("/acs/users/update", post(manage::update))
        .route("/acs/users/delete", post(manage::delete))
        .route("/acs/users/suspend", post(manage::suspend))
        .route("/acs/users/unsuspend", post(manage::unsuspend))
        .route(
            "/acs/users/add_to_access_group",
            post(groups::add_to_access_group),
        )
        .route(
            "/acs/users/remove_from_access_group",
            post(groups::remove_from_access_group),
        )
}

struct CreateUser {
    acs_system_id: String,
    full_name: String,
    email_address: Option<String>,
    phone_number: Option<String>,
    user_identity_id: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    has_schedule: bool,
    acs_access_group_ids: Vec<String>,
}

impl FromInput for CreateUser {
    fn from_input(input: &mut Input) -> Self {
        let email_address = input.optional("email_address", input::email);
        let legacy_email = input.optional("email", input::email);
        let (mut starts_at, mut ends_at, mut has_schedule) = (None, None, false);
        if let Some(mut schedule) = input.optional_object("access_schedule") {
            has_schedule = true;
            starts_at = schedule.optional("starts_at", input::datetime);
            ends_at = schedule.nullable("ends_at", input::datetime);
            input.absorb(schedule);
        }
        Self {
            acs_system_id: input.required("acs_system_id", input::uuid),
            full_name: input.required("full_name", input::string),
            email_address: email_address.or(legacy_email),
            phone_number: input.optional("phone_number", input::phone),
            user_identity_id: input.optional("user_identity_id", input::uuid),
            starts_at,
            ends_at,
            has_schedule,
            acs_access_group_ids: input
                .optional_list("acs_access_group_ids", input::uuid)
                .unwrap_or_default(),
        }
    }
}

async fn create(ctx: Ctx, SeamBody(req): SeamBody<CreateUser>) -> Reply {
    let user = ctx.with(|ws| {
        let now = ws.now();
        let system = find::<AcsSystem>(&ws.acs_systems, &req.acs_system_id)?.clone();
        if let Some(id) = &req.user_identity_id {
            find::<UserIdentity>(&ws.user_identities, id)?;
            refuse_second_user(&ws.acs_users, id, &system.acs_system_id)?;
        }
        for id in &req.acs_access_group_ids {
            groups::group_on_system(ws, id, &system.acs_system_id)?;
        }
        let schedule = req
            .has_schedule
            .then(|| schedule(req.starts_at.unwrap_or(now), req.ends_at, now))
            .transpose()?;
        let mut user = AcsUser::new(&system, ws.rng.new_id(), ws.next_seq(), now);
        user.full_name = Some(req.full_name);
        user.email_address = req.email_address;
        user.phone_number = req.phone_number;
        user.user_identity_id = req.user_identity_id;
        user.access_schedule = schedule;
        user.acs_access_group_ids = req.acs_access_group_ids;
        let rendered = user.render(ws);
        ws.emit_for_user("acs_user.created", now, &user);
        ws.acs_users.push(user);
        Ok(rendered)
    })?;
    ok(json!({ "acs_user": user }))
}

/// Seam: "`ends_at` is optional and must be a time in the future and after `starts_at`".
pub(super) fn schedule(
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<AccessSchedule, SimError> {
    if let Some(ends_at) = ends_at {
        if ends_at <= now || ends_at <= starts_at {
            return Err(invalid_field(
                &["access_schedule", "ends_at"],
                "ends_at must be in the future and after starts_at",
            ));
        }
    }
    Ok(AccessSchedule { starts_at, ends_at })
}

/// Seam looks an ACS user up by its id, or by the user identity it belongs to (optionally
/// narrowed to one access system).
enum GetUser {
    ById(String),
    ByIdentity {
        user_identity_id: String,
        acs_system_id: Option<String>,
    },
}

impl FromInput for GetUser {
    fn from_input(input: &mut Input) -> Self {
        let acs_user_id = input.optional("acs_user_id", input::uuid);
        let user_identity_id = input.optional("user_identity_id", input::uuid);
        let acs_system_id = input.optional("acs_system_id", input::uuid);
        match (acs_user_id, user_identity_id) {
            (Some(id), _) => Self::ById(id),
            (None, Some(user_identity_id)) => Self::ByIdentity {
                user_identity_id,
                acs_system_id,
            },
            (None, None) => {
                input.issue("", "Must provide acs_user_id or user_identity_id");
                Self::ById(String::new())
            }
        }
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<GetUser>) -> Reply {
    let user = ctx.with(|ws| {
        let user = match &req {
            GetUser::ById(id) => find::<AcsUser>(&ws.acs_users, id)?,
            GetUser::ByIdentity {
                user_identity_id,
                acs_system_id,
            } => {
                find::<UserIdentity>(&ws.user_identities, user_identity_id)?;
                ws.acs_users
                    .iter()
                    .find(|user| {
                        user.user_identity_id.as_ref() == Some(user_identity_id)
                            && acs_system_id
                                .as_ref()
                                .is_none_or(|s| *s == user.acs_system_id)
                    })
                    .ok_or_else(|| {
                        SimError::not_found(
                            "acs_user_not_found",
                            format!(
                                "Could not find an acs user for user identity {user_identity_id}"
                            ),
                        )
                    })?
            }
        };
        Ok(user.render(ws))
    })?;
    ok(json!({ "acs_user": user }))
}

struct ListUsers {
    acs_system_id: Option<String>,
    user_identity_id: Option<String>,
    user_identity_email_address: Option<String>,
    user_identity_phone_number: Option<String>,
    search: Option<String>,
    created_before: Option<DateTime<Utc>>,
    page: PageRequest,
}

impl FromInput for ListUsers {
    fn from_input(input: &mut Input) -> Self {
        Self {
            acs_system_id: input.optional("acs_system_id", input::uuid),
            user_identity_id: input.optional("user_identity_id", input::uuid),
            user_identity_email_address: input
                .optional("user_identity_email_address", input::string),
            user_identity_phone_number: input.optional("user_identity_phone_number", input::string),
            search: input.optional("search", input::non_empty),
            created_before: input.optional("created_before", input::datetime),
            page: PageRequest::read(input, 500),
        }
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListUsers>) -> Reply {
    let (users, pagination) = ctx.with(|ws| {
        let identity_of = |user: &AcsUser| {
            let id = user.user_identity_id.as_ref()?;
            find::<UserIdentity>(&ws.user_identities, id).ok()
        };
        let matching = ws.acs_users.iter().filter(|user| {
            let identity = identity_of(user);
            ctx.sees_identity(user.user_identity_id.as_deref())
                && req
                    .acs_system_id
                    .as_ref()
                    .is_none_or(|s| *s == user.acs_system_id)
                && req
                    .user_identity_id
                    .as_ref()
                    .is_none_or(|i| user.user_identity_id.as_ref() == Some(i))
                && req
                    .user_identity_email_address
                    .as_ref()
                    .is_none_or(|email| {
                        identity.is_some_and(|i| i.email_address.as_ref() == Some(email))
                    })
                && req.user_identity_phone_number.as_ref().is_none_or(|phone| {
                    identity.is_some_and(|i| i.phone_number.as_ref() == Some(phone))
                })
                && req
                    .created_before
                    .is_none_or(|before| user.created_at < before)
                && matches_search(
                    req.search.as_deref(),
                    &[
                        user.full_name.as_deref(),
                        user.email_address.as_deref(),
                        user.phone_number.as_deref(),
                        Some(&user.acs_user_id),
                        user.user_identity_id.as_deref(),
                        identity.and_then(|i| i.full_name.as_deref()),
                        identity.and_then(|i| i.phone_number.as_deref()),
                    ],
                )
        });
        let page = req.page.page(matching, |user| user.seq);
        let rendered: Vec<Value> = page.items.iter().map(|user| user.render(ws)).collect();
        Ok((rendered, page.pagination))
    })?;
    ok(json!({ "acs_users": users, "pagination": pagination }))
}
