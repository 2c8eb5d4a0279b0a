//! How a run ends, each in one transaction fenced on the claim: finished (the grant takes the
//! status its kind promises), failed (a provisioning is undone by a compensating run recorded
//! in the same transaction), cancelled, or put back in the queue until its next step is due.

use chrono::{DateTime, Utc};
use doorway_domain::{compile_revocation, CredentialStatus, GrantStatus, RunKind, RunStatus};

use super::context::RunContext;
use super::record::ended;
use super::{Engine, Fenced};
use crate::db::{self, TenantTx};

impl Engine {
    /// Every step is finished: the grant becomes what the run's kind promises. `false`: the
    /// run was lost (nothing written).
    pub(super) async fn finish(&self, ctx: &RunContext) -> Result<bool, sqlx::Error> {
        let Some(Fenced { mut tx, .. }) = self.fenced(ctx).await? else {
            return Ok(false);
        };
        let done = finish_in(&mut tx, ctx).await?;
        tx.commit().await?;
        log_finished(ctx);
        Ok(done)
    }

    /// A step was refused for good (`step`: `error`). A provisioning fails and what it
    /// created is removed by a compensating run recorded in this same transaction; a
    /// rescheduling fails with the reason shown on the grant.
    pub(super) async fn fail(
        &self,
        ctx: &RunContext,
        step: &str,
        error: &str,
    ) -> Result<bool, sqlx::Error> {
        let Some(Fenced { mut tx, .. }) = self.fenced(ctx).await? else {
            return Ok(false);
        };
        let grant = ctx.grant_id();
        match ctx.kind() {
            RunKind::Provision => {
                let reason = format!("{step}: {error}");
                if db::grants::transition(&mut tx, grant, GrantStatus::Failed, Some(&reason))
                    .await?
                {
                    self.compensate(&mut tx, ctx, &reason).await?;
                }
            }
            RunKind::Reschedule => {
                let reason = format!("rescheduling stopped at {step}: {error}");
                for status in [GrantStatus::Active, GrantStatus::Provisioning] {
                    db::grants::transition_from(&mut tx, grant, status, status, Some(&reason))
                        .await?;
                }
            }
            // Steps that end access, and sign-outs, are retried, never failed (see the driver).
            RunKind::Revoke | RunKind::Expire | RunKind::Compensate | RunKind::SignOut => {}
        }
        let done = db::runs::complete(&mut tx, ctx.claim.fence, RunStatus::Failed).await?;
        tx.commit().await?;
        tracing::warn!(run_id = %ctx.claim.fence.run_id, grant_id = %grant, step, error, "run failed");
        Ok(done)
    }

    /// Records the removal of whatever a failed provisioning created: credentials that may
    /// exist at Seam are REVOKING until the compensating run has seen them gone; those never
    /// sent to Seam are FAILED at once.
    async fn compensate(
        &self,
        tx: &mut TenantTx,
        ctx: &RunContext,
        reason: &str,
    ) -> Result<(), sqlx::Error> {
        let removing = format!("provisioning failed ({reason}); removing it from Seam");
        for credential in &ctx.credentials {
            let id = credential.credential_id;
            let at_seam = credential.seam_acs_credential_id.is_some()
                || credential.seam_access_code_id.is_some()
                || ctx.uncertain_creates.contains(&credential.credential_id)
                || ctx.steps.iter().any(|s| {
                    s.credential_id == Some(credential.credential_id)
                        && s.uncertain
                        && s.kind.creates()
                });
            let (next, why) = if at_seam {
                (CredentialStatus::Revoking, removing.as_str())
            } else {
                (CredentialStatus::Failed, reason)
            };
            db::credentials::transition(tx, id, next, Some(why), CredentialStatus::ALL).await?;
        }
        let groups: Vec<_> = ctx
            .access_groups
            .iter()
            .map(|g| g.access_group_id)
            .collect();
        let plan = compile_revocation(
            ctx.provider,
            &db::credentials::planned(&ctx.credentials),
            &groups,
        );
        let ids: Vec<_> = ctx.credentials.iter().map(|c| c.credential_id).collect();
        db::runs::insert_plan(tx, ctx.grant_id(), RunKind::Compensate, &plan, &ids).await?;
        Ok(())
    }

    /// Stops the run at the request of a revocation or an operator. A provisioning stopped while
    /// its grant still provisions fails, and what it made is removed, as for any failure; one
    /// stopped by a revocation leaves the cleaning to the revocation.
    pub(super) async fn cancel(&self, ctx: &RunContext) -> Result<bool, sqlx::Error> {
        let Some(Fenced { mut tx, .. }) = self.fenced(ctx).await? else {
            return Ok(false);
        };
        let grant = ctx.grant_id();
        match ctx.kind() {
            RunKind::Provision => {
                let reason = "provisioning cancelled by an operator";
                if db::grants::transition_from(
                    &mut tx,
                    grant,
                    GrantStatus::Provisioning,
                    GrantStatus::Failed,
                    Some(reason),
                )
                .await?
                {
                    self.compensate(&mut tx, ctx, reason).await?;
                }
            }
            RunKind::Reschedule => {
                let reason = "rescheduling cancelled before it was applied everywhere";
                for status in [GrantStatus::Active, GrantStatus::Provisioning] {
                    db::grants::transition_from(&mut tx, grant, status, status, Some(reason))
                        .await?;
                }
            }
            // An operator stopped a removal: the grant says so, and revoking it again resumes.
            RunKind::Revoke | RunKind::Expire | RunKind::Compensate => {
                let reason =
                    "removal cancelled by an operator; revoke the grant again to resume it";
                db::grants::explain(&mut tx, grant, reason).await?;
            }
            // Moving the resident out again records a new sign-out.
            RunKind::SignOut => {}
        }
        let done = db::runs::complete(&mut tx, ctx.claim.fence, RunStatus::Cancelled).await?;
        tx.commit().await?;
        tracing::info!(run_id = %ctx.claim.fence.run_id, "run cancelled; stopped");
        Ok(done)
    }

    /// Puts the run back in the queue until `at`, flagged for an operator with `attention`.
    pub(super) async fn defer(
        &self,
        ctx: &RunContext,
        at: DateTime<Utc>,
        attention: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let Some(Fenced { mut tx, .. }) = self.fenced(ctx).await? else {
            return Ok(false);
        };
        let done = defer_in(&mut tx, ctx, at, attention).await?;
        tx.commit().await?;
        Ok(done)
    }
}

/// How a claim of a run ends when no step is left to attempt now, decided before the round's
/// last write so that the write ends it too (one transaction less per claim).
#[derive(Debug, Clone)]
pub(super) enum Ending {
    /// Every step is finished.
    Finish,
    /// Back to the queue until `at`, needing an operator's attention when `attention` says why.
    Defer {
        at: DateTime<Utc>,
        attention: Option<String>,
    },
}

/// Ends the claim as `ending` says, in the caller's fenced transaction. `false`: the run was
/// lost.
pub(super) async fn end_in(
    tx: &mut TenantTx,
    ctx: &RunContext,
    ending: &Ending,
) -> Result<bool, sqlx::Error> {
    match ending {
        Ending::Finish => finish_in(tx, ctx).await,
        Ending::Defer { at, attention } => defer_in(tx, ctx, *at, attention.as_deref()).await,
    }
}

/// The grant becomes what the run's kind promises, and the run SUCCEEDED.
async fn finish_in(tx: &mut TenantTx, ctx: &RunContext) -> Result<bool, sqlx::Error> {
    let grant = ctx.grant_id();
    match ctx.kind() {
        // A grant revoked meanwhile stays REVOKING: the transition table refuses ACTIVE.
        RunKind::Provision => {
            db::grants::transition(tx, grant, GrantStatus::Active, None).await?;
        }
        RunKind::Reschedule => {
            for status in [GrantStatus::Active, GrantStatus::Provisioning] {
                db::grants::transition_from(tx, grant, status, status, None).await?;
            }
        }
        RunKind::Revoke | RunKind::Expire | RunKind::Compensate => {
            let (status, reason) = ended(ctx.kind());
            for credential in &ctx.credentials {
                let id = credential.credential_id;
                db::credentials::record_gone(tx, id, status, reason).await?;
            }
            end_grant(tx, ctx).await?;
        }
        // The resident's sessions are gone; their grants are the revocations' business.
        RunKind::SignOut => {}
    }
    db::runs::complete(tx, ctx.claim.fence, RunStatus::Succeeded).await
}

pub(super) fn log_finished(ctx: &RunContext) {
    tracing::info!(run_id = %ctx.claim.fence.run_id, grant_id = %ctx.grant_id(), kind = ctx.kind().as_str(), "run finished");
}

/// The run goes back to the queue until `at` (or a step woken meanwhile).
async fn defer_in(
    tx: &mut TenantTx,
    ctx: &RunContext,
    at: DateTime<Utc>,
    attention: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = db::runs::defer(tx, ctx.claim.fence, at, attention).await?;
    if let (true, Some(attention), true) = (done, attention, ctx.kind() != RunKind::SignOut) {
        // The portal shows it on the grant too: it is why the grant is not done.
        db::grants::explain(tx, ctx.grant_id(), attention).await?;
    }
    Ok(done)
}

/// The grant of a finished removal: REVOKED or EXPIRED; a failed grant stays FAILED, saying
/// nothing of it is left.
async fn end_grant(tx: &mut TenantTx, ctx: &RunContext) -> Result<(), sqlx::Error> {
    let grant = ctx.grant_id();
    match ctx.kind() {
        RunKind::Expire => {
            let reason = "the access window has ended";
            db::grants::transition(tx, grant, GrantStatus::Expired, Some(reason)).await?;
        }
        RunKind::Compensate => {
            let reason = ctx
                .grant
                .status_reason
                .as_deref()
                .unwrap_or("provisioning failed");
            let reason = format!("{reason}; nothing of it is left at Seam");
            db::grants::transition_from(
                tx,
                grant,
                GrantStatus::Failed,
                GrantStatus::Failed,
                Some(&reason),
            )
            .await?;
        }
        _ => {
            db::grants::transition(tx, grant, GrantStatus::Revoked, None).await?;
        }
    }
    Ok(())
}
