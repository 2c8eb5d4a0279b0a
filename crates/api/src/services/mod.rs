//! Use cases: what the GraphQL and REST edges ask Doorway to do. Each opens its own tenant
//! transaction, never holds one across a call to Seam, and returns [`ApiError`].

pub mod access;
pub mod grants;
pub mod inventory;
pub mod lifecycle;
pub mod live;
pub mod residents;
pub mod runs;
pub mod tenants;

use std::sync::Arc;

use doorway_domain::TenantId;
use seam_gateway::{SeamClient, WorkspaceClient};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::crypto::Cipher;
use crate::db;
use crate::engine::Engine;
use crate::error::ApiError;

/// What every use case needs; cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub pool: PgPool,
    pub seam: SeamClient,
    pub cipher: Cipher,
    pub engine: Engine,
    pub public_url: Option<Arc<url::Url>>,
    /// The tenants' webhook secrets, for verifying deliveries before any database work.
    pub webhook_secrets: crate::webhooks::secrets::WebhookSecrets,
    /// The share of the pool requests' read transactions may hold at once.
    pub read_slots: db::ReadSlots,
}

impl Services {
    /// The Seam client for a tenant's workspace (its key decrypted only here).
    pub async fn seam_for(&self, tenant: TenantId) -> Result<WorkspaceClient, ApiError> {
        let mut db = db::begin_tenant(&self.pool, tenant).await?;
        let sealed = db::tenants::sealed_api_key(&mut db)
            .await?
            .ok_or(ApiError::NotFound("tenant"))?;
        db.commit().await?;
        let key = self
            .cipher
            .open_string(&sealed, &api_key_context(tenant))
            .map_err(ApiError::internal)?;
        Ok(self.seam.workspace(SecretString::from(key)))
    }
}

/// The associated data binding a tenant's sealed Seam key to that tenant.
pub fn api_key_context(tenant: TenantId) -> Vec<u8> {
    format!("{tenant}/seam_api_key").into_bytes()
}

/// A stable fingerprint of a mutation's input, for idempotency keys.
pub fn request_hash(parts: &[&str]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().to_vec()
}

/// Checks an optional idempotency key's shape.
pub fn idempotency_key(raw: Option<&str>) -> Result<Option<&str>, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(key) if key.len() <= 200 => Ok(Some(key)),
        Some(_) => Err(ApiError::bad_input(
            "idempotencyKey",
            "idempotencyKey: at most 200 characters",
        )),
    }
}
