//! Operators: tenants and their Seam keys.

use async_graphql::connection::Connection;
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use secrecy::SecretString;

use super::context::{auth, parse_id, services};
use super::pagination::{connection, page_args, Cursor, Totals};
use super::types::Tenant;
use crate::error::{GqlResult, IntoGql};
use crate::services::tenants::CreateTenant;

#[derive(InputObject)]
pub struct CreateTenantInput {
    pub name: String,
    /// Checked against Seam, stored encrypted, never returned.
    pub seam_api_key: String,
    pub idempotency_key: Option<String>,
}

#[derive(SimpleObject)]
pub struct CreateTenantPayload {
    pub tenant: Tenant,
}

#[derive(SimpleObject)]
pub struct RotateTenantSeamKeyPayload {
    pub tenant: Tenant,
}

#[derive(Default)]
pub struct TenantQuery;

#[Object]
impl TenantQuery {
    #[graphql(complexity = "super::pagination::page_complexity(first, 50, child_complexity)")]
    async fn tenants(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Tenant, Totals>> {
        auth(ctx)?.require_operator().gql()?;
        let (limit, after) = page_args(first, after, 50).gql()?;
        let (rows, total) = services(ctx)?
            .list_tenants(limit, after.map(Cursor::key))
            .await
            .gql()?;
        Ok(connection(
            rows,
            limit,
            after,
            total,
            |r| Cursor::new(r.created_at, r.tenant_id),
            Tenant,
        ))
    }
}

#[derive(Default)]
pub struct TenantMutation;

#[Object]
impl TenantMutation {
    /// Connects a property-management company: checks the key against Seam and stores it
    /// encrypted.
    async fn create_tenant(
        &self,
        ctx: &Context<'_>,
        input: CreateTenantInput,
    ) -> GqlResult<CreateTenantPayload> {
        auth(ctx)?.require_operator().gql()?;
        let row = services(ctx)?
            .create_tenant(CreateTenant {
                name: input.name,
                seam_api_key: SecretString::from(input.seam_api_key),
                idempotency_key: input.idempotency_key,
            })
            .await
            .gql()?;
        Ok(CreateTenantPayload {
            tenant: Tenant(row),
        })
    }

    /// Replaces a tenant's Seam API key with a new key for the same workspace.
    async fn rotate_tenant_seam_key(
        &self,
        ctx: &Context<'_>,
        id: ID,
        seam_api_key: String,
    ) -> GqlResult<RotateTenantSeamKeyPayload> {
        auth(ctx)?.require_operator().gql()?;
        let id = parse_id(&id, "id").gql()?;
        let row = services(ctx)?
            .rotate_tenant_key(id, SecretString::from(seam_api_key))
            .await
            .gql()?;
        Ok(RotateTenantSeamKeyPayload {
            tenant: Tenant(row),
        })
    }

    /// Registers (again) the tenant's webhook at Seam: after Seam refused it at creation, or
    /// to replace one whose secret was lost. Failed registrations are also retried in the
    /// background every `DOORWAY_WEBHOOK_RETRY_SECONDS`.
    async fn register_tenant_webhook(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Tenant> {
        auth(ctx)?.require_operator().gql()?;
        let id = parse_id(&id, "id").gql()?;
        let row = services(ctx)?.register_tenant_webhook(id).await.gql()?;
        Ok(Tenant(row))
    }
}
