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
    pub access_group_ids: &'a [Uuid],
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
    sqlx::query!(
        r#"insert into grant_access_groups (grant_id, access_group_id, tenant_id)
           select $1, g, $2 from unnest($3::uuid[]) as g"#,
        new.grant_id.as_uuid(),
        tenant,
        new.access_group_ids
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
                  e.seam_device_id, e.supports_access_codes, e.supported_code_lengths
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
                    supports_access_codes: r.supports_access_codes,
                    supported_code_lengths: r.supported_code_lengths,
                },
            )
        })
        .collect())
}

/// The access groups a grant gives, with their Seam ids.
pub async fn access_groups_of(
    db: &mut TenantTx,
    grant: GrantId,
) -> Result<Vec<super::properties::AccessGroupRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        super::properties::AccessGroupRow,
        r#"select ag.access_group_id, ag.property_id, ag.name, ag.seam_acs_access_group_id
           from grant_access_groups gag join access_groups ag using (access_group_id)
           where gag.tenant_id = $1 and gag.grant_id = $2
           order by ag.name"#,
        tenant,
        grant.as_uuid()
    )
    .fetch_all(db.conn())
    .await
}

/// Moves a grant's window (the desired state the reschedule run then applies at Seam).
pub async fn set_window(
    db: &mut TenantTx,
    id: GrantId,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update grants set starts_at = $3, ends_at = $4, updated_at = now()
           where tenant_id = $1 and grant_id = $2"#,
        tenant,
        id.as_uuid(),
        starts_at,
        ends_at
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Whether the resident has another grant, not ended, on properties of this ACS system (so the
/// ACS user there is still needed).
pub async fn others_use_acs_system(
    db: &mut TenantTx,
    resident: ResidentId,
    except: GrantId,
    seam_acs_system_id: &str,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select exists(
             select 1 from grants g join properties p using (property_id)
             where g.tenant_id = $1 and g.resident_id = $2 and g.grant_id <> $3
               and p.seam_acs_system_id = $4
               and g.status in ('PROVISIONING', 'ACTIVE', 'FAILED')) as "used!""#,
        tenant,
        resident.as_uuid(),
        except.as_uuid(),
        seam_acs_system_id
    )
    .fetch_one(db.conn())
    .await
}

/// Live grants whose window has ended become EXPIRED with their credentials, and their
/// unfinished provisioning stops. Returns how many grants expired.
pub async fn expire_ended(db: &mut TenantTx) -> Result<u64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let expired = sqlx::query_scalar!(
        r#"update grants set status = 'EXPIRED', status_reason = 'the access window has ended', updated_at = now()
           where tenant_id = $1 and status in ('PROVISIONING', 'ACTIVE') and ends_at <= now()
           returning grant_id"#,
        tenant
    )
    .fetch_all(db.conn())
    .await?;
    if expired.is_empty() {
        return Ok(0);
    }
    sqlx::query!(
        r#"update credentials set status = 'EXPIRED', status_reason = null, updated_at = now()
           where tenant_id = $1 and grant_id = any($2) and status not in ('REVOKED', 'EXPIRED')"#,
        tenant,
        &expired
    )
    .execute(db.conn())
    .await?;
    sqlx::query!(
        r#"update provisioning_runs set status = 'CANCELLED', updated_at = now()
           where tenant_id = $1 and grant_id = any($2) and status in ('PENDING', 'RUNNING') and kind = 'PROVISION'"#,
        tenant,
        &expired
    )
    .execute(db.conn())
    .await?;
    Ok(expired.len() as u64)
}
