//! Seam's events as its webhook delivered them, the credentials they are about, and the
//! tenant's webhook they arrive through.

use chrono::{DateTime, Utc};
use doorway_domain::{CredentialId, CredentialStatus, GrantStatus, Transition};
use serde_json::Value;
use uuid::Uuid;

use super::TenantTx;

/// Records the webhook Seam now holds for the transaction's tenant, with its secret sealed.
pub async fn record_webhook(
    db: &mut TenantTx,
    seam_webhook_id: &str,
    secret_ciphertext: &[u8],
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update tenants set seam_webhook_id = $2, webhook_secret_ciphertext = $3,
                  webhook_registered = true, updated_at = now()
           where tenant_id = $1"#,
        tenant,
        seam_webhook_id,
        secret_ciphertext
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

pub struct NewEvent<'a> {
    pub seam_event_id: Uuid,
    pub svix_id: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub occurred_at: Option<DateTime<Utc>>,
    pub payload: &'a Value,
}

/// Stores a delivery; `false` when this svix-id was stored before (a repeated delivery).
pub async fn insert(db: &mut TenantTx, new: &NewEvent<'_>) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let inserted = sqlx::query!(
        r#"insert into seam_events (seam_event_id, tenant_id, svix_id, event_id, event_type,
                                    occurred_at, payload)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (tenant_id, svix_id) do nothing"#,
        new.seam_event_id,
        tenant,
        new.svix_id,
        new.event_id,
        new.event_type,
        new.occurred_at,
        new.payload
    )
    .execute(db.conn())
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Whether the same Seam event was applied already under another svix-id.
pub async fn event_applied(
    db: &mut TenantTx,
    event_id: &str,
    except: Uuid,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_scalar!(
        r#"select exists(select 1 from seam_events
                         where tenant_id = $1 and event_id = $2 and seam_event_id <> $3
                           and applied_at is not null) as "applied!""#,
        tenant,
        event_id,
        except
    )
    .fetch_one(db.conn())
    .await
}

pub async fn record_outcome(
    db: &mut TenantTx,
    seam_event_id: Uuid,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"update seam_events set applied_at = now(), outcome = $3, updated_at = now()
           where tenant_id = $1 and seam_event_id = $2"#,
        tenant,
        seam_event_id,
        outcome
    )
    .execute(db.conn())
    .await?;
    Ok(())
}

/// A credential an event is about, locked until the transaction ends so that two events for
/// it are applied one after the other.
#[derive(Debug, Clone)]
pub struct EventCredential {
    pub credential_id: CredentialId,
    pub status: CredentialStatus,
    pub last_event_at: Option<DateTime<Utc>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Where its grant stands: a credential of a grant that no longer gives access is never
    /// brought back by an event.
    pub grant_status: GrantStatus,
    /// The event is about the credential's superseded Seam object (replaced for a new window
    /// and being deleted by Doorway), not the one it tracks now.
    pub superseded: bool,
}

/// Locks the residents an event is about (by ACS credential, access code or ACS user: give
/// one), before anything else of theirs: every transaction that changes a resident's access
/// takes the resident's row first, so that none waits on another in a cycle. One branch per
/// Seam id, each answered by its own index.
pub async fn lock_residents(
    db: &mut TenantTx,
    acs_credential_id: Option<&str>,
    access_code_id: Option<&str>,
    acs_user_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query!(
        r#"select r.resident_id from residents r
           where r.tenant_id = $1 and r.resident_id in (
               select c.resident_id from credentials c
               where c.tenant_id = $1 and c.seam_acs_credential_id = $2
               union all
               select c.resident_id from credentials c
               where c.tenant_id = $1 and c.superseded_seam_acs_credential_id = $2
               union all
               select c.resident_id from credentials c
               where c.tenant_id = $1 and c.seam_access_code_id = $3
               union all
               select u.resident_id from resident_acs_users u
               where u.tenant_id = $1 and u.seam_acs_user_id = $4)
           order by r.resident_id
           for no key update of r"#,
        tenant,
        acs_credential_id,
        access_code_id,
        acs_user_id
    )
    .fetch_all(db.conn())
    .await?;
    Ok(())
}

/// The credential tracking this ACS credential or this access code (give one), locked for the
/// event being applied to it.
pub async fn credential_by_seam_id(
    db: &mut TenantTx,
    acs_credential_id: Option<&str>,
    access_code_id: Option<&str>,
) -> Result<Option<EventCredential>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        EventCredential,
        r#"select c.credential_id as "credential_id: _", c.status as "status: _", c.last_event_at,
                  g.starts_at, g.ends_at, g.status as "grant_status: _",
                  (c.superseded_seam_acs_credential_id is not distinct from $2
                   and c.seam_acs_credential_id is distinct from $2) as "superseded!"
           from credentials c join grants g using (grant_id)
           where c.tenant_id = $1
             and (c.seam_acs_credential_id = $2 or c.seam_access_code_id = $3
                  or c.superseded_seam_acs_credential_id = $2)
           for no key update of c"#,
        tenant,
        acs_credential_id,
        access_code_id
    )
    .fetch_optional(db.conn())
    .await
}

/// Every credential at Seam of an ACS user: those of its resident's grants at properties on
/// the ACS user's system.
pub async fn credentials_of_acs_user(
    db: &mut TenantTx,
    acs_user_id: &str,
) -> Result<Vec<EventCredential>, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    sqlx::query_as!(
        EventCredential,
        r#"select c.credential_id as "credential_id: _", c.status as "status: _", c.last_event_at,
                  g.starts_at, g.ends_at, g.status as "grant_status: _", false as "superseded!"
           from resident_acs_users u
           join properties p on p.tenant_id = u.tenant_id
                            and p.seam_acs_system_id = u.seam_acs_system_id
           join grants g on g.resident_id = u.resident_id and g.property_id = p.property_id
           join credentials c on c.grant_id = g.grant_id
           where u.tenant_id = $1 and u.seam_acs_user_id = $2
             and c.seam_acs_credential_id is not null
           order by c.credential_id
           for no key update of c"#,
        tenant,
        acs_user_id
    )
    .fetch_all(db.conn())
    .await
}

/// Writes the status an event decided (if the transition table allows it from where the
/// credential stands), and remembers when that event happened.
pub async fn set_status(
    db: &mut TenantTx,
    id: CredentialId,
    status: CredentialStatus,
    reason: Option<&str>,
    event_at: DateTime<Utc>,
    issued: bool,
) -> Result<bool, sqlx::Error> {
    let tenant = db.tenant().as_uuid();
    let done = sqlx::query!(
        r#"update credentials
           set status = $3, status_reason = $4, last_event_at = greatest(last_event_at, $5),
               issued_at = case when $6 then coalesce(issued_at, $5) else issued_at end,
               updated_at = now()
           where tenant_id = $1 and credential_id = $2 and status = any($7)"#,
        tenant,
        id.as_uuid(),
        status.as_str(),
        reason,
        event_at,
        issued,
        &CredentialStatus::source_texts(status)
    )
    .execute(db.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}
