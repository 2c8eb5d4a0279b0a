//! `/acs/users/{update,delete,suspend,unsuspend}`: each names its user by `acs_user_id`, or
//! by `user_identity_id` with `acs_system_id` (an identity has at most one user per system).
//! Deleting removes the user's credentials too, announcing each (`acs_credential.deleted`,
//! then `acs_user.deleted`); a suspension holds whatever the schedule says.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::schedule;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, AcsUser, UserIdentity};
use crate::state::Workspace;

/// An ACS user as these endpoints name it.
pub(super) enum UserRef {
    ById(String),
    ByIdentity {
        user_identity_id: String,
        acs_system_id: String,
    },
}

impl UserRef {
    pub(super) fn read(input: &mut Input) -> Self {
        let acs_user_id = input.optional("acs_user_id", input::uuid);
        let user_identity_id = input.optional("user_identity_id", input::uuid);
        let acs_system_id = input.optional("acs_system_id", input::uuid);
        match (acs_user_id, user_identity_id, acs_system_id) {
            (Some(id), None, _) => Self::ById(id),
            (Some(_), Some(_), _) => {
                input.issue(
                    "user_identity_id",
                    "Provide acs_user_id or user_identity_id, not both",
                );
                Self::ById(String::new())
            }
            (None, Some(user_identity_id), Some(acs_system_id)) => Self::ByIdentity {
                user_identity_id,
                acs_system_id,
            },
            (None, Some(_), None) => {
                input.issue("acs_system_id", "Required with user_identity_id");
                Self::ById(String::new())
            }
            (None, None, _) => {
                input.issue(
                    "acs_user_id",
                    "Required unless user_identity_id and acs_system_id are given",
                );
                Self::ById(String::new())
            }
        }
    }

    /// The index of the user in the workspace, or Seam's "not found".
    pub(super) fn resolve(&self, ws: &Workspace) -> Result<usize, SimError> {
        let (found, missing) = match self {
            Self::ById(id) => (
                ws.acs_users.iter().position(|u| u.acs_user_id == *id),
                format!("Could not find acs user with id {id}"),
            ),
            Self::ByIdentity {
                user_identity_id,
                acs_system_id,
            } => {
                find::<UserIdentity>(&ws.user_identities, user_identity_id)?;
                (
                    ws.acs_users.iter().position(|u| {
                        u.acs_system_id == *acs_system_id
                            && u.user_identity_id.as_ref() == Some(user_identity_id)
                    }),
                    format!("User identity {user_identity_id} has no acs user on access system {acs_system_id}"),
                )
            }
        };
        found.ok_or_else(|| SimError::not_found("acs_user_not_found", missing))
    }
}

impl FromInput for UserRef {
    fn from_input(input: &mut Input) -> Self {
        Self::read(input)
    }
}

pub(super) struct UpdateUser {
    user: UserRef,
    full_name: Option<String>,
    email_address: Option<String>,
    phone_number: Option<String>,
    /// `Some(None)`: the schedule is removed (`access_schedule: null`).
    access_schedule: Option<Option<(DateTime<Utc>, DateTime<Utc>)>>,
}

impl FromInput for UpdateUser {
    fn from_input(input: &mut Input) -> Self {
        input.optional("hid_acs_system_id", input::uuid);
        let email_address = input.optional("email_address", input::email);
        let legacy_email = input.optional("email", input::email);
        let access_schedule = if input.has("access_schedule") {
            match input.nullable_object("access_schedule") {
                Some(mut schedule) => {
                    let starts_at = schedule.required("starts_at", input::datetime);
                    let ends_at = schedule.required("ends_at", input::datetime);
                    input.absorb(schedule);
                    Some(Some((starts_at, ends_at)))
                }
                None => Some(None),
            }
        } else {
            None
        };
        Self {
            user: UserRef::read(input),
            full_name: input.optional("full_name", input::non_empty),
            email_address: email_address.or(legacy_email),
            phone_number: input.optional("phone_number", input::phone),
            access_schedule,
        }
    }
}

pub(super) async fn update(ctx: Ctx, SeamBody(req): SeamBody<UpdateUser>) -> Reply {
    ctx.with(|ws| {
        let index = req.user.resolve(ws)?;
        let now = ws.now();
        let schedule = match req.access_schedule {
            Some(Some((starts_at, ends_at))) => {
                Some(Some(schedule(starts_at, Some(ends_at), now)?))
            }
            Some(None) => Some(None),
            None => None,
        };
        let user = &mut ws.acs_users[index];
        if let Some(name) = req.full_name {
            user.full_name = Some(name);
        }
        if let Some(email) = req.email_address {
            user.email_address = Some(email);
        }
        if let Some(phone) = req.phone_number {
            user.phone_number = Some(phone);
        }
        if let Some(schedule) = schedule {
            user.access_schedule = schedule;
        }
        Ok(())
    })?;
    ok(json!({}))
}

pub(super) async fn delete(ctx: Ctx, SeamBody(req): SeamBody<UserRef>) -> Reply {
    ctx.with(|ws| {
        let index = req.resolve(ws)?;
        let id = ws.acs_users[index].acs_user_id.clone();
        ws.delete_acs_user(&id);
        Ok(())
    })?;
    ok(json!({}))
}

fn set_suspended(ws: &mut Workspace, user: &UserRef, suspended: bool) -> Result<(), SimError> {
    let index = user.resolve(ws)?;
    let user: &mut AcsUser = &mut ws.acs_users[index];
    user.is_suspended = suspended;
    Ok(())
}

pub(super) async fn suspend(ctx: Ctx, SeamBody(req): SeamBody<UserRef>) -> Reply {
    ctx.with(|ws| set_suspended(ws, &req, true))?;
    ok(json!({}))
}

pub(super) async fn unsuspend(ctx: Ctx, SeamBody(req): SeamBody<UserRef>) -> Reply {
    ctx.with(|ws| set_suspended(ws, &req, false))?;
    ok(json!({}))
}
