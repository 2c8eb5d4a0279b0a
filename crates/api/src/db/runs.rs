//! Provisioning runs and their steps: the durable queue the engine works through.
//!
//! A worker claims a due run with `for update skip locked` and holds a lease on it
//! (`locked_by`, `locked_until`), so two Doorway processes on one database never drive the same
//! run at once. The lease is extended at every step, and every write a step makes is fenced on
//! still holding it: a worker that lost its lease (it stalled, another took over) cannot record
//! anything.

use std::time::Duration;

use chrono::{DateTime, Utc};
use doorway_domain::{GrantId, RunId, RunKind, RunStatus, StepId, StepStatus, TenantId};
use sqlx::PgConnection;
use uuid::Uuid;

use super::TenantTx;

#[derive(Debug, Clone)]
pub struct RunRow {
    pub run_id: Uuid,
    pub grant_id: Uuid,
    pub kind: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct StepRow {
    pub step_id: Uuid,
    pub run_id: Uuid,
    pub position: i32,
    pub name: String,
    pub credential_id: Option<Uuid>,
    pub access_group_id: Option<Uuid>,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub seam_ids: serde_json::Value,
}

/// A step to record with a new run.
pub struct NewStep {
    pub name: &'static str,
    pub credential_id: Option<Uuid>,
    pub access_group_id: Option<Uuid>,
}

pub async fn insert(
    db: &mut TenantTx,
    run_id: RunId,
    grant_id: GrantId,
    kind: RunKind,
    steps: &[NewStep],
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"insert into provisioning_runs (run_id, tenant_id, grant_id, kind, status, resident_id)
           values ($1, $2, $3, $4, 'PENDING', (select resident_id from grants where grant_id = $3))"#,
        run_id.as_uuid(),
        tenant,
        grant_id.as_uuid(),
        kind.as_str()
    )
    .execute(db.conn())
    .await?;
    for (position, step) in (0i32..).zip(steps) {
        sqlx::query!(
            r#"insert into provisioning_steps (step_id, tenant_id, run_id, position, name, credential_id,
                                              access_group_id, status)
               values ($1, $2, $3, $4, $5, $6, $7, 'PENDING')"#,
            StepId::new().as_uuid(),
            tenant,
            run_id.as_uuid(),
            position,
            step.name,
            step.credential_id,
            step.access_group_id
        )
        .execute(db.conn())
        .await?;
    }
    Ok(())
}

/// The newest run of each grant.
pub async fn latest_of_grants(
    db: &mut TenantTx,
    grant_ids: &[Uuid],
) -> Result<Vec<RunRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        RunRow,
        r#"select distinct on (grant_id) run_id, grant_id, kind, status, created_at
           from provisioning_runs
           where tenant_id = $1 and grant_id = any($2)
           order by grant_id, created_at desc"#,
        tenant,
        grant_ids
    )
    .fetch_all(db.conn())
    .await
}

pub async fn steps_of(db: &mut TenantTx, run_ids: &[Uuid]) -> Result<Vec<StepRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        StepRow,
        r#"select step_id, run_id, position, name, credential_id, access_group_id, status, attempts,
                  last_error, seam_ids
           from provisioning_steps where tenant_id = $1 and run_id = any($2)
           order by run_id, position"#,
        tenant,
        run_ids
    )
    .fetch_all(db.conn())
    .await
}

/// The advisory lock claims take turns on (an arbitrary constant: "door").
const CLAIM_LOCK: i64 = 0x646f_6f72;

/// A run this worker now holds the lease on.
#[derive(Debug, Clone)]
pub struct ClaimedRun {
    pub run_id: RunId,
    pub tenant_id: TenantId,
    pub grant_id: GrantId,
    pub kind: String,
}

/// Claims the most overdue run whose lease is free (worker scope).
pub async fn claim_due(
    conn: &mut PgConnection,
    worker: &str,
    lease: Duration,
) -> Result<Option<ClaimedRun>, sqlx::Error> {
    // Claims take turns (for the few milliseconds a claim lasts) so that the "no other run of
    // this grant or resident is leased" check sees the lease a concurrent claim just took.
    sqlx::query!("select pg_advisory_xact_lock($1)", CLAIM_LOCK)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query!(
        r#"update provisioning_runs r
           set status = 'RUNNING', locked_by = $1,
               locked_until = now() + make_interval(secs => $2), updated_at = now()
           where r.run_id = (
               select run_id from provisioning_runs
               where status in ('PENDING', 'RUNNING') and next_attempt_at <= now()
                 and (locked_until is null or locked_until < now())
                 -- One run per grant and per resident at a time: a revocation waits for the
                 -- provisioning step in flight to be recorded, so it sees (and deletes) what that
                 -- step created; two grants of one resident never both create its ACS user.
                 and not exists (select 1 from provisioning_runs other
                                 where (other.grant_id = provisioning_runs.grant_id
                                        or other.resident_id = provisioning_runs.resident_id)
                                   and other.run_id <> provisioning_runs.run_id
                                   and other.locked_until > now())
               order by next_attempt_at
               limit 1
               for update skip locked)
           returning r.run_id, r.tenant_id, r.grant_id, r.kind"#,
        worker,
        lease.as_secs_f64()
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| ClaimedRun {
        run_id: r.run_id.into(),
        tenant_id: r.tenant_id.into(),
        grant_id: r.grant_id.into(),
        kind: r.kind,
    }))
}

/// Marks a step started (one more attempt) and extends the lease. `false`: the lease is lost.
pub async fn start_step(
    db: &mut TenantTx,
    run: RunId,
    step: StepId,
    worker: &str,
    lease: Duration,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let extended = sqlx::query!(
        r#"update provisioning_runs set locked_until = now() + make_interval(secs => $4), updated_at = now()
           where tenant_id = $1 and run_id = $2 and locked_by = $3"#,
        tenant,
        run.as_uuid(),
        worker,
        lease.as_secs_f64()
    )
    .execute(db.conn())
    .await?;
    if extended.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query!(
        r#"update provisioning_steps set status = 'RUNNING', attempts = attempts + 1, updated_at = now()
           where tenant_id = $1 and step_id = $2"#,
        tenant,
        step.as_uuid()
    )
    .execute(db.conn())
    .await?;
    Ok(true)
}

/// Whether this worker still holds the run's lease; call inside the transaction that records a
/// step's result, which then commits only if it does.
pub async fn holds_lease(db: &mut TenantTx, run: RunId, worker: &str) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let held = sqlx::query_scalar!(
        r#"select exists(select 1 from provisioning_runs
                         where tenant_id = $1 and run_id = $2 and locked_by = $3
                         for update) as "held!""#,
        tenant,
        run.as_uuid(),
        worker
    )
    .fetch_one(db.conn())
    .await?;
    Ok(held)
}

pub async fn finish_step(
    db: &mut TenantTx,
    step: StepId,
    status: StepStatus,
    seam_ids: &serde_json::Value,
    last_error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update provisioning_steps set status = $3, seam_ids = seam_ids || $4, last_error = $5,
                  updated_at = now()
           where tenant_id = $1 and step_id = $2"#,
        tenant,
        step.as_uuid(),
        status.as_str(),
        seam_ids,
        last_error
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Puts the run back in the queue for `at` and gives up the lease.
pub async fn defer(
    db: &mut TenantTx,
    run: RunId,
    worker: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update provisioning_runs set next_attempt_at = $4, locked_by = null, locked_until = null,
                  updated_at = now()
           where tenant_id = $1 and run_id = $2 and locked_by = $3"#,
        tenant,
        run.as_uuid(),
        worker,
        at
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Ends the run and gives up the lease.
pub async fn complete(
    db: &mut TenantTx,
    run: RunId,
    worker: &str,
    status: RunStatus,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update provisioning_runs set status = $4, locked_by = null, locked_until = null,
                  updated_at = now()
           where tenant_id = $1 and run_id = $2 and locked_by = $3"#,
        tenant,
        run.as_uuid(),
        worker,
        status.as_str()
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Runs due now, and runs waiting for a later attempt (worker scope, across tenants).
pub async fn queue_depth(pool: &sqlx::PgPool) -> Result<(i64, i64), sqlx::Error> {
    let mut tx = super::begin_scope(pool, super::Scope::Worker).await?;
    let row = sqlx::query!(
        r#"select count(*) filter (where next_attempt_at <= now()) as "due!",
                  count(*) filter (where next_attempt_at > now()) as "waiting!"
           from provisioning_runs where status in ('PENDING', 'RUNNING')"#
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((row.due, row.waiting))
}

/// Cancels the grant's unfinished runs other than revocations (they are superseded); a worker
/// driving one stops at its next step boundary.
pub async fn cancel_unfinished(db: &mut TenantTx, grant: GrantId) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update provisioning_runs set status = 'CANCELLED', updated_at = now()
           where tenant_id = $1 and grant_id = $2 and status in ('PENDING', 'RUNNING') and kind <> 'REVOKE'"#,
        tenant,
        grant.as_uuid()
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The run's status, as the worker re-reads it between steps.
pub async fn status_of(db: &mut TenantTx, run: RunId) -> Result<Option<String>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        "select status from provisioning_runs where tenant_id = $1 and run_id = $2",
        tenant,
        run.as_uuid()
    )
    .fetch_optional(db.conn())
    .await
}

/// Gives up the lease without changing anything else (the run was cancelled).
pub async fn release(db: &mut TenantTx, run: RunId, worker: &str) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update provisioning_runs set locked_by = null, locked_until = null, updated_at = now()
           where tenant_id = $1 and run_id = $2 and locked_by = $3"#,
        tenant,
        run.as_uuid(),
        worker
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Makes the waiting runs of a credential's grant due now (an event just told us what they
/// were polling for).
pub async fn make_due_for_credential(
    db: &mut TenantTx,
    credential: Uuid,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update provisioning_runs set next_attempt_at = now(), updated_at = now()
           where tenant_id = $1 and status in ('PENDING', 'RUNNING') and locked_by is null
             and next_attempt_at > now()
             and grant_id = (select grant_id from credentials where tenant_id = $1 and credential_id = $2)"#,
        tenant,
        credential
    )
    .execute(db.conn())
    .await?;
    Ok(())
}
