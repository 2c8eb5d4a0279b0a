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
    let caller = auth(ctx)?;
    let tenant = caller
        .tenant()
        .ok_or_else(|| ApiError::NotFound("grant").extend())?;
    let services = services(ctx)?;
    let row = async {
        let mut db = db::begin_tenant(&services.pool, tenant).await?;
        let row = db::grants::find(&mut db, id).await?;
        db.commit().await?;
        Ok::<_, ApiError>(row)
    }
    .await
    .gql()?;
    match row {
        Some(row) if caller.may_see_property(row.property_id.into()) => Ok(Grant(row)),
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
        let tenant = caller.require_staff(Scope::GrantsWrite).gql()?;
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
            .grant_access(caller, tenant, request)
            .await
            .gql()?;
        Ok(GrantAccessPayload {
            grant: find_grant(ctx, grant_id).await?,
        })
    }
}
