//! Tenants: one property-management company each, with its Seam workspace's API key sealed.
//!
//! A tenant's own row is read and written in that tenant's transaction; what spans tenants
//! (listing them, finding one by its creation key, the ids background passes walk) goes through
//! the database's narrow `security definer` functions, which return no secret.

use chrono::{DateTime, Utc};
use doorway_domain::TenantId;
use sqlx::PgPool;
use uuid::Uuid;

use super::TenantTx;

/// A tenant as callers see it: never its sealed key.
#[derive(Debug, Clone)]
pub struct TenantRow {
    pub tenant_id: TenantId,
    pub name: String,
    pub seam_workspace_id: String,
    pub webhook_registered: bool,
    pub created_at: DateTime<Utc>,
}

pub struct NewTenant<'a> {
    pub name: &'a str,
    pub seam_workspace_id: &'a str,
    pub seam_api_key_ciphertext: &'a [u8],
    pub creation_idempotency_key: Option<&'a str>,
    pub creation_request_hash: Option<&'a [u8]>,
}

/// Inserts the transaction's tenant. Returns false when the idempotency key is already taken.
pub async fn insert(db: &mut TenantTx, new: &NewTenant<'_>) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let inserted = sqlx::query!(
        r#"insert into tenants (tenant_id, name, seam_workspace_id, seam_api_key_ciphertext,
                                creation_idempotency_key, creation_request_hash)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (creation_idempotency_key) do nothing"#,
        tenant,
        new.name,
        new.seam_workspace_id,
        new.seam_api_key_ciphertext,
        new.creation_idempotency_key,
        new.creation_request_hash,
    )
    .execute(db.conn())
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    // Its runs are claimed through its engine state (fair claims, pauses).
    super::engine_state::ensure(db).await?;
    Ok(true)
}

/// The tenant created with this idempotency key in the last day, and the hash of the input it
/// was created with.
pub async fn find_by_creation_key(
    pool: &PgPool,
    key: &str,
) -> Result<Option<(TenantId, Option<Vec<u8>>)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select tenant_id as "tenant_id!", creation_request_hash
           from doorway_tenant_by_creation_key($1)"#,
        key
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.tenant_id.into(), r.creation_request_hash)))
}

/// The transaction's own tenant.
pub async fn current(db: &mut TenantTx) -> Result<Option<TenantRow>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        TenantRow,
        r#"select tenant_id as "tenant_id: _", name, seam_workspace_id, webhook_registered,
                  created_at
           from tenants where tenant_id = $1"#,
        tenant
    )
    .fetch_optional(db.conn())
    .await
}

/// The transaction's tenant's Seam API key, sealed: read only where Seam is about to be
/// called.
pub async fn sealed_api_key(db: &mut TenantTx) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        "select seam_api_key_ciphertext from tenants where tenant_id = $1",
        tenant
    )
    .fetch_optional(db.conn())
    .await
}

/// A page of tenants, oldest first (operators).
pub async fn list(
    pool: &PgPool,
    limit: i64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<TenantRow>, sqlx::Error> {
    let (after_at, after_id) = after.unzip();
    sqlx::query_as!(
        TenantRow,
        r#"select tenant_id as "tenant_id!: _", name as "name!",
                  seam_workspace_id as "seam_workspace_id!",
                  webhook_registered as "webhook_registered!", created_at as "created_at!"
           from doorway_tenants($1, $2, $3)"#,
        i32::try_from(limit).unwrap_or(i32::MAX),
        after_at,
        after_id
    )
    .fetch_all(pool)
    .await
}

pub async fn count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    let n = sqlx::query_scalar!(r#"select doorway_tenant_count() as "n!""#)
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// Replaces the transaction's tenant's Seam key (rotation); the old ciphertext is overwritten.
pub async fn replace_key(
    db: &mut TenantTx,
    seam_workspace_id: &str,
    ciphertext: &[u8],
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let updated = sqlx::query!(
        r#"update tenants set seam_workspace_id = $2, seam_api_key_ciphertext = $3, updated_at = now()
           where tenant_id = $1"#,
        tenant,
        seam_workspace_id,
        ciphertext
    )
    .execute(db.conn())
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Every tenant's id, for background passes (nothing else of any tenant).
pub async fn all_ids(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(r#"select id as "id!" from doorway_tenant_ids() as id"#)
        .fetch_all(pool)
        .await
}

/// Tenants whose Seam webhook is not registered (the retry's work list; across tenants, through
/// the database's narrow function).
pub async fn unregistered_webhooks(pool: &sqlx::PgPool) -> Result<Vec<uuid::Uuid>, sqlx::Error> {
    sqlx::query_scalar!(r#"select doorway_unregistered_webhooks() as "tenant_id!""#)
        .fetch_all(pool)
        .await
}
