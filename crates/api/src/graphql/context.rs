//! What resolvers read from the request: the caller, the services and the tenant's loader.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ErrorExtensions, ID};

use super::loaders::{LoadError, TenantLoader};
use crate::auth::AuthContext;
use crate::error::{ApiError, GqlResult};
use crate::services::Services;

pub fn auth<'a>(ctx: &Context<'a>) -> GqlResult<&'a AuthContext> {
    ctx.data::<AuthContext>()
        .map_err(|_| ApiError::Unauthenticated.extend())
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

pub fn load_err(err: LoadError) -> async_graphql::Error {
    err.as_ref().extend()
}

/// Parses a GraphQL id into one of Doorway's ids, naming the argument when it is malformed.
pub fn parse_id<T: std::str::FromStr>(id: &ID, field: &str) -> Result<T, ApiError> {
    id.as_str()
        .parse()
        .map_err(|_| ApiError::bad_input(field, format!("{field}: not a valid id")))
}
