//! Grants and the entrances each covers.

use chrono::{DateTime, Utc};
use doorway_domain::{AccessMethod, GrantId, GrantStatus, PropertyId, ResidentId};
use uuid::Uuid;

use super::properties::EntranceRow;
use super::TenantTx;

#[derive(Debug, Clone)]
pub struct GrantRow {
    pub grant_id: Uuid,
    pub resident_id: Uuid,
    pub property_id: Uuid,
    pub access_method: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub seam_credential_manager_acs_system_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub struct NewGrant<'a> {
    pub grant_id: GrantId,
    pub resident_id: ResidentId,
    pub property_id: PropertyId,
    pub access_method: AccessMethod,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub entrance_ids: &'a [Uuid],
}

pub async fn insert(db: &mut TenantTx, new: &NewGrant<'_>) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"insert into grants (grant_id, tenant_id, resident_id, property_id, access_method, status,
                               starts_at, ends_at)
           values ($1, $2, $3, $4, $5, 'PROVISIONING', $6, $7)"#,
        new.grant_id.as_uuid(),
        tenant,
        new.resident_id.as_uuid(),
        new.property_id.as_uuid(),
        new.access_method.as_str(),
        new.starts_at,
        new.ends_at,
    )
    .execute(db.conn())
    .await?;
    sqlx::query!(
        r#"insert into grant_entrances (grant_id, entrance_id, tenant_id)
           select $1, e, $2 from unnest($3::uuid[]) as e"#,
        new.grant_id.as_uuid(),
        tenant,
        new.entrance_ids
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

pub async fn find(db: &mut TenantTx, id: GrantId) -> Result<Option<GrantRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        GrantRow,
        r#"select grant_id, resident_id, property_id, access_method, status, status_reason,
                  starts_at, ends_at, seam_credential_manager_acs_system_id, created_at
           from grants where tenant_id = $1 and grant_id = $2"#,
        tenant,
        id.as_uuid()
    )
    .fetch_optional(db.conn())
    .await
}

/// The grants of some residents, newest first, optionally limited to `allowed` properties.
pub async fn of_residents(
    db: &mut TenantTx,
    resident_ids: &[Uuid],
    allowed: Option<&[Uuid]>,
) -> Result<Vec<GrantRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        GrantRow,
        r#"select grant_id, resident_id, property_id, access_method, status, status_reason,
                  starts_at, ends_at, seam_credential_manager_acs_system_id, created_at
           from grants
           where tenant_id = $1 and resident_id = any($2)
             and ($3::uuid[] is null or property_id = any($3))
           order by created_at desc, grant_id desc"#,
        tenant,
        resident_ids,
        allowed
    )
    .fetch_all(db.conn())
    .await
}

pub async fn set_status(
    db: &mut TenantTx,
    id: GrantId,
    status: GrantStatus,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update grants set status = $3, status_reason = $4, updated_at = now()
           where tenant_id = $1 and grant_id = $2"#,
        tenant,
        id.as_uuid(),
        status.as_str(),
        reason
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

pub async fn set_credential_manager(
    db: &mut TenantTx,
    id: GrantId,
    seam_acs_system_id: &str,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update grants set seam_credential_manager_acs_system_id = $3, updated_at = now()
           where tenant_id = $1 and grant_id = $2"#,
        tenant,
        id.as_uuid(),
        seam_acs_system_id
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The entrances of each grant, as (grant id, entrance).
pub async fn entrances_of(
    db: &mut TenantTx,
    grant_ids: &[Uuid],
) -> Result<Vec<(Uuid, EntranceRow)>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let rows = sqlx::query!(
        r#"select ge.grant_id, e.entrance_id, e.property_id, e.name, e.seam_acs_entrance_id,
                  e.seam_device_id
           from grant_entrances ge join entrances e using (entrance_id)
           where ge.tenant_id = $1 and ge.grant_id = any($2)
           order by e.name, e.entrance_id"#,
        tenant,
        grant_ids
    )
    .fetch_all(db.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.grant_id,
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
