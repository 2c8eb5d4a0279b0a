//! Driving one claimed run: step after step until it is done, must wait, or fails.

use chrono::Utc;
use doorway_domain::{CredentialStatus, GrantStatus, RunKind, RunStatus, StepStatus};
use tokio_util::sync::CancellationToken;

use super::context::{ContextError, NextStep, RunContext};
use super::outcome::{Outcome, Produced};
use super::{backoff, Engine};
use crate::db::runs::ClaimedRun;
use crate::db::{self, TenantTx};

#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What to do after recording a step.
enum Next {
    Continue,
    Stop,
}

impl Engine {
    pub(super) async fn drive(
        &self,
        run: ClaimedRun,
        shutdown: &CancellationToken,
    ) -> Result<(), DriveError> {
        let worker = self.inner.worker_id.as_str();
        loop {
            let ctx = self.load_context(&run).await?;
            if ctx.cancelled {
                // A revocation superseded this run: stop, and let the revocation proceed.
                let mut db = db::begin_tenant(&self.inner.pool, run.tenant_id).await?;
                db::runs::release(&mut db, run.run_id, worker).await?;
                db.commit().await?;
                tracing::info!(run_id = %run.run_id, "run cancelled; stopped");
                return Ok(());
            }
            if shutdown.is_cancelled() {
                // Hand the run back at once so another process (or our successor) takes over.
                let mut db = db::begin_tenant(&self.inner.pool, run.tenant_id).await?;
                db::runs::defer(&mut db, run.run_id, worker, Utc::now()).await?;
                db.commit().await?;
                return Ok(());
            }
            let Some(step) = ctx.next_step() else {
                return self.finish(&run, &ctx).await;
            };
            let mut db = db::begin_tenant(&self.inner.pool, run.tenant_id).await?;
            let held = db::runs::start_step(
                &mut db,
                run.run_id,
                step.step_id,
                worker,
                self.inner.settings.lease,
            )
            .await?;
            db.commit().await?;
            if !held {
                tracing::warn!(run_id = %run.run_id, "lost the lease on a run; another worker has it");
                return Ok(());
            }
            let step = NextStep {
                attempts: step.attempts + 1,
                ..step
            };
            let outcome = self.execute(&ctx, &step).await;
            tracing::debug!(run_id = %run.run_id, step = %step.name, ?outcome, "step executed");
            match self.record(&run, &ctx, &step, outcome).await? {
                Next::Continue => {}
                Next::Stop => return Ok(()),
            }
        }
    }

    /// Records a step's outcome in one transaction, fenced on still holding the lease.
    async fn record(
        &self,
        run: &ClaimedRun,
        ctx: &RunContext,
        step: &NextStep,
        outcome: Outcome,
    ) -> Result<Next, DriveError> {
        let worker = self.inner.worker_id.as_str();
        let mut db = db::begin_tenant(&self.inner.pool, run.tenant_id).await?;
        if !db::runs::holds_lease(&mut db, run.run_id, worker).await? {
            tracing::warn!(run_id = %run.run_id, step = %step.name, "lost the lease before recording; the next attempt will reconcile");
            return Ok(Next::Stop);
        }
        crate::metrics::step_executed(&step.name, outcome.label());
        let next = match outcome {
            Outcome::Done(produced) => {
                apply(&mut db, ctx, &produced).await?;
                db::runs::finish_step(
                    &mut db,
                    step.step_id,
                    StepStatus::Succeeded,
                    &produced.seam_ids(),
                    None,
                )
                .await?;
                Next::Continue
            }
            Outcome::Skipped { reason, produced } => {
                let mut ids = serde_json::json!({ "skipped": reason });
                if let Some(produced) = &produced {
                    apply(&mut db, ctx, produced).await?;
                    merge(&mut ids, produced.seam_ids());
                }
                db::runs::finish_step(&mut db, step.step_id, StepStatus::Skipped, &ids, None)
                    .await?;
                Next::Continue
            }
            Outcome::Wait { after } => {
                let at = Utc::now() + after;
                db::runs::finish_step(
                    &mut db,
                    step.step_id,
                    StepStatus::Running,
                    &serde_json::json!({}),
                    None,
                )
                .await?;
                db::runs::defer(&mut db, run.run_id, worker, at).await?;
                Next::Stop
            }
            Outcome::Retry { error } => {
                let at = Utc::now() + backoff::after_failure(step.attempts);
                db::runs::finish_step(
                    &mut db,
                    step.step_id,
                    StepStatus::Retrying,
                    &serde_json::json!({}),
                    Some(&error),
                )
                .await?;
                db::runs::defer(&mut db, run.run_id, worker, at).await?;
                Next::Stop
            }
            Outcome::Fail { error } => {
                db::runs::finish_step(
                    &mut db,
                    step.step_id,
                    StepStatus::Failed,
                    &serde_json::json!({}),
                    Some(&error),
                )
                .await?;
                let reason = format!("{}: {error}", step.name);
                match ctx.kind {
                    RunKind::Provision => {
                        db::grants::set_status(
                            &mut db,
                            ctx.grant_id(),
                            GrantStatus::Failed,
                            Some(&reason),
                        )
                        .await?;
                        db::credentials::fail_unissued_of_grant(&mut db, ctx.grant_id(), &reason)
                            .await?;
                    }
                    // A grant whose revocation stopped stays REVOKING (never reported REVOKED
                    // while something may be left at Seam); the reason tells the portal why.
                    RunKind::Revoke => {
                        let reason = format!("revocation stopped at {reason}");
                        db::grants::set_status(
                            &mut db,
                            ctx.grant_id(),
                            GrantStatus::Revoking,
                            Some(&reason),
                        )
                        .await?;
                    }
                    RunKind::Reschedule => {
                        let status =
                            GrantStatus::parse(&ctx.grant.status).unwrap_or(GrantStatus::Active);
                        let reason = format!("rescheduling stopped at {reason}");
                        db::grants::set_status(&mut db, ctx.grant_id(), status, Some(&reason))
                            .await?;
                    }
                }
                db::runs::complete(&mut db, run.run_id, worker, RunStatus::Failed).await?;
                tracing::warn!(run_id = %run.run_id, grant_id = %ctx.grant.grant_id, %reason, "run failed");
                Next::Stop
            }
        };
        db.commit().await?;
        Ok(next)
    }

    async fn finish(&self, run: &ClaimedRun, ctx: &RunContext) -> Result<(), DriveError> {
        let mut db = db::begin_tenant(&self.inner.pool, run.tenant_id).await?;
        if db::runs::holds_lease(&mut db, run.run_id, &self.inner.worker_id).await? {
            let grant = ctx.grant_id();
            match ctx.kind {
                RunKind::Provision => {
                    db::grants::set_status(&mut db, grant, GrantStatus::Active, None).await?
                }
                RunKind::Revoke => {
                    db::credentials::set_status_of_grant(
                        &mut db,
                        grant,
                        CredentialStatus::Revoked,
                        None,
                    )
                    .await?;
                    db::grants::set_status(&mut db, grant, GrantStatus::Revoked, None).await?;
                }
                RunKind::Reschedule => {
                    db::credentials::refresh_window_status(&mut db, grant).await?;
                    let status =
                        GrantStatus::parse(&ctx.grant.status).unwrap_or(GrantStatus::Active);
                    db::grants::set_status(&mut db, grant, status, None).await?;
                }
            }
            db::runs::complete(
                &mut db,
                run.run_id,
                &self.inner.worker_id,
                RunStatus::Succeeded,
            )
            .await?;
            tracing::info!(run_id = %run.run_id, grant_id = %ctx.grant.grant_id, kind = ctx.kind.as_str(), "run finished");
        }
        db.commit().await?;
        Ok(())
    }
}

/// Writes what a step produced onto Doorway's own records.
async fn apply(
    db: &mut TenantTx,
    ctx: &RunContext,
    produced: &Produced,
) -> Result<(), sqlx::Error> {
    match produced {
        Produced::UserIdentity(id) => {
            db::residents::set_user_identity(db, ctx.resident_id(), id).await
        }
        Produced::CredentialManager(id) => {
            db::grants::set_credential_manager(db, ctx.grant_id(), id).await
        }
        Produced::EnrollmentAutomation(_) => Ok(()),
        Produced::AcsUser {
            acs_system_id,
            acs_user_id,
        } => {
            db::residents::record_acs_user(db, ctx.resident_id(), acs_system_id, acs_user_id).await
        }
        Produced::AcsCredential {
            credential_id,
            acs_credential_id,
            code,
        } => {
            db::credentials::record_created(
                db,
                (*credential_id).into(),
                acs_credential_id,
                code.as_deref(),
            )
            .await
        }
        Produced::AccessibleEntrances {
            credential_id,
            entrance_ids,
            ..
        } => db::credentials::replace_entrances(db, (*credential_id).into(), entrance_ids).await,
        Produced::AccessCode {
            credential_id,
            access_code_id,
            code,
        } => {
            db::credentials::record_access_code_created(
                db,
                (*credential_id).into(),
                access_code_id,
                code.as_deref(),
            )
            .await
        }
        Produced::Deleted {
            credential_id,
            revoked,
            ..
        } => db::credentials::record_deleted(db, (*credential_id).into(), *revoked).await,
        Produced::AcsUserReleased { acs_system_id, .. } => {
            db::residents::forget_acs_user(db, ctx.resident_id(), acs_system_id).await
        }
        Produced::Changed(_) => Ok(()),
        Produced::Issued {
            credential_id,
            code,
            issued_at,
        } => {
            let status = CredentialStatus::issued(ctx.grant.starts_at, Utc::now());
            db::credentials::record_issued(
                db,
                (*credential_id).into(),
                status,
                code.as_deref(),
                *issued_at,
            )
            .await
        }
    }
}

fn merge(into: &mut serde_json::Value, from: serde_json::Value) {
    if let (Some(into), serde_json::Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}
