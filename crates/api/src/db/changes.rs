//! What changed since a moment, for subscriptions catching up after they may have missed change
//! notifications (see `crate::notify`). Ids only; the rows are loaded with the usual functions.

use chrono::{DateTime, Utc};
use doorway_domain::ResidentId;
use uuid::Uuid;

use super::TenantTx;

/// At most this many ids per catch-up; a subscriber that missed more sees the most recent.
const LIMIT: i64 = 500;

/// A resident's credentials changed since `since`, as (credential id, grant id).
pub async fn credentials_of_resident(
    db: &mut TenantTx,
    resident: ResidentId,
    since: DateTime<Utc>,
) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let rows = sqlx::query!(
        r#"select c.credential_id, c.grant_id
           from credentials c join grants g using (grant_id)
           where c.tenant_id = $1 and g.resident_id = $2 and c.updated_at >= $3
           order by c.updated_at desc
           limit $4"#,
        tenant,
        resident.as_uuid(),
        since,
        LIMIT
    )
    .fetch_all(db.conn())
    .await?;
    Ok(rows
        .into_iter()
        .rev()
        .map(|r| (r.credential_id, r.grant_id))
        .collect())
}

/// Grants that changed, or whose credentials changed, since `since`: of one property when
/// given, of the `allowed` properties when given, oldest change first.
pub async fn grants(
    db: &mut TenantTx,
    property: Option<Uuid>,
    allowed: Option<&[Uuid]>,
    since: DateTime<Utc>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let rows = sqlx::query!(
        r#"select g.grant_id,
                  greatest(g.updated_at,
                           (select max(c.updated_at) from credentials c
                            where c.tenant_id = g.tenant_id and c.grant_id = g.grant_id)) as "changed_at!"
           from grants g
           where g.tenant_id = $1
             and ($2::uuid is null or g.property_id = $2)
             and ($3::uuid[] is null or g.property_id = any($3))
             and (g.updated_at >= $4
                  or exists (select 1 from credentials c
                             where c.tenant_id = g.tenant_id and c.grant_id = g.grant_id
                               and c.updated_at >= $4))
           order by 2 desc
           limit $5"#,
        tenant,
        property,
        allowed,
        since,
        LIMIT
    )
    .fetch_all(db.conn())
    .await?;
    Ok(rows.into_iter().rev().map(|r| r.grant_id).collect())
}
