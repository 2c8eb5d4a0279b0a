//! Background jobs (the expiry sweep, the reconciler) run on one process at a time: the one
//! holding the job's lease, renewed at every pass. If that process dies, another takes the
//! job over once the lease has expired.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Engine;
use crate::db;

/// What, besides the clock, makes a background job look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Only the clock.
    Never,
    /// This process recorded or changed a grant (a new window may end soon).
    OnGrants,
}

impl Engine {
    pub(super) fn spawn_background(&self, tasks: &mut JoinSet<()>, shutdown: CancellationToken) {
        let settings = &self.inner.settings;
        let engine = self.clone();
        let every = settings.sweep_every;
        let stop = shutdown.clone();
        tasks.spawn(async move {
            engine
                .lead(
                    "sweeper",
                    every,
                    Wake::OnGrants,
                    stop,
                    |engine| async move {
                        let next = engine.sweep().await.map_err(|e| e.to_string())?;
                        Ok(next.and_then(|at| (at - chrono::Utc::now()).to_std().ok()))
                    },
                )
                .await;
        });
        let engine = self.clone();
        let every = settings.reconcile_every;
        tasks.spawn(async move {
            engine
                .lead(
                    "reconciler",
                    every,
                    Wake::Never,
                    shutdown,
                    |engine| async move {
                        engine.reconcile().await.map_err(|e| e.to_string())?;
                        Ok(None)
                    },
                )
                .await;
        });
    }

    /// Runs `pass` while this process holds the job's lease: again after `every` at the
    /// latest, sooner when the pass says when it next has something to do, and (for
    /// [`Wake::OnGrants`]) when this process records or changes a grant, at most once a second.
    pub(crate) async fn lead<F, Fut>(
        self,
        job: &'static str,
        every: Duration,
        wake: Wake,
        shutdown: CancellationToken,
        pass: F,
    ) where
        F: Fn(Engine) -> Fut,
        Fut: Future<Output = Result<Option<Duration>, String>>,
    {
        // Long enough to survive a slow pass; short enough that a dead leader is replaced.
        let lease = (every * 3).max(Duration::from_secs(10));
        let mut wait = every;
        loop {
            let nudged = self.inner.grants_changed.notified();
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
                () = nudged, if wake == Wake::OnGrants => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            wait = every;
            match self.hold(job, lease).await {
                Ok(true) => match pass(self.clone()).await {
                    Ok(Some(next)) => wait = next.clamp(Duration::from_millis(50), every),
                    Ok(None) => {}
                    Err(err) => {
                        tracing::warn!(job, error = %err, "background pass failed; will try again");
                    }
                },
                Ok(false) => {}
                Err(err) => tracing::warn!(job, error = %err, "cannot renew a background lease"),
            }
        }
    }

    async fn hold(&self, job: &str, lease: Duration) -> Result<bool, sqlx::Error> {
        let mut conn = self.inner.pool.acquire().await?;
        db::engine_state::hold_background_lease(&mut conn, job, &self.inner.holder, lease).await
    }
}
