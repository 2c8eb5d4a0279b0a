//! Recording one attempt of a step: what it produced, its status, and when to try it next, in
//! one transaction fenced on the claim. A transaction whose fence no longer holds changes
//! nothing, and the worker stops.

use std::time::Duration;

use chrono::{DateTime, Utc};
use doorway_domain::{CredentialId, CredentialStatus, RunKind, StepId, StepStatus};
use serde_json::json;

use super::context::RunContext;
use super::finish::{self, Ending};
use super::outcome::{Outcome, Produced, RetryCause};
use super::{backoff, steps, Engine};
use crate::db::runs::{StepResult, StepRow};
use crate::db::{self, TenantTx};

/// How long a tenant's runs pause after Seam refused its API key, before one tries again.
const KEY_PAUSE: Duration = Duration::from_secs(300);

/// Whether the write held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded; `cancel_requested`: a cancellation was requested meanwhile; `ended`: the
    /// claim's [`Ending`] was written too.
    Kept { cancel_requested: bool, ended: bool },
    /// The claim no longer holds the run: nothing was written.
    Lost,
}

impl Engine {
    /// Records `outcome` of an attempt of `step` that started at `started`, and in the same
    /// transaction marks `next` (creating steps the outcome makes ready) started, or ends the
    /// claim as `ending` says, unless a cancellation was requested (the driver then cancels).
    pub(super) async fn record(
        &self,
        ctx: &RunContext,
        step: &StepRow,
        outcome: &Outcome,
        started: DateTime<Utc>,
        next: &[StepId],
        ending: Option<&Ending>,
    ) -> Result<Recorded, sqlx::Error> {
        let Some(super::Fenced {
            mut tx,
            cancel_requested,
        }) = self.fenced(ctx).await?
        else {
            return Ok(Recorded::Lost);
        };
        crate::metrics::step_executed(step.kind.as_str(), outcome.label());
        let step_id = step.step_id;
        let count_attempt = !step.kind.creates();
        let empty = json!({});
        match outcome {
            Outcome::Done(produced) => {
                apply(&mut tx, ctx, produced).await?;
                let ids = produced.seam_ids();
                db::runs::finish_step(
                    &mut tx,
                    step_id,
                    &settled(count_attempt, StepStatus::Succeeded, &ids),
                )
                .await?;
            }
            Outcome::Skipped { reason, produced } => {
                let mut ids = json!({ "skipped": reason });
                if let Some(produced) = produced {
                    apply(&mut tx, ctx, produced).await?;
                    if let (Some(ids), serde_json::Value::Object(more)) =
                        (ids.as_object_mut(), produced.seam_ids())
                    {
                        ids.extend(more);
                    }
                }
                db::runs::finish_step(
                    &mut tx,
                    step_id,
                    &settled(count_attempt, StepStatus::Skipped, &ids),
                )
                .await?;
            }
            Outcome::Wait { until, reason } => {
                // An event about the credential applied while this attempt looked (events lock
                // the resident first too, so it committed before this transaction) means the
                // next look need not wait.
                let woken = match step.credential_id {
                    Some(id) => db::credentials::changed_since(&mut tx, id, started).await?,
                    None => false,
                };
                if let Some(reason) = reason {
                    explain(&mut tx, ctx, step, reason).await?;
                }
                let result = StepResult {
                    count_attempt,
                    status: StepStatus::Running,
                    seam_ids: &empty,
                    last_error: None,
                    not_before: Some(if woken { Utc::now() } else { *until }),
                    uncertain: step.uncertain,
                };
                db::runs::finish_step(&mut tx, step_id, &result).await?;
            }
            Outcome::Progress { produced, until } => {
                apply(&mut tx, ctx, produced).await?;
                let ids = produced.seam_ids();
                let result = StepResult {
                    count_attempt,
                    status: StepStatus::Running,
                    seam_ids: &ids,
                    last_error: None,
                    not_before: Some(*until),
                    uncertain: false,
                };
                db::runs::finish_step(&mut tx, step_id, &result).await?;
            }
            Outcome::Retry {
                error,
                cause,
                after,
            } => {
                // The driver settled the delay; a bare retry gets the usual one.
                let delay = after.unwrap_or_else(|| self.retry_delay(step, *cause, None));
                let until = Utc::now() + delay;
                match cause {
                    RetryCause::KeyRejected => {
                        let reason = "Seam rejected the tenant's API key; its provisioning is \
                                      paused until the key is replaced (rotateTenantSeamKey)";
                        db::engine_state::pause(&mut tx, until, reason).await?;
                    }
                    RetryCause::RateLimited => throttle(&mut tx, ctx, step, until).await?,
                    _ => {}
                }
                let result = StepResult {
                    count_attempt,
                    status: StepStatus::Retrying,
                    seam_ids: &empty,
                    last_error: Some(error),
                    not_before: Some(until),
                    uncertain: step.uncertain || *cause == RetryCause::Ambiguous,
                };
                db::runs::finish_step(&mut tx, step_id, &result).await?;
            }
            Outcome::Fail { error } => {
                let result = StepResult {
                    count_attempt,
                    status: StepStatus::Failed,
                    seam_ids: &empty,
                    last_error: Some(error),
                    not_before: None,
                    uncertain: false,
                };
                db::runs::finish_step(&mut tx, step_id, &result).await?;
            }
        }
        let key_rejected = matches!(
            outcome,
            Outcome::Retry {
                cause: RetryCause::KeyRejected,
                ..
            }
        );
        if ctx.paused && !key_rejected {
            // The run let through after a pause found the key accepted.
            db::engine_state::resume(&mut tx).await?;
        }
        db::runs::start_steps(&mut tx, next).await?;
        let ending = ending.filter(|_| !cancel_requested);
        if let Some(ending) = ending {
            finish::end_in(&mut tx, ctx, ending).await?;
        }
        tx.commit().await?;
        if let Some(Ending::Finish) = ending {
            finish::log_finished(ctx);
        }
        Ok(Recorded::Kept {
            cancel_requested,
            ended: ending.is_some(),
        })
    }

    /// How long before a step is tried again. A `Retry-After` from Seam is honoured.
    pub(super) fn retry_delay(
        &self,
        step: &StepRow,
        cause: RetryCause,
        after: Option<Duration>,
    ) -> Duration {
        let settings = &self.inner.settings;
        let base = match cause {
            // Give a create that may be in flight time to land before looking for it.
            RetryCause::Ambiguous => settings.seam_landing,
            RetryCause::Refused => backoff::after_refusal(step.attempts),
            RetryCause::KeyRejected => KEY_PAUSE,
            RetryCause::Transient | RetryCause::RateLimited => {
                backoff::after_failure(step.attempts)
            }
        };
        after.map_or(base, |after| after.max(base))
    }
}

fn settled(count_attempt: bool, status: StepStatus, ids: &serde_json::Value) -> StepResult<'_> {
    StepResult {
        count_attempt,
        status,
        seam_ids: ids,
        last_error: None,
        not_before: None,
        uncertain: false,
    }
}

/// A PIN Seam returned, sealed for storage (bound to its credential).
fn seal_pin(
    ctx: &RunContext,
    id: CredentialId,
    code: &Option<seam_gateway::Pin>,
) -> Option<Vec<u8>> {
    code.as_ref().map(|pin| {
        ctx.cipher
            .seal(pin.expose().as_bytes(), &db::credentials::pin_context(id))
    })
}

/// Writes what a step produced onto Doorway's own records.
async fn apply(
    tx: &mut TenantTx,
    ctx: &RunContext,
    produced: &Produced,
) -> Result<(), sqlx::Error> {
    let resident = ctx.resident_id();
    match produced {
        Produced::UserIdentity(id) => db::residents::set_user_identity(tx, resident, id).await,
        Produced::CredentialManager(id) => {
            db::grants::set_credential_manager(tx, ctx.grant_id(), id).await
        }
        Produced::EnrollmentAutomation(_) | Produced::Changed(_) => Ok(()),
        Produced::AcsUser {
            acs_system_id,
            acs_user_id,
            schedule,
        } => {
            db::residents::record_acs_user(tx, resident, acs_system_id, acs_user_id, *schedule)
                .await
        }
        Produced::AcsUserSchedule {
            acs_system_id,
            schedule,
        } => db::residents::record_acs_user_schedule(tx, resident, acs_system_id, *schedule).await,
        Produced::AcsUserReleased { acs_system_id, .. } => {
            db::residents::forget_acs_user(tx, resident, acs_system_id).await
        }
        Produced::AcsCredential {
            credential_id,
            acs_credential_id,
            code,
        } => {
            let id = *credential_id;
            db::credentials::record_created(
                tx,
                id,
                acs_credential_id,
                seal_pin(ctx, id, code).as_deref(),
            )
            .await
        }
        Produced::Replacement {
            credential_id,
            acs_credential_id,
            code,
        } => {
            let id = *credential_id;
            db::credentials::record_replacement(
                tx,
                id,
                acs_credential_id,
                seal_pin(ctx, id, code).as_deref(),
            )
            .await
        }
        Produced::AccessibleEntrances {
            credential_id,
            entrance_ids,
            ..
        } => db::credentials::replace_entrances(tx, *credential_id, entrance_ids).await,
        Produced::AccessCode {
            credential_id,
            access_code_id,
            code,
        } => {
            let id = *credential_id;
            db::credentials::record_access_code_created(
                tx,
                id,
                access_code_id,
                seal_pin(ctx, id, code).as_deref(),
            )
            .await
        }
        // Found only now (a create whose answer was lost): recorded so that its removal can
        // be watched.
        Produced::Removing {
            credential_id,
            access_code_id,
        } => {
            let id = *credential_id;
            db::credentials::record_access_code_created(tx, id, access_code_id, None).await
        }
        Produced::Issued {
            credential_id,
            status,
            code,
            issued_at,
        } => {
            let id = *credential_id;
            db::credentials::record_issued(
                tx,
                id,
                *status,
                seal_pin(ctx, id, code).as_deref(),
                *issued_at,
            )
            .await?;
            if ctx.kind() == RunKind::Provision {
                db::grants::activate_if_all_live(tx, ctx.grant_id()).await?;
            }
            Ok(())
        }
        Produced::Rescheduled { credential_id, .. } => {
            db::credentials::clear_issued(tx, *credential_id).await
        }
        Produced::Gone { credential_id, .. } => {
            let (status, reason) = ended(ctx.kind());
            db::credentials::record_gone(tx, *credential_id, status, reason).await?;
            Ok(())
        }
        Produced::SupersededGone { credential_id, .. } => {
            db::credentials::forget_superseded(tx, *credential_id).await
        }
    }
}

/// How a credential removed by a run of this kind ends, and why.
pub fn ended(kind: RunKind) -> (CredentialStatus, Option<&'static str>) {
    match kind {
        RunKind::Expire => (CredentialStatus::Expired, None),
        RunKind::Compensate => (
            CredentialStatus::Revoked,
            Some("provisioning failed; what was created at Seam was removed"),
        ),
        RunKind::Provision | RunKind::Revoke | RunKind::Reschedule | RunKind::SignOut => {
            (CredentialStatus::Revoked, None)
        }
    }
}

/// Shows why a step waits on its credential and on the grant (a lock offline, say).
async fn explain(
    tx: &mut TenantTx,
    ctx: &RunContext,
    step: &StepRow,
    reason: &str,
) -> Result<(), sqlx::Error> {
    if let Some(credential) = step.credential_id {
        db::credentials::explain(tx, credential, reason).await?;
    }
    if ctx.kind() == RunKind::SignOut {
        // The grant a sign-out is recorded on may have ended long ago: its reason stays.
        return Ok(());
    }
    db::grants::explain(tx, ctx.grant_id(), reason).await
}

/// Seam answered 429: the device (for a call about one lock) or the whole workspace gets no
/// call from any process before `until`.
async fn throttle(
    tx: &mut TenantTx,
    ctx: &RunContext,
    step: &StepRow,
    until: chrono::DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let device = step
        .credential_id
        .and_then(|c| ctx.lock_of(c))
        .and_then(|l| l.seam_device_id.as_deref());
    match (steps::device_bucket(step.kind), device) {
        (Some(bucket), Some(device)) => db::device_windows::block(tx, device, bucket, until).await,
        _ => db::engine_state::back_off(tx, until).await,
    }
}
