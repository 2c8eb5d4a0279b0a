//! Properties with their entrances and access groups, as imported from Seam.

use chrono::{DateTime, Utc};
use doorway_domain::{AccessGroupId, EntranceId, PropertyId, Provider};
use uuid::Uuid;

use super::TenantTx;

#[derive(Debug, Clone)]
pub struct PropertyRow {
    pub property_id: PropertyId,
    pub name: String,
    pub provider: Provider,
    pub seam_acs_system_id: Option<String>,
    pub external_type: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct EntranceRow {
    pub entrance_id: EntranceId,
    pub property_id: PropertyId,
    pub name: String,
    pub seam_acs_entrance_id: Option<String>,
    pub seam_device_id: Option<String>,
    pub supports_access_codes: bool,
    pub supported_code_lengths: Vec<i32>,
}

#[derive(Debug, Clone)]
pub struct AccessGroupRow {
    pub access_group_id: AccessGroupId,
    pub property_id: PropertyId,
    pub name: String,
    pub seam_acs_access_group_id: String,
}

pub async fn find(db: &mut TenantTx, id: PropertyId) -> Result<Option<PropertyRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        PropertyRow,
        r#"select property_id as "property_id: _", name, provider as "provider: _",
                  seam_acs_system_id, external_type, created_at
           from properties where tenant_id = $1 and property_id = $2"#,
        tenant,
        id.as_uuid()
    )
    .fetch_optional(db.conn())
    .await
}

pub async fn find_many(
    db: &mut TenantTx,
    ids: &[PropertyId],
) -> Result<Vec<PropertyRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        PropertyRow,
        r#"select property_id as "property_id: _", name, provider as "provider: _",
                  seam_acs_system_id, external_type, created_at
           from properties where tenant_id = $1 and property_id = any($2)"#,
        tenant,
        ids as _
    )
    .fetch_all(db.conn())
    .await
}

/// Creates the property for an ACS system, or renames the existing one; returns its id either
/// way so that re-import keeps ids.
pub async fn upsert_for_acs_system(
    db: &mut TenantTx,
    name: &str,
    provider: &str,
    seam_acs_system_id: &str,
    external_type: Option<&str>,
) -> Result<Uuid, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"insert into properties (property_id, tenant_id, name, provider, seam_acs_system_id, external_type)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (tenant_id, seam_acs_system_id)
           do update set name = excluded.name, provider = excluded.provider,
                         external_type = excluded.external_type, updated_at = now()
           returning property_id"#,
        PropertyId::new().as_uuid(),
        tenant,
        name,
        provider,
        seam_acs_system_id,
        external_type
    )
    .fetch_one(db.conn())
    .await
}

/// Records an ACS entrance of a property, keeping its id when it was imported before.
pub async fn upsert_acs_entrance(
    db: &mut TenantTx,
    property_id: Uuid,
    name: &str,
    seam_acs_entrance_id: &str,
) -> Result<Uuid, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"insert into entrances (entrance_id, tenant_id, property_id, name, seam_acs_entrance_id)
           values ($1, $2, $3, $4, $5)
           on conflict (property_id, seam_acs_entrance_id)
           do update set name = excluded.name, updated_at = now()
           returning entrance_id"#,
        Uuid::now_v7(),
        tenant,
        property_id,
        name,
        seam_acs_entrance_id
    )
    .fetch_one(db.conn())
    .await
}

/// The smart-lock properties that already hold any of these devices.
pub async fn properties_holding_devices(
    db: &mut TenantTx,
    device_ids: &[String],
) -> Result<Vec<Uuid>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select distinct property_id as "id!" from entrances
           where tenant_id = $1 and seam_device_id = any($2)"#,
        tenant,
        device_ids
    )
    .fetch_all(db.conn())
    .await
}

/// Creates a smart-lock property, or renames an existing one; returns its id.
pub async fn upsert_smart_lock_property(
    db: &mut TenantTx,
    existing: Option<Uuid>,
    name: &str,
) -> Result<Uuid, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let id = existing.unwrap_or_else(|| PropertyId::new().as_uuid());
    sqlx::query_scalar!(
        r#"insert into properties (property_id, tenant_id, name, provider)
           values ($1, $2, $3, 'SMART_LOCKS')
           on conflict (property_id) do update set name = excluded.name, updated_at = now()
           returning property_id"#,
        id,
        tenant,
        name
    )
    .fetch_one(db.conn())
    .await
}

/// Records a lock of a smart-lock property with what it can do, keeping its id on re-import.
pub async fn upsert_lock(
    db: &mut TenantTx,
    property_id: Uuid,
    name: &str,
    seam_device_id: &str,
    supports_access_codes: bool,
    code_lengths: &[i32],
) -> Result<Uuid, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"insert into entrances (entrance_id, tenant_id, property_id, name, seam_device_id,
                                  supports_access_codes, supported_code_lengths)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (property_id, seam_device_id)
           do update set name = excluded.name, supports_access_codes = excluded.supports_access_codes,
                         supported_code_lengths = excluded.supported_code_lengths, updated_at = now()
           returning entrance_id"#,
        Uuid::now_v7(),
        tenant,
        property_id,
        name,
        seam_device_id,
        supports_access_codes,
        code_lengths
    )
    .fetch_one(db.conn())
    .await
}

/// Records an access group of a property, keeping its id, and replaces its entrance list.
pub async fn upsert_access_group(
    db: &mut TenantTx,
    property_id: Uuid,
    name: &str,
    seam_acs_access_group_id: &str,
    entrance_ids: &[Uuid],
) -> Result<Uuid, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let group_id = sqlx::query_scalar!(
        r#"insert into access_groups (access_group_id, tenant_id, property_id, name, seam_acs_access_group_id)
           values ($1, $2, $3, $4, $5)
           on conflict (property_id, seam_acs_access_group_id)
           do update set name = excluded.name, updated_at = now()
           returning access_group_id"#,
        Uuid::now_v7(),
        tenant,
        property_id,
        name,
        seam_acs_access_group_id
    )
    .fetch_one(db.conn())
    .await?;
    sqlx::query!(
        "delete from access_group_entrances where tenant_id = $1 and access_group_id = $2",
        tenant,
        group_id
    )
    .execute(db.conn())
    .await?;
    sqlx::query!(
        r#"insert into access_group_entrances (access_group_id, entrance_id, tenant_id)
           select $1, e, $2 from unnest($3::uuid[]) as e"#,
        group_id,
        tenant,
        entrance_ids
    )
    .execute(db.conn())
    .await?;
    Ok(group_id)
}

/// A page of properties, oldest first, optionally limited to `allowed` ids.
pub async fn list(
    db: &mut TenantTx,
    allowed: Option<&[Uuid]>,
    limit: i64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<PropertyRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let (after_at, after_id) = after.unzip();
    sqlx::query_as!(
        PropertyRow,
        r#"select property_id as "property_id: _", name, provider as "provider: _",
                  seam_acs_system_id, external_type, created_at
           from properties
           where tenant_id = $1
             and ($2::uuid[] is null or property_id = any($2))
             and ($3::timestamptz is null or (created_at, property_id) > ($3, $4))
           order by created_at, property_id
           limit $5"#,
        tenant,
        allowed,
        after_at,
        after_id,
        limit
    )
    .fetch_all(db.conn())
    .await
}

pub async fn count(db: &mut TenantTx, allowed: Option<&[Uuid]>) -> Result<i64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from properties
           where tenant_id = $1 and ($2::uuid[] is null or property_id = any($2))"#,
        tenant,
        allowed
    )
    .fetch_one(db.conn())
    .await
}

pub async fn entrances_of(
    db: &mut TenantTx,
    property_ids: &[PropertyId],
) -> Result<Vec<EntranceRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        EntranceRow,
        r#"select entrance_id as "entrance_id: _", property_id as "property_id: _", name,
                  seam_acs_entrance_id, seam_device_id,
                  supports_access_codes, supported_code_lengths
           from entrances where tenant_id = $1 and property_id = any($2)
           order by name, entrance_id"#,
        tenant,
        property_ids as _
    )
    .fetch_all(db.conn())
    .await
}

pub async fn access_groups_of(
    db: &mut TenantTx,
    property_ids: &[PropertyId],
) -> Result<Vec<AccessGroupRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        AccessGroupRow,
        r#"select access_group_id as "access_group_id: _", property_id as "property_id: _", name,
                  seam_acs_access_group_id
           from access_groups where tenant_id = $1 and property_id = any($2)
           order by name, access_group_id"#,
        tenant,
        property_ids as _
    )
    .fetch_all(db.conn())
    .await
}

/// The entrances of each access group, as (access group id, entrance).
pub async fn access_group_entrances(
    db: &mut TenantTx,
    group_ids: &[AccessGroupId],
) -> Result<Vec<(AccessGroupId, EntranceRow)>, sqlx::Error> {
    if group_ids.is_empty() {
        // Most grants name no access group; a statement with an array parameter is planned
        // afresh at every call.
        return Ok(Vec::new());
    }
    let tenant = db.tenant().as_uuid();
    let rows = sqlx::query!(
        r#"select age.access_group_id as "access_group_id: AccessGroupId", e.entrance_id as "entrance_id: EntranceId",
                  e.property_id as "property_id: PropertyId", e.name, e.seam_acs_entrance_id,
                  e.seam_device_id, e.supports_access_codes, e.supported_code_lengths
           from access_group_entrances age join entrances e using (entrance_id)
           where age.tenant_id = $1 and age.access_group_id = any($2)
           order by e.name, e.entrance_id"#,
        tenant,
        group_ids as _
    )
    .fetch_all(db.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.access_group_id,
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

/// Seam ids of the ACS systems already imported as properties.
pub async fn imported_acs_system_ids(db: &mut TenantTx) -> Result<Vec<String>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select seam_acs_system_id as "id!" from properties
           where tenant_id = $1 and seam_acs_system_id is not null"#,
        tenant
    )
    .fetch_all(db.conn())
    .await
}

/// Seam ids of the devices already imported as entrances of smart-lock properties.
pub async fn imported_device_ids(db: &mut TenantTx) -> Result<Vec<String>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select seam_device_id as "id!" from entrances
           where tenant_id = $1 and seam_device_id is not null"#,
        tenant
    )
    .fetch_all(db.conn())
    .await
}
