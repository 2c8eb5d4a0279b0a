//! The lease on a claimed run, kept alive by a heartbeat, and the clock that says how much of
//! it is left.
//!
//! Seam cannot tell a stale worker from a live one, so a worker must stop acting before its
//! lease can run out. A background task extends the lease every quarter of its length; the
//! moment an extension fails (the run was taken over, cancelled, or the database did not
//! answer in time) the lease counts as lost and the worker's steps are dropped, unrecorded.
//! The time of the last good heartbeat is kept on a monotonic clock, and the Seam client
//! refuses to send a request unless what is left of the lease exceeds the request timeout
//! plus a margin ([`seam_gateway::SendBudget`]).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use doorway_domain::{ResidentId, TenantId};
use sqlx::PgPool;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::db::{self, runs::Fence};

/// What is left of a lease, on the monotonic clock.
pub struct LeaseClock {
    origin: Instant,
    /// Milliseconds after `origin` at which the last good heartbeat (or the claim) was sent.
    last_good_ms: AtomicU64,
    length: Duration,
}

impl LeaseClock {
    fn new(length: Duration, origin: Instant) -> Self {
        Self {
            origin,
            last_good_ms: AtomicU64::new(0),
            length,
        }
    }

    /// Counts the lease as extended from `sent_at` (when the extension was sent, not when it
    /// was answered: the database extended it from a moment no earlier than that).
    fn extended(&self, sent_at: Instant) {
        let ms = u64::try_from(sent_at.duration_since(self.origin).as_millis()).unwrap_or(u64::MAX);
        self.last_good_ms.fetch_max(ms, Ordering::Relaxed);
    }

    pub fn remaining(&self) -> Duration {
        let last = self.origin + Duration::from_millis(self.last_good_ms.load(Ordering::Relaxed));
        (last + self.length).saturating_duration_since(Instant::now())
    }
}

impl seam_gateway::SendBudget for LeaseClock {
    fn remaining(&self) -> Duration {
        LeaseClock::remaining(self)
    }
}

/// A claimed run's lease while its worker drives it.
pub struct Lease {
    clock: Arc<LeaseClock>,
    lost: CancellationToken,
    cancel_requested: Arc<AtomicBool>,
    stop: CancellationToken,
    heartbeat: JoinHandle<()>,
}

/// Where the heartbeat writes.
pub struct Holder {
    pub pool: PgPool,
    pub tenant: TenantId,
    pub resident: ResidentId,
    pub fence: Fence,
}

impl Lease {
    /// Starts the heartbeat of a lease of `length` claimed by a claim sent at `claimed_at`
    /// (the database started the lease no earlier than that).
    pub fn start(holder: Holder, length: Duration, claimed_at: Instant) -> Self {
        let clock = Arc::new(LeaseClock::new(length, claimed_at));
        let lost = CancellationToken::new();
        let cancel_requested = Arc::new(AtomicBool::new(false));
        let stop = CancellationToken::new();
        let heartbeat = tokio::spawn(beat(
            holder,
            Arc::clone(&clock),
            lost.clone(),
            Arc::clone(&cancel_requested),
            stop.clone(),
        ));
        Self {
            clock,
            lost,
            cancel_requested,
            stop,
            heartbeat,
        }
    }

    pub fn clock(&self) -> Arc<LeaseClock> {
        Arc::clone(&self.clock)
    }

    /// Cancelled the moment the lease is lost: whatever the worker is doing must stop,
    /// without writing.
    pub fn lost(&self) -> &CancellationToken {
        &self.lost
    }

    pub fn is_lost(&self) -> bool {
        self.lost.is_cancelled() || self.clock.remaining().is_zero()
    }

    /// Someone asked the run to stop (a revocation superseded it, or an operator).
    pub fn cancel_requested(&self) -> bool {
        self.cancel_requested.load(Ordering::Relaxed)
    }

    /// Notes a cancellation request seen by one of the worker's own writes.
    pub fn note_cancel_requested(&self) {
        self.cancel_requested.store(true, Ordering::Relaxed);
    }

    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.heartbeat.await;
    }
}

async fn beat(
    holder: Holder,
    clock: Arc<LeaseClock>,
    lost: CancellationToken,
    cancel_requested: Arc<AtomicBool>,
    stop: CancellationToken,
) {
    let every = clock.length / 4;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        let sent_at = Instant::now();
        // An extension that cannot be confirmed before the lease would run out is as good as
        // lost: stop rather than act on a lease another worker may have taken.
        let budget = clock.remaining();
        let extended = tokio::time::timeout(budget, extend(&holder, clock.length)).await;
        match extended {
            Ok(Ok(Some(cancel))) => {
                clock.extended(sent_at);
                if cancel {
                    cancel_requested.store(true, Ordering::Relaxed);
                }
            }
            Ok(Ok(None)) => {
                tracing::warn!(run_id = %holder.fence.run_id, "lost the lease on a run; stopping");
                lost.cancel();
                return;
            }
            Ok(Err(err)) => {
                tracing::warn!(run_id = %holder.fence.run_id, error = %err, "heartbeat failed; stopping the run's steps");
                lost.cancel();
                return;
            }
            Err(_) => {
                tracing::warn!(run_id = %holder.fence.run_id, "heartbeat took longer than the lease left; stopping");
                lost.cancel();
                return;
            }
        }
    }
}

async fn extend(holder: &Holder, length: Duration) -> Result<Option<bool>, sqlx::Error> {
    let mut db = db::begin_tenant(&holder.pool, holder.tenant).await?;
    let held = db::queue::heartbeat(&mut db, holder.fence, holder.resident, length).await?;
    db.commit().await?;
    Ok(held)
}
