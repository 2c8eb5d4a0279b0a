//! Driving one claimed run: rounds of the steps that may go now, run side by side and each
//! recorded as soon as it is done, until the run is finished, must wait, fails, is cancelled,
//! or its lease is lost.

use std::collections::HashSet;
use std::time::Instant;

use chrono::Utc;
use doorway_domain::{CredentialStatus, StepId, StepStatus};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::context::{ContextError, RunContext};
use super::finish::Ending;
use super::lease::{Holder, Lease};
use super::outcome::{Outcome, RetryCause};
use super::record::Recorded;
use super::{steps, Engine};
use crate::db::queue::ClaimedRun;
use crate::db::runs::StepRow;
use crate::db::{self};

/// What a round came to.
enum Next {
    /// The run goes on; these creating steps were marked started by the round's last write.
    Continue {
        cancel_requested: bool,
        started: HashSet<StepId>,
    },
    /// A step was refused for good: the run fails.
    Failed { step: String, error: String },
    /// The claim no longer holds the run.
    Lost,
    /// The round's last write ended the claim (the run finished, or waits in the queue).
    Ended,
}

/// The step asks Seam to create something (so it is marked started before it does).
fn creates(step: &StepRow) -> bool {
    step.kind.creates()
}

#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Engine {
    pub(super) async fn drive(
        &self,
        claim: ClaimedRun,
        claimed_at: Instant,
        shutdown: &CancellationToken,
    ) -> Result<(), DriveError> {
        let holder = Holder {
            pool: self.inner.pool.clone(),
            tenant: claim.tenant_id,
            resident: claim.resident_id,
            fence: claim.fence,
        };
        let lease = Lease::start(holder, self.inner.settings.lease, claimed_at);
        let driven = self.drive_leased(&claim, &lease, shutdown).await;
        lease.stop().await;
        if driven.is_err() {
            // Hand the run back rather than leave it until the lease expires (if the database
            // lets us: otherwise the lease's expiry does it), once whatever a step sent has had
            // time to land.
            let landing = self.inner.settings.seam_landing;
            let at = Utc::now() + chrono::TimeDelta::from_std(landing).unwrap_or_default();
            if let Ok(mut tx) = db::begin_tenant(&self.inner.pool, claim.tenant_id).await {
                if db::runs::defer(&mut tx, claim.fence, at, None)
                    .await
                    .is_ok()
                {
                    let _ = tx.commit().await;
                }
            }
        }
        driven
    }

    async fn drive_leased(
        &self,
        claim: &ClaimedRun,
        lease: &Lease,
        shutdown: &CancellationToken,
    ) -> Result<(), DriveError> {
        let run_id = claim.fence.run_id;
        if claim.taken_over {
            // The previous holder died without giving the lease back: a create it sent may
            // still land at Seam. Look only once it has had time to.
            tracing::info!(%run_id, "took over an expired lease; waiting for in-flight calls to land");
            tokio::select! {
                () = lease.lost().cancelled() => return Ok(()),
                () = tokio::time::sleep(self.inner.settings.seam_landing) => {}
            }
        }
        let mut ctx = self.load_context(claim, lease.clock()).await?;
        let span = tracing::info_span!(
            "provisioning.run",
            otel.name = %format_args!("run {}", claim.kind.as_str()),
            run_id = %run_id,
            grant_id = %claim.grant_id,
            tenant_id = %claim.tenant_id,
            kind = claim.kind.as_str(),
            fence = claim.fence.token,
            taken_over = claim.taken_over,
        );
        // Before the span starts: it joins the trace of the operation that made the run.
        crate::telemetry::context::continue_from(&span, ctx.trace_context.as_ref());
        self.rounds(claim, &mut ctx, lease, shutdown)
            .instrument(span)
            .await
    }

    /// The claimed run's rounds of steps, until it finishes, waits, fails, is cancelled or lost.
    async fn rounds(
        &self,
        claim: &ClaimedRun,
        ctx: &mut RunContext,
        lease: &Lease,
        shutdown: &CancellationToken,
    ) -> Result<(), DriveError> {
        let run_id = claim.fence.run_id;
        let mut attention: Option<String> = None;
        // Creating steps marked started by the previous round's last write.
        let mut started: HashSet<StepId> = HashSet::new();
        loop {
            if lease.is_lost() {
                tracing::warn!(%run_id, "lost the lease; stopping without writing");
                return Ok(());
            }
            if ctx.cancel_requested || lease.cancel_requested() {
                self.cancel(ctx).await?;
                return Ok(());
            }
            if shutdown.is_cancelled() {
                // Hand the run back at once, so another process (or our successor) takes over.
                self.defer(ctx, Utc::now(), None).await?;
                return Ok(());
            }
            let ready = ctx.ready_steps(Utc::now());
            if ready.is_empty() {
                match self.ending(ctx, &attention) {
                    Ending::Finish => {
                        self.finish(ctx).await?;
                    }
                    Ending::Defer { at, attention } => {
                        self.defer(ctx, at, attention.as_deref()).await?;
                    }
                }
                return Ok(());
            }
            let unstarted: Vec<&StepRow> = ready
                .iter()
                .filter(|s| creates(s) && !started.contains(&s.step_id))
                .collect();
            if !unstarted.is_empty() && !self.start(ctx, &unstarted, lease).await? {
                return Ok(());
            }
            let round = self.round(ctx, &ready, &mut attention);
            let next = tokio::select! {
                () = lease.lost().cancelled() => {
                    tracing::warn!(%run_id, "lost the lease mid-step; stopping without writing");
                    return Ok(());
                }
                next = round => next?,
            };
            match next {
                Next::Lost => {
                    tracing::warn!(%run_id, "lost the run before recording; stopping");
                    return Ok(());
                }
                Next::Ended => return Ok(()),
                Next::Failed { step, error } => {
                    self.fail(ctx, &step, &error).await?;
                    return Ok(());
                }
                Next::Continue {
                    cancel_requested,
                    started: now_started,
                } => {
                    if cancel_requested {
                        lease.note_cancel_requested();
                    }
                    started = now_started;
                }
            }
        }
    }

    /// Marks creating steps started, fenced, before they call Seam: a crash from here on leaves
    /// them uncertain, and their next attempt looks before it creates. `false`: the run was
    /// lost.
    async fn start(
        &self,
        ctx: &RunContext,
        steps: &[&StepRow],
        lease: &Lease,
    ) -> Result<bool, sqlx::Error> {
        let Some(super::Fenced {
            mut tx,
            cancel_requested,
        }) = self.fenced(ctx).await?
        else {
            return Ok(false);
        };
        let ids: Vec<_> = steps.iter().map(|s| s.step_id).collect();
        db::runs::start_steps(&mut tx, &ids).await?;
        tx.commit().await?;
        if cancel_requested {
            lease.note_cancel_requested();
        }
        Ok(true)
    }

    /// Runs the round's steps side by side, each under the step deadline, and records each
    /// as soon as it is done (so that what one created is never held back by a slow other).
    /// The round's last write also marks started the creating steps it makes ready, which
    /// saves the next round a transaction.
    async fn round(
        &self,
        ctx: &mut RunContext,
        ready: &[StepRow],
        attention: &mut Option<String>,
    ) -> Result<Next, sqlx::Error> {
        let deadline = self.inner.settings.step_deadline();
        let started = Utc::now();
        let mut cancel_requested = false;
        let mut done: Vec<(&StepRow, Outcome)> = Vec::with_capacity(ready.len());
        {
            let ctx: &RunContext = ctx;
            let mut running: FuturesUnordered<_> = ready
                .iter()
                .map(|step| async move {
                    let span = tracing::info_span!(
                        "provisioning.step",
                        otel.name = %format_args!("step {}", step.kind.as_str()),
                        step = step.kind.as_str(),
                        step_id = %step.step_id,
                        attempt = step.attempts + 1,
                        outcome = tracing::field::Empty,
                    );
                    let execution = steps::execute(self, ctx, step).instrument(span.clone());
                    let outcome = match tokio::time::timeout(deadline, execution).await {
                        Ok(outcome) => outcome,
                        Err(_) => Outcome::Retry {
                            error: format!(
                                "the step took longer than {} s and was stopped",
                                deadline.as_secs()
                            ),
                            // What it sent may still take effect: look before creating
                            // again.
                            cause: if creates(step) {
                                RetryCause::Ambiguous
                            } else {
                                RetryCause::Transient
                            },
                            after: None,
                        },
                    };
                    let outcome = self.settle(ctx, step, outcome);
                    span.record("outcome", outcome.label());
                    (step, outcome)
                })
                .collect();
            while let Some((step, outcome)) = running.next().await {
                if running.is_empty() {
                    done.push((step, outcome));
                    break;
                }
                match self.record(ctx, step, &outcome, started, &[], None).await? {
                    Recorded::Lost => return Ok(Next::Lost),
                    Recorded::Kept {
                        cancel_requested: c,
                        ..
                    } => cancel_requested |= c,
                }
                done.push((step, outcome));
            }
        }
        let mut failure = None;
        for (step, outcome) in &done {
            match outcome {
                Outcome::Done(produced)
                | Outcome::Skipped {
                    produced: Some(produced),
                    ..
                }
                | Outcome::Progress { produced, .. } => ctx.apply(produced),
                Outcome::Fail { error } => {
                    failure.get_or_insert_with(|| (step.kind.as_str().to_owned(), error.clone()));
                }
                Outcome::Retry {
                    error,
                    cause: RetryCause::Refused | RetryCause::KeyRejected,
                    ..
                } => {
                    *attention = Some(format!(
                        "Seam refused {}: {error}; Doorway keeps retrying",
                        step.kind.as_str()
                    ));
                }
                _ => {}
            }
            if let Some(row) = ctx.step_mut(step.step_id) {
                note(row, outcome);
            }
        }
        let Some((last, outcome)) = done.pop() else {
            return Ok(Next::Continue {
                cancel_requested,
                started: HashSet::new(),
            });
        };
        // What the next round will create, if the run goes on.
        let next: Vec<StepRow> = match failure {
            Some(_) => vec![],
            None => ctx
                .ready_steps(Utc::now())
                .into_iter()
                .filter(creates)
                .collect(),
        };
        let next_ids: Vec<_> = next.iter().map(|s| s.step_id).collect();
        // Nothing left to attempt now: the same write ends the claim, as the next turn of
        // `rounds` would have in a transaction of its own (unless a cancellation was asked for:
        // then `rounds` cancels).
        let ending =
            (failure.is_none() && !cancel_requested && ctx.ready_steps(Utc::now()).is_empty())
                .then(|| self.ending(ctx, attention));
        match self
            .record(ctx, last, &outcome, started, &next_ids, ending.as_ref())
            .await?
        {
            Recorded::Lost => return Ok(Next::Lost),
            Recorded::Kept { ended: true, .. } => return Ok(Next::Ended),
            Recorded::Kept {
                cancel_requested: c,
                ended: false,
            } => cancel_requested |= c,
        }
        if let Some((step, error)) = failure {
            return Ok(Next::Failed { step, error });
        }
        Ok(Next::Continue {
            cancel_requested,
            started: next.iter().map(|s| s.step_id).collect(),
        })
    }

    /// The outcome as the run will record it: a run that ends access (or signs a resident out)
    /// never fails for good (it retries what Seam refused, with a long backoff), and every
    /// retry knows its delay.
    fn settle(&self, ctx: &RunContext, step: &StepRow, outcome: Outcome) -> Outcome {
        let outcome = match outcome {
            Outcome::Fail { error } if ctx.kind().never_fails() => Outcome::Retry {
                error,
                cause: RetryCause::Refused,
                after: None,
            },
            other => other,
        };
        match outcome {
            Outcome::Retry {
                error,
                cause,
                after,
            } => Outcome::Retry {
                error,
                cause,
                after: Some(self.retry_delay(step, cause, after)),
            },
            other => other,
        }
    }

    /// How the claim ends when no step may be attempted now: finished, or deferred until the
    /// next step is due.
    fn ending(&self, ctx: &RunContext, attention: &Option<String>) -> Ending {
        match ctx.next_due() {
            None => Ending::Finish,
            Some(at) => Ending::Defer {
                at,
                attention: attention.clone().or_else(|| self.overdue(ctx)),
            },
        }
    }

    /// Why a run still going long after it was recorded should be looked at.
    fn overdue(&self, ctx: &RunContext) -> Option<String> {
        let limit = self.inner.settings.attention_after;
        let age = (Utc::now() - ctx.claim.created_at).to_std().ok()?;
        if age < limit {
            return None;
        }
        let waiting = ctx.steps.iter().find(|s| !s.status.is_terminal())?;
        let credential = waiting.credential_id.and_then(|c| ctx.credential(Some(c)));
        // Waiting for a window to open (a code Seam holds for its start) is not late.
        if credential.is_some_and(|c| c.status == CredentialStatus::Scheduled) {
            return None;
        }
        let why = credential
            .and_then(|c| c.status_reason.clone())
            .or_else(|| waiting.last_error.clone())
            .unwrap_or_else(|| "Seam has not finished".to_owned());
        Some(format!(
            "not finished after {} minutes; {} is waiting: {why}",
            age.as_secs() / 60,
            waiting.kind.as_str()
        ))
    }
}

/// Mirrors on the in-memory step what recording `outcome` wrote.
fn note(step: &mut StepRow, outcome: &Outcome) {
    step.attempts += 1;
    let (status, not_before) = match outcome {
        Outcome::Done(_) => (StepStatus::Succeeded, None),
        Outcome::Skipped { .. } => (StepStatus::Skipped, None),
        Outcome::Wait { until, .. } | Outcome::Progress { until, .. } => {
            (StepStatus::Running, Some(*until))
        }
        Outcome::Retry { after, cause, .. } => {
            step.uncertain |= *cause == RetryCause::Ambiguous;
            let delay = after.unwrap_or_default();
            (
                StepStatus::Retrying,
                Some(Utc::now() + chrono::TimeDelta::from_std(delay).unwrap_or_default()),
            )
        }
        Outcome::Fail { .. } => (StepStatus::Failed, None),
    };
    if matches!(
        outcome,
        Outcome::Done(_)
            | Outcome::Skipped { .. }
            | Outcome::Progress { .. }
            | Outcome::Fail { .. }
    ) {
        step.uncertain = false;
    }
    step.status = status;
    step.not_before = not_before;
}
