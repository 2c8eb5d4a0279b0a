//! Operators connect property-management companies (tenants) to their Seam workspaces.

use chrono::{DateTime, Utc};
use doorway_domain::TenantId;
use seam_gateway::{CreateWebhook, SeamError, WorkspaceClient};
use secrecy::{ExposeSecret, SecretString};
use url::Url;
use uuid::Uuid;

use super::{api_key_context, idempotency_key, request_hash, Services};
use crate::db::{self, tenants::TenantRow};
use crate::engine::Wake;
use crate::error::ApiError;
use crate::webhooks;
use tokio_util::sync::CancellationToken;

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
        // The new tenant's own transaction: row-level security checks the row is its own.
        let mut tx = db::begin_tenant(&self.pool, tenant_id).await?;
        let inserted = db::tenants::insert(
            &mut tx,
            &db::tenants::NewTenant {
                name,
                seam_workspace_id: &workspace,
                seam_api_key_ciphertext: &sealed,
                creation_idempotency_key: idem,
                creation_request_hash: idem.map(|_| hash.as_slice()),
            },
        )
        .await?;
        let row = if inserted {
            db::tenants::current(&mut tx).await?
        } else {
            None
        };
        tx.commit().await?;
        match (row, idem) {
            (Some(row), _) => {
                tracing::info!(tenant_id = %row.tenant_id, "tenant created");
                self.register_webhook_of_new_tenant(tenant_id, key, row)
                    .await
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

    /// Registers the new tenant's webhook with Seam where `DOORWAY_PUBLIC_URL` is set. The
    /// tenant exists already: if Seam fails, it stays with `webhookRegistered` false (the cause
    /// is logged) and Doorway keeps polling Seam for its credentials, so a tenant is never
    /// half-made and creation does not fail for want of a webhook.
    async fn register_webhook_of_new_tenant(
        &self,
        tenant: TenantId,
        seam_api_key: &str,
        row: TenantRow,
    ) -> Result<TenantRow, ApiError> {
        let Some(public_url) = self.public_url.clone() else {
            return Ok(row);
        };
        let seam = self
            .seam
            .workspace(SecretString::from(seam_api_key.to_owned()));
        if let Err(err) = self.register_webhook(tenant, &seam, &public_url).await {
            tracing::warn!(tenant_id = %tenant, error = %err, "the tenant's Seam webhook could not be registered; its credentials are followed by polling only");
            return Ok(row);
        }
        let row = self.tenant(tenant).await?;
        tracing::info!(tenant_id = %tenant, "tenant's Seam webhook registered");
        Ok(row)
    }

    /// Creates the tenant's webhook at Seam and stores its signing secret, sealed and bound to
    /// the tenant. Seam shows a secret only on creation, so a webhook for the same URL left by
    /// an earlier attempt (whose secret Doorway never stored) is deleted first; calling this
    /// again is therefore a safe retry.
    pub async fn register_webhook(
        &self,
        tenant: TenantId,
        seam: &WorkspaceClient,
        public_url: &Url,
    ) -> Result<(), anyhow::Error> {
        let url = webhooks::url_for(public_url, tenant);
        for stale in seam
            .list_webhooks()
            .await?
            .into_iter()
            .filter(|w| w.url == url)
        {
            seam.delete_webhook(&stale.webhook_id).await?;
        }
        let webhook = seam
            .create_webhook(&CreateWebhook {
                url,
                event_types: Some(webhooks::APPLIED_EVENT_TYPES.to_vec()),
            })
            .await?;
        let Some(secret) = webhook.secret.as_deref() else {
            anyhow::bail!(
                "Seam returned webhook {} without its secret",
                webhook.webhook_id
            );
        };
        let sealed = self
            .cipher
            .seal(secret.as_bytes(), &webhooks::secret_context(tenant));
        let mut tx = db::begin_tenant(&self.pool, tenant).await?;
        db::seam_events::record_webhook(&mut tx, &webhook.webhook_id, &sealed).await?;
        tx.commit().await?;
        // This process verifies the tenant's deliveries at once; the others after their next
        // refresh.
        self.webhook_secrets
            .refresh(&self.pool, &self.cipher)
            .await?;
        Ok(())
    }

    /// `registerTenantWebhook`: registers (again) a tenant's webhook at Seam, replacing any
    /// webhook Seam holds for its URL (one whose answer, and secret, was lost).
    pub async fn register_tenant_webhook(&self, tenant: TenantId) -> Result<TenantRow, ApiError> {
        let Some(public_url) = self.public_url.clone() else {
            return Err(ApiError::Conflict(
                "DOORWAY_PUBLIC_URL is not set: Seam has nowhere to deliver events".into(),
            ));
        };
        self.tenant(tenant).await?;
        let seam = self.seam_for(tenant).await?;
        self.register_webhook(tenant, &seam, &public_url)
            .await
            .map_err(|err| match err.downcast::<SeamError>() {
                Ok(seam) => ApiError::from(seam),
                Err(other) => ApiError::internal(other),
            })?;
        tracing::info!(tenant_id = %tenant, "tenant's Seam webhook registered by request");
        self.tenant(tenant).await
    }

    /// Registers the webhook of every tenant that has none yet; one tenant's failure does not
    /// stop the others (each is tried again at the next pass).
    pub async fn register_missing_webhooks(&self) -> Result<(), ApiError> {
        let Some(public_url) = self.public_url.clone() else {
            return Ok(());
        };
        for tenant in db::tenants::unregistered_webhooks(&self.pool).await? {
            let tenant = TenantId::from(tenant);
            let registered = match self.seam_for(tenant).await {
                Ok(seam) => self
                    .register_webhook(tenant, &seam, &public_url)
                    .await
                    .map_err(|e| e.to_string()),
                Err(err) => Err(err.to_string()),
            };
            match registered {
                Ok(()) => {
                    tracing::info!(tenant_id = %tenant, "tenant's Seam webhook registered on retry")
                }
                Err(err) => {
                    tracing::warn!(tenant_id = %tenant, error = %err, "tenant's Seam webhook still not registered")
                }
            }
        }
        Ok(())
    }

    /// Retries missing webhook registrations every `DOORWAY_WEBHOOK_RETRY_SECONDS`, on one
    /// process at a time.
    pub async fn retry_webhook_registrations_forever(self, shutdown: CancellationToken) {
        let every = self.engine.settings().webhook_retry_every;
        let engine = self.engine.clone();
        engine
            .lead(
                "webhook_registration",
                every,
                Wake::Never,
                shutdown,
                move |_| {
                    let services = self.clone();
                    async move {
                        services
                            .register_missing_webhooks()
                            .await
                            .map_err(|e| e.to_string())?;
                        Ok(None)
                    }
                },
            )
            .await;
    }

    async fn tenant_by_creation_key(
        &self,
        key: &str,
        hash: &[u8],
    ) -> Result<Option<TenantRow>, ApiError> {
        let found = db::tenants::find_by_creation_key(&self.pool, key).await?;
        match found {
            Some((tenant, Some(stored))) if stored == hash => Ok(Some(self.tenant(tenant).await?)),
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
        let current = self.tenant(id).await?;
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
        let mut db = db::begin_tenant(&self.pool, id).await?;
        db::tenants::replace_key(&mut db, &workspace, &sealed).await?;
        let row = db::tenants::current(&mut db)
            .await?
            .ok_or(ApiError::NotFound("tenant"))?;
        // Runs paused because Seam refused the old key go again now.
        db::engine_state::resume(&mut db).await?;
        let resumed = db::runs::make_waiting_due(&mut db).await?;
        db.commit().await?;
        self.engine.wake();
        tracing::info!(tenant_id = %id, resumed, "tenant's Seam key rotated");
        Ok(row)
    }

    pub async fn list_tenants(
        &self,
        limit: i64,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<(Vec<TenantRow>, i64), ApiError> {
        let rows = db::tenants::list(&self.pool, limit, after).await?;
        let total = db::tenants::count(&self.pool).await?;
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
