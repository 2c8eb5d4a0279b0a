//! Claiming runs: fair across tenants, one run per resident at a time, fenced.
//!
//! A claim takes the most overdue due run of the tenant served least recently, together with
//! the lease row of the run's resident (`resident_leases`), and issues a new fencing token (the
//! run's `fence` plus one, re-claims after an expired lease included). The lease row makes one
//! resident's runs take turns, so two grants of one resident never both create its ACS user and
//! a revocation never overlaps the provisioning it undoes; a run waiting for Seam gives the
//! lease back, so the resident's other runs can go meanwhile. A lease left behind by a crashed
//! worker is taken over once it has expired, and the claim says so: the new holder then waits
//! before its first look at Seam, for a create still in flight to land.

use std::time::Duration;

use chrono::{DateTime, Utc};
use doorway_domain::{GrantId, ResidentId, RunId, RunKind, TenantId};
use sqlx::PgPool;

use super::runs::Fence;
use super::TenantTx;

/// A run this worker now holds.
#[derive(Debug, Clone)]
pub struct ClaimedRun {
    pub fence: Fence,
    pub tenant_id: TenantId,
    pub grant_id: GrantId,
    pub resident_id: ResidentId,
    pub kind: RunKind,
    pub created_at: DateTime<Utc>,
    /// The resident's lease was taken over from a holder that did not give it back (it
    /// crashed or stalled): something it sent to Seam may still land.
    pub taken_over: bool,
}

/// Claims a due run: the database's `doorway_claim_run` (its one implementation, the only
/// code that sees every tenant's runs) takes the most overdue due run of the tenant served
/// least recently, with its resident's lease and a new fencing token, in one statement.
pub async fn claim_due(
    pool: &PgPool,
    holder: &str,
    lease: Duration,
) -> Result<Option<ClaimedRun>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select run_id as "run_id!: RunId", tenant_id as "tenant_id!: TenantId",
                  grant_id as "grant_id!: GrantId", resident_id as "resident_id!: ResidentId",
                  kind as "kind!: RunKind", fence as "fence!",
                  created_at as "created_at!", taken_over as "taken_over!"
           from doorway_claim_run($1, $2)"#,
        holder,
        lease.as_secs_f64()
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| ClaimedRun {
        fence: Fence {
            run_id: r.run_id,
            token: r.fence,
        },
        tenant_id: r.tenant_id,
        grant_id: r.grant_id,
        resident_id: r.resident_id,
        kind: r.kind,
        created_at: r.created_at,
        taken_over: r.taken_over,
    }))
}

/// When a worker next has a run to claim, across tenants: the earliest moment a run still to
/// be worked on is due with its resident's lease free and its tenant neither paused nor
/// backing off (a moment already past: one can be claimed now); `None` when no run waits.
pub async fn next_wake(pool: &PgPool) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(r#"select doorway_next_run_wake() as "at""#)
        .fetch_one(pool)
        .await
}

/// Extends the resident's lease by `lease` from now, if `fence` still holds the run, and the
/// run's next attempt with it (a run in hand is next attempted only if its worker lets the lease
/// run out; see the migration `claimed_runs_not_due`). Returns whether a cancellation was
/// requested, or `None` when the run is lost.
pub async fn heartbeat(
    db: &mut TenantTx,
    fence: Fence,
    resident: ResidentId,
    lease: Duration,
) -> Result<Option<bool>, sqlx::Error> {
    let Some(cancel) = super::runs::guard(db, fence).await? else {
        return Ok(None);
    };
    let tenant = db.tenant().as_uuid();
    let extended = sqlx::query!(
        r#"update resident_leases set locked_until = now() + make_interval(secs => $5),
                  updated_at = now()
           where tenant_id = $1 and resident_id = $2 and run_id = $3 and fence = $4"#,
        tenant,
        resident.as_uuid(),
        fence.run_id.as_uuid(),
        fence.token,
        lease.as_secs_f64()
    )
    .execute(db.conn())
    .await?;
    if extended.rows_affected() != 1 {
        // The lease was given back meanwhile (the run deferred or ended): the next attempt
        // written then stands.
        return Ok(None);
    }
    sqlx::query!(
        r#"update provisioning_runs
           set heartbeat_at = now(),
               next_attempt_at = greatest(next_attempt_at, now() + make_interval(secs => $3))
           where tenant_id = $1 and run_id = $2"#,
        tenant,
        fence.run_id.as_uuid(),
        lease.as_secs_f64()
    )
    .execute(db.conn())
    .await?;
    Ok(Some(cancel))
}

/// Gives the resident's lease back, if `fence` still holds it.
pub async fn release_lease(db: &mut TenantTx, fence: Fence) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        "delete from resident_leases where tenant_id = $1 and run_id = $2 and fence = $3",
        tenant,
        fence.run_id.as_uuid(),
        fence.token
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use doorway_domain::{RunStatus, Transition};

    /// The statuses of runs a claim may take: those the transition table lets become
    /// RUNNING. `doorway_claim_run` writes them out (matching the partial index on due runs,
    /// so that the planner uses it).
    const CLAIMABLE: [&str; 3] = ["PENDING", "RUNNING", "NEEDS_ATTENTION"];

    #[test]
    fn claims_look_at_the_statuses_the_table_lets_become_running() {
        assert_eq!(RunStatus::source_texts(RunStatus::Running), CLAIMABLE);
    }
}
