//! Smart-lock access codes (`smart-lock-access-codes.txt`): created once per lock under a name
//! that identifies the grant (so a retry finds it instead of making a second), verified as set
//! on the lock, updated in place, deleted on revocation.

use chrono::Utc;
use seam_gateway::{
    AccessCode, AccessCodeFilter, AccessCodeStatus, AccessCodeType, CreateAccessCode,
    UpdateAccessCode,
};
use serde_json::json;

use super::backoff;
use super::context::{NextStep, RunContext};
use super::outcome::{Outcome, Produced};
use super::steps::fail;
use super::Engine;
use crate::db;

impl Engine {
    pub(super) async fn create_access_code(&self, ctx: &RunContext, step: &NextStep) -> Outcome {
        let Some(credential) = ctx.credential(step.credential_id) else {
            return fail("the step's credential is missing");
        };
        let credential_id = credential.credential_id;
        if let Some(existing) = &credential.seam_access_code_id {
            let produced = Produced::AccessCode {
                credential_id,
                access_code_id: existing.clone(),
                code: None,
            };
            return Outcome::Skipped {
                reason: "already created".into(),
                produced: Some(produced),
            };
        }
        let Some(device) = ctx.device_of(credential_id) else {
            return fail("the credential's lock is unknown");
        };
        // Look before creating: a code with this grant's name that no credential tracks yet was
        // created by an attempt that crashed before recording it.
        match self.untracked_code(ctx, step, device).await {
            Ok(Some(found)) => {
                return Outcome::Done(Produced::AccessCode {
                    credential_id,
                    access_code_id: found.access_code_id,
                    code: found.code,
                })
            }
            Ok(None) => {}
            Err(outcome) => return outcome,
        }
        let (starts_at, ends_at) = (ctx.grant.starts_at, ctx.grant.ends_at);
        let request = CreateAccessCode {
            device_id: device.to_owned(),
            name: Some(ctx.access_code_name()),
            code: credential.requested_code.clone(),
            // Time-bound when the grant ends; Seam then sets it at the start and removes it at
            // the end by itself. Ongoing otherwise.
            starts_at: ends_at.and(starts_at.or_else(|| Some(Utc::now()))),
            ends_at,
            prefer_native_scheduling: ends_at.map(|_| true),
            ..Default::default()
        };
        let created = seam!(step, ctx.seam.create_access_code(&request).await);
        Outcome::Done(Produced::AccessCode {
            credential_id,
            access_code_id: created.access_code_id,
            code: created.code,
        })
    }

    /// The code on `device` carrying this grant's name that no credential of ours tracks.
    async fn untracked_code(
        &self,
        ctx: &RunContext,
        step: &NextStep,
        device: &str,
    ) -> Result<Option<AccessCode>, Outcome> {
        let filter = AccessCodeFilter {
            device_id: Some(device.to_owned()),
            ..Default::default()
        };
        let codes = ctx
            .seam
            .list_access_codes(&filter)
            .await
            .map_err(|e| Outcome::from_seam_error(&step.name, &e))?;
        let name = ctx.access_code_name();
        let ours: Vec<AccessCode> = codes
            .into_iter()
            .filter(|c| c.name.as_deref() == Some(name.as_str()))
            .collect();
        if ours.is_empty() {
            return Ok(None);
        }
        let ids: Vec<String> = ours.iter().map(|c| c.access_code_id.clone()).collect();
        let tracked = async {
            let mut db = db::begin_tenant(&self.inner.pool, ctx.tenant).await?;
            let tracked = db::credentials::tracked_access_codes(&mut db, &ids).await?;
            db.commit().await?;
            Ok::<_, sqlx::Error>(tracked)
        }
        .await
        .map_err(|e| Outcome::Retry {
            error: format!("database: {e}"),
        })?;
        Ok(ours
            .into_iter()
            .find(|c| !tracked.contains(&c.access_code_id)))
    }

    pub(super) async fn delete_access_code(&self, ctx: &RunContext, step: &NextStep) -> Outcome {
        let Some(credential) = ctx.credential(step.credential_id) else {
            return fail("the step's credential is missing");
        };
        let credential_id = credential.credential_id;
        let Some(device) = ctx.device_of(credential_id) else {
            return fail("the credential's lock is unknown");
        };
        let mut deleted = Vec::new();
        let target = match &credential.seam_access_code_id {
            Some(id) => Some(id.clone()),
            // Never recorded: an interrupted create may still have made it.
            None => match self.untracked_code(ctx, step, device).await {
                Ok(found) => found.map(|c| c.access_code_id),
                Err(outcome) => return outcome,
            },
        };
        if let Some(id) = target {
            seam!(step, ctx.seam.delete_access_code(device, &id).await);
            deleted.push(id);
        }
        Outcome::Done(Produced::Deleted {
            credential_id,
            revoked: true,
            seam_ids: deleted,
        })
    }
}

pub(super) async fn await_access_code_set(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(credential) = ctx.credential(step.credential_id) else {
        return fail("the step's credential is missing");
    };
    let Some(id) = &credential.seam_access_code_id else {
        return fail("the access code was not recorded");
    };
    if let Some(settled) = super::steps::already_settled(credential) {
        return settled;
    }
    let Some(code) = seam!(step, ctx.seam.get_access_code(id).await) else {
        return fail("the access code was deleted at Seam before it was set");
    };
    if let Some(error) = code.errors.first() {
        return fail(&format!(
            "the lock did not take the code: {}",
            error.message
        ));
    }
    let credential_id = credential.credential_id;
    let issued = |code: AccessCode| Produced::Issued {
        credential_id,
        code: code.code,
        issued_at: None,
    };
    match code.status {
        AccessCodeStatus::Set => Outcome::Done(issued(code)),
        // A code for a later window waits, unset, for its start; Seam sets it then (and tells us
        // by webhook, or the reconciler looks). Provisioning is done.
        AccessCodeStatus::Unset if code.starts_at.is_some_and(|s| s > Utc::now()) => {
            Outcome::Done(issued(code))
        }
        _ => Outcome::Wait {
            after: backoff::while_waiting(step.attempts),
        },
    }
}

pub(super) async fn update_access_code(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(credential) = ctx.credential(step.credential_id) else {
        return fail("the step's credential is missing");
    };
    let Some(device) = ctx.device_of(credential.credential_id) else {
        return fail("the credential's lock is unknown");
    };
    let Some(id) = &credential.seam_access_code_id else {
        return Outcome::Skipped {
            reason: "no access code exists yet; it will be created with the new window".into(),
            produced: None,
        };
    };
    let (starts_at, ends_at) = (ctx.grant.starts_at, ctx.grant.ends_at);
    let request = UpdateAccessCode {
        access_code_id: id.clone(),
        device_id: device.to_owned(),
        starts_at: ends_at.and(starts_at.or_else(|| Some(Utc::now()))),
        ends_at,
        kind: Some(if ends_at.is_some() {
            AccessCodeType::TimeBound
        } else {
            AccessCodeType::Ongoing
        }),
        ..Default::default()
    };
    seam!(step, ctx.seam.update_access_code(&request).await);
    Outcome::Done(Produced::Changed(json!({ "access_code_id": id })))
}
