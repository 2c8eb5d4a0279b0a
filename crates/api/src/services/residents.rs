//! Residents: created by the portal, each mapped to one Seam user identity when first needed.

use chrono::{DateTime, Utc};
use doorway_domain::{Email, ExternalId, FullName, NewResident, PhoneNumber, ResidentId};
use uuid::Uuid;

use super::{idempotency_key, request_hash, Services};
use crate::db::Visibility;
use crate::db::{self, idempotency::Recorded, residents::ResidentRow};
use crate::error::ApiError;

pub struct CreateResident {
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub external_id: String,
    pub idempotency_key: Option<String>,
}

impl Services {
    pub async fn create_resident(
        &self,
        visibility: &Visibility,
        input: CreateResident,
    ) -> Result<ResidentRow, ApiError> {
        let new = NewResident {
            full_name: FullName::parse(&input.full_name)?,
            email: Email::parse(&input.email)?,
            phone: input
                .phone
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(PhoneNumber::parse)
                .transpose()?,
            external_id: ExternalId::parse(&input.external_id)?,
        };
        let idem = idempotency_key(input.idempotency_key.as_deref())?;
        let id = ResidentId::new();
        let mut db = db::begin(&self.pool, visibility).await?;
        if let Some(key) = idem {
            let hash = request_hash(&[
                new.full_name.as_str(),
                new.email.as_str(),
                new.phone.as_ref().map_or("", |p| p.as_str()),
                new.external_id.as_str(),
            ]);
            match db::idempotency::reserve(&mut db, "createResident", key, &hash, id.as_uuid())
                .await?
            {
                Recorded::New => {}
                Recorded::Replay(first) => {
                    let row = db::residents::find(&mut db, first.into())
                        .await?
                        .ok_or(ApiError::NotFound("resident"))?;
                    db.commit().await?;
                    return Ok(row);
                }
                Recorded::Conflict => {
                    return Err(ApiError::Conflict(
                        "idempotencyKey was already used with a different input".into(),
                    ))
                }
            }
        }
        if !db::residents::insert(&mut db, id, &new).await? {
            return Err(ApiError::Conflict(format!(
                "a resident with externalId {:?} already exists",
                new.external_id.as_str()
            )));
        }
        let row = db::residents::find(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("resident"))?;
        db.commit().await?;
        Ok(row)
    }

    pub async fn resident(
        &self,
        visibility: &Visibility,
        id: ResidentId,
    ) -> Result<ResidentRow, ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let row = db::residents::find(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("resident"))?;
        db.commit().await?;
        Ok(row)
    }

    pub async fn list_residents(
        &self,
        visibility: &Visibility,
        search: Option<&str>,
        limit: i64,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<(Vec<ResidentRow>, i64), ApiError> {
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        let mut db = db::begin(&self.pool, visibility).await?;
        let rows = db::residents::list(&mut db, search, limit, after).await?;
        let total = db::residents::count(&mut db, search).await?;
        db.commit().await?;
        Ok((rows, total))
    }
}
