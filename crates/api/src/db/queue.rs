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
use doorway_domain::{GrantId, ResidentId, RunKind, RunStatus, TenantId, Transition};
use sqlx::PgConnection;
use uuid::Uuid;

use super::runs::Fence;
use super::TenantTx;

/// The statuses of runs a claim may take: those the transition table lets become RUNNING.
/// Written out in the queries (and matching the partial index on due runs) so that the
/// planner uses the index; a debug assertion and a test keep them equal to the table.
const CLAIMABLE: [&str; 3] = ["PENDING", "RUNNING", "NEEDS_ATTENTION"];

/// How many of the least recently served tenants one claim considers before giving up.
const TENANTS_PER_CLAIM: i64 = 4;

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

/// Claims a due run (in a transaction of the worker scope, which sees every tenant's runs).
pub async fn claim_due(
    conn: &mut PgConnection,
    holder: &str,
    lease: Duration,
) -> Result<Option<ClaimedRun>, sqlx::Error> {
    debug_assert_eq!(
        RunStatus::source_texts(RunStatus::Running),
        CLAIMABLE,
        "the statuses a claim looks at are those the transition table lets become RUNNING"
    );
    let tenants = sqlx::query_scalar!(
        r#"select s.tenant_id from tenant_engine_state s
           where (s.paused_until is null or s.paused_until <= now())
             and (s.seam_backoff_until is null or s.seam_backoff_until <= now())
             and exists (select 1 from provisioning_runs r
                         where r.tenant_id = s.tenant_id
                           and r.status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')
                           and r.next_attempt_at <= now() and r.resident_id is not null
                           and not exists (select 1 from resident_leases l
                                           where l.resident_id = r.resident_id
                                             and l.locked_until > now()))
           order by s.last_claimed_at nulls first, s.tenant_id
           limit $1"#,
        TENANTS_PER_CLAIM
    )
    .fetch_all(&mut *conn)
    .await?;
    for tenant in tenants {
        if let Some(run) = claim_of_tenant(conn, tenant, holder, lease).await? {
            return Ok(Some(run));
        }
    }
    Ok(None)
}

async fn claim_of_tenant(
    conn: &mut PgConnection,
    tenant: Uuid,
    holder: &str,
    lease: Duration,
) -> Result<Option<ClaimedRun>, sqlx::Error> {
    // Two claims that pick different runs of one resident meet at the lease row: the second
    // waits for the first to commit, then finds the lease held and claims nothing. The tenant
    // is marked served in the same statement (fair claims: least recently served first).
    let row = sqlx::query!(
        r#"with candidate as (
               select r.run_id, r.resident_id, r.fence + 1 as fence
               from provisioning_runs r
               where r.tenant_id = $1 and r.status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')
                 and r.next_attempt_at <= now()
                 and r.resident_id is not null
                 and not exists (select 1 from resident_leases l
                                 where l.resident_id = r.resident_id and l.locked_until > now())
               order by r.next_attempt_at, r.created_at, r.run_id
               limit 1
               for no key update of r skip locked
           ), lease as (
               insert into resident_leases (resident_id, tenant_id, run_id, fence, holder, locked_until)
               select resident_id, $1, run_id, fence, $2, now() + make_interval(secs => $3)
               from candidate
               on conflict (resident_id) do update
                   set run_id = excluded.run_id, fence = excluded.fence, holder = excluded.holder,
                       locked_until = excluded.locked_until, updated_at = now()
                   where resident_leases.locked_until <= now()
               returning run_id, fence, xmax <> 0 as taken_over
           )
           , served as (
               -- At most every 50 ms: claims of one tenant would otherwise all queue on this row.
               update tenant_engine_state set last_claimed_at = clock_timestamp(), updated_at = now()
               where tenant_id = $1 and exists (select 1 from lease)
                 and (last_claimed_at is null
                      or last_claimed_at < clock_timestamp() - interval '50 milliseconds')
           )
           update provisioning_runs r
           set status = 'RUNNING', fence = lease.fence, locked_by = $2, updated_at = now()
           from lease
           where r.run_id = lease.run_id
           returning r.run_id, r.grant_id, r.resident_id as "resident_id!", r.kind, r.fence,
                     r.created_at, lease.taken_over as "taken_over!""#,
        tenant,
        holder,
        lease.as_secs_f64()
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| ClaimedRun {
        fence: Fence {
            run_id: r.run_id.into(),
            token: r.fence,
        },
        tenant_id: tenant.into(),
        grant_id: r.grant_id.into(),
        resident_id: r.resident_id.into(),
        kind: RunKind::parse(&r.kind).unwrap_or(RunKind::Provision),
        created_at: r.created_at,
        taken_over: r.taken_over,
    }))
}

/// Extends the resident's lease by `lease` from now, if `fence` still holds the run. Returns
/// whether a cancellation was requested, or `None` when the run is lost.
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
    sqlx::query!(
        "update provisioning_runs set heartbeat_at = now() where tenant_id = $1 and run_id = $2",
        tenant,
        fence.run_id.as_uuid()
    )
    .execute(db.conn())
    .await?;
    Ok((extended.rows_affected() == 1).then_some(cancel))
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
    use super::*;

    #[test]
    fn claims_look_at_the_statuses_the_table_lets_become_running() {
        assert_eq!(RunStatus::source_texts(RunStatus::Running), CLAIMABLE);
    }
}
