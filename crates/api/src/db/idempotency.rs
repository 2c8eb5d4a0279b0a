//! Idempotency keys for mutations that create things.

use uuid::Uuid;

use super::TenantTx;

/// What an idempotency key already stands for.
pub enum Recorded {
    /// The key is new: it is now reserved for this request, inside the caller's transaction.
    New,
    /// The same key with the same input: the first result.
    Replay(Uuid),
    /// The same key with another input.
    Conflict,
}

/// Reserves `key` for `operation` with this request's hash, or says what it already stands for.
/// Keys older than 24 hours are forgotten. The caller's transaction makes the reservation and
/// the created object appear together; a concurrent duplicate waits on the key's row lock.
pub async fn reserve(
    db: &mut TenantTx,
    operation: &str,
    key: &str,
    request_hash: &[u8],
    result_id: Uuid,
) -> Result<Recorded, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"delete from idempotency_keys
           where tenant_id = $1 and operation = $2 and idempotency_key = $3
             and created_at < now() - interval '24 hours'"#,
        tenant,
        operation,
        key
    )
    .execute(db.conn())
    .await?;
    let inserted = sqlx::query!(
        r#"insert into idempotency_keys (tenant_id, operation, idempotency_key, request_hash, result_id)
           values ($1, $2, $3, $4, $5)
           on conflict do nothing"#,
        tenant,
        operation,
        key,
        request_hash,
        result_id
    )
    .execute(db.conn())
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Recorded::New);
    }
    let existing = sqlx::query!(
        r#"select request_hash, result_id from idempotency_keys
           where tenant_id = $1 and operation = $2 and idempotency_key = $3"#,
        tenant,
        operation,
        key
    )
    .fetch_one(db.conn())
    .await?;
    Ok(if existing.request_hash == request_hash {
        Recorded::Replay(existing.result_id)
    } else {
        Recorded::Conflict
    })
}
