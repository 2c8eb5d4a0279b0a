//! `/user_identities/*`: an app's users as Seam knows them. The key, email address and phone
//! number are each unique in a workspace, which makes the key a natural idempotency key for
//! clients. Creating, getting and deleting live here; listing and linking ACS users in
//! [`links`].

use axum::routing::post;
use axum::Router;
use serde_json::json;

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, AcsSystem, AcsUser, UserIdentity};
use crate::simulator::Simulator;
use crate::state::Workspace;

mod links;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/user_identities/create", post(create))
        .route("/user_identities/get", post(get))
        .route("/user_identities/delete", post(delete))
        .route("/user_identities/list", post(links::list))
        .route(
            "/user_identities/list_acs_users",
            post(links::list_acs_users),
        )
        .route("/user_identities/add_acs_user", post(links::add_acs_user))
}

struct CreateIdentity {
    user_identity_key: Option<String>,
    email_address: Option<String>,
    phone_number: Option<String>,
    full_name: Option<String>,
    acs_system_ids: Vec<String>,
}

impl FromInput for CreateIdentity {
    fn from_input(input: &mut Input) -> Self {
        Self {
            user_identity_key: input.nullable("user_identity_key", input::non_empty),
            email_address: input.nullable("email_address", input::email),
            phone_number: input.nullable("phone_number", input::phone),
            full_name: input.nullable("full_name", input::non_empty),
            acs_system_ids: input
                .optional_list("acs_system_ids", input::uuid)
                .unwrap_or_default(),
        }
    }
}

async fn create(ctx: Ctx, SeamBody(req): SeamBody<CreateIdentity>) -> Reply {
    let identity = ctx.with(|ws| {
        refuse_taken(ws, &req)?;
        let systems = req
            .acs_system_ids
            .iter()
            .map(|id| find::<AcsSystem>(&ws.acs_systems, id).cloned())
            .collect::<Result<Vec<_>, _>>()?;
        let now = ws.now();
        let identity = UserIdentity {
            user_identity_id: ws.rng.new_id(),
            seq: ws.next_seq(),
            user_identity_key: req.user_identity_key,
            email_address: req.email_address,
            phone_number: req.phone_number,
            full_name: req.full_name,
            created_at: now,
        };
        for system in &systems {
            link_or_create_user(ws, &identity, system);
        }
        let rendered = identity.render(ws);
        ws.user_identities.push(identity);
        Ok(rendered)
    })?;
    ok(json!({ "user_identity": identity }))
}

fn refuse_taken(ws: &Workspace, req: &CreateIdentity) -> Result<(), SimError> {
    refuse_taken_fields(
        ws,
        &req.user_identity_key,
        &req.email_address,
        &req.phone_number,
    )
}

/// Refuses a key, email address or phone number another identity already has.
fn refuse_taken_fields(
    ws: &Workspace,
    key: &Option<String>,
    email_address: &Option<String>,
    phone_number: &Option<String>,
) -> Result<(), SimError> {
    let same = |mine: &Option<String>, theirs: &Option<String>| matches!((mine, theirs), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b));
    for other in &ws.user_identities {
        let clash = if key.is_some() && *key == other.user_identity_key {
            Some(("user_identity_key_already_in_use", "user_identity_key"))
        } else if same(email_address, &other.email_address) {
            Some((
                "user_identity_email_address_already_in_use",
                "email_address",
            ))
        } else if same(phone_number, &other.phone_number) {
            Some(("user_identity_phone_number_already_in_use", "phone_number"))
        } else {
            None
        };
        if let Some((kind, field)) = clash {
            return Err(SimError::rejected(
                kind,
                format!(
                    "User identity {} already has this {field}",
                    other.user_identity_id
                ),
            ));
        }
    }
    Ok(())
}

/// Seam: an ACS user with the same email address or phone number on the system is linked;
/// otherwise a new one is created.
fn link_or_create_user(ws: &mut Workspace, identity: &UserIdentity, system: &AcsSystem) {
    let matches = |user: &AcsUser| {
        user.acs_system_id == system.acs_system_id
            && user.user_identity_id.is_none()
            && ((identity.email_address.is_some() && user.email_address == identity.email_address)
                || (identity.phone_number.is_some() && user.phone_number == identity.phone_number))
    };
    if let Some(user) = ws.acs_users.iter_mut().find(|user| matches(user)) {
        user.user_identity_id = Some(identity.user_identity_id.clone());
        return;
    }
    let user = AcsUser::for_identity(
        system,
        identity,
        ws.rng.new_id(),
        ws.next_seq(),
        identity.created_at,
    );
    ws.emit_for_user("acs_user.created", identity.created_at, &user);
    ws.acs_users.push(user);
}

/// Seam looks an identity up by id or by the client's own key.
enum GetIdentity {
    ById(String),
    ByKey(String),
}

impl FromInput for GetIdentity {
    fn from_input(input: &mut Input) -> Self {
        if let Some(id) = input.optional("user_identity_id", input::uuid) {
            return Self::ById(id);
        }
        if let Some(key) = input.optional("user_identity_key", input::string) {
            return Self::ByKey(key);
        }
        input.issue("", "Must provide user_identity_id or user_identity_key");
        Self::ById(String::new())
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<GetIdentity>) -> Reply {
    let identity = ctx.with(|ws| {
        let identity = match &req {
            GetIdentity::ById(id) => find::<UserIdentity>(&ws.user_identities, id)?,
            GetIdentity::ByKey(key) => ws
                .user_identities
                .iter()
                .find(|identity| identity.user_identity_key.as_ref() == Some(key))
                .ok_or_else(|| {
                    SimError::not_found(
                        "user_identity_not_found",
                        format!("Could not find user identity with user_identity_key {key}"),
                    )
                })?,
        };
        Ok(identity.render(ws))
    })?;
    ok(json!({ "user_identity": identity }))
}

struct DeleteIdentity {
    user_identity_id: String,
}

impl FromInput for DeleteIdentity {
    fn from_input(input: &mut Input) -> Self {
        Self {
            user_identity_id: input.required("user_identity_id", input::uuid),
        }
    }
}

/// Seam deletes the identity "and all associated resources, including any credentials, acs
/// users and client sessions".
async fn delete(ctx: Ctx, SeamBody(req): SeamBody<DeleteIdentity>) -> Reply {
    ctx.with(|ws| {
        let id = &req.user_identity_id;
        find::<UserIdentity>(&ws.user_identities, id)?;
        let users: Vec<String> = ws
            .acs_users
            .iter()
            .filter(|user| user.user_identity_id.as_ref() == Some(id))
            .map(|user| user.acs_user_id.clone())
            .collect();
        for user in &users {
            ws.delete_acs_user(user);
        }
        ws.client_sessions
            .retain(|s| s.user_identity_id.as_ref() != Some(id));
        ws.enrollment_automations
            .retain(|e| e.user_identity_id != *id);
        ws.user_identities
            .retain(|identity| identity.user_identity_id != *id);
        Ok(())
    })?;
    ok(json!({}))
}
