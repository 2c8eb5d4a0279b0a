//! The durable provisioning engine: workers that drive provisioning runs step by step against
//! Seam, so that a grant, a change or a revocation recorded in PostgreSQL reaches Seam exactly
//! as recorded, across crashes, restarts, stalls and Seam outages (`../shared/ENGINE.md`).
//!
//! Invariants:
//! - One worker acts for a run at a time, and only while its claim holds: every claim issues
//!   a fencing token that each write must match (`db::runs`, `db::queue`), a heartbeat keeps
//!   the lease alive and stops the worker the moment it fails ([`lease`]), and no request is
//!   sent to Seam unless the lease outlasts it.
//! - Statuses move only through the domain's transition table, by compare-and-set: a
//!   revocation always wins over a late provisioning finish.
//! - No database transaction is open while Seam is called: a step records that it started,
//!   commits, calls Seam, then records the result in one transaction.
//! - Seam has no idempotency keys: a step that may have created something unrecorded looks
//!   before it creates again; a first attempt creates directly.
//! - Nothing waits long inside a step: a lock without room under Seam's limit, a
//!   `Retry-After`, a code not yet set on its lock all put the run back in the queue.

mod background;
pub(crate) use background::Wake;
mod backoff;
mod context;
mod driver;
mod finish;
mod lease;
mod outcome;
mod reconciler;
mod record;
mod steps;
mod sweeper;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use seam_gateway::SeamClient;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::WorkerSettings;
use crate::crypto::Cipher;
use crate::db::{self, queue::ClaimedRun};

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
    /// This process, in logs and on the leases it holds; never what a write is checked on.
    holder: String,
    wake: Notify,
    /// Something in this process changed when runs next fall due (a run deferred, a lease
    /// given back, a grant recorded): the timekeeper looks again.
    reschedule: Notify,
    /// This process recorded or changed a grant: the sweep looks at its window.
    grants_changed: Notify,
    /// How many times this process looked at the run queue (claims tried, and the
    /// timekeeper's questions): what an idle service costs its database.
    queue_looks: AtomicU64,
}

/// The channel on which the database announces runs that became due.
const RUNS_CHANNEL: &str = "doorway_runs";

impl Engine {
    pub fn new(pool: PgPool, seam: SeamClient, cipher: Cipher, settings: WorkerSettings) -> Self {
        let holder = format!("{}-{}", hostname(), uuid::Uuid::now_v7());
        Self {
            inner: Arc::new(Inner {
                pool,
                seam,
                cipher,
                settings,
                holder,
                wake: Notify::new(),
                reschedule: Notify::new(),
                grants_changed: Notify::new(),
                queue_looks: AtomicU64::new(0),
            }),
        }
    }

    /// How many times this process has looked at the run queue since it started.
    pub fn queue_looks(&self) -> u64 {
        self.inner.queue_looks.load(Ordering::Relaxed)
    }

    fn looked(&self) {
        self.inner.queue_looks.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("doorway_engine_queue_looks_total").increment(1);
    }

    pub fn settings(&self) -> &WorkerSettings {
        &self.inner.settings
    }

    /// Tells an idle worker of this process that a run may be due (other processes hear it
    /// from the database). One is enough: a worker that claims a run wakes the next, so a
    /// burst of due runs draws workers one after another instead of all at once.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
        self.inner.reschedule.notify_one();
        self.inner.grants_changed.notify_one();
    }

    /// Starts the workers, the listener that wakes them, and the background jobs. They stop
    /// claiming once `shutdown` is cancelled, finish the step in hand, hand their run back to
    /// the queue and end; the set then completes.
    pub fn spawn(&self, shutdown: CancellationToken) -> JoinSet<()> {
        let mut tasks = JoinSet::new();
        for _ in 0..self.inner.settings.concurrency.max(1) {
            let engine = self.clone();
            let shutdown = shutdown.clone();
            tasks.spawn(async move { engine.work(shutdown).await });
        }
        let engine = self.clone();
        let listener_shutdown = shutdown.clone();
        tasks.spawn(async move { engine.listen(listener_shutdown).await });
        let engine = self.clone();
        let timekeeper_shutdown = shutdown.clone();
        tasks.spawn(async move { engine.keep_time(timekeeper_shutdown).await });
        self.spawn_background(&mut tasks, shutdown);
        tasks
    }

    async fn work(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            // A notification arriving while the claim runs leaves a permit: not missed.
            let woken = self.inner.wake.notified();
            match self.claim().await {
                Ok(Some((run, claimed_at))) => {
                    // More may be due: let one more idle worker look (a chain, not a herd).
                    self.inner.wake.notify_one();
                    let run_id = run.fence.run_id;
                    if let Err(err) = self.drive(run, claimed_at, &shutdown).await {
                        tracing::error!(%run_id, error = %err, "provisioning run interrupted; it resumes when its lease expires");
                    }
                    // The run waits now, or ended: when runs fall due next may have changed.
                    self.inner.reschedule.notify_one();
                }
                Ok(None) => {
                    // Nothing due: sleep until a notification, or the timekeeper's alarm.
                    tokio::select! {
                        () = shutdown.cancelled() => {}
                        () = woken => {}
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "could not claim a provisioning run");
                    tokio::select! {
                        () = shutdown.cancelled() => {}
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }

    async fn claim(&self) -> Result<Option<(ClaimedRun, Instant)>, sqlx::Error> {
        let claimed_at = Instant::now();
        self.looked();
        let claimed = db::queue::claim_due(
            &self.inner.pool,
            &self.inner.holder,
            self.inner.settings.lease,
        )
        .await?;
        Ok(claimed.map(|run| (run, claimed_at)))
    }

    /// Wakes a worker when the clock makes a run due: asks the database when that next happens
    /// ([`db::queue::next_wake`]) and sleeps until then, or until this process changes it, or
    /// at most `poll_interval` (the fallback for what another process deferred, or a missed
    /// notification). An idle service so makes one small query per `poll_interval`.
    async fn keep_time(&self, shutdown: CancellationToken) {
        let fallback = self.inner.settings.poll_interval;
        while !shutdown.is_cancelled() {
            let changed = self.inner.reschedule.notified();
            self.looked();
            let next = match db::queue::next_wake(&self.inner.pool).await {
                Ok(next) => next,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot tell when runs next fall due");
                    None
                }
            };
            let until = next.map(|at| (at - chrono::Utc::now()).to_std().unwrap_or_default());
            let alarm = match until {
                // A run can be claimed now (its worker was busy, or a wake-up came early):
                // wake one, then look again once a run ends, or in a second.
                Some(until) if until.is_zero() => {
                    self.inner.wake.notify_one();
                    Duration::from_secs(1)
                }
                Some(until) => until.min(fallback),
                None => fallback,
            };
            tracing::debug!(?alarm, "timekeeper sleeps");
            let rang = tokio::select! {
                () = shutdown.cancelled() => return,
                () = changed => false,
                () = tokio::time::sleep(alarm) => true,
            };
            if rang {
                self.inner.wake.notify_one();
            } else {
                // Changes come in bursts (every run a busy engine finishes): look once for
                // each burst, at most ten times a second.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// Wakes this process's workers whenever the database announces a due run (from any
    /// process). Without the listener the timekeeper still wakes them, slowly.
    async fn listen(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            let listened = async {
                let mut listener = PgListener::connect_with(&self.inner.pool).await?;
                listener.listen(RUNS_CHANNEL).await?;
                loop {
                    listener.recv().await?;
                    self.inner.wake.notify_one();
                }
            };
            let result: Result<(), sqlx::Error> = tokio::select! {
                () = shutdown.cancelled() => return,
                result = listened => result,
            };
            if let Err(err) = result {
                tracing::warn!(error = %err, "lost the run notifications; listening again");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            self.inner.wake.notify_one();
        }
    }
}

/// A transaction in which a worker may write for its run: the resident's row is locked first
/// (every transaction that changes a resident's access takes that lock first, so none can
/// wait on another in a cycle), then the fence is checked.
pub(crate) struct Fenced {
    pub tx: db::TenantTx,
    /// A cancellation was requested meanwhile.
    pub cancel_requested: bool,
}

impl Engine {
    /// Opens a [`Fenced`] transaction for the run of `ctx`; `None` when the run was lost.
    pub(crate) async fn fenced(
        &self,
        ctx: &context::RunContext,
    ) -> Result<Option<Fenced>, sqlx::Error> {
        let mut tx = db::begin_tenant(&self.inner.pool, ctx.tenant()).await?;
        db::residents::lock(&mut tx, ctx.resident_id()).await?;
        Ok(db::runs::guard(&mut tx, ctx.claim.fence)
            .await?
            .map(|cancel_requested| Fenced {
                tx,
                cancel_requested,
            }))
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "doorway".to_owned())
}
