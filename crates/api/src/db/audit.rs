//! The audit trail: one append-only row per mutation, written through the database's
//! `doorway_record_audit` (the service cannot insert, change or delete rows itself) and read
//! under the caller's visibility, or across tenants by operators.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;

/// What one mutation did, as it is recorded.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEvent {
    pub tenant_id: Option<Uuid>,
    pub subject: String,
    pub role: &'static str,
    pub request_id: String,
    pub operation: String,
    pub object_type: Option<&'static str>,
    pub object_id: Option<Uuid>,
    pub resident_id: Option<Uuid>,
    pub property_id: Option<Uuid>,
    pub grant_id: Option<Uuid>,
    /// The run the operation acted on (its grant, resident and property are filled from it).
    pub run_id: Option<Uuid>,
    /// `OK`, or the error code the caller got.
    pub outcome: String,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub audit_id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub subject: String,
    pub role: String,
    pub request_id: String,
    pub operation: String,
    pub object_type: Option<String>,
    pub object_id: Option<Uuid>,
    pub resident_id: Option<Uuid>,
    pub property_id: Option<Uuid>,
    pub grant_id: Option<Uuid>,
    pub outcome: String,
    pub created_at: DateTime<Utc>,
}

/// Which events to list: any combination of one resident, property and grant.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditFilter {
    pub resident_id: Option<Uuid>,
    pub property_id: Option<Uuid>,
    pub grant_id: Option<Uuid>,
}

pub async fn record(pool: &sqlx::PgPool, event: &NewAuditEvent) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "select doorway_record_audit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        event.tenant_id,
        event.subject,
        event.role,
        event.request_id,
        event.operation,
        event.object_type,
        event.object_id,
        event.resident_id,
        event.property_id,
        event.grant_id,
        event.run_id,
        event.outcome
    )
    .execute(pool)
    .await
    .map(drop)
}

/// The caller's tenant's events (within its properties), newest first.
pub async fn list(
    db: &mut TenantTx,
    filter: AuditFilter,
    limit: i64,
    before: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    sqlx::query_as!(
        AuditRow,
        r#"select audit_id, tenant_id, subject, role, request_id, operation, object_type,
                  object_id, resident_id, property_id, grant_id, outcome, created_at
           from audit_events
           where ($1::uuid is null or resident_id = $1)
             and ($2::uuid is null or property_id = $2)
             and ($3::uuid is null or grant_id = $3)
             and ($4::timestamptz is null or (created_at, audit_id) < ($4, $5))
           order by created_at desc, audit_id desc
           limit $6"#,
        filter.resident_id,
        filter.property_id,
        filter.grant_id,
        before_at,
        before_id,
        limit
    )
    .fetch_all(db.conn())
    .await
}

/// Operators: events of every tenant (or of one), newest first.
pub async fn list_all(
    pool: &sqlx::PgPool,
    tenant: Option<Uuid>,
    filter: AuditFilter,
    limit: i64,
    before: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let (before_at, before_id) = before.unzip();
    sqlx::query_as!(
        AuditRow,
        r#"select audit_id as "audit_id!", tenant_id, subject as "subject!", role as "role!",
                  request_id as "request_id!", operation as "operation!", object_type,
                  object_id, resident_id, property_id, grant_id, outcome as "outcome!",
                  created_at as "created_at!"
           from doorway_audit_events($1, $2, $3, $4, $5, $6, $7)"#,
        tenant,
        filter.resident_id,
        filter.property_id,
        filter.grant_id,
        i32::try_from(limit).unwrap_or(i32::MAX),
        before_at,
        before_id
    )
    .fetch_all(pool)
    .await
}
