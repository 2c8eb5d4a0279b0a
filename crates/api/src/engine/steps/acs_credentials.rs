//! ACS credentials (Latch mobile keys and PINs, Salto KS PINs, other ACS systems): created
//! once, confirmed issued, moved to a new end in place, replaced (new one first) for a new
//! start, and deleted when access ends.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use doorway_domain::{AccessMethod, CredentialStatus, Provider};
use seam_gateway::{
    AccessMethod as SeamAccessMethod, AcsCredential, AcsCredentialFilter, CreateAcsCredential,
    UpdateAcsCredential,
};
use serde_json::json;

use super::{Known, StepEnv};
use crate::db::{self, credentials::CredentialRow};
use crate::engine::context::RunContext;
use crate::engine::outcome::{broken, Outcome, Produced, StepError, StepResult};

pub async fn create(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let credential_id = credential.credential_id;
    if let Some(existing) = &credential.seam_acs_credential_id {
        return Ok(Outcome::Skipped {
            reason: "already created".into(),
            produced: Some(Produced::AcsCredential {
                credential_id,
                acs_credential_id: existing.clone(),
                code: None,
            }),
        });
    }
    let created = match adopt_or_create(env, credential).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    Ok(Outcome::Done(Produced::AcsCredential {
        credential_id,
        acs_credential_id: created.acs_credential_id,
        code: created.code,
    }))
}

/// Creates the credential for the grant's new window while the one it replaces keeps working.
pub async fn replace(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let credential_id = credential.credential_id;
    if credential.superseded_seam_acs_credential_id.is_some() {
        return Ok(Outcome::skipped("the replacement was created already"));
    }
    if credential.seam_acs_credential_id.is_none() {
        // Nothing to replace: create it with the new window.
        return create(env).await;
    }
    let created = match adopt_or_create(env, credential).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    Ok(Outcome::Done(Produced::Replacement {
        credential_id,
        acs_credential_id: created.acs_credential_id,
        code: created.code,
    }))
}

/// The credential as Seam made it: adopted from an earlier attempt whose outcome was unknown,
/// or created now. `Err(outcome)` when there is nothing to create it for.
async fn adopt_or_create(
    env: &StepEnv<'_>,
    credential: &CredentialRow,
) -> Result<Result<AcsCredential, Outcome>, StepError> {
    let ctx = env.ctx;
    let Some(acs_user_id) = ctx.acs_user_id() else {
        return Err(broken("no ACS user was recorded"));
    };
    if env.uncertain() {
        if let Some(found) = untracked(env, credential).await? {
            tracing::info!(acs_credential_id = %found.acs_credential_id, "adopting a credential an earlier attempt created");
            return Ok(Ok(found));
        }
    }
    let method = seam_method(credential);
    let salto = ctx.provider == Provider::SaltoKs;
    let request = CreateAcsCredential {
        acs_user_id: acs_user_id.to_owned(),
        access_method: method.clone(),
        allowed_acs_entrance_ids: wanted_entrances(ctx, credential).into_iter().collect(),
        is_multi_phone_sync_credential: (method == SeamAccessMethod::MobileKey).then_some(true),
        // Salto KS keeps the window on the ACS user (its access schedule), not the credential.
        starts_at: ctx.grant.starts_at.filter(|_| !salto),
        ends_at: ctx.grant.ends_at.filter(|_| !salto),
        code: None,
        credential_manager_acs_system_id: None,
    };
    Ok(Ok(ctx.seam.create_acs_credential(&request).await?))
}

/// A credential of the resident's ACS user at Seam that matches this one exactly (method,
/// window, entrances) and that no credential of Doorway tracks: one an attempt created
/// without its answer reaching us.
async fn untracked(
    env: &StepEnv<'_>,
    credential: &CredentialRow,
) -> Result<Option<AcsCredential>, StepError> {
    let ctx = env.ctx;
    let Some(acs_user_id) = ctx.acs_user_id() else {
        return Ok(None);
    };
    let method = seam_method(credential);
    let filter = AcsCredentialFilter {
        acs_user_id: Some(acs_user_id.to_owned()),
        ..Default::default()
    };
    let candidates: Vec<AcsCredential> = ctx
        .seam
        .list_acs_credentials(&filter)
        .await?
        .into_iter()
        .filter(|c| c.access_method == method && same_window(c, ctx))
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let ids: Vec<String> = candidates
        .iter()
        .map(|c| c.acs_credential_id.clone())
        .collect();
    let tracked = {
        let mut tx = db::begin_tenant(&env.engine.inner.pool, ctx.tenant()).await?;
        let tracked = db::credentials::tracked_seam_ids(&mut tx, &ids).await?;
        tx.commit().await?;
        tracked
    };
    let wanted = wanted_entrances(ctx, credential);
    for candidate in candidates
        .into_iter()
        .filter(|c| !tracked.contains(&c.acs_credential_id))
    {
        // Salto credentials carry no entrances: method and window are the match.
        if wanted.is_empty() {
            return Ok(Some(candidate));
        }
        let opens: BTreeSet<String> = ctx
            .seam
            .list_accessible_entrances(&candidate.acs_credential_id)
            .await?
            .into_iter()
            .map(|e| e.acs_entrance_id)
            .collect();
        if opens == wanted {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// Waits until Seam reports the credential issued (a webhook makes the run look at once;
/// polling is the fallback). A credential Seam said was issued when it answered the create, or
/// a webhook reported, needs no call.
pub async fn await_issuance(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let credential_id = credential.credential_id;
    let Some(seam_id) = &credential.seam_acs_credential_id else {
        return Err(broken("the credential was not recorded"));
    };
    let issued = |c: &CredentialRow| c.issued_at.is_some() && c.status.is_live();
    match env.known(issued).await? {
        Known::Reported => return Ok(Outcome::skipped("Seam reported it issued already")),
        Known::AwaitEvent => {
            return Ok(Outcome::Wait {
                until: env.poll_later(),
                reason: None,
            })
        }
        Known::Ask => {}
    }
    let Some(found) = env.ctx.seam.get_acs_credential(seam_id).await? else {
        return Ok(Outcome::Fail {
            error: "the credential was deleted at Seam before it was issued".into(),
        });
    };
    if let Some(error) = found.errors.first() {
        return Ok(Outcome::Fail {
            error: format!("Seam could not issue the credential: {}", error.message),
        });
    }
    if found.is_issued == Some(true) {
        return Ok(Outcome::Done(Produced::Issued {
            credential_id,
            status: issued_status(env.ctx.grant.starts_at),
            code: found.code,
            issued_at: found.issued_at,
        }));
    }
    Ok(Outcome::Wait {
        until: env.poll_later(),
        reason: None,
    })
}

/// SCHEDULED while the window has not opened: issued, and waiting for its start at Seam.
fn issued_status(starts_at: Option<DateTime<Utc>>) -> CredentialStatus {
    CredentialStatus::issued(starts_at, Utc::now())
}

pub async fn update(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let Some(id) = &credential.seam_acs_credential_id else {
        return Ok(Outcome::skipped(
            "no credential exists yet; it will be created with the new window",
        ));
    };
    let request = UpdateAcsCredential {
        acs_credential_id: id.clone(),
        ends_at: env.ctx.grant.ends_at,
        ..Default::default()
    };
    env.ctx.seam.update_acs_credential(&request).await?;
    Ok(Outcome::Done(Produced::Changed(
        json!({ "acs_credential_id": id }),
    )))
}

pub async fn delete_superseded(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let Some(old) = &credential.superseded_seam_acs_credential_id else {
        return Ok(Outcome::skipped("nothing was superseded"));
    };
    env.ctx.seam.delete_acs_credential(old).await?;
    Ok(Outcome::Done(Produced::SupersededGone {
        credential_id: credential.credential_id,
        seam_id: Some(old.clone()),
    }))
}

/// Deletes everything of the credential at Seam: what it tracks, what a replacement
/// superseded, and (when a create may have taken effect unrecorded) what an earlier attempt
/// left. "Already gone" counts as done.
pub async fn delete(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let mut targets: Vec<String> = credential
        .seam_acs_credential_id
        .iter()
        .chain(&credential.superseded_seam_acs_credential_id)
        .cloned()
        .collect();
    if credential.seam_acs_credential_id.is_none()
        && env
            .ctx
            .uncertain_creates
            .contains(&credential.credential_id)
    {
        targets.extend(
            untracked(env, credential)
                .await?
                .map(|c| c.acs_credential_id),
        );
    }
    for id in &targets {
        env.ctx.seam.delete_acs_credential(id).await?;
    }
    Ok(Outcome::Done(Produced::Gone {
        credential_id: credential.credential_id,
        seam_ids: targets,
    }))
}

/// Records the entrances Seam says a credential opens (runs recorded before credentials
/// took their entrances from the plan).
pub async fn list_accessible_entrances(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let Some(seam_id) = &credential.seam_acs_credential_id else {
        return Err(broken("the credential was not recorded"));
    };
    let seam_ids: Vec<String> = env
        .ctx
        .seam
        .list_accessible_entrances(seam_id)
        .await?
        .into_iter()
        .map(|e| e.acs_entrance_id)
        .collect();
    let property_entrances = {
        let mut tx = db::begin_tenant(&env.engine.inner.pool, env.ctx.tenant()).await?;
        let entrances =
            db::properties::entrances_of(&mut tx, &[env.ctx.property.property_id]).await?;
        tx.commit().await?;
        entrances
    };
    let entrance_ids = property_entrances
        .iter()
        .filter(|e| {
            e.seam_acs_entrance_id
                .as_ref()
                .is_some_and(|id| seam_ids.contains(id))
        })
        .map(|e| e.entrance_id)
        .collect();
    Ok(Outcome::Done(Produced::AccessibleEntrances {
        credential_id: credential.credential_id,
        entrance_ids,
        seam_ids,
    }))
}

/// Whether a credential at Seam has the grant's window, where the grant sets one (compared to
/// the second, as Seam may round).
fn same_window(credential: &AcsCredential, ctx: &RunContext) -> bool {
    if ctx.provider == Provider::SaltoKs {
        return true;
    }
    type Instant = Option<DateTime<Utc>>;
    let agrees = |ours: Instant, theirs: Instant| {
        ours.is_none_or(|ours| theirs.map(|t| t.timestamp()) == Some(ours.timestamp()))
    };
    agrees(ctx.grant.starts_at, credential.starts_at)
        && agrees(ctx.grant.ends_at, credential.ends_at)
}

/// Seam's access method for one of our credentials.
fn seam_method(credential: &CredentialRow) -> SeamAccessMethod {
    match credential.access_method {
        AccessMethod::MobileKey => SeamAccessMethod::MobileKey,
        AccessMethod::PinCode => SeamAccessMethod::Code,
    }
}

/// The Seam entrances a credential is planned to open (none for Salto KS).
fn wanted_entrances(ctx: &RunContext, credential: &CredentialRow) -> BTreeSet<String> {
    if ctx.provider == Provider::SaltoKs {
        return BTreeSet::new();
    }
    ctx.credential_entrances
        .get(&credential.credential_id)
        .into_iter()
        .flatten()
        .filter_map(|e| e.seam_acs_entrance_id.clone())
        .collect()
}
