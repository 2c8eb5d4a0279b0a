//! Credentials: what residents hold, with the Seam ids behind them.

use chrono::{DateTime, Utc};
use doorway_domain::{
    AccessMethod, CredentialId, CredentialStatus, EntranceId, GrantId, Mechanism, PropertyId,
    Provider, ResidentId, Transition,
};
use uuid::Uuid;

use super::properties::{EntranceRow, PropertyRow};
use super::TenantTx;

/// The associated data binding a sealed PIN to its credential: a ciphertext copied onto
/// another credential's row does not open.
pub fn pin_context(credential: CredentialId) -> Vec<u8> {
    format!("{credential}/pin").into_bytes()
}

/// A credential with the window and property of its grant, as the app shows it.
#[derive(Debug, Clone)]
pub struct CredentialRow {
    pub credential_id: CredentialId,
    pub grant_id: GrantId,
    pub slot: i32,
    pub access_method: AccessMethod,
    pub status: CredentialStatus,
    pub status_reason: Option<String>,
    /// The PIN, sealed (see [`pin_context`]); opened only for callers who may see it.
    pub code_sealed: Option<Vec<u8>>,
    pub mechanism: Mechanism,
    pub seam_acs_credential_id: Option<String>,
    pub seam_access_code_id: Option<String>,
    /// The PIN a manager chose, sealed like `code_sealed`.
    pub requested_code_sealed: Option<Vec<u8>>,
    /// A credential this one's replacement superseded, still at Seam until deleted.
    pub superseded_seam_acs_credential_id: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub property_id: PropertyId,
    pub created_at: DateTime<Utc>,
}

/// A credential the plan calls for.
pub struct PlannedRow<'a> {
    pub id: CredentialId,
    pub grant_id: GrantId,
    pub slot: i32,
    pub access_method: AccessMethod,
    pub mechanism: Mechanism,
    /// The chosen PIN, sealed with [`pin_context`].
    pub requested_code: Option<&'a [u8]>,
}

/// Records a credential the plan calls for, before anything exists at Seam.
pub async fn insert_planned(
    db: &mut TenantTx,
    planned: &PlannedRow<'_>,
    entrance_ids: &[EntranceId],
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let id = planned.id;
    sqlx::query!(
        r#"insert into credentials (credential_id, tenant_id, grant_id, slot, access_method, status,
                                    mechanism, requested_code_sealed)
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

/// The credentials of one grant, in slot order (the engine loads them at every claim). A statement
/// of its own rather than [`of_grants`] with one id: PostgreSQL plans a statement with an array
/// parameter afresh at every call.
pub async fn of_grant(
    db: &mut TenantTx,
    grant: GrantId,
) -> Result<Vec<CredentialRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        CredentialRow,
        r#"select c.credential_id as "credential_id: _", c.grant_id as "grant_id: _", c.slot,
                  c.access_method as "access_method: _", c.status as "status: _", c.status_reason,
                  c.code_sealed, c.mechanism as "mechanism: _", c.seam_acs_credential_id,
                  c.seam_access_code_id,
                  c.requested_code_sealed, c.superseded_seam_acs_credential_id, c.issued_at,
                  g.starts_at, g.ends_at,
                  g.property_id as "property_id: _", c.created_at
           from credentials c join grants g using (grant_id)
           where c.tenant_id = $1 and c.grant_id = $2
           order by c.slot"#,
        tenant,
        grant.as_uuid()
    )
    .fetch_all(db.conn())
    .await
}

pub async fn of_grants(
    db: &mut TenantTx,
    grant_ids: &[GrantId],
) -> Result<Vec<CredentialRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        CredentialRow,
        r#"select c.credential_id as "credential_id: _", c.grant_id as "grant_id: _", c.slot,
                  c.access_method as "access_method: _", c.status as "status: _", c.status_reason,
                  c.code_sealed, c.mechanism as "mechanism: _", c.seam_acs_credential_id,
                  c.seam_access_code_id,
                  c.requested_code_sealed, c.superseded_seam_acs_credential_id, c.issued_at,
                  g.starts_at, g.ends_at,
                  g.property_id as "property_id: _", c.created_at
           from credentials c join grants g using (grant_id)
           where c.tenant_id = $1 and c.grant_id = any($2)
           order by c.grant_id, c.slot"#,
        tenant,
        grant_ids as _
    )
    .fetch_all(db.conn())
    .await
}

pub async fn find(
    db: &mut TenantTx,
    id: CredentialId,
) -> Result<Option<CredentialRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        CredentialRow,
        r#"select c.credential_id as "credential_id: _", c.grant_id as "grant_id: _", c.slot,
                  c.access_method as "access_method: _", c.status as "status: _", c.status_reason,
                  c.code_sealed, c.mechanism as "mechanism: _", c.seam_acs_credential_id,
                  c.seam_access_code_id,
                  c.requested_code_sealed, c.superseded_seam_acs_credential_id, c.issued_at,
                  g.starts_at, g.ends_at,
                  g.property_id as "property_id: _", c.created_at
           from credentials c join grants g using (grant_id)
           where c.tenant_id = $1 and c.credential_id = $2"#,
        tenant,
        id.as_uuid()
    )
    .fetch_optional(db.conn())
    .await
}

/// A page of a resident's credentials, newest first, each with its property, and how many the
/// resident holds in all.
pub struct ResidentPage {
    pub credentials: Vec<(CredentialRow, PropertyRow)>,
    pub total: i64,
}

/// A page of the resident's credentials (after `before`, newest first, at most `limit`) with
/// each one's property and the resident's total, in one statement; a page past the end has no
/// row to carry the total, so only then is it counted apart.
pub async fn page_of_resident(
    db: &mut TenantTx,
    resident: ResidentId,
    limit: i64,
    before: Option<(DateTime<Utc>, Uuid)>,
) -> Result<ResidentPage, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let (before_at, before_id) = before.unzip();
    let rows = sqlx::query!(
        r#"with mine as (
               select c.*, g.starts_at, g.ends_at, count(*) over () as total
               from credentials c join grants g using (grant_id)
               where c.tenant_id = $1 and g.resident_id = $2)
           select m.credential_id as "credential_id: CredentialId",
                  m.grant_id as "grant_id: GrantId", m.slot,
                  m.access_method as "access_method: AccessMethod",
                  m.status as "status: CredentialStatus", m.status_reason, m.code_sealed,
                  m.mechanism as "mechanism: Mechanism", m.seam_acs_credential_id,
                  m.seam_access_code_id, m.requested_code_sealed,
                  m.superseded_seam_acs_credential_id, m.issued_at, m.starts_at, m.ends_at,
                  m.property_id as "property_id!: PropertyId", m.created_at,
                  m.total as "total!",
                  p.name as property_name, p.provider as "provider: Provider",
                  p.seam_acs_system_id, p.external_type, p.created_at as property_created_at
           from mine m join properties p on p.property_id = m.property_id
           where ($3::timestamptz is null or (m.created_at, m.credential_id) < ($3, $4))
           order by m.created_at desc, m.credential_id desc
           limit $5"#,
        tenant,
        resident.as_uuid(),
        before_at,
        before_id,
        limit
    )
    .fetch_all(db.conn())
    .await?;
    let total = match rows.first() {
        Some(row) => row.total,
        None => count_of_resident(db, resident).await?,
    };
    let credentials = rows
        .into_iter()
        .map(|r| {
            let property = PropertyRow {
                property_id: r.property_id,
                name: r.property_name,
                provider: r.provider,
                seam_acs_system_id: r.seam_acs_system_id,
                external_type: r.external_type,
                created_at: r.property_created_at,
            };
            let credential = CredentialRow {
                credential_id: r.credential_id,
                grant_id: r.grant_id,
                slot: r.slot,
                access_method: r.access_method,
                status: r.status,
                status_reason: r.status_reason,
                code_sealed: r.code_sealed,
                mechanism: r.mechanism,
                seam_acs_credential_id: r.seam_acs_credential_id,
                seam_access_code_id: r.seam_access_code_id,
                requested_code_sealed: r.requested_code_sealed,
                superseded_seam_acs_credential_id: r.superseded_seam_acs_credential_id,
                issued_at: r.issued_at,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                property_id: r.property_id,
                created_at: r.created_at,
            };
            (credential, property)
        })
        .collect();
    Ok(ResidentPage { credentials, total })
}

async fn count_of_resident(db: &mut TenantTx, resident: ResidentId) -> Result<i64, sqlx::Error> {
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
/// An entrance a credential opens.
struct CredentialEntrance {
    credential_id: CredentialId,
    entrance_id: EntranceId,
    property_id: PropertyId,
    name: String,
    seam_acs_entrance_id: Option<String>,
    seam_device_id: Option<String>,
    supports_access_codes: bool,
    supported_code_lengths: Vec<i32>,
}

impl From<CredentialEntrance> for (CredentialId, EntranceRow) {
    fn from(r: CredentialEntrance) -> Self {
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
    }
}

pub async fn entrances_of(
    db: &mut TenantTx,
    credential_ids: &[CredentialId],
) -> Result<Vec<(CredentialId, EntranceRow)>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let rows = sqlx::query_as!(
        CredentialEntrance,
        r#"select ce.credential_id as "credential_id: CredentialId", e.entrance_id as "entrance_id: EntranceId",
                  e.property_id as "property_id: PropertyId", e.name, e.seam_acs_entrance_id,
                  e.seam_device_id, e.supports_access_codes, e.supported_code_lengths
           from credential_entrances ce join entrances e using (entrance_id)
           where ce.tenant_id = $1 and ce.credential_id = any($2)
           order by e.name, e.entrance_id"#,
        tenant,
        credential_ids as _
    )
    .fetch_all(db.conn())
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The entrances each credential of one grant opens (the engine's per-claim read; see
/// [`of_grant`] for why it is not [`entrances_of`]).
pub async fn entrances_of_grant(
    db: &mut TenantTx,
    grant: GrantId,
) -> Result<Vec<(CredentialId, EntranceRow)>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let rows = sqlx::query_as!(
        CredentialEntrance,
        r#"select ce.credential_id as "credential_id: CredentialId", e.entrance_id as "entrance_id: EntranceId",
                  e.property_id as "property_id: PropertyId", e.name, e.seam_acs_entrance_id,
                  e.seam_device_id, e.supports_access_codes, e.supported_code_lengths
           from credentials c
           join credential_entrances ce on ce.credential_id = c.credential_id
           join entrances e on e.entrance_id = ce.entrance_id
           where c.tenant_id = $1 and c.grant_id = $2
           order by e.name, e.entrance_id"#,
        tenant,
        grant.as_uuid()
    )
    .fetch_all(db.conn())
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn replace_entrances(
    db: &mut TenantTx,
    id: CredentialId,
    entrance_ids: &[EntranceId],
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
        entrance_ids as _
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The grant's credentials as the plans of the credential policy know them, in slot order.
pub fn planned(rows: &[CredentialRow]) -> Vec<doorway_domain::PlannedCredential> {
    rows.iter()
        .enumerate()
        .map(|(slot, c)| doorway_domain::PlannedCredential {
            slot,
            mechanism: c.mechanism,
        })
        .collect()
}

/// Says why a credential that is not finished is slow (a lock offline, say), without
/// changing its status.
pub async fn explain(db: &mut TenantTx, id: CredentialId, reason: &str) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set status_reason = $3, updated_at = now()
           where tenant_id = $1 and credential_id = $2 and status not in ('REVOKED', 'EXPIRED')
             and status_reason is distinct from $3"#,
        tenant,
        id.as_uuid(),
        reason
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Whether the credential changed since `since` (an event about it was applied meanwhile).
pub async fn changed_since(
    db: &mut TenantTx,
    id: CredentialId,
    since: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select exists(select 1 from credentials
                         where tenant_id = $1 and credential_id = $2 and updated_at >= $3) as "changed!""#,
        tenant,
        id.as_uuid(),
        since
    )
    .fetch_one(db.conn())
    .await
}

/// The lock must confirm the credential again (its window moved): the next look asks Seam.
pub async fn clear_issued(db: &mut TenantTx, id: CredentialId) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set issued_at = null, updated_at = now()
           where tenant_id = $1 and credential_id = $2"#,
        tenant,
        id.as_uuid()
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The statuses among `from` that the transition table allows to become `next`, as text.
fn allowed_from(next: CredentialStatus, from: &[CredentialStatus]) -> Vec<String> {
    from.iter()
        .filter(|f| f.may_become(next))
        .map(|f| f.as_str().to_owned())
        .collect()
}

/// Moves a credential to `next` with `reason`, if it stands in one of `from` and the transition
/// table allows the move; `false` when it did not change.
pub async fn transition(
    db: &mut TenantTx,
    id: CredentialId,
    next: CredentialStatus,
    reason: Option<&str>,
    from: &[CredentialStatus],
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update credentials set status = $3, status_reason = $4, updated_at = now()
           where tenant_id = $1 and credential_id = $2 and status = any($5)"#,
        tenant,
        id.as_uuid(),
        next.as_str(),
        reason,
        &allowed_from(next, from)
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// [`transition`] for every credential of a grant standing in one of `from`; how many moved.
pub async fn transition_of_grant(
    db: &mut TenantTx,
    grant: GrantId,
    next: CredentialStatus,
    reason: Option<&str>,
    from: &[CredentialStatus],
) -> Result<u64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update credentials set status = $3, status_reason = $4, updated_at = now()
           where tenant_id = $1 and grant_id = $2 and status = any($5)"#,
        tenant,
        grant.as_uuid(),
        next.as_str(),
        reason,
        &allowed_from(next, from)
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected())
}

/// The credential now exists at Seam. Its id is recorded whatever happened meanwhile (a
/// revocation must find it to delete it); it becomes ISSUING only where the table allows.
pub async fn record_created(
    db: &mut TenantTx,
    id: CredentialId,
    seam_acs_credential_id: &str,
    code: Option<&[u8]>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set seam_acs_credential_id = $3, code_sealed = coalesce($4, code_sealed),
                  status = case when status = any($5) then 'ISSUING' else status end,
                  status_reason = case when status = any($5) then null else status_reason end,
                  updated_at = now()
           where tenant_id = $1 and credential_id = $2"#,
        tenant,
        id.as_uuid(),
        seam_acs_credential_id,
        code,
        &allowed_from(CredentialStatus::Issuing, &[CredentialStatus::Pending])
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The access code now exists at Seam (with the PIN Seam holds for it); as [`record_created`].
pub async fn record_access_code_created(
    db: &mut TenantTx,
    id: CredentialId,
    seam_access_code_id: &str,
    code: Option<&[u8]>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set seam_access_code_id = $3, code_sealed = coalesce($4, code_sealed),
                  status = case when status = any($5) then 'ISSUING' else status end,
                  status_reason = case when status = any($5) then null else status_reason end,
                  updated_at = now()
           where tenant_id = $1 and credential_id = $2"#,
        tenant,
        id.as_uuid(),
        seam_access_code_id,
        code,
        &allowed_from(CredentialStatus::Issuing, &[CredentialStatus::Pending])
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// A replacement for the credential exists at Seam: it becomes the credential's Seam object,
/// and the one it replaces is kept as superseded until deleted. The status stays what the old
/// one does (it still works) until the new one is issued.
pub async fn record_replacement(
    db: &mut TenantTx,
    id: CredentialId,
    new_seam_acs_credential_id: &str,
    code: Option<&[u8]>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials
           set superseded_seam_acs_credential_id =
                   coalesce(superseded_seam_acs_credential_id, seam_acs_credential_id),
               seam_acs_credential_id = $3, code_sealed = coalesce($4, code_sealed), issued_at = null,
               updated_at = now()
           where tenant_id = $1 and credential_id = $2"#,
        tenant,
        id.as_uuid(),
        new_seam_acs_credential_id,
        code
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// The superseded credential is gone from Seam.
pub async fn forget_superseded(db: &mut TenantTx, id: CredentialId) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update credentials set superseded_seam_acs_credential_id = null, updated_at = now()
           where tenant_id = $1 and credential_id = $2"#,
        tenant,
        id.as_uuid()
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// Seam reports the credential issued (or the code set, or scheduled on the lock): it
/// becomes `status` unless something newer (a webhook's failure, a revocation) moved it on.
pub async fn record_issued(
    db: &mut TenantTx,
    id: CredentialId,
    status: CredentialStatus,
    code: Option<&[u8]>,
    issued_at: Option<DateTime<Utc>>,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let from = [
        CredentialStatus::Issuing,
        CredentialStatus::Scheduled,
        CredentialStatus::Active,
    ];
    let done = sqlx::query!(
        r#"update credentials set status = $3, code_sealed = coalesce($4, code_sealed),
                  issued_at = coalesce($5, issued_at, now()), status_reason = null, updated_at = now()
           where tenant_id = $1 and credential_id = $2 and status = any($6)"#,
        tenant,
        id.as_uuid(),
        status.as_str(),
        code,
        issued_at,
        &allowed_from(status, &from)
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Nothing of the credential is left at Seam: it ends `next` (REVOKED or EXPIRED), from
/// REVOKING only, with its Seam ids and PIN forgotten.
pub async fn record_gone(
    db: &mut TenantTx,
    id: CredentialId,
    next: CredentialStatus,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update credentials set seam_acs_credential_id = null, seam_access_code_id = null,
                  superseded_seam_acs_credential_id = null, code_sealed = null,
                  status = $3, status_reason = $4, updated_at = now()
           where tenant_id = $1 and credential_id = $2 and status = any($5)"#,
        tenant,
        id.as_uuid(),
        next.as_str(),
        reason,
        &CredentialStatus::source_texts(next)
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which of these Seam credential ids Doorway already tracks (for any grant, superseded ones
/// included).
pub async fn tracked_seam_ids(
    db: &mut TenantTx,
    seam_ids: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select id as "id!" from (
               select seam_acs_credential_id as id from credentials
               where tenant_id = $1 and seam_acs_credential_id = any($2)
               union
               select superseded_seam_acs_credential_id from credentials
               where tenant_id = $1 and superseded_seam_acs_credential_id = any($2)) tracked"#,
        tenant,
        seam_ids
    )
    .fetch_all(db.conn())
    .await
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

/// Issued ACS credentials whose window has started become ACTIVE (the access system enforces
/// the window of an issued credential itself). Access codes are not moved by the clock: they
/// become ACTIVE when Seam reports them set on the lock. Returns how many.
pub async fn activate_started(db: &mut TenantTx) -> Result<u64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update credentials c set status = 'ACTIVE', updated_at = now()
           from grants g
           where c.grant_id = g.grant_id and c.tenant_id = $1 and c.status = 'SCHEDULED'
             and c.mechanism = 'ACS_CREDENTIAL' and c.status = any($2)
             and (g.starts_at is null or g.starts_at <= now())"#,
        tenant,
        &allowed_from(CredentialStatus::Active, &[CredentialStatus::Scheduled])
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

/// A credential the reconciler found missing at Seam, with the Seam id it looked for.
pub struct Missing {
    pub credential_id: Uuid,
    pub seam_id: String,
}

/// Marks credentials Seam no longer has as FAILED, each only if it still tracks the Seam id
/// that was found missing (one replaced meanwhile is left alone); returns how many changed.
pub async fn mark_gone(
    db: &mut TenantTx,
    missing: &[Missing],
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let ids: Vec<Uuid> = missing.iter().map(|m| m.credential_id).collect();
    let seam_ids: Vec<String> = missing.iter().map(|m| m.seam_id.clone()).collect();
    let from = [
        CredentialStatus::Issuing,
        CredentialStatus::Scheduled,
        CredentialStatus::Active,
    ];
    let done = sqlx::query!(
        r#"update credentials c set status = 'FAILED', status_reason = $4, updated_at = now()
           from unnest($2::uuid[], $3::text[]) as m(credential_id, seam_id)
           where c.tenant_id = $1 and c.credential_id = m.credential_id
             and (c.seam_acs_credential_id = m.seam_id or c.seam_access_code_id = m.seam_id)
             and c.status = any($5)"#,
        tenant,
        &ids,
        &seam_ids,
        reason,
        &allowed_from(CredentialStatus::Failed, &from)
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected())
}

/// Credentials with a PIN stored in clear (written before PINs were sealed), for the start-up
/// pass that seals them.
pub async fn unsealed_pins(
    db: &mut TenantTx,
) -> Result<Vec<(Uuid, Option<String>, Option<String>)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select credential_id, code, requested_code from credentials
           where code is not null or requested_code is not null
           for update"#
    )
    .fetch_all(db.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.credential_id, r.code, r.requested_code))
        .collect())
}

/// Stores a credential's PINs sealed and clears the clear ones.
pub async fn seal_pins(
    db: &mut TenantTx,
    id: Uuid,
    code: Option<&[u8]>,
    requested_code: Option<&[u8]>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update credentials
           set code_sealed = coalesce($2, code_sealed), code = null,
               requested_code_sealed = coalesce($3, requested_code_sealed), requested_code = null
           where credential_id = $1"#,
        id,
        code,
        requested_code
    )
    .execute(db.conn())
    .await
    .map(drop)
}
