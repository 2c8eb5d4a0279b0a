//! Credentials: what residents hold, with the Seam ids behind them.

use chrono::{DateTime, Utc};
use doorway_domain::{
    AccessMethod, CredentialId, CredentialStatus, GrantId, Mechanism, ResidentId,
};
use uuid::Uuid;

use super::properties::EntranceRow;
use super::TenantTx;

/// A credential with the window and property of its grant, as the app shows it.
#[derive(Debug, Clone)]
pub struct CredentialRow {
    pub credential_id: Uuid,
    pub grant_id: Uuid,
    pub slot: i32,
    pub access_method: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub code: Option<String>,
    pub mechanism: String,
    pub seam_acs_credential_id: Option<String>,
    pub seam_access_code_id: Option<String>,
    pub requested_code: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub property_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// A credential the plan calls for.
pub struct PlannedRow<'a> {
    pub id: CredentialId,
    pub grant_id: GrantId,
    pub slot: i32,
    pub access_method: AccessMethod,
    pub mechanism: Mechanism,
    pub requested_code: Option<&'a str>,
}

/// Records a credential the plan calls for, before anything exists at Seam.
pub async fn insert_planned(
    db: &mut TenantTx,
    planned: &PlannedRow<'_>,
    entrance_ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let id = planned.id;
    sqlx::query!(
        r#"insert into credentials (credential_id, tenant_id, grant_id, slot, access_method, status,
                                    mechanism, requested_code)
           values ($1, $2, $3, $4, $5, 'PENDING', $6, $7)"#,
        id.as_uuid(),
        tenant,
        planned.grant_id.as_uuid(),
        planned.slot,
        planned.access_method.as_str(),
        planned.mechanism.as_str(),
        planned.requested_code
    )
    .execute(db.conn())
    .await?;
    replace_entrances(db, id, entrance_ids).await
}

pub async fn of_grants(
    db: &mut TenantTx,
    grant_ids: &[Uuid],
) -> Result<Vec<CredentialRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        CredentialRow,
        r#"select c.credential_id, c.grant_id, c.slot, c.access_method, c.status, c.status_reason,
                  c.code, c.mechanism, c.seam_acs_credential_id, c.seam_access_code_id,
                  c.requested_code, c.issued_at, g.starts_at, g.ends_at,
                  g.property_id, c.created_at
           from credentials c join grants g using (grant_id)
           where c.tenant_id = $1 and c.grant_id = any($2)
           order by c.grant_id, c.slot"#,
        tenant,
        grant_ids
    )
    .fetch_all(db.conn())
    .await
}

/// A page of one resident's credentials, newest first (the app's home screen).
pub async fn page_of_resident(
    db: &mut TenantTx,
    resident: ResidentId,
    limit: i64,
    before: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<CredentialRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let (before_at, before_id) = before.unzip();
    sqlx::query_as!(
        CredentialRow,
        r#"select c.credential_id, c.grant_id, c.slot, c.access_method, c.status, c.status_reason,
                  c.code, c.mechanism, c.seam_acs_credential_id, c.seam_access_code_id,
                  c.requested_code, c.issued_at, g.starts_at, g.ends_at,
                  g.property_id, c.created_at
           from credentials c join grants g using (grant_id)
           where c.tenant_id = $1 and g.resident_id = $2
             and ($3::timestamptz is null or (c.created_at, c.credential_id) < ($3, $4))
           order by c.created_at desc, c.credential_id desc
           limit $5"#,
        tenant,
        resident.as_uuid(),
        before_at,
        before_id,
        limit
    )
    .fetch_all(db.conn())
    .await
}

pub async fn count_of_resident(
    db: &mut TenantTx,
    resident: ResidentId,
) -> Result<i64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from credentials c join grants g using (grant_id)
           where c.tenant_id = $1 and g.resident_id = $2"#,
        tenant,
        resident.as_uuid()
    )
    .fetch_one(db.conn())
    .await
}

/// The entrances of each credential, as (credential id, entrance).
pub async fn entrances_of(
    db: &mut TenantTx,
    credential_ids: &[Uuid],
) -> Result<Vec<(Uuid, EntranceRow)>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let rows = sqlx::query!(
        r#"select ce.credential_id, e.entrance_id, e.property_id, e.name, e.seam_acs_entrance_id,
                  e.seam_device_id, e.supports_access_codes, e.supported_code_lengths
           from credential_entrances ce join entrances e using (entrance_id)
           where ce.tenant_id = $1 and ce.credential_id = any($2)
           order by e.name, e.entrance_id"#,
        tenant,
        credential_ids
    )
    .fetch_all(db.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.credential_id,
                EntranceRow {
                    entrance_id: r.entrance_id,
                    property_id: r.property_id,
                    name: r.name,
                    seam_acs_entrance_id: r.seam_acs_entrance_id,
                    seam_device_id: r.seam_device_id,
                    supports_access_codes: r.supports_access_codes,
                    supported_code_lengths: r.supported_code_lengths,
                },
            )
        })
        .collect())
}

pub async fn replace_entrances(
    db: &mut TenantTx,
    id: CredentialId,
    entrance_ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        "delete from credential_entrances where tenant_id = $1 and credential_id = $2",
        tenant,
        id.as_uuid()
    )
    .execute(db.conn())
    .await?;
    sqlx::query!(
        r#"insert into credential_entrances (credential_id, entrance_id, tenant_id)
           select $1, e, $2 from unnest($3::uuid[]) as e"#,
        id.as_uuid(),
        tenant,
        entrance_ids
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The credential now exists at Seam.
pub async fn record_created(
    db: &mut TenantTx,
    id: CredentialId,
    seam_acs_credential_id: &str,
    code: Option<&str>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set seam_acs_credential_id = $3, code = coalesce($4, code),
                  status = 'ISSUING', status_reason = null, updated_at = now()
           where tenant_id = $1 and credential_id = $2"#,
        tenant,
        id.as_uuid(),
        seam_acs_credential_id,
        code
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Seam reports the credential issued.
pub async fn record_issued(
    db: &mut TenantTx,
    id: CredentialId,
    status: CredentialStatus,
    code: Option<&str>,
    issued_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set status = $3, code = coalesce($4, code),
                  issued_at = coalesce($5, issued_at, now()), status_reason = null, updated_at = now()
           where tenant_id = $1 and credential_id = $2
             -- a webhook may have failed or ended it meanwhile: that wins over a late poll
             and status in ('PENDING', 'ISSUING', 'SCHEDULED', 'ACTIVE')"#,
        tenant,
        id.as_uuid(),
        status.as_str(),
        code,
        issued_at
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Marks every credential of a grant that is not yet issued as failed, with the reason.
pub async fn fail_unissued_of_grant(
    db: &mut TenantTx,
    grant: GrantId,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set status = 'FAILED', status_reason = $3, updated_at = now()
           where tenant_id = $1 and grant_id = $2 and status in ('PENDING', 'ISSUING')"#,
        tenant,
        grant.as_uuid(),
        reason
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Which of these Seam credential ids Doorway already tracks (for any grant).
pub async fn tracked_seam_ids(
    db: &mut TenantTx,
    seam_ids: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select seam_acs_credential_id as "id!" from credentials
           where tenant_id = $1 and seam_acs_credential_id = any($2)"#,
        tenant,
        seam_ids
    )
    .fetch_all(db.conn())
    .await
}

/// The access code now exists at Seam (with the PIN Seam holds for it).
pub async fn record_access_code_created(
    db: &mut TenantTx,
    id: CredentialId,
    seam_access_code_id: &str,
    code: Option<&str>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set seam_access_code_id = $3, code = coalesce($4, code),
                  status = 'ISSUING', status_reason = null, updated_at = now()
           where tenant_id = $1 and credential_id = $2"#,
        tenant,
        id.as_uuid(),
        seam_access_code_id,
        code
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The credential no longer exists at Seam: revoked for good, or (when being replaced by a
/// reschedule) back to PENDING without its Seam ids.
pub async fn record_deleted(
    db: &mut TenantTx,
    id: CredentialId,
    revoked: bool,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let status = if revoked {
        CredentialStatus::Revoked
    } else {
        CredentialStatus::Pending
    };
    sqlx::query!(
        r#"update credentials set seam_acs_credential_id = null, seam_access_code_id = null,
                  status = $3, status_reason = null, updated_at = now(),
                  code = case when $3 = 'REVOKED' then null else code end
           where tenant_id = $1 and credential_id = $2"#,
        tenant,
        id.as_uuid(),
        status.as_str()
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Sets the status of a grant's credentials that are not yet in a final state.
pub async fn set_status_of_grant(
    db: &mut TenantTx,
    grant: GrantId,
    status: CredentialStatus,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set status = $3, status_reason = $4, updated_at = now()
           where tenant_id = $1 and grant_id = $2 and status not in ('REVOKED', 'EXPIRED')"#,
        tenant,
        grant.as_uuid(),
        status.as_str(),
        reason
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Which of these Seam access-code ids Doorway already tracks (for any grant).
pub async fn tracked_access_codes(
    db: &mut TenantTx,
    seam_ids: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select seam_access_code_id as "id!" from credentials
           where tenant_id = $1 and seam_access_code_id = any($2)"#,
        tenant,
        seam_ids
    )
    .fetch_all(db.conn())
    .await
}

/// After a window moved: issued credentials are SCHEDULED before the start, ACTIVE after.
pub async fn refresh_window_status(db: &mut TenantTx, grant: GrantId) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials c
           set status = case when g.starts_at > now() then 'SCHEDULED' else 'ACTIVE' end,
               status_reason = null, updated_at = now()
           from grants g
           where c.grant_id = g.grant_id and c.tenant_id = $1 and c.grant_id = $2
             and c.status in ('ACTIVE', 'SCHEDULED')"#,
        tenant,
        grant.as_uuid()
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Issued credentials whose window has started become ACTIVE. Returns how many.
pub async fn activate_started(db: &mut TenantTx) -> Result<u64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update credentials c set status = 'ACTIVE', updated_at = now()
           from grants g
           where c.grant_id = g.grant_id and c.tenant_id = $1 and c.status = 'SCHEDULED'
             and (g.starts_at is null or g.starts_at <= now())"#,
        tenant
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected())
}

/// A credential Doorway believes exists at Seam, with where to look for it.
#[derive(Debug, Clone)]
pub struct LiveCredential {
    pub credential_id: Uuid,
    pub seam_acs_credential_id: Option<String>,
    pub seam_acs_system_id: Option<String>,
    pub seam_access_code_id: Option<String>,
    pub seam_device_id: Option<String>,
}

/// Credentials that should exist at Seam now: created, not being revoked or replaced, and whose
/// window has not ended (Seam removes those itself).
pub async fn live_at_seam(db: &mut TenantTx) -> Result<Vec<LiveCredential>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        LiveCredential,
        r#"select c.credential_id, c.seam_acs_credential_id, p.seam_acs_system_id, c.seam_access_code_id,
                  (select e.seam_device_id from credential_entrances ce join entrances e using (entrance_id)
                   where ce.credential_id = c.credential_id and e.seam_device_id is not null limit 1) as seam_device_id
           from credentials c join grants g using (grant_id) join properties p on p.property_id = g.property_id
           where c.tenant_id = $1 and c.status in ('ISSUING', 'SCHEDULED', 'ACTIVE')
             and g.status in ('PROVISIONING', 'ACTIVE')
             and (g.ends_at is null or g.ends_at > now())
             and (c.seam_acs_credential_id is not null or c.seam_access_code_id is not null)"#,
        tenant
    )
    .fetch_all(db.conn())
    .await
}

/// Marks credentials Seam no longer has; returns how many changed.
pub async fn mark_gone(db: &mut TenantTx, ids: &[Uuid], reason: &str) -> Result<u64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update credentials set status = 'FAILED', status_reason = $3, updated_at = now()
           where tenant_id = $1 and credential_id = any($2) and status in ('ISSUING', 'SCHEDULED', 'ACTIVE')"#,
        tenant,
        ids,
        reason
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected())
}
