//! Time moves grants along without any request: a grant whose window has ended becomes
//! EXPIRED (Seam removes time-bound codes and credentials at their end by itself), and an issued
//! credential whose window has started turns from SCHEDULED to ACTIVE.

use std::time::Duration;

use doorway_domain::TenantId;
use tokio_util::sync::CancellationToken;

use super::Engine;
use crate::db::{self, Scope};

/// How often the sweep runs; a grant's status lags its window by at most this.
const SWEEP_EVERY: Duration = Duration::from_secs(2);

impl Engine {
    pub(super) async fn sweep_forever(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            if let Err(err) = self.sweep().await {
                tracing::warn!(error = %err, "time sweep failed; will try again");
            }
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = tokio::time::sleep(SWEEP_EVERY) => {}
            }
        }
    }

    /// One pass over every tenant.
    pub async fn sweep(&self) -> Result<(), sqlx::Error> {
        let mut tx = db::begin_scope(&self.inner.pool, Scope::Operator).await?;
        let tenants = db::tenants::all_ids(&mut tx).await?;
        tx.commit().await?;
        for tenant in tenants {
            let mut db = db::begin_tenant(&self.inner.pool, TenantId::from(tenant)).await?;
            let expired = db::grants::expire_ended(&mut db).await?;
            let started = db::credentials::activate_started(&mut db).await?;
            db.commit().await?;
            if expired + started > 0 {
                tracing::info!(%tenant, expired, started, "time moved grants along");
            }
        }
        Ok(())
    }
}
