//! Tenants: one property-management company each, with its Seam workspace's API key sealed.

use chrono::{DateTime, Utc};
use doorway_domain::TenantId;
use sqlx::PgConnection;
use uuid::Uuid;

use super::TenantTx;

#[derive(Debug, Clone)]
pub struct TenantRow {
    pub tenant_id: Uuid,
    pub name: String,
    pub seam_workspace_id: String,
    pub seam_api_key_ciphertext: Vec<u8>,
    pub webhook_registered: bool,
    pub created_at: DateTime<Utc>,
}

pub struct NewTenant<'a> {
    pub tenant_id: TenantId,
    pub name: &'a str,
    pub seam_workspace_id: &'a str,
    pub seam_api_key_ciphertext: &'a [u8],
    pub creation_idempotency_key: Option<&'a str>,
    pub creation_request_hash: Option<&'a [u8]>,
}

/// Inserts a tenant (operator scope). Returns false when the idempotency key is already taken.
pub async fn insert(conn: &mut PgConnection, new: &NewTenant<'_>) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query!(
        r#"insert into tenants (tenant_id, name, seam_workspace_id, seam_api_key_ciphertext,
                                creation_idempotency_key, creation_request_hash)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (creation_idempotency_key) do nothing"#,
        new.tenant_id.as_uuid(),
        new.name,
        new.seam_workspace_id,
        new.seam_api_key_ciphertext,
        new.creation_idempotency_key,
        new.creation_request_hash,
    )
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    // Its runs are claimed through its engine state (fair claims, pauses).
    sqlx::query!(
        "insert into tenant_engine_state (tenant_id) values ($1) on conflict (tenant_id) do nothing",
        new.tenant_id.as_uuid()
    )
    .execute(conn)
    .await?;
    Ok(true)
}

/// The tenant created with this idempotency key, and the hash of the input it was created with.
pub async fn find_by_creation_key(
    conn: &mut PgConnection,
    key: &str,
) -> Result<Option<(TenantRow, Option<Vec<u8>>)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select tenant_id, name, seam_workspace_id, seam_api_key_ciphertext, webhook_registered,
                  created_at, creation_request_hash
           from tenants where creation_idempotency_key = $1
             and created_at > now() - interval '24 hours'"#,
        key
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        (
            TenantRow {
                tenant_id: r.tenant_id,
                name: r.name,
                seam_workspace_id: r.seam_workspace_id,
                seam_api_key_ciphertext: r.seam_api_key_ciphertext,
                webhook_registered: r.webhook_registered,
                created_at: r.created_at,
            },
            r.creation_request_hash,
        )
    }))
}

/// Any tenant by id (operator scope).
pub async fn find_any(
    conn: &mut PgConnection,
    id: TenantId,
) -> Result<Option<TenantRow>, sqlx::Error> {
    sqlx::query_as!(
        TenantRow,
        r#"select tenant_id, name, seam_workspace_id, seam_api_key_ciphertext, webhook_registered,
                  created_at
           from tenants where tenant_id = $1"#,
        id.as_uuid()
    )
    .fetch_optional(conn)
    .await
}

/// The transaction's own tenant.
pub async fn current(db: &mut TenantTx) -> Result<Option<TenantRow>, sqlx::Error> {
    let id = db.tenant();
    find_any(db.conn(), id).await
}

/// A page of tenants, oldest first (operator scope).
pub async fn list(
    conn: &mut PgConnection,
    limit: i64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<Vec<TenantRow>, sqlx::Error> {
    let (after_at, after_id) = after.unzip();
    sqlx::query_as!(
        TenantRow,
        r#"select tenant_id, name, seam_workspace_id, seam_api_key_ciphertext, webhook_registered,
                  created_at
           from tenants
           where $1::timestamptz is null or (created_at, tenant_id) > ($1, $2)
           order by created_at, tenant_id
           limit $3"#,
        after_at,
        after_id,
        limit
    )
    .fetch_all(conn)
    .await
}

pub async fn count(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    let n = sqlx::query_scalar!(r#"select count(*) as "n!" from tenants"#)
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// Replaces a tenant's Seam key (rotation); the old ciphertext is overwritten.
pub async fn replace_key(
    conn: &mut PgConnection,
    id: TenantId,
    seam_workspace_id: &str,
    ciphertext: &[u8],
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"update tenants set seam_workspace_id = $2, seam_api_key_ciphertext = $3, updated_at = now()
           where tenant_id = $1"#,
        id.as_uuid(),
        seam_workspace_id,
        ciphertext
    )
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Every tenant's id (operator scope), for background passes.
pub async fn all_ids(conn: &mut PgConnection) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("select tenant_id from tenants order by tenant_id")
        .fetch_all(conn)
        .await
}
