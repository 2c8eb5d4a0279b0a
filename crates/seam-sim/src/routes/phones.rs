//! `/phones/*`: a user identity's phones. `/phones/simulate/create_sandbox_phone` registers
//! one as Seam's sandbox does; `/phones/deactivate` removes it, announces
//! `phone.deactivated`, and, once the identity has no phone left, invalidates its mobile
//! keys (`acs_credential.invalidated`): a key lives on a phone.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, not_found, AccessMethod, Phone, UserIdentity};
use crate::simulator::Simulator;
use crate::state::Workspace;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route(
            "/phones/simulate/create_sandbox_phone",
            post(create_sandbox),
        )
        .route("/phones/list", post(list))
        .route("/phones/get", post(get))
        .route("/phones/deactivate", post(deactivate))
}

struct SandboxPhone {
    user_identity_id: String,
    custom_sdk_installation_id: Option<String>,
    operating_system: Option<String>,
    device_model: Option<String>,
}

impl FromInput for SandboxPhone {
    fn from_input(input: &mut Input) -> Self {
        let (mut operating_system, mut device_model) = (None, None);
        if let Some(mut meta) = input.optional_object("phone_metadata") {
            operating_system = meta.optional("operating_system", |v| {
                input::one_of(v, &["android", "ios"])
            });
            device_model = meta.optional("device_model", input::string);
            meta.optional("device_manufacturer", input::string);
            meta.optional("os_version", input::string);
            input.absorb(meta);
        }
        input.optional("assa_abloy_metadata", |v| Ok(v.clone()));
        Self {
            user_identity_id: input.required("user_identity_id", input::uuid),
            custom_sdk_installation_id: input.optional("custom_sdk_installation_id", input::string),
            operating_system,
            device_model,
        }
    }
}

async fn create_sandbox(ctx: Ctx, SeamBody(req): SeamBody<SandboxPhone>) -> Reply {
    let phone = ctx.with(|ws| {
        find::<UserIdentity>(&ws.user_identities, &req.user_identity_id)?;
        let ios = req.operating_system.as_deref() == Some("ios");
        let default_model = if ios {
            "iPhone 15"
        } else {
            "Samsung Galaxy S10"
        };
        let phone = Phone {
            device_id: ws.rng.new_id(),
            seq: ws.next_seq(),
            user_identity_id: req.user_identity_id,
            device_type: if ios { "ios_phone" } else { "android_phone" }.to_owned(),
            display_name: req.device_model.unwrap_or_else(|| default_model.to_owned()),
            custom_sdk_installation_id: req.custom_sdk_installation_id,
            created_at: ws.now(),
        };
        let rendered = phone.render(&ws.workspace_id);
        ws.phones.push(phone);
        Ok(rendered)
    })?;
    ok(json!({ "phone": phone }))
}

struct ListPhones {
    user_identity_id: Option<String>,
    acs_credential_id: Option<String>,
}

impl FromInput for ListPhones {
    fn from_input(input: &mut Input) -> Self {
        Self {
            user_identity_id: input.optional("owner_user_identity_id", input::uuid),
            acs_credential_id: input.optional("acs_credential_id", input::uuid),
        }
    }
}

/// The user identity a credential belongs to, through its ACS user.
fn credential_identity(ws: &Workspace, acs_credential_id: &str) -> Option<String> {
    let credential = ws
        .acs_credentials
        .iter()
        .find(|c| c.acs_credential_id == acs_credential_id)?;
    ws.acs_users
        .iter()
        .find(|u| u.acs_user_id == credential.acs_user_id)?
        .user_identity_id
        .clone()
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListPhones>) -> Reply {
    let phones = ctx.with(|ws| {
        let by_credential = req
            .acs_credential_id
            .as_deref()
            .map(|id| credential_identity(ws, id));
        Ok(ws
            .phones
            .iter()
            .filter(|p| {
                req.user_identity_id
                    .as_ref()
                    .is_none_or(|id| *id == p.user_identity_id)
                    && by_credential
                        .as_ref()
                        .is_none_or(|owner| owner.as_deref() == Some(p.user_identity_id.as_str()))
            })
            .map(|p| p.render(&ws.workspace_id))
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "phones": phones }))
}

struct PhoneId {
    device_id: String,
}

impl FromInput for PhoneId {
    fn from_input(input: &mut Input) -> Self {
        Self {
            device_id: input.required("device_id", input::uuid),
        }
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<PhoneId>) -> Reply {
    let phone =
        ctx.with(|ws| Ok(find::<Phone>(&ws.phones, &req.device_id)?.render(&ws.workspace_id)))?;
    ok(json!({ "phone": phone }))
}

async fn deactivate(ctx: Ctx, SeamBody(req): SeamBody<PhoneId>) -> Reply {
    ctx.with(|ws| deactivate_phone(ws, &req.device_id))?;
    ok(json!({}))
}

fn deactivate_phone(ws: &mut Workspace, device_id: &str) -> Result<(), SimError> {
    let index = ws
        .phones
        .iter()
        .position(|p| p.device_id == device_id)
        .ok_or_else(|| not_found::<Phone>(device_id))?;
    let phone = ws.phones.remove(index);
    let now = ws.now();
    ws.emit(
        "phone.deactivated",
        now,
        json!({ "device_id": phone.device_id }),
    );
    if ws
        .phones
        .iter()
        .any(|p| p.user_identity_id == phone.user_identity_id)
    {
        return Ok(());
    }
    let users: Vec<String> = ws
        .acs_users
        .iter()
        .filter(|u| u.user_identity_id.as_deref() == Some(phone.user_identity_id.as_str()))
        .map(|u| u.acs_user_id.clone())
        .collect();
    let keys: Vec<String> = ws
        .acs_credentials
        .iter()
        .filter(|c| c.access_method == AccessMethod::MobileKey && users.contains(&c.acs_user_id))
        .map(|c| c.acs_credential_id.clone())
        .collect();
    for id in keys {
        ws.invalidate_credential(&id);
    }
    Ok(())
}
