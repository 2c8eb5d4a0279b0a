//! Operators connect property-management companies (tenants) to their Seam workspaces.

use chrono::{DateTime, Utc};
use doorway_domain::TenantId;
use seam_gateway::SeamError;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::{api_key_context, idempotency_key, request_hash, Services};
use crate::db::{self, tenants::TenantRow, Scope};
use crate::error::ApiError;

pub struct CreateTenant {
    pub name: String,
    pub seam_api_key: SecretString,
    pub idempotency_key: Option<String>,
}

impl Services {
    /// Checks the key against Seam, then stores the tenant with the key sealed.
    pub async fn create_tenant(&self, input: CreateTenant) -> Result<TenantRow, ApiError> {
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ApiError::bad_input(
                "name",
                "name: must be 1 to 200 characters",
            ));
        }
        let key = input.seam_api_key.expose_secret().trim();
        if key.is_empty() {
            return Err(ApiError::bad_input(
                "seamApiKey",
                "seamApiKey: must not be empty",
            ));
        }
        let idem = idempotency_key(input.idempotency_key.as_deref())?;
        let hash = request_hash(&[name, key]);
        if let Some(key) = idem {
            if let Some(existing) = self.tenant_by_creation_key(key, &hash).await? {
                return Ok(existing);
            }
        }
        let workspace = self.check_seam_key(key).await?;
        let tenant_id = TenantId::new();
        let sealed = self
            .cipher
            .seal(key.as_bytes(), &api_key_context(tenant_id));
        let mut tx = db::begin_scope(&self.pool, Scope::Operator).await?;
        let inserted = db::tenants::insert(
            &mut tx,
            &db::tenants::NewTenant {
                tenant_id,
                name,
                seam_workspace_id: &workspace,
                seam_api_key_ciphertext: &sealed,
                creation_idempotency_key: idem,
                creation_request_hash: idem.map(|_| hash.as_slice()),
            },
        )
        .await?;
        let row = if inserted {
            db::tenants::find_any(&mut tx, tenant_id).await?
        } else {
            None
        };
        tx.commit().await?;
        match (row, idem) {
            (Some(row), _) => {
                tracing::info!(tenant_id = %row.tenant_id, "tenant created");
                Ok(row)
            }
            // A concurrent request with the same key won the race.
            (None, Some(key)) => self
                .tenant_by_creation_key(key, &hash)
                .await?
                .ok_or_else(|| ApiError::Conflict("idempotencyKey is in use".into())),
            (None, None) => Err(ApiError::internal(anyhow::anyhow!(
                "tenant insert affected no row"
            ))),
        }
    }

    async fn tenant_by_creation_key(
        &self,
        key: &str,
        hash: &[u8],
    ) -> Result<Option<TenantRow>, ApiError> {
        let mut tx = db::begin_scope(&self.pool, Scope::Operator).await?;
        let found = db::tenants::find_by_creation_key(&mut tx, key).await?;
        tx.commit().await?;
        match found {
            Some((row, Some(stored))) if stored == hash => Ok(Some(row)),
            Some(_) => Err(ApiError::Conflict(
                "idempotencyKey was already used with a different input".into(),
            )),
            None => Ok(None),
        }
    }

    /// The workspace id a Seam API key opens, or a clear error naming the field.
    async fn check_seam_key(&self, key: &str) -> Result<String, ApiError> {
        let workspace = self.seam.workspace(SecretString::from(key.to_owned()));
        match workspace.get_workspace().await {
            Ok(workspace) => Ok(workspace.workspace_id),
            Err(SeamError::Rejected {
                status: 401 | 403, ..
            }) => Err(ApiError::bad_input(
                "seamApiKey",
                "seamApiKey: Seam did not accept this API key",
            )),
            Err(err) => Err(err.into()),
        }
    }

    /// Replaces a tenant's Seam key with a new key for the same workspace.
    pub async fn rotate_tenant_key(
        &self,
        id: TenantId,
        key: SecretString,
    ) -> Result<TenantRow, ApiError> {
        let key = key.expose_secret().trim();
        if key.is_empty() {
            return Err(ApiError::bad_input(
                "seamApiKey",
                "seamApiKey: must not be empty",
            ));
        }
        let mut tx = db::begin_scope(&self.pool, Scope::Operator).await?;
        let current = db::tenants::find_any(&mut tx, id)
            .await?
            .ok_or(ApiError::NotFound("tenant"))?;
        tx.commit().await?;
        let workspace = self.check_seam_key(key).await?;
        // Every imported property and credential lives in the tenant's workspace: a key for
        // another workspace would orphan them all.
        if workspace != current.seam_workspace_id {
            return Err(ApiError::bad_input(
                "seamApiKey",
                "seamApiKey: this key opens another Seam workspace than the tenant's",
            ));
        }
        let sealed = self.cipher.seal(key.as_bytes(), &api_key_context(id));
        let mut tx = db::begin_scope(&self.pool, Scope::Operator).await?;
        db::tenants::replace_key(&mut tx, id, &workspace, &sealed).await?;
        let row = db::tenants::find_any(&mut tx, id)
            .await?
            .ok_or(ApiError::NotFound("tenant"))?;
        tx.commit().await?;
        tracing::info!(tenant_id = %id, "tenant's Seam key rotated");
        Ok(row)
    }

    pub async fn list_tenants(
        &self,
        limit: i64,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<(Vec<TenantRow>, i64), ApiError> {
        let mut tx = db::begin_scope(&self.pool, Scope::Operator).await?;
        let rows = db::tenants::list(&mut tx, limit, after).await?;
        let total = db::tenants::count(&mut tx).await?;
        tx.commit().await?;
        Ok((rows, total))
    }

    pub async fn tenant(&self, id: TenantId) -> Result<TenantRow, ApiError> {
        let mut db = db::begin_tenant(&self.pool, id).await?;
        let row = db::tenants::current(&mut db)
            .await?
            .ok_or(ApiError::NotFound("tenant"))?;
        db.commit().await?;
        Ok(row)
    }
}
