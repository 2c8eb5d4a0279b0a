//! Provisioning runs and their steps, and every write a worker makes to them.
//!
//! A worker's writes are fenced: each one matches the fencing token its claim issued (see
//! [`super::queue`]) and the run's expected status, and reports whether it changed anything.
//! A worker whose write changes no row has lost the run (its lease expired and another claim
//! took it, or it was cancelled) and stops at once. Statuses move only as the domain's
//! transition table allows, with a compare-and-set.

use chrono::{DateTime, Utc};
use doorway_domain::{
    AccessGroupId, CredentialId, GrantId, RunId, RunKind, RunStatus, StepId, StepKind, StepStatus,
    TenantId, Transition,
};
use uuid::Uuid;

use super::TenantTx;

#[derive(Debug, Clone)]
pub struct RunRow {
    pub run_id: RunId,
    pub tenant_id: TenantId,
    pub grant_id: GrantId,
    pub kind: RunKind,
    pub status: RunStatus,
    pub attention_reason: Option<String>,
    pub cancel_requested_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct StepRow {
    pub step_id: StepId,
    pub run_id: RunId,
    pub position: i32,
    /// What the step does (the `name` column).
    pub kind: StepKind,
    pub credential_id: Option<CredentialId>,
    pub access_group_id: Option<AccessGroupId>,
    pub status: StepStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub seam_ids: serde_json::Value,
    /// When a waiting or retrying step should be tried again.
    pub not_before: Option<DateTime<Utc>>,
    /// An earlier attempt may have created something at Seam that was not recorded.
    pub uncertain: bool,
}

/// A step to record with a new run.
pub struct NewStep {
    pub name: &'static str,
    pub credential_id: Option<Uuid>,
    pub access_group_id: Option<Uuid>,
}

/// The claim a worker holds on a run: every write it makes must match this token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    pub run_id: RunId,
    pub token: i64,
}

pub async fn insert(
    db: &mut TenantTx,
    run_id: RunId,
    grant_id: GrantId,
    kind: RunKind,
    steps: &[NewStep],
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    // The run goes on later, in a worker: it continues the trace of whatever creates it.
    let trace_context = crate::telemetry::context::current();
    sqlx::query!(
        r#"insert into provisioning_runs (run_id, tenant_id, grant_id, kind, status, resident_id,
                                         trace_context)
           values ($1, $2, $3, $4, 'PENDING', (select resident_id from grants where grant_id = $3),
                   $5)"#,
        run_id.as_uuid(),
        tenant,
        grant_id.as_uuid(),
        kind.as_str(),
        trace_context
    )
    .execute(db.conn())
    .await?;
    let positions: Vec<i32> = (0..).take(steps.len()).collect();
    let names: Vec<&str> = steps.iter().map(|s| s.name).collect();
    let step_ids: Vec<Uuid> = steps.iter().map(|_| StepId::new().as_uuid()).collect();
    let credentials: Vec<Option<Uuid>> = steps.iter().map(|s| s.credential_id).collect();
    let groups: Vec<Option<Uuid>> = steps.iter().map(|s| s.access_group_id).collect();
    sqlx::query!(
        r#"insert into provisioning_steps (step_id, tenant_id, run_id, position, name, credential_id,
                                          access_group_id, status)
           select s.step_id, $1, $2, s.position, s.name, s.credential_id, s.access_group_id, 'PENDING'
           from unnest($3::uuid[], $4::int[], $5::text[], $6::uuid[], $7::uuid[])
                as s(step_id, position, name, credential_id, access_group_id)"#,
        tenant,
        run_id.as_uuid(),
        &step_ids,
        &positions,
        &names as &[&str],
        &credentials as &[Option<Uuid>],
        &groups as &[Option<Uuid>]
    )
    .execute(db.conn())
    .await?;
    super::engine_state::ensure(db).await
}

/// The newest run of each grant that decides its status (a resident's sign-out, recorded on
/// their latest grant, does not).
pub async fn latest_of_grants(
    db: &mut TenantTx,
    grant_ids: &[GrantId],
) -> Result<Vec<RunRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        RunRow,
        r#"select distinct on (grant_id) run_id as "run_id: _", tenant_id as "tenant_id: _",
                                         grant_id as "grant_id: _", kind as "kind: _",
                                         status as "status: _", attention_reason,
                  cancel_requested_at, next_attempt_at, created_at, updated_at
           from provisioning_runs
           where tenant_id = $1 and grant_id = any($2) and kind <> 'SIGN_OUT'
           order by grant_id, created_at desc, run_id desc"#,
        tenant,
        grant_ids as _
    )
    .fetch_all(db.conn())
    .await
}

pub async fn find(db: &mut TenantTx, run: RunId) -> Result<Option<RunRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        RunRow,
        r#"select run_id as "run_id: _", tenant_id as "tenant_id: _", grant_id as "grant_id: _",
                  kind as "kind: _", status as "status: _", attention_reason, cancel_requested_at,
                  next_attempt_at, created_at, updated_at
           from provisioning_runs where tenant_id = $1 and run_id = $2"#,
        tenant,
        run.as_uuid()
    )
    .fetch_optional(db.conn())
    .await
}

/// Every run of a grant, newest first.
pub async fn of_grant(db: &mut TenantTx, grant: GrantId) -> Result<Vec<RunRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        RunRow,
        r#"select run_id as "run_id: _", tenant_id as "tenant_id: _", grant_id as "grant_id: _",
                  kind as "kind: _", status as "status: _", attention_reason, cancel_requested_at,
                  next_attempt_at, created_at, updated_at
           from provisioning_runs where tenant_id = $1 and grant_id = $2
           order by created_at desc, run_id desc"#,
        tenant,
        grant.as_uuid()
    )
    .fetch_all(db.conn())
    .await
}

/// The unfinished runs of a grant, oldest first.
pub async fn unfinished_of_grant(
    db: &mut TenantTx,
    grant: GrantId,
) -> Result<Vec<RunRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        RunRow,
        r#"select run_id as "run_id: _", tenant_id as "tenant_id: _", grant_id as "grant_id: _",
                  kind as "kind: _", status as "status: _", attention_reason, cancel_requested_at,
                  next_attempt_at, created_at, updated_at
           from provisioning_runs
           where tenant_id = $1 and grant_id = $2
             and status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')
           order by created_at, run_id"#,
        tenant,
        grant.as_uuid()
    )
    .fetch_all(db.conn())
    .await
}

/// The steps of one run, in order: what the engine loads per claim (a statement of its own
/// rather than [`steps_of`] with one id, which PostgreSQL would plan afresh at every call).
pub async fn steps_of_run(db: &mut TenantTx, run: RunId) -> Result<Vec<StepRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        StepRow,
        r#"select step_id as "step_id: _", run_id as "run_id: _", position, name as "kind: _",
                  credential_id as "credential_id: _", access_group_id as "access_group_id: _",
                  status as "status: _", attempts,
                  last_error, seam_ids, not_before, uncertain
           from provisioning_steps where tenant_id = $1 and run_id = $2
           order by position"#,
        tenant,
        run.as_uuid()
    )
    .fetch_all(db.conn())
    .await
}

pub async fn steps_of(db: &mut TenantTx, run_ids: &[RunId]) -> Result<Vec<StepRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        StepRow,
        r#"select step_id as "step_id: _", run_id as "run_id: _", position, name as "kind: _",
                  credential_id as "credential_id: _", access_group_id as "access_group_id: _",
                  status as "status: _", attempts,
                  last_error, seam_ids, not_before, uncertain
           from provisioning_steps where tenant_id = $1 and run_id = any($2)
           order by run_id, position"#,
        tenant,
        run_ids as _
    )
    .fetch_all(db.conn())
    .await
}

/// What the engine needs of a claimed run's tenant and of the run itself, in one read.
pub struct ClaimFacts {
    pub seam_api_key_ciphertext: Vec<u8>,
    pub webhook_registered: bool,
    /// The tenant's runs were paused (Seam refused its key).
    pub paused: bool,
    pub cancel_requested: bool,
    /// The trace of the operation that created the run (see `telemetry::context`).
    pub trace_context: Option<serde_json::Value>,
}

pub async fn claim_facts(db: &mut TenantTx, run: RunId) -> Result<Option<ClaimFacts>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        ClaimFacts,
        r#"select t.seam_api_key_ciphertext, t.webhook_registered,
                  coalesce(s.paused_reason is not null, false) as "paused!",
                  r.cancel_requested_at is not null as "cancel_requested!", r.trace_context
           from tenants t
           join provisioning_runs r on r.tenant_id = t.tenant_id and r.run_id = $2
           left join tenant_engine_state s on s.tenant_id = t.tenant_id
           where t.tenant_id = $1"#,
        tenant,
        run.as_uuid()
    )
    .fetch_optional(db.conn())
    .await
}

/// Credentials of the grant that a create (in any run) may have made at Seam without its
/// answer being recorded.
pub async fn uncertain_creates(
    db: &mut TenantTx,
    grant: GrantId,
) -> Result<Vec<CredentialId>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select distinct s.credential_id as "credential_id!: CredentialId"
           from credentials c join provisioning_steps s on s.credential_id = c.credential_id
           where c.tenant_id = $1 and c.grant_id = $2 and s.uncertain
             and s.name in ('create_acs_credential', 'create_access_code', 'replace_acs_credential')"#,
        tenant,
        grant.as_uuid()
    )
    .fetch_all(db.conn())
    .await
}

/// Records a run of `kind` with the steps of a plan, resolving credential slots to the ids of
/// `credential_ids` (in slot order).
pub async fn insert_plan(
    db: &mut TenantTx,
    grant: GrantId,
    kind: RunKind,
    plan: &[doorway_domain::PlanStep],
    credential_ids: &[CredentialId],
) -> Result<RunId, sqlx::Error> {
    let steps: Vec<NewStep> = plan
        .iter()
        .map(|s| NewStep {
            name: s.kind.as_str(),
            credential_id: s
                .credential_slot
                .and_then(|slot| credential_ids.get(slot).map(CredentialId::as_uuid)),
            access_group_id: s.access_group.map(|g| g.as_uuid()),
        })
        .collect();
    let run_id = RunId::new();
    insert(db, run_id, grant, kind, &steps).await?;
    Ok(run_id)
}

/// Whether the holder of `fence` still holds the run, locking the run's row until the
/// transaction ends so that the writes made with it cannot race another claim. Returns
/// whether a cancellation was requested meanwhile, or `None` when the run is lost.
pub async fn guard(db: &mut TenantTx, fence: Fence) -> Result<Option<bool>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select cancel_requested_at is not null as "cancel!" from provisioning_runs
           where tenant_id = $1 and run_id = $2 and fence = $3 and status = 'RUNNING'
           for no key update"#,
        tenant,
        fence.run_id.as_uuid(),
        fence.token
    )
    .fetch_optional(db.conn())
    .await
}

/// Marks creating steps started (one more attempt each): each is uncertain from now until its
/// outcome is recorded, so that a crash in between leaves it so, and its next attempt looks
/// first. (Steps that create nothing are not marked: their attempt is counted when recorded.)
pub async fn start_steps(db: &mut TenantTx, steps: &[StepId]) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    // One statement per step (a round has one to a few): a statement by key is planned once
    // per connection, where `step_id = any($2)` is planned afresh at every call.
    for step in steps {
        sqlx::query!(
            r#"update provisioning_steps
               set status = 'RUNNING', attempts = attempts + 1, uncertain = true, updated_at = now()
               where tenant_id = $1 and step_id = $2"#,
            tenant,
            step.as_uuid()
        )
        .execute(db.conn())
        .await?;
    }
    Ok(())
}

/// What an attempt of a step came to, as stored.
pub struct StepResult<'a> {
    /// The attempt was not counted when it started (a step that creates nothing).
    pub count_attempt: bool,
    pub status: StepStatus,
    pub seam_ids: &'a serde_json::Value,
    pub last_error: Option<&'a str>,
    pub not_before: Option<DateTime<Utc>>,
    pub uncertain: bool,
}

pub async fn finish_step(
    db: &mut TenantTx,
    step: StepId,
    result: &StepResult<'_>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update provisioning_steps
           set status = $3, seam_ids = seam_ids || $4, last_error = $5, not_before = $6,
               uncertain = $7, attempts = attempts + $8, updated_at = now()
           where tenant_id = $1 and step_id = $2"#,
        tenant,
        step.as_uuid(),
        result.status.as_str(),
        result.seam_ids,
        result.last_error,
        result.not_before,
        result.uncertain,
        i32::from(result.count_attempt)
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Sets when a step is to be tried next, without an attempt (its lock had no room).
pub async fn postpone_step(
    db: &mut TenantTx,
    step: StepId,
    not_before: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update provisioning_steps set not_before = $3, updated_at = now()
           where tenant_id = $1 and step_id = $2"#,
        tenant,
        step.as_uuid(),
        not_before
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Puts the run back in the queue for `at` and gives its resident's lease back: as RUNNING,
/// or as NEEDS_ATTENTION with the reason an operator should look. `false`: the run was lost.
pub async fn defer(
    db: &mut TenantTx,
    fence: Fence,
    at: DateTime<Utc>,
    attention: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let status = match attention {
        Some(_) => RunStatus::NeedsAttention,
        None => RunStatus::Running,
    };
    // A step an event woke while the worker held the run (its `not_before` cleared) makes the
    // run due at once, whatever the worker computed from what it had in memory.
    let deferred = sqlx::query!(
        r#"update provisioning_runs r
           set status = $4, attention_reason = $6, updated_at = now(),
               next_attempt_at = least($5, coalesce(
                   (select min(coalesce(s.not_before, now())) from provisioning_steps s
                    where s.run_id = r.run_id and s.status in ('RUNNING', 'RETRYING')), $5))
           where r.tenant_id = $1 and r.run_id = $2 and r.fence = $3 and r.status = 'RUNNING'
             and r.status = any($7)"#,
        tenant,
        fence.run_id.as_uuid(),
        fence.token,
        status.as_str(),
        at,
        attention,
        &RunStatus::source_texts(status)
    )
    .execute(db.conn())
    .await?;
    super::queue::release_lease(db, fence).await?;
    Ok(deferred.rows_affected() == 1)
}

/// Ends the run (SUCCEEDED, FAILED or CANCELLED) and gives its resident's lease back.
/// `false`: the run was lost.
pub async fn complete(
    db: &mut TenantTx,
    fence: Fence,
    status: RunStatus,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update provisioning_runs
           set status = $4, finished_at = now(), attention_reason = null, updated_at = now()
           where tenant_id = $1 and run_id = $2 and fence = $3 and status = 'RUNNING'
             and status = any($5)"#,
        tenant,
        fence.run_id.as_uuid(),
        fence.token,
        status.as_str(),
        &RunStatus::source_texts(status)
    )
    .execute(db.conn())
    .await?;
    super::queue::release_lease(db, fence).await?;
    Ok(done.rows_affected() == 1)
}

/// Asks the grant's unfinished runs (other than those of `keep` kinds) to stop. A request, not
/// an overwrite: the run is made due, and whoever holds it (or claims it next) sees the
/// request at its next heartbeat or write, records what its step in flight did, and ends it
/// CANCELLED.
pub async fn request_cancel_of_grant(
    db: &mut TenantTx,
    grant: GrantId,
    keep: &[RunKind],
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let keep: Vec<&str> = keep.iter().map(RunKind::as_str).collect();
    let ids = sqlx::query_scalar!(
        r#"select run_id from provisioning_runs
           where tenant_id = $1 and grant_id = $2 and status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')
             and kind <> all($3)"#,
        tenant,
        grant.as_uuid(),
        &keep as &[&str]
    )
    .fetch_all(db.conn())
    .await?;
    for id in ids {
        request_cancel(db, id.into()).await?;
    }
    Ok(())
}

/// Asks one run to stop; see [`request_cancel_of_grant`]. `false`: it had finished already.
pub async fn request_cancel(db: &mut TenantTx, run: RunId) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let requested = sqlx::query!(
        r#"update provisioning_runs set cancel_requested_at = coalesce(cancel_requested_at, now()),
                  next_attempt_at = least(next_attempt_at, now()), updated_at = now()
           where tenant_id = $1 and run_id = $2 and status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')"#,
        tenant,
        run.as_uuid()
    )
    .execute(db.conn())
    .await?;
    Ok(requested.rows_affected() == 1)
}

/// Makes a waiting run due now with its waiting steps (an operator asked, or an event just
/// told us what they were waiting for). `false`: the run had finished.
pub async fn make_due(db: &mut TenantTx, run: RunId) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    // Runs before steps: the order in which every writer takes these rows.
    let done = sqlx::query!(
        r#"update provisioning_runs set next_attempt_at = now(), updated_at = now()
           where tenant_id = $1 and run_id = $2 and status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')"#,
        tenant,
        run.as_uuid()
    )
    .execute(db.conn())
    .await?;
    sqlx::query!(
        r#"update provisioning_steps set not_before = null, updated_at = now()
           where tenant_id = $1 and run_id = $2 and status not in ('SUCCEEDED', 'FAILED', 'SKIPPED')"#,
        tenant,
        run.as_uuid()
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A page of the tenant's runs, newest first, optionally of one status and limited to the
/// grants of `allowed` properties.
pub async fn list(
    db: &mut TenantTx,
    status: Option<RunStatus>,
    allowed: Option<&[Uuid]>,
    limit: i64,
    before: Option<(DateTime<Utc>, Uuid)>,
) -> Result<(Vec<RunRow>, i64), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let (before_at, before_id) = before.unzip();
    let status = status.map(|s| s.as_str());
    let rows = sqlx::query_as!(
        RunRow,
        r#"select r.run_id as "run_id: _", r.tenant_id as "tenant_id: _",
                  r.grant_id as "grant_id: _", r.kind as "kind: _", r.status as "status: _",
                  r.attention_reason,
                  r.cancel_requested_at, r.next_attempt_at, r.created_at, r.updated_at
           from provisioning_runs r join grants g using (grant_id)
           where r.tenant_id = $1 and ($2::text is null or r.status = $2)
             and ($3::uuid[] is null or g.property_id = any($3))
             and ($4::timestamptz is null or (r.created_at, r.run_id) < ($4, $5))
           order by r.created_at desc, r.run_id desc
           limit $6"#,
        tenant,
        status,
        allowed,
        before_at,
        before_id,
        limit
    )
    .fetch_all(db.conn())
    .await?;
    let total = sqlx::query_scalar!(
        r#"select count(*) as "n!" from provisioning_runs r join grants g using (grant_id)
           where r.tenant_id = $1 and ($2::text is null or r.status = $2)
             and ($3::uuid[] is null or g.property_id = any($3))"#,
        tenant,
        status,
        allowed
    )
    .fetch_one(db.conn())
    .await?;
    Ok((rows, total))
}

/// A page of every tenant's runs, newest first (operators).
pub async fn list_all(
    pool: &sqlx::PgPool,
    status: Option<RunStatus>,
    limit: i64,
    before: Option<(DateTime<Utc>, Uuid)>,
) -> Result<(Vec<RunRow>, i64), sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    let status = status.map(|s| s.as_str());
    let rows = sqlx::query_as!(
        RunRow,
        r#"select run_id as "run_id!: _", tenant_id as "tenant_id!: _", grant_id as "grant_id!: _",
                  kind as "kind!: _", status as "status!: _", attention_reason, cancel_requested_at,
                  next_attempt_at as "next_attempt_at!", created_at as "created_at!",
                  updated_at as "updated_at!"
           from doorway_runs($1, $2, $3, $4)"#,
        status,
        i32::try_from(limit).unwrap_or(i32::MAX),
        before_at,
        before_id
    )
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar!(r#"select doorway_run_count($1) as "n!""#, status)
        .fetch_one(pool)
        .await?;
    Ok((rows, total))
}

/// The tenant a run belongs to (an operator acting on a run by its id).
pub async fn tenant_of(pool: &sqlx::PgPool, run: RunId) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("select doorway_run_tenant($1)", run.as_uuid())
        .fetch_one(pool)
        .await
}

/// What `/metrics` shows of the queue, every tenant's together.
pub struct QueueDepth {
    pub due: i64,
    pub waiting: i64,
    /// How long the most overdue run has been due.
    pub oldest_due_seconds: f64,
    /// Runs needing an operator's attention, per tenant (zero included, so a gauge falls back).
    pub attention: Vec<(Uuid, i64)>,
}

pub async fn queue_depth(pool: &sqlx::PgPool) -> Result<QueueDepth, sqlx::Error> {
    let row = sqlx::query!(
        r#"select due as "due!", waiting as "waiting!", oldest_due_seconds as "oldest!"
           from doorway_queue_depth()"#
    )
    .fetch_one(pool)
    .await?;
    let attention = sqlx::query!(
        r#"select tenant_id as "tenant_id!", runs as "runs!" from doorway_runs_needing_attention()"#
    )
    .fetch_all(pool)
    .await?;
    Ok(QueueDepth {
        due: row.due,
        waiting: row.waiting,
        oldest_due_seconds: row.oldest,
        attention: attention
            .into_iter()
            .map(|r| (r.tenant_id, r.runs))
            .collect(),
    })
}

/// Makes every unfinished run of the tenant due now (its Seam key was just replaced);
/// returns how many.
pub async fn make_waiting_due(db: &mut TenantTx) -> Result<u64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let runs = sqlx::query_scalar!(
        r#"update provisioning_runs set next_attempt_at = now(), updated_at = now()
           where tenant_id = $1 and status in ('PENDING', 'RUNNING', 'NEEDS_ATTENTION')
             and next_attempt_at > now()
           returning run_id"#,
        tenant
    )
    .fetch_all(db.conn())
    .await?;
    sqlx::query!(
        r#"update provisioning_steps set not_before = null, updated_at = now()
           where tenant_id = $1 and run_id = any($2) and status = 'RETRYING'"#,
        tenant,
        &runs
    )
    .execute(db.conn())
    .await?;
    Ok(runs.len() as u64)
}

/// Makes the waiting steps about a credential, and their runs, due now: an event just told us
/// what they were polling for.
pub async fn make_due_for_credential(
    db: &mut TenantTx,
    credential: CredentialId,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    // The runs first, by their waiting steps (no lock taken), then each run by its key before
    // its steps: statements the planner cannot get wrong however stale its statistics, where a
    // join from the tenant's waiting runs grew with the queue.
    let runs = sqlx::query_scalar!(
        r#"select distinct run_id from provisioning_steps
           where tenant_id = $1 and credential_id = $2 and status = 'RUNNING'"#,
        tenant,
        credential.as_uuid()
    )
    .fetch_all(db.conn())
    .await?;
    for run in runs {
        sqlx::query!(
            r#"update provisioning_runs set next_attempt_at = now(), updated_at = now()
               where tenant_id = $1 and run_id = $2 and status in ('RUNNING', 'NEEDS_ATTENTION')
                 and next_attempt_at > now()"#,
            tenant,
            run
        )
        .execute(db.conn())
        .await?;
        // The step too, whether or not its run was waiting: a worker holding the run defers it
        // by what the database says of its steps (see `defer`), so the wake-up is not lost.
        sqlx::query!(
            r#"update provisioning_steps set not_before = null, updated_at = now()
               where tenant_id = $1 and run_id = $2 and credential_id = $3 and status = 'RUNNING'
                 and not_before > now()
                 and exists (select 1 from provisioning_runs r
                             where r.tenant_id = $1 and r.run_id = $2
                               and r.status in ('RUNNING', 'NEEDS_ATTENTION'))"#,
            tenant,
            run,
            credential.as_uuid()
        )
        .execute(db.conn())
        .await?;
    }
    Ok(())
}
