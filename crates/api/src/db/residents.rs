//! Residents, and the Seam identities Doorway keeps for each.

use chrono::{DateTime, Utc};
use doorway_domain::{NewResident, ResidentId, ResidentStatus};
use uuid::Uuid;

use super::TenantTx;

#[derive(Debug, Clone)]
pub struct ResidentRow {
    pub resident_id: ResidentId,
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub external_id: String,
    pub status: ResidentStatus,
    pub seam_user_identity_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Inserts a resident; `Ok(false)` when the tenant already has one with this external id.
pub async fn insert(
    db: &mut TenantTx,
    id: ResidentId,
    new: &NewResident,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"insert into residents (resident_id, tenant_id, full_name, email, phone, external_id)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (tenant_id, external_id) do nothing"#,
        id.as_uuid(),
        tenant,
        new.full_name.as_str(),
        new.email.as_str(),
        new.phone.as_ref().map(|p| p.as_str()),
        new.external_id.as_str(),
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find(db: &mut TenantTx, id: ResidentId) -> Result<Option<ResidentRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        ResidentRow,
        r#"select resident_id as "resident_id: _", full_name, email, phone, external_id,
                  status as "status: _", seam_user_identity_id,
                  created_at
           from residents where tenant_id = $1 and resident_id = $2"#,
        tenant,
        id.as_uuid()
    )
    .fetch_optional(db.conn())
    .await
}

pub async fn find_by_external_id(
    db: &mut TenantTx,
    external_id: &str,
) -> Result<Option<ResidentRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        ResidentRow,
        r#"select resident_id as "resident_id: _", full_name, email, phone, external_id,
                  status as "status: _", seam_user_identity_id,
                  created_at
           from residents where tenant_id = $1 and external_id = $2"#,
        tenant,
        external_id
    )
    .fetch_optional(db.conn())
    .await
}

/// A page of residents, oldest first, optionally matching `search` in name, email or external id.
pub async fn list(
    db: &mut TenantTx,
    search: Option<&str>,
    limit: i64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<ResidentRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let (after_at, after_id) = after.unzip();
    sqlx::query_as!(
        ResidentRow,
        r#"select resident_id as "resident_id: _", full_name, email, phone, external_id,
                  status as "status: _", seam_user_identity_id,
                  created_at
           from residents
           where tenant_id = $1
             and ($2::text is null
                  or full_name ilike '%' || doorway_like_literal($2) || '%'
                  or email ilike '%' || doorway_like_literal($2) || '%'
                  or external_id = $2)
             and ($3::timestamptz is null or (created_at, resident_id) > ($3, $4))
           order by created_at, resident_id
           limit $5"#,
        tenant,
        search,
        after_at,
        after_id,
        limit
    )
    .fetch_all(db.conn())
    .await
}

pub async fn count(db: &mut TenantTx, search: Option<&str>) -> Result<i64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from residents
           where tenant_id = $1
             and ($2::text is null
                  or full_name ilike '%' || doorway_like_literal($2) || '%'
                  or email ilike '%' || doorway_like_literal($2) || '%'
                  or external_id = $2)"#,
        tenant,
        search
    )
    .fetch_one(db.conn())
    .await
}

pub async fn set_user_identity(
    db: &mut TenantTx,
    id: ResidentId,
    seam_user_identity_id: &str,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update residents set seam_user_identity_id = $3, updated_at = now()
           where tenant_id = $1 and resident_id = $2"#,
        tenant,
        id.as_uuid(),
        seam_user_identity_id
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The resident's ACS user on an ACS system, as Doorway recorded it.
#[derive(Debug, Clone)]
pub struct AcsUserRow {
    pub seam_acs_user_id: String,
    /// The access schedule Doorway last set on it, when it set one.
    pub schedule: Option<Schedule>,
}

/// An ACS user's access schedule; `ends_at` none for an open end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

pub async fn acs_user(
    db: &mut TenantTx,
    id: ResidentId,
    seam_acs_system_id: &str,
) -> Result<Option<AcsUserRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let row = sqlx::query!(
        r#"select seam_acs_user_id, schedule_set, schedule_starts_at, schedule_ends_at
           from resident_acs_users
           where tenant_id = $1 and resident_id = $2 and seam_acs_system_id = $3"#,
        tenant,
        id.as_uuid(),
        seam_acs_system_id
    )
    .fetch_optional(db.conn())
    .await?;
    Ok(row.map(|r| AcsUserRow {
        seam_acs_user_id: r.seam_acs_user_id,
        schedule: match (r.schedule_set, r.schedule_starts_at) {
            (true, Some(starts_at)) => Some(Schedule {
                starts_at,
                ends_at: r.schedule_ends_at,
            }),
            _ => None,
        },
    }))
}

/// Records the resident's ACS user, with the schedule it was created with (if any).
pub async fn record_acs_user(
    db: &mut TenantTx,
    id: ResidentId,
    seam_acs_system_id: &str,
    seam_acs_user_id: &str,
    schedule: Option<Schedule>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"insert into resident_acs_users (resident_id, seam_acs_system_id, tenant_id, seam_acs_user_id,
                                           schedule_set, schedule_starts_at, schedule_ends_at)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (resident_id, seam_acs_system_id)
           do update set seam_acs_user_id = excluded.seam_acs_user_id,
                         schedule_set = excluded.schedule_set,
                         schedule_starts_at = excluded.schedule_starts_at,
                         schedule_ends_at = excluded.schedule_ends_at, updated_at = now()"#,
        id.as_uuid(),
        seam_acs_system_id,
        tenant,
        seam_acs_user_id,
        schedule.is_some(),
        schedule.map(|s| s.starts_at),
        schedule.and_then(|s| s.ends_at)
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The schedule Doorway just set on the resident's ACS user.
pub async fn record_acs_user_schedule(
    db: &mut TenantTx,
    id: ResidentId,
    seam_acs_system_id: &str,
    schedule: Schedule,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update resident_acs_users
           set schedule_set = true, schedule_starts_at = $4, schedule_ends_at = $5, updated_at = now()
           where tenant_id = $1 and resident_id = $2 and seam_acs_system_id = $3"#,
        tenant,
        id.as_uuid(),
        seam_acs_system_id,
        schedule.starts_at,
        schedule.ends_at
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The resident, locked until the transaction ends: operations that change one resident's
/// access (grant, reschedule, revoke, move-out) take turns on this row.
pub async fn lock(db: &mut TenantTx, id: ResidentId) -> Result<Option<ResidentRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        ResidentRow,
        r#"select resident_id as "resident_id: _", full_name, email, phone, external_id,
                  status as "status: _", seam_user_identity_id,
                  created_at
           from residents where tenant_id = $1 and resident_id = $2
           for no key update"#,
        tenant,
        id.as_uuid()
    )
    .fetch_optional(db.conn())
    .await
}

/// The resident's cached Seam client session, sealed.
pub async fn client_session(
    db: &mut TenantTx,
    id: ResidentId,
) -> Result<Option<(Vec<u8>, DateTime<Utc>)>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let row = sqlx::query!(
        r#"select token_ciphertext, expires_at from resident_client_sessions
           where tenant_id = $1 and resident_id = $2"#,
        tenant,
        id.as_uuid()
    )
    .fetch_optional(db.conn())
    .await?;
    Ok(row.map(|r| (r.token_ciphertext, r.expires_at)))
}

/// Drops the resident's cached client session (it is being revoked at Seam).
pub async fn forget_client_session(db: &mut TenantTx, id: ResidentId) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        "delete from resident_client_sessions where tenant_id = $1 and resident_id = $2",
        tenant,
        id.as_uuid()
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

pub async fn store_client_session(
    db: &mut TenantTx,
    id: ResidentId,
    token_ciphertext: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"insert into resident_client_sessions (resident_id, tenant_id, token_ciphertext, expires_at)
           values ($1, $2, $3, $4)
           on conflict (resident_id)
           do update set token_ciphertext = excluded.token_ciphertext,
                         expires_at = excluded.expires_at, updated_at = now()"#,
        id.as_uuid(),
        tenant,
        token_ciphertext,
        expires_at
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

pub async fn set_status(
    db: &mut TenantTx,
    id: ResidentId,
    status: doorway_domain::ResidentStatus,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update residents set status = $3, updated_at = now() where tenant_id = $1 and resident_id = $2"#,
        tenant,
        id.as_uuid(),
        status.as_str()
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The resident's ACS user on a system was deleted at Seam.
pub async fn forget_acs_user(
    db: &mut TenantTx,
    id: ResidentId,
    seam_acs_system_id: &str,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        "delete from resident_acs_users where tenant_id = $1 and resident_id = $2 and seam_acs_system_id = $3",
        tenant,
        id.as_uuid(),
        seam_acs_system_id
    )
    .execute(db.conn())
    .await?;
    Ok(())
}
