//! Applying an event to Doorway's records, inside the transaction that stores it. Only the
//! event's own data and Doorway's records are used: no call to Seam on this path.

use super::event::{SeamEvent, Target};
use super::transition::{decide, Current, Decision};
use crate::db::seam_events::{self, EventCredential};
use crate::db::TenantTx;
use chrono::{DateTime, Utc};

/// Applies `event`; returns what it did, in words for the stored event and the log.
pub async fn apply(
    db: &mut TenantTx,
    event: &SeamEvent,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let Some((target, effect)) = event.effect() else {
        return Ok(format!(
            "ignored: Doorway does not act on {}",
            event.event_type
        ));
    };
    // An event without a time cannot be ordered against others; it counts as happening now.
    let at = event.occurred_at().unwrap_or(now);
    let (credential, code, user) = match target {
        Target::AcsCredential(id) => (Some(id), None, None),
        Target::AccessCode(id) => (None, Some(id), None),
        Target::AcsUser(id) => (None, None, Some(id)),
    };
    seam_events::lock_residents(db, credential, code, user).await?;
    let credentials = match target {
        Target::AcsCredential(id) => seam_events::credential_by_seam_id(db, Some(id), None)
            .await?
            .into_iter()
            .collect(),
        Target::AccessCode(id) => seam_events::credential_by_seam_id(db, None, Some(id))
            .await?
            .into_iter()
            .collect(),
        Target::AcsUser(id) => seam_events::credentials_of_acs_user(db, id).await?,
    };
    if credentials.is_empty() {
        return Ok("ignored: no credential of Doorway is concerned".to_owned());
    }
    let mut outcomes = Vec::with_capacity(credentials.len());
    for credential in credentials {
        outcomes.push(apply_to(db, &credential, &effect, at, now).await?);
    }
    Ok(outcomes.join("; "))
}

async fn apply_to(
    db: &mut TenantTx,
    credential: &EventCredential,
    effect: &super::event::Effect,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let id = credential.credential_id;
    let status = credential.status;
    let current = Current {
        status,
        last_event_at: credential.last_event_at,
        starts_at: credential.starts_at,
        ends_at: credential.ends_at,
        grant_live: credential.grant_status.is_live(),
        superseded: credential.superseded,
    };
    let decision = decide(&current, effect, at, now);
    if decision != Decision::Stale && !current.superseded {
        // A run waiting on this credential (to be issued, set, or gone) looks now instead of
        // at its next poll.
        crate::db::runs::make_due_for_credential(db, id).await?;
    }
    Ok(match decision {
        Decision::Change {
            status: next,
            reason,
            issued,
        } => {
            if seam_events::set_status(db, id, next, reason.as_deref(), at, issued).await? {
                format!("credential {id}: {} -> {}", status.as_str(), next.as_str())
            } else {
                format!(
                    "credential {id}: unchanged, {} cannot become {}",
                    status.as_str(),
                    next.as_str()
                )
            }
        }
        Decision::Keep(why) => format!("credential {id}: unchanged, {why}"),
        Decision::Stale => format!(
            "credential {id}: ignored, a later event (of {}) was applied already",
            credential
                .last_event_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        ),
    })
}
