//! Changes to what an ACS user holds after provisioning: access-group membership (Salto KS),
//! deleting credentials and releasing the ACS user on revocation, and moving windows.

use seam_gateway::{AccessSchedule, UpdateAcsCredential, UpdateAcsUser};
use serde_json::json;

use super::context::{NextStep, RunContext};
use super::outcome::{Outcome, Produced};
use super::steps::fail;
use super::Engine;
use crate::db;

pub(super) async fn add_to_access_group(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(user) = &ctx.acs_user_id else {
        return fail("no ACS user was recorded");
    };
    let Some(group) = ctx.seam_group(step.access_group_id) else {
        return fail("the access group is unknown");
    };
    // Adding a member twice leaves one membership: safe to repeat.
    seam!(
        step,
        ctx.seam.add_acs_user_to_access_group(user, group).await
    );
    Outcome::Done(Produced::Changed(json!({ "acs_access_group_id": group })))
}

pub(super) async fn remove_from_access_group(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(group) = ctx.seam_group(step.access_group_id) else {
        return fail("the access group is unknown");
    };
    let Some(user) = &ctx.acs_user_id else {
        return Outcome::Skipped {
            reason: "the resident has no ACS user here".into(),
            produced: None,
        };
    };
    match ctx
        .seam
        .remove_acs_user_from_access_group(user, group)
        .await
    {
        Ok(()) => Outcome::Done(Produced::Changed(json!({ "acs_access_group_id": group }))),
        // The user or the membership is already gone: that is what revocation wants.
        Err(err) if err.status() == Some(404) && !err.is_endpoint_missing() => Outcome::Skipped {
            reason: "already removed".into(),
            produced: None,
        },
        Err(err) => Outcome::from_seam_error(&step.name, &err),
    }
}

pub(super) async fn update_acs_user_schedule(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(user) = &ctx.acs_user_id else {
        return Outcome::Skipped {
            reason: "no ACS user exists yet; it will be created with the new window".into(),
            produced: None,
        };
    };
    let request = UpdateAcsUser {
        acs_user_id: user.clone(),
        access_schedule: schedule_of(ctx),
        ..Default::default()
    };
    seam!(step, ctx.seam.update_acs_user(&request).await);
    Outcome::Done(Produced::Changed(json!({ "acs_user_id": user })))
}

pub(super) async fn update_acs_credential(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(credential) = ctx.credential(step.credential_id) else {
        return fail("the step's credential is missing");
    };
    let Some(id) = &credential.seam_acs_credential_id else {
        return Outcome::Skipped {
            reason: "no credential exists yet; it will be created with the new window".into(),
            produced: None,
        };
    };
    let request = UpdateAcsCredential {
        acs_credential_id: id.clone(),
        ends_at: ctx.grant.ends_at,
        ..Default::default()
    };
    seam!(step, ctx.seam.update_acs_credential(&request).await);
    Outcome::Done(Produced::Changed(json!({ "acs_credential_id": id })))
}

/// The grant's window as an ACS user's access schedule (Salto KS); none for an open window.
pub(super) fn schedule_of(ctx: &RunContext) -> Option<AccessSchedule> {
    match (ctx.grant.starts_at, ctx.grant.ends_at) {
        (None, None) => None,
        (starts_at, ends_at) => Some(AccessSchedule {
            starts_at: starts_at.unwrap_or(ctx.grant.created_at),
            ends_at,
        }),
    }
}

impl Engine {
    pub(super) async fn delete_acs_credential(&self, ctx: &RunContext, step: &NextStep) -> Outcome {
        let Some(credential) = ctx.credential(step.credential_id) else {
            return fail("the step's credential is missing");
        };
        let credential_id = credential.credential_id;
        let revoked = ctx.kind == doorway_domain::RunKind::Revoke;
        let target = match &credential.seam_acs_credential_id {
            Some(id) => Some(id.clone()),
            // Never recorded: an interrupted create may still have made it.
            None => match self.untracked_credential(ctx, step, credential).await {
                Ok(found) => found.map(|c| c.acs_credential_id),
                Err(outcome) => return outcome,
            },
        };
        let mut deleted = Vec::new();
        if let Some(id) = target {
            seam!(step, ctx.seam.delete_acs_credential(&id).await);
            deleted.push(id);
        }
        Outcome::Done(Produced::Deleted {
            credential_id,
            revoked,
            seam_ids: deleted,
        })
    }

    pub(super) async fn release_acs_user(&self, ctx: &RunContext, step: &NextStep) -> Outcome {
        let Some(system) = &ctx.property.seam_acs_system_id else {
            return Outcome::Skipped {
                reason: "the property has no ACS system".into(),
                produced: None,
            };
        };
        let Some(user) = &ctx.acs_user_id else {
            return Outcome::Skipped {
                reason: "the resident has no ACS user here".into(),
                produced: None,
            };
        };
        let still_used = async {
            let mut db = db::begin_tenant(&self.inner.pool, ctx.tenant).await?;
            let used = db::grants::others_use_acs_system(
                &mut db,
                ctx.resident_id(),
                ctx.grant_id(),
                system,
            )
            .await?;
            db.commit().await?;
            Ok::<_, sqlx::Error>(used)
        }
        .await;
        match still_used {
            Ok(true) => Outcome::Skipped {
                reason: "another grant of the resident still uses this ACS user".into(),
                produced: None,
            },
            Ok(false) => {
                seam!(step, ctx.seam.delete_acs_user(user).await);
                Outcome::Done(Produced::AcsUserReleased {
                    acs_system_id: system.clone(),
                    acs_user_id: user.clone(),
                })
            }
            Err(err) => Outcome::Retry {
                error: format!("database: {err}"),
            },
        }
    }
}
