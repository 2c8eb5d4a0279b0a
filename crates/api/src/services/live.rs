//! Live status: the committed state of the grant or credential a change notification named, as
//! one tenant sees it (under row-level security), and what changed while notifications may have
//! been missed. Subscriptions call these; the notification itself is never trusted for content.

use chrono::{DateTime, Utc};
use doorway_domain::{CredentialId, GrantId, PropertyId, ResidentId};
use uuid::Uuid;

use super::Services;
use crate::db::Visibility;
use crate::db::{self, credentials::CredentialRow, grants::GrantRow};
use crate::error::ApiError;

impl Services {
    /// One credential of the resident's, if it (still) is theirs.
    pub async fn credential_of_resident(
        &self,
        visibility: &Visibility,
        resident: ResidentId,
        grant: GrantId,
        credential: CredentialId,
    ) -> Result<Option<CredentialRow>, ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let row = match db::grants::find(&mut db, grant).await? {
            Some(g) if g.resident_id == resident => db::credentials::of_grant(&mut db, grant)
                .await?
                .into_iter()
                .find(|c| c.credential_id == credential),
            _ => None,
        };
        db.commit().await?;
        Ok(row)
    }

    /// A grant and its credentials, read in one transaction.
    pub async fn grant_with_credentials(
        &self,
        visibility: &Visibility,
        grant: GrantId,
    ) -> Result<Option<(GrantRow, Vec<CredentialRow>)>, ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let found = match db::grants::find(&mut db, grant).await? {
            Some(row) => {
                let credentials = db::credentials::of_grant(&mut db, grant).await?;
                Some((row, credentials))
            }
            None => None,
        };
        db.commit().await?;
        Ok(found)
    }

    /// The resident's credentials changed since `since`, as (credential id, grant id).
    pub async fn credentials_changed_since(
        &self,
        visibility: &Visibility,
        resident: ResidentId,
        since: DateTime<Utc>,
    ) -> Result<Vec<(Uuid, Uuid)>, ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let ids = db::changes::credentials_of_resident(&mut db, resident, since).await?;
        db.commit().await?;
        Ok(ids)
    }

    /// Grants that changed (themselves or their credentials) since `since`, of `property` or
    /// of the `allowed` properties when given.
    pub async fn grants_changed_since(
        &self,
        visibility: &Visibility,
        property: Option<PropertyId>,
        allowed: Option<&[Uuid]>,
        since: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let ids =
            db::changes::grants(&mut db, property.map(|p| p.as_uuid()), allowed, since).await?;
        db.commit().await?;
        Ok(ids)
    }
}
