//! The caller's own view: who am I, my tenant, and (for residents) my credentials.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

use super::context::{auth, read_tx, services};
use super::types::{Resident, Tenant};
use crate::auth::Role;
use crate::db;
use crate::error::{ApiError, GqlResult, IntoGql};

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The caller: its role, its tenant, and its resident record when it is a resident.
    async fn viewer(&self) -> Viewer {
        Viewer
    }
}

pub struct Viewer;

#[Object]
impl Viewer {
    async fn role(&self, ctx: &Context<'_>) -> GqlResult<Role> {
        Ok(auth(ctx)?.role)
    }

    async fn tenant(&self, ctx: &Context<'_>) -> GqlResult<Option<Tenant>> {
        if auth(ctx)?.tenant().is_none() {
            return Ok(None);
        }
        let mut tx = read_tx(ctx).await?;
        let row = db::tenants::current(&mut tx)
            .await
            .map_err(ApiError::from)
            .gql()?
            .ok_or(ApiError::NotFound("tenant"))
            .gql()?;
        Ok(Some(Tenant(row)))
    }

    /// The resident whose `externalId` is the token's subject; null for other roles.
    async fn resident(&self, ctx: &Context<'_>) -> GqlResult<Option<Resident>> {
        let caller = auth(ctx)?;
        if caller.require_resident().is_err() {
            return Ok(None);
        }
        let mut tx = read_tx(ctx).await?;
        let row = db::residents::find_by_external_id(&mut tx, &caller.subject)
            .await
            .map_err(ApiError::from)
            .gql()?;
        Ok(row.map(Resident::from))
    }
}

/// A token for Seam's mobile SDK.
#[derive(SimpleObject)]
pub struct MobileKeySession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct ViewerMutation;

#[Object]
impl ViewerMutation {
    /// A Seam client session token for the resident's user identity, for Seam's mobile SDK.
    /// Repeated calls return a token that is still valid rather than minting a new one.
    async fn create_mobile_key_session(&self, ctx: &Context<'_>) -> GqlResult<MobileKeySession> {
        let caller = auth(ctx)?;
        let visibility = caller.require_resident().gql()?;
        let session = services(ctx)?
            .mobile_key_session(&visibility, &caller.subject)
            .await
            .gql()?;
        Ok(MobileKeySession {
            token: session.token.expose_secret().to_owned(),
            expires_at: session.expires_at,
        })
    }
}
