//! Grants: giving access and following its provisioning.

use async_graphql::{Context, ErrorExtensions, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use doorway_domain::GrantId;

use super::context::{auth, parse_id, services};
use super::types::{AccessMethod, Grant};
use crate::auth::Scope;
use crate::db;
use crate::error::{ApiError, GqlResult, IntoGql};
use crate::services::grants::GrantAccess;

#[derive(InputObject)]
pub struct GrantAccessInput {
    pub resident_id: ID,
    pub property_id: ID,
    pub access_method: AccessMethod,
    pub entrance_ids: Option<Vec<ID>>,
    pub access_group_ids: Option<Vec<ID>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// A chosen PIN, where the provider allows one (Latch does not).
    pub code: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(SimpleObject)]
pub struct GrantAccessPayload {
    pub grant: Grant,
}

async fn find_grant(ctx: &Context<'_>, id: GrantId) -> GqlResult<Grant> {
    let visibility = auth(ctx)?
        .visibility()
        .ok_or_else(|| ApiError::NotFound("grant").extend())?;
    let services = services(ctx)?;
    let row = async {
        let mut db = db::begin(&services.pool, &visibility).await?;
        let row = db::grants::find(&mut db, id).await?;
        db.commit().await?;
        Ok::<_, ApiError>(row)
    }
    .await
    .gql()?;
    match row {
        Some(row) if visibility.sees_property(row.property_id) => Ok(Grant(row)),
        _ => Err(ApiError::NotFound("grant").extend()),
    }
}

fn parse_ids<T: std::str::FromStr>(list: Option<Vec<ID>>, field: &str) -> GqlResult<Vec<T>> {
    list.unwrap_or_default()
        .iter()
        .map(|id| parse_id(id, field).gql())
        .collect()
}

#[derive(Default)]
pub struct GrantQuery;

#[Object]
impl GrantQuery {
    async fn grant(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Grant> {
        auth(ctx)?.require_staff(Scope::GrantsRead).gql()?;
        find_grant(ctx, parse_id(&id, "id").gql()?).await
    }
}

#[derive(Default)]
pub struct GrantMutation;

#[Object]
impl GrantMutation {
    /// Gives a resident access. Returns at once with status PROVISIONING; the work is durable
    /// and continues if Doorway restarts.
    async fn grant_access(
        &self,
        ctx: &Context<'_>,
        input: GrantAccessInput,
    ) -> GqlResult<GrantAccessPayload> {
        let caller = auth(ctx)?;
        let visibility = caller.require_staff(Scope::GrantsWrite).gql()?;
        let request = GrantAccess {
            resident_id: parse_id(&input.resident_id, "residentId").gql()?,
            property_id: parse_id(&input.property_id, "propertyId").gql()?,
            access_method: input.access_method.into(),
            entrance_ids: parse_ids(input.entrance_ids, "entranceIds")?,
            access_group_ids: parse_ids(input.access_group_ids, "accessGroupIds")?,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            code: input.code,
            idempotency_key: input.idempotency_key,
        };
        let grant_id = services(ctx)?
            .grant_access(&visibility, request)
            .await
            .gql()?;
        Ok(GrantAccessPayload {
            grant: find_grant(ctx, grant_id).await?,
        })
    }
}

#[derive(SimpleObject)]
pub struct RevokeGrantPayload {
    pub grant: Grant,
}

#[derive(SimpleObject)]
pub struct RescheduleGrantPayload {
    pub grant: Grant,
}

#[derive(SimpleObject)]
pub struct MoveOutResidentPayload {
    pub resident: crate::graphql::types::Resident,
    pub grants: Vec<Grant>,
}

#[derive(Default)]
pub struct GrantLifecycleMutation;

#[Object]
impl GrantLifecycleMutation {
    /// Ends a grant: every credential and access code it produced is deleted at Seam, durably.
    /// The grant is REVOKING until nothing of it is left at Seam, then REVOKED.
    async fn revoke_grant(&self, ctx: &Context<'_>, id: ID) -> GqlResult<RevokeGrantPayload> {
        let caller = auth(ctx)?;
        let visibility = caller.require_staff(Scope::GrantsWrite).gql()?;
        let id = parse_id(&id, "id").gql()?;
        let row = services(ctx)?.revoke_grant(&visibility, id).await.gql()?;
        Ok(RevokeGrantPayload { grant: Grant(row) })
    }

    /// Changes the window of a grant; credentials are updated or replaced as the provider
    /// requires.
    async fn reschedule_grant(
        &self,
        ctx: &Context<'_>,
        id: ID,
        starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>,
    ) -> GqlResult<RescheduleGrantPayload> {
        let caller = auth(ctx)?;
        let visibility = caller.require_staff(Scope::GrantsWrite).gql()?;
        let id = parse_id(&id, "id").gql()?;
        let row = services(ctx)?
            .reschedule_grant(&visibility, id, starts_at, ends_at)
            .await
            .gql()?;
        Ok(RescheduleGrantPayload { grant: Grant(row) })
    }

    /// Move-out: every grant of the resident is revoked, across every property, durably.
    async fn move_out_resident(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> GqlResult<MoveOutResidentPayload> {
        let caller = auth(ctx)?;
        // Every property of the resident: not for tokens limited to some properties.
        let visibility = caller.require_tenant_wide(Scope::ResidentsWrite).gql()?;
        let id = parse_id(&id, "id").gql()?;
        let services = services(ctx)?;
        let grants = services.move_out(&visibility, id).await.gql()?;
        let resident = services.resident(&visibility, id).await.gql()?;
        Ok(MoveOutResidentPayload {
            resident: resident.into(),
            grants: grants.into_iter().map(Grant).collect(),
        })
    }
}
