//! The resident app's two operations: "my keys" (served from Doorway's own records, never from
//! Seam) and a client session for Seam's mobile SDK.

use chrono::{DateTime, Duration, Utc};
use doorway_domain::{CredentialId, ResidentId, ResidentStatus};
use secrecy::SecretString;
use uuid::Uuid;

use super::Services;
use crate::db::Visibility;
use crate::db::{self, credentials::CredentialRow, residents::ResidentRow};
use crate::error::ApiError;

/// A cached client session is handed out again while it has at least this long to live.
const SESSION_MIN_REMAINING: Duration = Duration::minutes(10);

pub struct MobileKeySession {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
}

impl Services {
    /// The resident whose `externalId` is the token's subject.
    pub async fn resident_by_subject(
        &self,
        visibility: &Visibility,
        subject: &str,
    ) -> Result<Option<ResidentRow>, ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let row = db::residents::find_by_external_id(&mut db, subject).await?;
        db.commit().await?;
        Ok(row)
    }

    /// A Seam client session for the resident's user identity: the cached one while it is still
    /// good, otherwise Seam's `get_or_create` (which itself returns a live session if any).
    /// A resident who moved out gets none.
    pub async fn mobile_key_session(
        &self,
        visibility: &Visibility,
        subject: &str,
    ) -> Result<MobileKeySession, ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let resident = db::residents::find_by_external_id(&mut db, subject)
            .await?
            .ok_or(ApiError::NotFound("resident"))?;
        refuse_moved_out(&resident)?;
        let resident_id: ResidentId = resident.resident_id;
        let Some(identity) = resident.seam_user_identity_id else {
            return Err(ApiError::Conflict(
                "no mobile key has been provisioned for this resident yet".into(),
            ));
        };
        let context = session_context(resident_id);
        // Move-out deletes the cached session with the status change, so a session found here
        // was handed out before it, and the move-out's sign-out revokes it at Seam.
        let cached = db::residents::client_session(&mut db, resident_id).await?;
        db.commit().await?;
        if let Some((sealed, expires_at)) = cached {
            if expires_at - Utc::now() > SESSION_MIN_REMAINING {
                if let Ok(token) = self.cipher.open_string(&sealed, &context) {
                    return Ok(MobileKeySession {
                        token: SecretString::from(token),
                        expires_at,
                    });
                }
            }
        }
        let seam = self.seam_for(visibility.tenant()).await?;
        let session = seam.get_or_create_client_session(&identity).await?;
        let sealed = self.cipher.seal(session.token.as_bytes(), &context);
        let mut db = db::begin(&self.pool, visibility).await?;
        // Taken in turn with move-out: either this commits first (and the move-out's sign-out
        // finds the session at Seam), or the resident moved out while Seam was creating it,
        // and a sign-out is recorded here so that it does not outlive the move.
        let now = db::residents::lock(&mut db, resident_id)
            .await?
            .ok_or(ApiError::NotFound("resident"))?;
        if let Err(refused) = refuse_moved_out(&now) {
            let grants = db::grants::of_residents(&mut db, &[resident_id], None).await?;
            if let Some(latest) = grants.first() {
                super::lifecycle::sign_out(&mut db, latest.grant_id).await?;
            }
            db.commit().await?;
            self.engine.wake();
            return Err(refused);
        }
        db::residents::store_client_session(&mut db, resident_id, &sealed, session.expires_at)
            .await?;
        db.commit().await?;
        Ok(MobileKeySession {
            token: SecretString::from(session.token),
            expires_at: session.expires_at,
        })
    }
}

/// A resident who moved out is signed out of every app and starts no new session.
fn refuse_moved_out(resident: &ResidentRow) -> Result<(), ApiError> {
    if resident.status == ResidentStatus::MovedOut {
        return Err(ApiError::Forbidden(
            "the resident has moved out; no mobile key session is started for them".into(),
        ));
    }
    Ok(())
}

/// The associated data binding a resident's sealed client-session token to them.
pub fn session_context(resident: ResidentId) -> Vec<u8> {
    format!("{resident}/client_session").into_bytes()
}

/// One credential with what the app shows next to it.
pub struct CredentialView {
    pub credential: CredentialRow,
    /// The PIN, opened for the resident it belongs to.
    pub code: Option<String>,
    pub property: Option<crate::db::properties::PropertyRow>,
    pub entrances: Vec<crate::db::properties::EntranceRow>,
}

impl Services {
    /// A page of the resident's credentials with their properties and entrances, in one
    /// transaction of three statements (the resident, the page with its properties and total,
    /// the entrances): the REST twin of `MyAccess`, no Seam call.
    pub async fn my_credentials(
        &self,
        visibility: &Visibility,
        subject: &str,
        limit: i64,
        before: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<(Vec<CredentialView>, i64), ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let resident = db::residents::find_by_external_id(&mut db, subject)
            .await?
            .ok_or(ApiError::NotFound("resident"))?;
        let resident_id: ResidentId = resident.resident_id;
        let page = db::credentials::page_of_resident(&mut db, resident_id, limit, before).await?;
        let credential_ids: Vec<CredentialId> = page
            .credentials
            .iter()
            .map(|(c, _)| c.credential_id)
            .collect();
        let mut entrances = db::credentials::entrances_of(&mut db, &credential_ids).await?;
        db.commit().await?;
        let views = page
            .credentials
            .into_iter()
            .map(|(credential, property)| CredentialView {
                code: credential.code_sealed.as_deref().and_then(|sealed| {
                    let id = credential.credential_id;
                    self.cipher
                        .open_string(sealed, &db::credentials::pin_context(id))
                        .map_err(|err| tracing::error!(credential_id = %id, error = %err, "a PIN cannot be opened"))
                        .ok()
                }),
                property: Some(property),
                entrances: extract_entrances(&mut entrances, credential.credential_id),
                credential,
            })
            .collect();
        Ok((views, page.total))
    }
}

fn extract_entrances(
    all: &mut Vec<(CredentialId, crate::db::properties::EntranceRow)>,
    credential: CredentialId,
) -> Vec<crate::db::properties::EntranceRow> {
    let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(all)
        .into_iter()
        .partition(|(c, _)| *c == credential);
    *all = rest;
    mine.into_iter().map(|(_, e)| e).collect()
}
