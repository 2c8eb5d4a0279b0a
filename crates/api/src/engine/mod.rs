//! The durable provisioning engine: workers that drive provisioning runs step by step against
//! Seam, so a grant recorded in PostgreSQL becomes credentials at Seam even across crashes,
//! restarts and Seam outages.
//!
//! Invariants:
//! - No database transaction is open while Seam is called: a step records that it started,
//!   commits, calls Seam, then records the result and marks itself done in one transaction.
//! - Seam has no idempotency keys, so every step that creates something looks before it
//!   creates: a step interrupted between "Seam created it" and "we recorded it" finds the object
//!   on its next attempt instead of creating a second one.
//! - A run is driven by one worker at a time (a lease claimed with `for update skip locked`, see
//!   `db::runs`), and a worker that lost its lease cannot record anything.

/// Unwraps a Seam call inside a step, or ends the step with the outcome its error calls for
/// (retry what may pass, fail what Seam refused). Defined before the step modules so they all
/// use this one.
macro_rules! seam {
    ($step:expr, $call:expr) => {
        match $call {
            Ok(value) => value,
            Err(err) => return Outcome::from_seam_error($step.name.as_str(), &err),
        }
    };
}

mod acs_changes;
mod backoff;
mod codes;
mod context;
mod driver;
mod outcome;
mod reconciler;
mod steps;
mod sweeper;

use std::sync::Arc;

use seam_gateway::SeamClient;
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::WorkerSettings;
use crate::crypto::Cipher;
use crate::db;

/// Shared by the workers of one process.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    seam: SeamClient,
    cipher: Cipher,
    settings: WorkerSettings,
    worker_id: String,
    wake: Notify,
}

impl Engine {
    pub fn new(pool: PgPool, seam: SeamClient, cipher: Cipher, settings: WorkerSettings) -> Self {
        let worker_id = format!("{}-{}", hostname(), uuid::Uuid::now_v7());
        Self {
            inner: Arc::new(Inner {
                pool,
                seam,
                cipher,
                settings,
                worker_id,
                wake: Notify::new(),
            }),
        }
    }

    /// Tells an idle worker that a run was just queued, so it starts without waiting to poll.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Starts the workers. They stop claiming runs once `shutdown` is cancelled, finish the
    /// step in hand, hand their run back to the queue and end; the set then completes.
    pub fn spawn(&self, shutdown: CancellationToken) -> JoinSet<()> {
        let mut workers = JoinSet::new();
        for _ in 0..self.inner.settings.concurrency.max(1) {
            let engine = self.clone();
            let shutdown = shutdown.clone();
            workers.spawn(async move { engine.work(shutdown).await });
        }
        let engine = self.clone();
        let sweeper_shutdown = shutdown.clone();
        workers.spawn(async move { engine.sweep_forever(sweeper_shutdown).await });
        let engine = self.clone();
        let every = self.inner.settings.reconcile_every;
        workers.spawn(async move { engine.reconcile_forever(every, shutdown).await });
        workers
    }

    async fn work(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            match self.claim().await {
                Ok(Some(run)) => {
                    let run_id = run.run_id;
                    if let Err(err) = self.drive(run, &shutdown).await {
                        tracing::error!(%run_id, error = ?err, "provisioning run interrupted; it resumes when its lease expires");
                    }
                }
                Ok(None) => {
                    tokio::select! {
                        () = shutdown.cancelled() => {}
                        () = self.inner.wake.notified() => {}
                        () = tokio::time::sleep(self.inner.settings.poll_interval) => {}
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "could not claim a provisioning run");
                    tokio::select! {
                        () = shutdown.cancelled() => {}
                        () = tokio::time::sleep(self.inner.settings.poll_interval * 4) => {}
                    }
                }
            }
        }
    }

    async fn claim(&self) -> Result<Option<db::runs::ClaimedRun>, sqlx::Error> {
        let mut tx = db::begin_scope(&self.inner.pool, db::Scope::Worker).await?;
        let claimed =
            db::runs::claim_due(&mut tx, &self.inner.worker_id, self.inner.settings.lease).await?;
        tx.commit().await?;
        Ok(claimed)
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "doorway".to_owned())
}
