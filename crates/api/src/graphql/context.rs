//! What resolvers read from the request: the caller, the services and the tenant's loader.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ErrorExtensions, ID};
use tokio::sync::MappedMutexGuard;

use super::loaders::{LoadError, TenantLoader};
use crate::auth::{AuthContext, Scope};
use crate::db::{RequestTx, TenantTx};
use crate::error::{ApiError, GqlResult, IntoGql};
use crate::services::Services;

pub fn auth<'a>(ctx: &Context<'a>) -> GqlResult<&'a AuthContext> {
    ctx.data::<AuthContext>()
        .map_err(|_| ApiError::Unauthenticated.extend())
}

/// A field's scope, declared on the field (`#[graphql(guard = "NeedsScope(Scope::GrantsRead)")]`):
/// the field answers `FORBIDDEN` to a caller without it. Row-level security hides the same rows
/// underneath, so a field that forgot its guard still returns nothing it should not.
pub struct NeedsScope(pub Scope);

impl async_graphql::Guard for NeedsScope {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        auth(ctx)?.require_field_scope(self.0).gql()
    }
}

/// Operational detail (runs, steps, Seam ids) is for staff and operators, not for residents,
/// even about their own grants.
pub struct NotForResidents;

impl async_graphql::Guard for NotForResidents {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        match auth(ctx)?.role {
            crate::auth::Role::Resident => {
                Err(ApiError::Forbidden("residents do not see provisioning runs".into()).extend())
            }
            _ => Ok(()),
        }
    }
}

pub fn services<'a>(ctx: &Context<'a>) -> GqlResult<&'a Services> {
    ctx.data::<Services>().map_err(|_| {
        ApiError::internal(anyhow::anyhow!("services missing from schema data")).extend()
    })
}

/// The tenant's DataLoader; absent for callers without a tenant (operators).
pub fn loader<'a>(ctx: &Context<'a>) -> GqlResult<&'a DataLoader<TenantLoader>> {
    ctx.data::<DataLoader<TenantLoader>>()
        .map_err(|_| ApiError::Forbidden("this needs a tenant".into()).extend())
}

/// The request's read transaction, opened on first use with the caller's visibility and shared
/// by every resolver and loader of the request; absent for callers without a tenant.
pub async fn read_tx<'a>(ctx: &Context<'a>) -> GqlResult<MappedMutexGuard<'a, TenantTx>> {
    let db = ctx
        .data::<Arc<RequestTx>>()
        .map_err(|_| ApiError::Forbidden("this needs a tenant".into()).extend())?;
    db.tx().await.map_err(|err| ApiError::from(err).extend())
}

pub fn load_err(err: LoadError) -> async_graphql::Error {
    err.as_ref().extend()
}

/// Parses a GraphQL id into one of Doorway's ids, naming the argument when it is malformed.
pub fn parse_id<T: std::str::FromStr>(id: &ID, field: &str) -> Result<T, ApiError> {
    id.as_str()
        .parse()
        .map_err(|_| ApiError::bad_input(field, format!("{field}: not a valid id")))
}
