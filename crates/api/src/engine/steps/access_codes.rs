//! Smart-lock access codes (`smart-lock-access-codes.txt`): one per lock, named after the grant
//! (so that a look after an uncertain create finds it), confirmed set on the lock, moved to a
//! new window in place, and counted gone only once Seam no longer lists it. Every write
//! reserves room under Seam's per-device limit first, across all Doorway processes.

use chrono::Utc;
use doorway_domain::CredentialStatus;
use seam_gateway::{
    AccessCode, AccessCodeFilter, AccessCodeStatus, AccessCodeType, CreateAccessCode,
    UpdateAccessCode,
};

use super::{Known, StepEnv};
use crate::db::credentials::CredentialRow;
use crate::db::{self, device_windows::DeviceBucket, properties::EntranceRow};
use crate::engine::outcome::{broken, Outcome, Produced, StepError, StepResult};

pub async fn create(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let credential_id = credential.credential_id;
    if let Some(existing) = &credential.seam_access_code_id {
        return Ok(Outcome::Skipped {
            reason: "already created".into(),
            produced: Some(Produced::AccessCode {
                credential_id,
                access_code_id: existing.clone(),
                code: None,
            }),
        });
    }
    let device = device_of(env)?;
    if env.uncertain() {
        if let Some(found) = untracked(env, device).await? {
            return Ok(Outcome::Done(Produced::AccessCode {
                credential_id,
                access_code_id: found.access_code_id,
                code: found.code,
            }));
        }
    }
    if let Some(until) = env.reserve(device, DeviceBucket::AccessCodeWrite).await? {
        return Ok(no_room(until));
    }
    let ctx = env.ctx;
    let (starts_at, ends_at) = (ctx.grant.starts_at, ctx.grant.ends_at);
    let request = CreateAccessCode {
        device_id: device.to_owned(),
        name: Some(ctx.access_code_name()),
        code: chosen_pin(ctx, credential)?,
        // Time-bound when the grant ends; Seam then sets it at the start and removes it at
        // the end by itself. Ongoing otherwise.
        starts_at: ends_at.and(starts_at.or_else(|| Some(Utc::now()))),
        ends_at,
        prefer_native_scheduling: ends_at.map(|_| true),
        ..Default::default()
    };
    let created = ctx.seam.create_access_code(&request).await?;
    Ok(Outcome::Done(Produced::AccessCode {
        credential_id,
        access_code_id: created.access_code_id,
        code: created.code,
    }))
}

/// The code on `device` carrying this grant's name that no credential of Doorway tracks.
async fn untracked(env: &StepEnv<'_>, device: &str) -> Result<Option<AccessCode>, StepError> {
    let filter = AccessCodeFilter {
        device_id: Some(device.to_owned()),
        ..Default::default()
    };
    let name = env.ctx.access_code_name();
    let ours: Vec<AccessCode> = env
        .ctx
        .seam
        .list_access_codes(&filter)
        .await?
        .into_iter()
        .filter(|c| c.name.as_deref() == Some(name.as_str()))
        .collect();
    if ours.is_empty() {
        return Ok(None);
    }
    let ids: Vec<String> = ours.iter().map(|c| c.access_code_id.clone()).collect();
    let tracked = {
        let mut tx = db::begin_tenant(&env.engine.inner.pool, env.ctx.tenant()).await?;
        let tracked = db::credentials::tracked_access_codes(&mut tx, &ids).await?;
        tx.commit().await?;
        tracked
    };
    Ok(ours
        .into_iter()
        .find(|c| !tracked.contains(&c.access_code_id)))
}

/// Waits until the lock has the code: ACTIVE once Seam reports it `set`. A code for a later
/// window is SCHEDULED (Seam holds it and programs it at the start) and is looked at again
/// at its start, to become ACTIVE only when the lock confirms it.
pub async fn await_set(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let credential_id = credential.credential_id;
    let Some(id) = &credential.seam_access_code_id else {
        return Err(broken("the access code was not recorded"));
    };
    let set = |c: &CredentialRow| c.issued_at.is_some() && c.status == CredentialStatus::Active;
    match env.known(set).await? {
        Known::Reported => return Ok(Outcome::skipped("Seam reported it set already")),
        Known::AwaitEvent => {
            return Ok(Outcome::Wait {
                until: env.poll_later(),
                reason: None,
            })
        }
        Known::Ask => {}
    }
    let Some(code) = env.ctx.seam.get_access_code(id).await? else {
        return Ok(Outcome::Fail {
            error: "the access code was deleted at Seam before it was set".into(),
        });
    };
    let lock = env.ctx.lock_of(credential_id);
    match code.status {
        AccessCodeStatus::Set => Ok(Outcome::Done(Produced::Issued {
            credential_id,
            status: CredentialStatus::Active,
            code: code.code,
            issued_at: None,
        })),
        AccessCodeStatus::Unset if code.starts_at.is_some_and(|s| s > Utc::now()) => {
            let starts_at = code.starts_at.unwrap_or_else(Utc::now);
            Ok(Outcome::Progress {
                produced: Produced::Issued {
                    credential_id,
                    status: CredentialStatus::Scheduled,
                    code: code.code.clone(),
                    issued_at: None,
                },
                until: starts_at,
            })
        }
        _ => Ok(Outcome::Wait {
            until: env.poll_later(),
            reason: slow_lock(&code, lock, "has not confirmed the code yet"),
        }),
    }
}

pub async fn update(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let device = device_of(env)?;
    let Some(id) = &credential.seam_access_code_id else {
        return Ok(Outcome::skipped(
            "no access code exists yet; it will be created with the new window",
        ));
    };
    if let Some(until) = env.reserve(device, DeviceBucket::AccessCodeWrite).await? {
        return Ok(no_room(until));
    }
    let (starts_at, ends_at) = (env.ctx.grant.starts_at, env.ctx.grant.ends_at);
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
    env.ctx.seam.update_access_code(&request).await?;
    Ok(Outcome::Done(Produced::Rescheduled {
        credential_id: credential.credential_id,
        seam_id: id.clone(),
    }))
}

/// Asks Seam to remove the code from its lock (it is gone once Seam no longer lists it; see
/// [`await_removed`]). A code never recorded is looked for when a create may have made it.
pub async fn delete(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let credential_id = credential.credential_id;
    let device = device_of(env)?;
    let target = match &credential.seam_access_code_id {
        Some(id) => Some(id.clone()),
        None if env.ctx.uncertain_creates.contains(&credential_id) => {
            untracked(env, device).await?.map(|c| c.access_code_id)
        }
        None => None,
    };
    let Some(id) = target else {
        return Ok(Outcome::Done(Produced::Gone {
            credential_id,
            seam_ids: vec![],
        }));
    };
    if let Some(until) = env.reserve(device, DeviceBucket::AccessCodeDelete).await? {
        return Ok(no_room(until));
    }
    env.ctx.seam.delete_access_code(device, &id).await?;
    Ok(Outcome::Done(Produced::Removing {
        credential_id,
        access_code_id: id,
    }))
}

/// Waits until Seam no longer lists the code: only then is it off the door. Meanwhile the
/// reason names the lock, and says when it is offline.
pub async fn await_removed(env: &StepEnv<'_>) -> StepResult {
    let credential = env.credential()?;
    let credential_id = credential.credential_id;
    let Some(id) = &credential.seam_access_code_id else {
        return Ok(Outcome::Done(Produced::Gone {
            credential_id,
            seam_ids: vec![],
        }));
    };
    let Some(code) = env.ctx.seam.get_access_code(id).await? else {
        return Ok(Outcome::Done(Produced::Gone {
            credential_id,
            seam_ids: vec![id.clone()],
        }));
    };
    if code.status != AccessCodeStatus::Removing {
        // The delete did not take (or the code came back): ask again.
        let device = device_of(env)?;
        if let Some(until) = env.reserve(device, DeviceBucket::AccessCodeDelete).await? {
            return Ok(no_room(until));
        }
        env.ctx.seam.delete_access_code(device, id).await?;
    }
    let lock = env.ctx.lock_of(credential_id);
    Ok(Outcome::Wait {
        until: env.poll_later(),
        reason: slow_lock(&code, lock, "has not removed the code yet")
            .or_else(|| lock.map(|l| format!("waiting for {} to remove the code", l.name))),
    })
}

fn device_of<'a>(env: &'a StepEnv<'_>) -> Result<&'a str, StepError> {
    env.step
        .credential_id
        .and_then(|c| env.ctx.lock_of(c))
        .and_then(|lock| lock.seam_device_id.as_deref())
        .ok_or_else(|| broken("the credential's lock is unknown"))
}

/// The lock has no room under Seam's limit: wait (without an error) until it has.
fn no_room(until: chrono::DateTime<Utc>) -> Outcome {
    Outcome::Wait {
        until,
        reason: None,
    }
}

/// Why a lock is slow, in words for the portal, when Seam says something is wrong.
fn slow_lock(code: &AccessCode, lock: Option<&EntranceRow>, what: &str) -> Option<String> {
    let name = lock.map_or("the lock", |l| l.name.as_str());
    let trouble = code
        .errors
        .iter()
        .map(|e| (e.error_code.as_str(), e.message.as_str()))
        .chain(
            code.warnings
                .iter()
                .map(|w| (w.warning_code.as_str(), w.message.as_str())),
        )
        .next();
    trouble.map(|(kind, message)| {
        let offline = kind.contains("offline") || message.to_lowercase().contains("offline");
        let detail = if offline {
            "the lock is offline".to_owned()
        } else if message.is_empty() {
            kind.to_owned()
        } else {
            message.to_owned()
        };
        format!("{name} {what} ({detail}); Seam keeps trying")
    })
}

/// The PIN a manager chose for this credential, opened to send it to Seam.
fn chosen_pin(
    ctx: &crate::engine::context::RunContext,
    credential: &CredentialRow,
) -> Result<Option<seam_gateway::Pin>, StepError> {
    let Some(sealed) = &credential.requested_code_sealed else {
        return Ok(None);
    };
    let id = credential.credential_id;
    ctx.cipher
        .open_string(sealed, &crate::db::credentials::pin_context(id))
        .map(|code| Some(seam_gateway::Pin::from(code)))
        .map_err(|_| broken("the chosen PIN cannot be opened with the configured keys"))
}
