//! `/acs/credentials/{update,delete}`. Seam's update takes a new `code` and a new `ends_at`;
//! the seeded systems (Latch, Salto KS) generate every code themselves, so a new code is
//! refused as it is at creation, while a new end is checked against the clock and the start.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::CredentialId;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, invalid_field, Input};
use crate::objects::{not_found, AccessMethod, AcsCredential};

pub(super) struct UpdateCredential {
    acs_credential_id: String,
    code: Option<String>,
    ends_at: Option<DateTime<Utc>>,
}

impl FromInput for UpdateCredential {
    fn from_input(input: &mut Input) -> Self {
        Self {
            acs_credential_id: input.required("acs_credential_id", input::non_empty),
            code: input.optional("code", input::digits),
            ends_at: input.optional("ends_at", input::datetime),
        }
    }
}

pub(super) async fn update(ctx: Ctx, SeamBody(req): SeamBody<UpdateCredential>) -> Reply {
    let credential = ctx.with(|ws| {
        let now = ws.now();
        let index = ws
            .acs_credentials
            .iter()
            .position(|c| c.acs_credential_id == req.acs_credential_id)
            .ok_or_else(|| not_found::<AcsCredential>(&req.acs_credential_id))?;
        let credential = &ws.acs_credentials[index];
        if req.code.is_some() {
            let why = match credential.access_method {
                AccessMethod::Code => format!(
                    "{} generates PIN codes itself",
                    credential
                        .kind
                        .external_type()
                        .map_or("This access system", |(_, name)| name)
                ),
                method => format!("A {} credential has no code", method.as_str()),
            };
            return Err(SimError::rejected(
                "cannot_specify_pin_code",
                format!("{why}: do not pass `code`"),
            ));
        }
        if let Some(ends_at) = req.ends_at {
            if ends_at <= now {
                return Err(invalid_field(&["ends_at"], "ends_at must be in the future"));
            }
            if credential
                .starts_at
                .is_some_and(|starts_at| ends_at <= starts_at)
            {
                return Err(invalid_field(
                    &["ends_at"],
                    "ends_at must be after starts_at",
                ));
            }
        }
        let credential = &mut ws.acs_credentials[index];
        if req.ends_at.is_some() {
            credential.ends_at = req.ends_at;
        }
        Ok(ws.acs_credentials[index].render(ws))
    })?;
    ok(json!({ "acs_credential": credential }))
}

/// Gone at once (404 afterwards), announced by `acs_credential.deleted`.
pub(super) async fn delete(ctx: Ctx, SeamBody(req): SeamBody<CredentialId>) -> Reply {
    ctx.with(|ws| {
        let index = ws
            .acs_credentials
            .iter()
            .position(|c| c.acs_credential_id == req.acs_credential_id)
            .ok_or_else(|| not_found::<AcsCredential>(&req.acs_credential_id))?;
        let credential = ws.acs_credentials.remove(index);
        let now = ws.now();
        ws.emit_for_credential("acs_credential.deleted", now, &credential);
        Ok(())
    })?;
    ok(json!({}))
}
