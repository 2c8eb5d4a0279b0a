//! The resident's ACS user on the property's system. It belongs to the resident, not to one
//! grant: its access schedule (Salto KS keeps the window on the user) covers every live grant
//! of the resident there, it stays a member of every access group a live grant gives, and it
//! is deleted only when no live grant uses it any more.

use chrono::{DateTime, Utc};
use doorway_domain::Provider;
use seam_gateway::{AccessSchedule, AcsUserFilter, CreateAcsUser, UpdateAcsUser};
use serde_json::json;

use super::{already_exists, StepEnv};
#[cfg(test)]
use crate::db::grants::LiveWindow;
use crate::db::{self, grants::ResidentAccess, residents::Schedule};
use crate::engine::outcome::{broken, Outcome, Produced, StepError, StepResult};

pub async fn ensure_acs_user(env: &StepEnv<'_>) -> StepResult {
    let ctx = env.ctx;
    let Some(system) = &ctx.property.seam_acs_system_id else {
        return Err(broken("the property has no ACS system"));
    };
    if let Some(user) = &ctx.acs_user {
        return Ok(Outcome::Skipped {
            reason: "the resident already has an ACS user on this system".into(),
            produced: Some(Produced::AcsUser {
                acs_system_id: system.clone(),
                acs_user_id: user.seam_acs_user_id.clone(),
                schedule: user.schedule,
            }),
        });
    }
    let Some(identity) = &ctx.resident.seam_user_identity_id else {
        return Err(broken("no user identity was recorded"));
    };
    let found = |acs_user_id: String| {
        Outcome::Done(Produced::AcsUser {
            acs_system_id: system.clone(),
            acs_user_id,
            // Made by an attempt we cannot see the answer of: its schedule is not known.
            schedule: None,
        })
    };
    let filter = AcsUserFilter {
        acs_system_id: Some(system.clone()),
        user_identity_id: Some(identity.clone()),
    };
    if env.uncertain() {
        if let Some(user) = ctx.seam.list_acs_users(&filter).await?.into_iter().next() {
            return Ok(found(user.acs_user_id));
        }
    }
    let schedule = match ctx.provider {
        Provider::SaltoKs => desired_schedule(&live_access(env, system).await?),
        _ => None,
    };
    let request = CreateAcsUser {
        acs_system_id: system.clone(),
        user_identity_id: Some(identity.clone()),
        full_name: ctx.resident.full_name.clone(),
        email_address: Some(ctx.resident.email.clone()),
        phone_number: ctx.resident.phone.clone(),
        access_schedule: schedule.map(access_schedule),
    };
    match ctx.seam.create_acs_user(&request).await {
        Ok(user) => Ok(Outcome::Done(Produced::AcsUser {
            acs_system_id: system.clone(),
            acs_user_id: user.acs_user_id,
            schedule,
        })),
        // Seam keeps one ACS user per identity and system: adopt the one there.
        Err(err) if already_exists(&err) => {
            match ctx.seam.list_acs_users(&filter).await?.into_iter().next() {
                Some(user) => Ok(found(user.acs_user_id)),
                None => Err(err.into()),
            }
        }
        Err(err) => Err(err.into()),
    }
}

/// Makes the ACS user's schedule cover the resident's live grants on the system (Salto KS).
/// Costs no call when the schedule Doorway last set is already right.
pub async fn update_schedule(env: &StepEnv<'_>) -> StepResult {
    let ctx = env.ctx;
    let (Some(system), Some(user)) = (&ctx.property.seam_acs_system_id, &ctx.acs_user) else {
        return Ok(Outcome::skipped("the resident has no ACS user here"));
    };
    let Some(schedule) = desired_schedule(&live_access(env, system).await?) else {
        return Ok(Outcome::skipped(
            "no live grant is left on this system; the ACS user is released",
        ));
    };
    if user.schedule == Some(schedule) {
        return Ok(Outcome::skipped("the ACS user's schedule is already right"));
    }
    // Seam's update needs an end: access without one gets an end a century away.
    let ends_at = schedule
        .ends_at
        .unwrap_or_else(|| schedule.starts_at.max(Utc::now()) + chrono::TimeDelta::days(36_525));
    let request = UpdateAcsUser {
        acs_user_id: user.seam_acs_user_id.clone(),
        access_schedule: Some(AccessSchedule {
            starts_at: schedule.starts_at,
            ends_at: Some(ends_at),
        }),
        ..Default::default()
    };
    ctx.seam.update_acs_user(&request).await?;
    Ok(Outcome::Done(Produced::AcsUserSchedule {
        acs_system_id: system.clone(),
        schedule,
    }))
}

pub async fn add_to_access_group(env: &StepEnv<'_>) -> StepResult {
    let ctx = env.ctx;
    let Some(user) = ctx.acs_user_id() else {
        return Err(broken("no ACS user was recorded"));
    };
    let Some(group) = ctx.seam_group(env.step.access_group_id) else {
        return Err(broken("the access group is unknown"));
    };
    // Adding a member twice leaves one membership: safe to repeat.
    ctx.seam.add_acs_user_to_access_group(user, group).await?;
    Ok(Outcome::Done(Produced::Changed(
        json!({ "acs_access_group_id": group }),
    )))
}

/// Takes the ACS user out of a group of the grant, unless another live grant of the
/// resident gives the same group.
pub async fn remove_from_access_group(env: &StepEnv<'_>) -> StepResult {
    let ctx = env.ctx;
    let Some(group) = ctx.seam_group(env.step.access_group_id) else {
        return Err(broken("the access group is unknown"));
    };
    let (Some(system), Some(user)) = (&ctx.property.seam_acs_system_id, ctx.acs_user_id()) else {
        return Ok(Outcome::skipped("the resident has no ACS user here"));
    };
    let live = live_access(env, system).await?;
    if live.seam_access_group_ids.iter().any(|g| g == group) {
        return Ok(Outcome::skipped(
            "another live grant of the resident gives this access group",
        ));
    }
    match ctx
        .seam
        .remove_acs_user_from_access_group(user, group)
        .await
    {
        Ok(()) => Ok(Outcome::Done(Produced::Changed(
            json!({ "acs_access_group_id": group }),
        ))),
        // The user or the membership is already gone: that is what removal wants.
        Err(err) if err.is_resource_not_found() => Ok(Outcome::skipped("already removed")),
        Err(err) => Err(err.into()),
    }
}

/// Deletes the resident's ACS user when no other live grant uses it.
pub async fn release_acs_user(env: &StepEnv<'_>) -> StepResult {
    let ctx = env.ctx;
    let Some(system) = &ctx.property.seam_acs_system_id else {
        return Ok(Outcome::skipped("the property has no ACS system"));
    };
    let Some(user) = ctx.acs_user_id() else {
        return Ok(Outcome::skipped("the resident has no ACS user here"));
    };
    let used = {
        let mut tx = db::begin_tenant(&env.engine.inner.pool, ctx.tenant()).await?;
        let used =
            db::grants::others_use_acs_system(&mut tx, ctx.resident_id(), ctx.grant_id(), system)
                .await?;
        tx.commit().await?;
        used
    };
    if used {
        return Ok(Outcome::skipped(
            "another live grant of the resident still uses this ACS user",
        ));
    }
    ctx.seam.delete_acs_user(user).await?;
    Ok(Outcome::Done(Produced::AcsUserReleased {
        acs_system_id: system.clone(),
        acs_user_id: user.to_owned(),
    }))
}

async fn live_access(env: &StepEnv<'_>, system: &str) -> Result<ResidentAccess, StepError> {
    let mut tx = db::begin_tenant(&env.engine.inner.pool, env.ctx.tenant()).await?;
    let access = db::grants::live_access_on_system(&mut tx, env.ctx.resident_id(), system).await?;
    tx.commit().await?;
    Ok(access)
}

/// One schedule covering every live window: from the earliest start (a grant with none started
/// when it was made) to the latest end, open-ended if any window is. `None` when nothing is
/// live.
fn desired_schedule(access: &ResidentAccess) -> Option<Schedule> {
    let starts_at = access
        .windows
        .iter()
        .map(|w| w.starts_at.unwrap_or(w.created_at))
        .min()?;
    let ends: Option<Vec<DateTime<Utc>>> = access.windows.iter().map(|w| w.ends_at).collect();
    Some(Schedule {
        starts_at: truncate(starts_at),
        ends_at: ends.and_then(|ends| ends.into_iter().max()).map(truncate),
    })
}

/// Seam keeps schedules to the second.
fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    chrono::DurationRound::duration_trunc(at, chrono::TimeDelta::seconds(1)).unwrap_or(at)
}

fn access_schedule(schedule: Schedule) -> AccessSchedule {
    AccessSchedule {
        starts_at: schedule.starts_at,
        ends_at: schedule.ends_at,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn the_schedule_covers_every_live_window() {
        let t = |h: i64| Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap() + Duration::hours(h);
        type Window = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, DateTime<Utc>);
        let access = |windows: Vec<Window>| ResidentAccess {
            seam_access_group_ids: vec![],
            windows: windows
                .into_iter()
                .map(|(starts_at, ends_at, created_at)| LiveWindow {
                    starts_at,
                    ends_at,
                    created_at,
                })
                .collect(),
        };
        assert_eq!(desired_schedule(&access(vec![])), None);
        assert_eq!(
            desired_schedule(&access(vec![
                (Some(t(5)), Some(t(10)), t(0)),
                (None, Some(t(20)), t(2)),
            ])),
            Some(Schedule {
                starts_at: t(2),
                ends_at: Some(t(20))
            })
        );
        // One open-ended grant leaves the schedule open.
        assert_eq!(
            desired_schedule(&access(vec![
                (Some(t(5)), Some(t(10)), t(0)),
                (Some(t(1)), None, t(0)),
            ])),
            Some(Schedule {
                starts_at: t(1),
                ends_at: None
            })
        );
    }
}
