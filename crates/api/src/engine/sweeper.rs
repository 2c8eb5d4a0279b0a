//! Time moves grants along without any request: a grant whose window has ended has its access
//! removed at Seam (REVOKING, then EXPIRED once nothing is left), and an issued ACS credential
//! whose window has started turns from SCHEDULED to ACTIVE (the access system enforces an
//! issued credential's window itself; access codes become ACTIVE only when their lock confirms
//! them, which their run watches).

use chrono::{DateTime, Utc};
use doorway_domain::{GrantId, RunKind, TenantId};

use super::Engine;
use crate::db;
use crate::services::lifecycle::{end_access, EXPIRING};

impl Engine {
    /// One pass over every tenant.
    pub async fn sweep(&self) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        let tenants = db::tenants::all_ids(&self.inner.pool).await?;
        let mut ended = 0;
        let mut next: Option<DateTime<Utc>> = None;
        for tenant in tenants {
            let tenant = TenantId::from(tenant);
            let mut db = db::begin_tenant(&self.inner.pool, tenant).await?;
            let due = db::grants::ended_live(&mut db).await?;
            let started = db::credentials::activate_started(&mut db).await?;
            if let Some(at) = db::grants::next_window_boundary(&mut db).await? {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
            db.commit().await?;
            for grant in due {
                self.expire(tenant, grant.into()).await?;
                ended += 1;
            }
            if started > 0 {
                tracing::info!(%tenant, started, "scheduled credentials became active");
            }
        }
        if ended > 0 {
            tracing::info!(
                ended,
                "grants whose window ended are being removed from Seam"
            );
            self.wake();
        }
        Ok(next)
    }

    /// Records the removal of one ended grant, with its resident locked like any other change
    /// of the resident's access.
    async fn expire(&self, tenant: TenantId, grant: GrantId) -> Result<(), sqlx::Error> {
        let mut db = db::begin_tenant(&self.inner.pool, tenant).await?;
        let Some(row) = db::grants::find(&mut db, grant).await? else {
            return Ok(());
        };
        db::residents::lock(&mut db, row.resident_id).await?;
        if let Some(row) = db::grants::lock(&mut db, grant).await? {
            if row.ends_at.is_some_and(|end| end <= chrono::Utc::now()) {
                end_access(&mut db, &row, RunKind::Expire, Some(EXPIRING)).await?;
            }
        }
        db.commit().await
    }
}
