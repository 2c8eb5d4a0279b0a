//! Giving access: the grant is compiled by the credential policy and recorded with its planned
//! credentials and provisioning run in one transaction, then handed to the engine. Nothing here
//! calls Seam.

use chrono::{DateTime, Utc};
use doorway_domain::{
    compile_grant, AccessGroupId, AccessMethod, CredentialId, EntranceFacts, EntranceId, GrantId,
    GrantRequest, PropertyFacts, PropertyId, ResidentId, ResidentStatus, RunKind,
};

use super::{idempotency_key, request_hash, Services};
use crate::db::Visibility;
use crate::db::{self, idempotency::Recorded, TenantTx};
use crate::error::ApiError;

pub struct GrantAccess {
    pub resident_id: ResidentId,
    pub property_id: PropertyId,
    pub access_method: AccessMethod,
    pub entrance_ids: Vec<EntranceId>,
    pub access_group_ids: Vec<AccessGroupId>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub code: Option<String>,
    pub idempotency_key: Option<String>,
}

impl Services {
    /// Records the grant and its provisioning run; returns at once (status `PROVISIONING`).
    pub async fn grant_access(
        &self,
        visibility: &Visibility,
        input: GrantAccess,
    ) -> Result<GrantId, ApiError> {
        let idem = idempotency_key(input.idempotency_key.as_deref())?;
        if !visibility.sees_property(input.property_id) {
            return Err(ApiError::NotFound("property"));
        }
        let mut db = db::begin(&self.pool, visibility).await?;
        // Locked until the grant is recorded: a move-out at the same moment either committed
        // first (and the grant is refused) or waits and then revokes this grant too.
        let resident = db::residents::lock(&mut db, input.resident_id)
            .await?
            .ok_or(ApiError::NotFound("resident"))?;
        if resident.status != ResidentStatus::Active {
            return Err(ApiError::bad_input(
                "residentId",
                "residentId: the resident has moved out",
            ));
        }
        let property = db::properties::find(&mut db, input.property_id)
            .await?
            .ok_or(ApiError::NotFound("property"))?;
        let facts = property_facts(&mut db, &property).await?;
        let request = GrantRequest {
            access_method: input.access_method,
            entrance_ids: input.entrance_ids.clone(),
            access_group_ids: input.access_group_ids.clone(),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            code: input.code.clone(),
        };
        let plan = compile_grant(&facts, &request, Utc::now())?;

        let grant_id = GrantId::new();
        if let Some(key) = idem {
            match db::idempotency::reserve(
                &mut db,
                "grantAccess",
                key,
                &grant_hash(&input),
                grant_id.as_uuid(),
            )
            .await?
            {
                Recorded::New => {}
                Recorded::Replay(first) => {
                    db.commit().await?;
                    return Ok(first.into());
                }
                Recorded::Conflict => {
                    return Err(ApiError::Conflict(
                        "idempotencyKey was already used with a different input".into(),
                    ))
                }
            }
        }
        db::grants::insert(
            &mut db,
            &db::grants::NewGrant {
                grant_id,
                resident_id: input.resident_id,
                property_id: input.property_id,
                access_method: input.access_method,
                starts_at: plan.window.starts_at(),
                ends_at: plan.window.ends_at(),
                entrance_ids: &plan.entrance_ids,
                access_group_ids: &plan.access_group_ids,
            },
        )
        .await?;
        // Salto credentials open what their groups open: shown to the resident as such.
        let group_entrances: Vec<EntranceId> =
            db::properties::access_group_entrances(&mut db, &plan.access_group_ids)
                .await?
                .into_iter()
                .map(|(_, e)| e.entrance_id)
                .collect();
        let mut credential_ids = Vec::with_capacity(plan.credentials.len());
        for (slot, credential) in (0i32..).zip(&plan.credentials) {
            let id = CredentialId::new();
            let mut entrances: Vec<EntranceId> = credential.entrance_ids.clone();
            if entrances.is_empty() {
                entrances.clone_from(&group_entrances);
                entrances.dedup();
            }
            // A chosen PIN is stored sealed, bound to its credential.
            let chosen = credential.code.as_deref().map(|code| {
                self.cipher
                    .seal(code.as_bytes(), &db::credentials::pin_context(id))
            });
            let planned = db::credentials::PlannedRow {
                id,
                grant_id,
                slot,
                access_method: credential.access_method,
                mechanism: credential.mechanism,
                requested_code: chosen.as_deref(),
            };
            db::credentials::insert_planned(&mut db, &planned, &entrances).await?;
            credential_ids.push(id);
        }
        db::runs::insert_plan(
            &mut db,
            grant_id,
            RunKind::Provision,
            &plan.steps,
            &credential_ids,
        )
        .await?;
        db.commit().await?;
        self.engine.wake();
        tracing::info!(%grant_id, resident_id = %input.resident_id, property_id = %input.property_id, "grant recorded");
        Ok(grant_id)
    }
}

/// What the policy needs to know about a property, from Doorway's records.
pub(super) async fn property_facts(
    db: &mut TenantTx,
    property: &db::properties::PropertyRow,
) -> Result<PropertyFacts, ApiError> {
    Ok(PropertyFacts {
        provider: property.provider,
        external_type: property.external_type.clone(),
        entrances: db::properties::entrances_of(db, &[property.property_id])
            .await?
            .into_iter()
            .map(|e| EntranceFacts {
                id: e.entrance_id,
                supports_access_codes: e.supports_access_codes,
                code_lengths: e
                    .supported_code_lengths
                    .iter()
                    .filter_map(|l| u32::try_from(*l).ok())
                    .collect(),
            })
            .collect(),
        access_group_ids: db::properties::access_groups_of(db, &[property.property_id])
            .await?
            .into_iter()
            .map(|g| g.access_group_id)
            .collect(),
    })
}

fn grant_hash(input: &GrantAccess) -> Vec<u8> {
    let list = |ids: Vec<String>| ids.join(",");
    request_hash(&[
        &input.resident_id.to_string(),
        &input.property_id.to_string(),
        input.access_method.as_str(),
        &list(input.entrance_ids.iter().map(ToString::to_string).collect()),
        &list(
            input
                .access_group_ids
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
        &input.starts_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        &input.ends_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        input.code.as_deref().unwrap_or_default(),
    ])
}
