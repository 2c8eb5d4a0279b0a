//! Background jobs (the expiry sweep, the reconciler) run on one process at a time: the one
//! holding the job's lease, renewed at every pass. If that process dies, another takes the
//! job over once the lease has expired.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Engine;
use crate::db;

impl Engine {
    pub(super) fn spawn_background(&self, tasks: &mut JoinSet<()>, shutdown: CancellationToken) {
        let settings = &self.inner.settings;
        let engine = self.clone();
        let every = settings.sweep_every;
        let stop = shutdown.clone();
        tasks.spawn(async move {
            engine
                .lead("sweeper", every, stop, |engine| async move {
                    engine.sweep().await.map_err(|e| e.to_string())
                })
                .await;
        });
        let engine = self.clone();
        let every = settings.reconcile_every;
        tasks.spawn(async move {
            engine
                .lead("reconciler", every, shutdown, |engine| async move {
                    engine.reconcile().await.map_err(|e| e.to_string())
                })
                .await;
        });
    }

    /// Runs `pass` every `every` while this process holds the job's lease.
    pub(crate) async fn lead<F, Fut>(
        self,
        job: &'static str,
        every: Duration,
        shutdown: CancellationToken,
        pass: F,
    ) where
        F: Fn(Engine) -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        // Long enough to survive a slow pass; short enough that a dead leader is replaced.
        let lease = (every * 3).max(Duration::from_secs(10));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            match self.hold(job, lease).await {
                Ok(true) => {
                    if let Err(err) = pass(self.clone()).await {
                        tracing::warn!(job, error = %err, "background pass failed; will try again");
                    }
                }
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
