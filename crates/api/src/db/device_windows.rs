//! Seam's per-device limits on access-code calls (10 creates or updates and 20 deletes a
//! minute per lock), held in PostgreSQL so that they bind every Doorway process together.
//!
//! Each lock and kind of call keeps a log of the calls made in the last window. A slot is
//! reserved by one atomic statement on the database clock: the row lock of the upsert orders
//! concurrent reservations for one lock, and the condition admits a call only while fewer than
//! the limit fall in the window and no 429 asked us to wait. A step that finds no room is
//! deferred to when the oldest call leaves the window, instead of waiting inside the step.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::TenantTx;

/// Which of Seam's per-device limits a call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceBucket {
    /// `/access_codes/create` and `/access_codes/update`.
    AccessCodeWrite,
    /// `/access_codes/delete`.
    AccessCodeDelete,
}

impl DeviceBucket {
    fn as_str(self) -> &'static str {
        match self {
            Self::AccessCodeWrite => "ACCESS_CODE_WRITE",
            Self::AccessCodeDelete => "ACCESS_CODE_DELETE",
        }
    }
}

/// A limit: at most `calls` in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceLimit {
    pub calls: u32,
    pub window: Duration,
}

/// Reserves one call on `device`; `Ok(None)` when reserved, `Ok(Some(at))` when the lock has
/// no room before `at`.
pub async fn reserve(
    db: &mut TenantTx,
    device: &str,
    bucket: DeviceBucket,
    limit: DeviceLimit,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    // 5 % of slack, so that the time between our clock and Seam's receipt of a call cannot
    // make Seam count more of them in one window than we did.
    let window = limit.window.as_secs_f64() * 1.05;
    let calls = i64::from(limit.calls);
    let reserved = sqlx::query_scalar!(
        r#"insert into seam_device_windows (tenant_id, seam_device_id, bucket, calls)
           values ($1, $2, $3, array[clock_timestamp()])
           on conflict (tenant_id, seam_device_id, bucket) do update
           set calls = array(select t from unnest(seam_device_windows.calls) as t
                             where t > clock_timestamp() - make_interval(secs => $4))
                       || clock_timestamp(),
               updated_at = now()
           where (select count(*) from unnest(seam_device_windows.calls) as t
                  where t > clock_timestamp() - make_interval(secs => $4)) < $5
             and (seam_device_windows.blocked_until is null
                  or seam_device_windows.blocked_until <= clock_timestamp())
           returning 1 as "reserved!""#,
        tenant,
        device,
        bucket.as_str(),
        window,
        calls
    )
    .fetch_optional(db.conn())
    .await?;
    if reserved.is_some() {
        return Ok(None);
    }
    // No room: the oldest call in the window leaves it at `oldest + window`.
    let free_at = sqlx::query_scalar!(
        r#"select greatest(
                  coalesce(blocked_until, clock_timestamp()),
                  (select min(t) from unnest(calls) as t
                   where t > clock_timestamp() - make_interval(secs => $4))
                      + make_interval(secs => $4)) as "free_at!"
           from seam_device_windows
           where tenant_id = $1 and seam_device_id = $2 and bucket = $3"#,
        tenant,
        device,
        bucket.as_str(),
        window
    )
    .fetch_one(db.conn())
    .await?;
    Ok(Some(free_at))
}

/// Seam answered 429 for a call on `device`: no process calls it again before `until`.
pub async fn block(
    db: &mut TenantTx,
    device: &str,
    bucket: DeviceBucket,
    until: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"insert into seam_device_windows (tenant_id, seam_device_id, bucket, blocked_until)
           values ($1, $2, $3, $4)
           on conflict (tenant_id, seam_device_id, bucket) do update
           set blocked_until = greatest(seam_device_windows.blocked_until, excluded.blocked_until),
               updated_at = now()"#,
        tenant,
        device,
        bucket.as_str(),
        until
    )
    .execute(db.conn())
    .await?;
    Ok(())
}
