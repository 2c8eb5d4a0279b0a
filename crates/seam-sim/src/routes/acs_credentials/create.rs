//! `/acs/credentials/create`: checked against the rules of the user's access system
//! ([`crate::rules`]); the provider generates the code, and the credential starts unissued.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::not_a_credential_manager;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, invalid_field, Input};
use crate::objects::{
    find, AccessMethod, AcsCredential, AcsEntrance, AcsSystem, AcsUser, UserIdentity,
};
use crate::rules;
use crate::state::Workspace;

pub(super) struct CreateCredential {
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

pub(super) async fn create(ctx: Ctx, SeamBody(req): SeamBody<CreateCredential>) -> Reply {
    let credential = ctx.with(|ws| create_in(ws, req))?;
    ok(json!({ "acs_credential": credential }))
}

/// Who will hold the credential.
enum Holder {
    Existing(AcsUser),
    /// The identity has no user on the system yet; one is made once every rule has passed.
    ToCreate(UserIdentity),
}

fn create_in(ws: &mut Workspace, req: CreateCredential) -> Result<Value, SimError> {
    let now = ws.now();
    let Some(method) = req.access_method else {
        // Unreachable in practice: a missing or unknown method fails `from_input`.
        return Err(invalid_field(&["access_method"], "Required"));
    };
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
                Holder::Existing(user.clone()),
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
            let holder = match existing {
                Some(user) => Holder::Existing(user.clone()),
                None => Holder::ToCreate(identity),
            };
            (system, holder)
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
    rules::require_multi_phone_sync(&system, method, req.is_multi_phone_sync_credential)?;
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
        Holder::Existing(user) => user,
        Holder::ToCreate(identity) => {
            let user =
                AcsUser::for_identity(&system, &identity, ws.rng.new_id(), ws.next_seq(), now);
            ws.emit_for_user("acs_user.created", now, &user);
            ws.acs_users.push(user.clone());
            user
        }
    };
    let credential = AcsCredential {
        acs_credential_id: ws.rng.new_id(),
        seq: ws.next_seq(),
        acs_user_id: user.acs_user_id.clone(),
        acs_system_id: system.acs_system_id.clone(),
        kind: system.kind,
        connected_account_id: system.connected_account_id.clone(),
        access_method: method,
        code: code_length.map(|length| ws.rng.pin_code(length)),
        is_multi_phone_sync_credential: req.is_multi_phone_sync_credential,
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        display_name: format!(
            "{} ({})",
            user.display_name(),
            method.as_str().replace('_', " ")
        ),
        created_at: now,
        issues_at: now
            .checked_add_signed(ws.issue_delay)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        issued_announced: false,
        invalidated_at: None,
        acs_entrance_ids: entrance_ids,
    };
    let rendered = credential.render(ws);
    ws.acs_credentials.push(credential);
    Ok(rendered)
}
