//! `POST /webhooks/seam/{tenantId}`: Seam's events for one tenant, delivered through Svix.
//!
//! A delivery is verified with the tenant's signing secret (sealed at rest, bound to the
//! tenant), then stored and applied in one tenant transaction: each `svix-id` is stored once,
//! so a repeated delivery answers 200 and changes nothing. Application uses only the event and
//! Doorway's records (no call to Seam), so Seam gets its answer at once. Events may arrive late
//! or out of order: each credential remembers when the latest event applied to it happened,
//! and an older one is recorded but not applied (see [`transition`]).

mod apply;
pub mod event;
pub mod secrets;
pub mod signature;
pub mod transition;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use doorway_domain::TenantId;
use serde_json::json;
use uuid::Uuid;

use event::SeamEvent;
pub use event::APPLIED_EVENT_TYPES;
use signature::{SignatureError, SvixHeaders};

use secrecy::ExposeSecret;

use crate::db::{self, seam_events};
use crate::services::Services;
use crate::state::AppState;

/// The associated data binding a tenant's sealed webhook secret to that tenant.
pub fn secret_context(tenant: TenantId) -> Vec<u8> {
    format!("{tenant}/seam_webhook_secret").into_bytes()
}

/// Where Seam delivers a tenant's events, under Doorway's public base URL.
pub fn url_for(public_url: &url::Url, tenant: TenantId) -> String {
    format!(
        "{}/webhooks/seam/{tenant}",
        public_url.as_str().trim_end_matches('/')
    )
}

/// Why a delivery is refused. Unknown tenant, missing secret and wrong signature all read
/// the same, so that nothing tells which tenants exist.
#[derive(Debug)]
enum Refusal {
    BadRequest(&'static str),
    Unauthorized,
    Internal(anyhow::Error),
}

impl From<sqlx::Error> for Refusal {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(err.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            Self::BadRequest(message) => (StatusCode::BAD_REQUEST, "BAD_REQUEST", message),
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "the webhook signature could not be verified",
            ),
            Self::Internal(cause) => {
                // Svix retries on a 5xx, so nothing is lost.
                tracing::error!(error = ?cause, "webhook delivery could not be processed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "internal error",
                )
            }
        };
        let body = json!({ "error": { "code": code, "message": message } });
        (status, Json(body)).into_response()
    }
}

/// `POST /webhooks/seam/{tenant_id}`: Seam's deliveries, signed by Svix.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/webhooks/seam/{tenant_id}", axum::routing::post(receive))
}

pub async fn receive(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match process(&state.services, &tenant, &headers, &body).await {
        Ok(duplicate) => Json(json!({ "received": true, "duplicate": duplicate })).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// Verifies, stores and applies one delivery; `Ok(true)` when it was a repeat.
async fn process(
    services: &Services,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<bool, Refusal> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(timestamp), Some(signature)) = (
        header("svix-id"),
        header("svix-timestamp"),
        header("svix-signature"),
    ) else {
        return Err(Refusal::BadRequest(
            "svix-id, svix-timestamp and svix-signature are required",
        ));
    };
    if id.is_empty() || id.len() > 200 {
        return Err(Refusal::BadRequest("svix-id must be 1 to 200 characters"));
    }
    let svix = SvixHeaders {
        id,
        timestamp,
        signature,
    };
    let now = Utc::now();
    match svix.check_timestamp(now) {
        Ok(_) => {}
        Err(SignatureError::StaleTimestamp) => {
            return Err(Refusal::BadRequest(
                "svix-timestamp is more than 5 minutes away from now",
            ))
        }
        Err(_) => return Err(Refusal::BadRequest("svix-timestamp must be a Unix time")),
    }
    let tenant: TenantId = Uuid::parse_str(tenant)
        .map_err(|_| Refusal::Unauthorized)?
        .into();

    // The signature is checked against the secret held in memory, before any database work:
    // a forged or unknown-tenant post costs no connection and no query.
    let Some(stored) = services.webhook_secrets.get(tenant) else {
        return Err(Refusal::Unauthorized);
    };
    if let Err(err) = svix.verify(stored.secret.expose_secret(), body) {
        tracing::warn!(%tenant, svix_id = id, error = %err, "webhook delivery refused");
        return Err(Refusal::Unauthorized);
    }

    // One transaction with the tenant set: the event is stored and applied, or nothing is.
    let mut db = db::begin_tenant(&services.pool, tenant).await?;

    let (event, payload) =
        SeamEvent::parse(body).map_err(|_| Refusal::BadRequest("the body is not a Seam event"))?;
    let seam_event_id = Uuid::new_v4();
    let inserted = seam_events::insert(
        &mut db,
        &seam_events::NewEvent {
            seam_event_id,
            svix_id: id,
            event_id: &event.event_id,
            event_type: event.event_type.as_str(),
            occurred_at: event.occurred_at(),
            payload: &payload,
        },
    )
    .await?;
    if !inserted {
        db.commit().await?;
        tracing::debug!(%tenant, svix_id = id, "repeated webhook delivery ignored");
        return Ok(true);
    }
    let outcome = if event
        .workspace_id
        .as_deref()
        .is_some_and(|ws| ws != stored.seam_workspace_id)
    {
        format!(
            "ignored: from workspace {}, not the tenant's",
            event.workspace_id.as_deref().unwrap_or_default()
        )
    } else if seam_events::event_applied(&mut db, &event.event_id, seam_event_id).await? {
        "ignored: this event was applied already under another svix-id".to_owned()
    } else {
        apply::apply(&mut db, &event, now).await?
    };
    seam_events::record_outcome(&mut db, seam_event_id, &outcome).await?;
    db.commit().await?;
    tracing::info!(%tenant, svix_id = id, event_id = %event.event_id, event_type = %event.event_type, %outcome, "Seam event applied");
    Ok(false)
}
