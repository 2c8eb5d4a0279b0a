//! `/v1/me/*`: REST twins of the resident app's two main operations, for apps without a GraphQL
//! client. Same records, same rules, same errors as `MyAccess` and `StartMobileKeySession`.

use async_graphql::connection::CursorType;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::error::ErrorBody;
use crate::auth::AuthContext;
use crate::error::ApiError;
use crate::graphql::pagination::{page_args, Cursor};
use crate::services::access::CredentialView;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page size, 0 to 100 (default 20).
    pub first: Option<i32>,
    /// The `endCursor` of the previous page.
    pub after: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialPage {
    pub total_count: i64,
    pub credentials: Vec<Credential>,
    pub page_info: PageInfo,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// What the resident holds, newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    pub id: Uuid,
    /// `MOBILE_KEY` or `PIN_CODE`.
    pub access_method: &'static str,
    /// `PENDING`, `ISSUING`, `SCHEDULED`, `ACTIVE`, `FAILED`, `REVOKING`, `REVOKED` or `EXPIRED`.
    pub status: &'static str,
    pub status_reason: Option<String>,
    /// The PIN; null for mobile keys and until the provider has generated it.
    pub code: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub property: Option<PropertyRef>,
    pub entrances: Vec<EntranceRef>,
}

#[derive(Serialize, ToSchema)]
pub struct PropertyRef {
    pub id: Uuid,
    pub name: String,
    /// `LATCH`, `SALTO_KS`, `SMART_LOCKS` or `OTHER_ACS`.
    pub provider: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct EntranceRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MobileKeySession {
    /// A Seam client session token for Seam's mobile SDK.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl From<CredentialView> for Credential {
    fn from(view: CredentialView) -> Self {
        let c = view.credential;
        Self {
            id: c.credential_id.as_uuid(),
            access_method: c.access_method.as_str(),
            status: c.status.as_str(),
            status_reason: c.status_reason,
            code: view.code,
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            property: view.property.map(|p| PropertyRef {
                id: p.property_id.as_uuid(),
                name: p.name,
                provider: p.provider.as_str(),
            }),
            entrances: view
                .entrances
                .into_iter()
                .map(|e| EntranceRef {
                    id: e.entrance_id.as_uuid(),
                    name: e.name,
                })
                .collect(),
        }
    }
}

/// Every credential the resident holds, newest first, from Doorway's own records.
#[utoipa::path(
    get,
    path = "/v1/me/credentials",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CredentialPage),
        (status = 400, body = ErrorBody, description = "bad `first` or `after`"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "not a resident token"),
        (status = 404, body = ErrorBody, description = "no resident with this token's subject"),
    )
)]
pub async fn my_credentials(
    State(state): State<AppState>,
    Extension(caller): Extension<AuthContext>,
    Query(page): Query<PageQuery>,
) -> Result<Json<CredentialPage>, ApiError> {
    let visibility = caller.require_resident()?;
    let (limit, after) = page_args(page.first, page.after, 20)?;
    let (mut views, total) = state
        .services
        .my_credentials(&visibility, &caller.subject, limit, after.map(Cursor::key))
        .await?;
    let wanted = usize::try_from(limit - 1).unwrap_or(0);
    let has_next_page = views.len() > wanted;
    views.truncate(wanted);
    let end_cursor = views
        .last()
        .map(|v| Cursor::new(v.credential.created_at, v.credential.credential_id).encode_cursor());
    Ok(Json(CredentialPage {
        total_count: total,
        credentials: views.into_iter().map(Credential::from).collect(),
        page_info: PageInfo {
            has_next_page,
            end_cursor,
        },
    }))
}

/// A Seam client session token for the resident's mobile SDK; a still-valid one is returned
/// again rather than a new one minted.
#[utoipa::path(
    post,
    path = "/v1/me/mobile-key-session",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MobileKeySession),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "not a resident token"),
        (status = 409, body = ErrorBody, description = "no mobile key provisioned yet"),
        (status = 503, body = ErrorBody, description = "Seam unreachable; safe to retry"),
    )
)]
pub async fn mobile_key_session(
    State(state): State<AppState>,
    Extension(caller): Extension<AuthContext>,
) -> Result<Json<MobileKeySession>, ApiError> {
    let visibility = caller.require_resident()?;
    let session = state
        .services
        .mobile_key_session(&visibility, &caller.subject)
        .await?;
    Ok(Json(MobileKeySession {
        token: session.token.expose_secret().to_owned(),
        expires_at: session.expires_at,
    }))
}
