//! Grants and the entrances each covers.

use chrono::{DateTime, Utc};
use doorway_domain::{
    AccessGroupId, AccessMethod, EntranceId, GrantId, GrantStatus, PropertyId, ResidentId,
    Transition,
};
use uuid::Uuid;

use super::properties::EntranceRow;
use super::TenantTx;

#[derive(Debug, Clone)]
pub struct GrantRow {
    pub grant_id: GrantId,
    pub resident_id: ResidentId,
    pub property_id: PropertyId,
    pub access_method: AccessMethod,
    pub status: GrantStatus,
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
    pub entrance_ids: &'a [EntranceId],
    pub access_group_ids: &'a [AccessGroupId],
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
        new.entrance_ids as _
    )
    .execute(db.conn())
    .await?;
    sqlx::query!(
        r#"insert into grant_access_groups (grant_id, access_group_id, tenant_id)
           select $1, g, $2 from unnest($3::uuid[]) as g"#,
        new.grant_id.as_uuid(),
        tenant,
        new.access_group_ids as _
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

pub async fn find(db: &mut TenantTx, id: GrantId) -> Result<Option<GrantRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        GrantRow,
        r#"select grant_id as "grant_id: _", resident_id as "resident_id: _",
                  property_id as "property_id: _", access_method as "access_method: _",
                  status as "status: _", status_reason,
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
    resident_ids: &[ResidentId],
    allowed: Option<&[Uuid]>,
) -> Result<Vec<GrantRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        GrantRow,
        r#"select grant_id as "grant_id: _", resident_id as "resident_id: _",
                  property_id as "property_id: _", access_method as "access_method: _",
                  status as "status: _", status_reason,
                  starts_at, ends_at, seam_credential_manager_acs_system_id, created_at
           from grants
           where tenant_id = $1 and resident_id = any($2)
             and ($3::uuid[] is null or property_id = any($3))
           order by created_at desc, grant_id desc"#,
        tenant,
        resident_ids as _,
        allowed
    )
    .fetch_all(db.conn())
    .await
}

/// Moves the grant to `next` with `reason`, if the transition table allows it from where the
/// grant stands now; `false` when it did not (another operation moved it first).
pub async fn transition(
    db: &mut TenantTx,
    id: GrantId,
    next: GrantStatus,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update grants set status = $3, status_reason = $4, updated_at = now()
           where tenant_id = $1 and grant_id = $2 and status = any($5)"#,
        tenant,
        id.as_uuid(),
        next.as_str(),
        reason,
        &GrantStatus::source_texts(next)
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// [`transition`], only from `from`: writes `next` (and its reason) if the grant still stands
/// where the caller saw it.
pub async fn transition_from(
    db: &mut TenantTx,
    id: GrantId,
    from: GrantStatus,
    next: GrantStatus,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    if !from.may_become(next) {
        return Ok(false);
    }
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update grants set status = $4, status_reason = $5, updated_at = now()
           where tenant_id = $1 and grant_id = $2 and status = $3"#,
        tenant,
        id.as_uuid(),
        from.as_str(),
        next.as_str(),
        reason
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Says why a grant that is not finished is slow, without changing its status.
pub async fn explain(db: &mut TenantTx, id: GrantId, reason: &str) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update grants set status_reason = $3, updated_at = now()
           where tenant_id = $1 and grant_id = $2 and status in ('PROVISIONING', 'REVOKING')
             and status_reason is distinct from $3"#,
        tenant,
        id.as_uuid(),
        reason
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// A provisioning grant becomes ACTIVE once Seam reports every one of its credentials issued
/// or set (SCHEDULED ones included: issued, waiting for their window at Seam).
pub async fn activate_if_all_live(db: &mut TenantTx, id: GrantId) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update grants g set status = 'ACTIVE', status_reason = null, updated_at = now()
           where g.tenant_id = $1 and g.grant_id = $2 and g.status = 'PROVISIONING'
             and g.status = any($3)
             and not exists (select 1 from credentials c
                             where c.tenant_id = $1 and c.grant_id = $2
                               and c.status not in ('ACTIVE', 'SCHEDULED'))"#,
        tenant,
        id.as_uuid(),
        &GrantStatus::source_texts(GrantStatus::Active)
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The grant, locked until the transaction ends (operations on one grant take turns).
pub async fn lock(db: &mut TenantTx, id: GrantId) -> Result<Option<GrantRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        GrantRow,
        r#"select grant_id as "grant_id: _", resident_id as "resident_id: _",
                  property_id as "property_id: _", access_method as "access_method: _",
                  status as "status: _", status_reason,
                  starts_at, ends_at, seam_credential_manager_acs_system_id, created_at
           from grants where tenant_id = $1 and grant_id = $2
           for no key update"#,
        tenant,
        id.as_uuid()
    )
    .fetch_optional(db.conn())
    .await
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
    grant_ids: &[GrantId],
) -> Result<Vec<(GrantId, EntranceRow)>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let rows = sqlx::query!(
        r#"select ge.grant_id as "grant_id: GrantId", e.entrance_id as "entrance_id: EntranceId",
                  e.property_id as "property_id: PropertyId", e.name, e.seam_acs_entrance_id,
                  e.seam_device_id, e.supports_access_codes, e.supported_code_lengths
           from grant_entrances ge join entrances e using (entrance_id)
           where ge.tenant_id = $1 and ge.grant_id = any($2)
           order by e.name, e.entrance_id"#,
        tenant,
        grant_ids as _
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
        r#"select ag.access_group_id as "access_group_id: _", ag.property_id as "property_id: _",
                  ag.name, ag.seam_acs_access_group_id
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

/// Whether the resident has another live grant on properties of this ACS system (so the ACS
/// user there is still needed).
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
               and g.status in ('PROVISIONING', 'ACTIVE')) as "used!""#,
        tenant,
        resident.as_uuid(),
        except.as_uuid(),
        seam_acs_system_id
    )
    .fetch_one(db.conn())
    .await
}

/// What the resident's live grants on an ACS system ask of its ACS user there (Salto KS keeps
/// access on the user): the Seam ids of their access groups, and their windows.
#[derive(Debug, Clone, Default)]
pub struct ResidentAccess {
    pub seam_access_group_ids: Vec<String>,
    pub windows: Vec<LiveWindow>,
}

/// The window of one live grant (one without a start started when it was made).
#[derive(Debug, Clone, Copy)]
pub struct LiveWindow {
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn live_access_on_system(
    db: &mut TenantTx,
    resident: ResidentId,
    seam_acs_system_id: &str,
) -> Result<ResidentAccess, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let windows = sqlx::query!(
        r#"select g.starts_at, g.ends_at, g.created_at
           from grants g join properties p using (property_id)
           where g.tenant_id = $1 and g.resident_id = $2 and p.seam_acs_system_id = $3
             and g.status in ('PROVISIONING', 'ACTIVE')"#,
        tenant,
        resident.as_uuid(),
        seam_acs_system_id
    )
    .fetch_all(db.conn())
    .await?;
    let groups = sqlx::query_scalar!(
        r#"select distinct ag.seam_acs_access_group_id
           from grants g join properties p using (property_id)
           join grant_access_groups gag on gag.grant_id = g.grant_id
           join access_groups ag on ag.access_group_id = gag.access_group_id
           where g.tenant_id = $1 and g.resident_id = $2 and p.seam_acs_system_id = $3
             and g.status in ('PROVISIONING', 'ACTIVE')"#,
        tenant,
        resident.as_uuid(),
        seam_acs_system_id
    )
    .fetch_all(db.conn())
    .await?;
    Ok(ResidentAccess {
        seam_access_group_ids: groups,
        windows: windows
            .into_iter()
            .map(|w| LiveWindow {
                starts_at: w.starts_at,
                ends_at: w.ends_at,
                created_at: w.created_at,
            })
            .collect(),
    })
}

/// The next moment the clock changes something of the tenant's: a live grant's window ends,
/// or a scheduled ACS credential's starts. The sweep sleeps until then.
pub async fn next_window_boundary(db: &mut TenantTx) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select least(
               (select min(ends_at) from grants
                where tenant_id = $1 and status in ('PROVISIONING', 'ACTIVE') and ends_at > now()),
               (select min(g.starts_at) from credentials c join grants g using (grant_id)
                where c.tenant_id = $1 and c.status = 'SCHEDULED'
                  and c.mechanism = 'ACS_CREDENTIAL' and g.starts_at > now())) as "at""#,
        tenant
    )
    .fetch_one(db.conn())
    .await
}

/// Live grants whose window has ended: the sweep ends their access at Seam.
pub async fn ended_live(db: &mut TenantTx) -> Result<Vec<Uuid>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select grant_id from grants
           where tenant_id = $1 and status in ('PROVISIONING', 'ACTIVE') and ends_at <= now()
           order by ends_at
           limit 500"#,
        tenant
    )
    .fetch_all(db.conn())
    .await
}
