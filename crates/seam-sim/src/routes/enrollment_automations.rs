//! `/user_identities/enrollment_automations/{launch,list}`: setting a user identity up to
//! receive mobile keys from a credential manager. Seam marks these endpoints "Will be
//! removed."; a fault with status 404 simulates that day.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::acs_credentials::not_a_credential_manager;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, AcsSystem, AcsUser, EnrollmentAutomation, UserIdentity};
use crate::simulator::Simulator;
use crate::state::Workspace;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route(
            "/user_identities/enrollment_automations/launch",
            post(launch),
        )
        .route("/user_identities/enrollment_automations/list", post(list))
}

struct Launch {
    user_identity_id: String,
    credential_manager_acs_system_id: String,
    credential_manager_acs_user_id: Option<String>,
    /// Seam creates the identity's user on the credential manager as part of the launch.
    create_credential_manager_user: bool,
}

impl FromInput for Launch {
    fn from_input(input: &mut Input) -> Self {
        let create_user = input
            .optional("create_credential_manager_user", input::boolean)
            .unwrap_or(false);
        input.optional("acs_credential_pool_id", input::uuid);
        let req = Self {
            user_identity_id: input.required("user_identity_id", input::uuid),
            credential_manager_acs_system_id: input
                .required("credential_manager_acs_system_id", input::uuid),
            credential_manager_acs_user_id: input
                .optional("credential_manager_acs_user_id", input::uuid),
            create_credential_manager_user: create_user,
        };
        if create_user && req.credential_manager_acs_user_id.is_some() {
            input.issue(
                "credential_manager_acs_user_id",
                "Cannot specify credential_manager_acs_user_id when create_credential_manager_user is true",
            );
        }
        req
    }
}

async fn launch(ctx: Ctx, SeamBody(req): SeamBody<Launch>) -> Reply {
    let automation = ctx.with(|ws| {
        let identity = find::<UserIdentity>(&ws.user_identities, &req.user_identity_id)?.clone();
        let manager =
            find::<AcsSystem>(&ws.acs_systems, &req.credential_manager_acs_system_id)?.clone();
        if !manager.kind.is_credential_manager() {
            return Err(not_a_credential_manager(&manager.acs_system_id));
        }
        if let Some(id) = &req.credential_manager_acs_user_id {
            let user = find::<AcsUser>(&ws.acs_users, id)?;
            if user.acs_system_id != manager.acs_system_id {
                return Err(SimError::rejected(
                    "acs_user_not_in_acs_system",
                    format!(
                        "Acs user {id} does not belong to credential manager {}",
                        manager.acs_system_id
                    ),
                ));
            }
        }
        if req.create_credential_manager_user {
            create_manager_user(ws, &manager, &identity);
        }
        let automation = EnrollmentAutomation {
            enrollment_automation_id: ws.rng.new_id(),
            user_identity_id: req.user_identity_id,
            credential_manager_acs_system_id: req.credential_manager_acs_system_id,
            created_at: ws.now(),
        };
        let rendered = automation.render(&ws.workspace_id);
        ws.enrollment_automations.push(automation);
        Ok(rendered)
    })?;
    ok(json!({ "enrollment_automation": automation }))
}

/// The identity's user on the credential manager, unless it has one already (one ACS user
/// per identity and system).
fn create_manager_user(ws: &mut Workspace, manager: &AcsSystem, identity: &UserIdentity) {
    let exists = ws.acs_users.iter().any(|u| {
        u.acs_system_id == manager.acs_system_id
            && u.user_identity_id.as_deref() == Some(identity.user_identity_id.as_str())
    });
    if exists {
        return;
    }
    let now = ws.now();
    let user = AcsUser::for_identity(manager, identity, ws.rng.new_id(), ws.next_seq(), now);
    ws.emit_for_user("acs_user.created", now, &user);
    ws.acs_users.push(user);
}

struct ListAutomations {
    user_identity_id: String,
}

impl FromInput for ListAutomations {
    fn from_input(input: &mut Input) -> Self {
        Self {
            user_identity_id: input.required("user_identity_id", input::uuid),
        }
    }
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListAutomations>) -> Reply {
    let automations = ctx.with(|ws| {
        find::<UserIdentity>(&ws.user_identities, &req.user_identity_id)?;
        Ok(ws
            .enrollment_automations
            .iter()
            .filter(|automation| automation.user_identity_id == req.user_identity_id)
            .map(|automation| automation.render(&ws.workspace_id))
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "enrollment_automations": automations }))
}
