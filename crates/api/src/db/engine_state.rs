//! How the engine treats each tenant (served least recently first; paused while Seam refuses
//! its key or asks for a pause), and the leases that keep background jobs on one process.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::TenantTx;

/// Makes sure the transaction's tenant has its engine state row (claims go through it).
pub async fn ensure(db: &mut TenantTx) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        "insert into tenant_engine_state (tenant_id) values ($1) on conflict (tenant_id) do nothing",
        tenant
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Holds the tenant's runs until `until`: Seam refused its API key. The next claim after that
/// tries again (and pauses again if the key is still refused); a new key resumes at once.
pub async fn pause(
    db: &mut TenantTx,
    until: DateTime<Utc>,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"insert into tenant_engine_state (tenant_id, paused_until, paused_reason)
           values ($1, $2, $3)
           on conflict (tenant_id) do update
           set paused_until = excluded.paused_until, paused_reason = excluded.paused_reason,
               updated_at = now()"#,
        tenant,
        until,
        reason
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Clears a pause: the run that was let through found the key accepted, or the key was
/// replaced.
pub async fn resume(db: &mut TenantTx) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update tenant_engine_state set paused_until = null, paused_reason = null, updated_at = now()
           where tenant_id = $1 and paused_reason is not null"#,
        tenant
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Seam asked the tenant's workspace to slow down (429 with `Retry-After`): no run of the
/// tenant is claimed, by any process, before `until`.
pub async fn back_off(db: &mut TenantTx, until: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update tenant_engine_state
           set seam_backoff_until = greatest(seam_backoff_until, $2), updated_at = now()
           where tenant_id = $1"#,
        tenant,
        until
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Why the tenant's runs are paused, while they are.
#[derive(Debug, Clone)]
pub struct Pause {
    pub reason: String,
    /// When a run is let through to try the key again.
    pub until: DateTime<Utc>,
}

pub async fn pause_of(db: &mut TenantTx) -> Result<Option<Pause>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let row = sqlx::query!(
        r#"select paused_reason, paused_until from tenant_engine_state
           where tenant_id = $1 and paused_reason is not null"#,
        tenant
    )
    .fetch_optional(db.conn())
    .await?;
    Ok(row.and_then(|r| {
        Some(Pause {
            reason: r.paused_reason?,
            until: r.paused_until?,
        })
    }))
}

/// Takes or renews the lease on a background job for `holder`; `true` while it holds it.
/// A holder that stops renewing loses it after `lease`.
pub async fn hold_background_lease(
    conn: &mut PgConnection,
    job: &str,
    holder: &str,
    lease: Duration,
) -> Result<bool, sqlx::Error> {
    let held = sqlx::query_scalar!(
        r#"insert into background_leases (job, holder, locked_until)
           values ($1, $2, now() + make_interval(secs => $3))
           on conflict (job) do update
           set holder = excluded.holder, locked_until = excluded.locked_until, updated_at = now()
           where background_leases.holder = excluded.holder or background_leases.locked_until <= now()
           returning holder"#,
        job,
        holder,
        lease.as_secs_f64()
    )
    .fetch_optional(conn)
    .await?;
    Ok(held.is_some())
}
