//! Credentials: what residents hold, with the Seam ids behind them.

use chrono::{DateTime, Utc};
use doorway_domain::{AccessMethod, CredentialId, CredentialStatus, GrantId, ResidentId};
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
    pub seam_acs_credential_id: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub property_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Records a credential the plan calls for, before anything exists at Seam.
pub async fn insert_planned(
    db: &mut TenantTx,
    id: CredentialId,
    grant_id: GrantId,
    slot: i32,
    access_method: AccessMethod,
    entrance_ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"insert into credentials (credential_id, tenant_id, grant_id, slot, access_method, status)
           values ($1, $2, $3, $4, $5, 'PENDING')"#,
        id.as_uuid(),
        tenant,
        grant_id.as_uuid(),
        slot,
        access_method.as_str()
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
                  c.code, c.seam_acs_credential_id, c.issued_at, g.starts_at, g.ends_at,
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
                  c.code, c.seam_acs_credential_id, c.issued_at, g.starts_at, g.ends_at,
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
                  e.seam_device_id
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
           where tenant_id = $1 and credential_id = $2"#,
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
