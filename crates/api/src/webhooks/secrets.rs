//! The tenants' webhook signing secrets, kept in memory so that a delivery's signature is
//! checked before any database work: an unauthenticated post costs no pool connection and no
//! query, whatever tenant id it names.
//!
//! The secrets are read through the database's `doorway_webhook_secrets` (sealed, bound to their
//! tenant) and opened here. They are refreshed every [`REFRESH_EVERY`] in the background, and at
//! once in the process that registers a webhook; a tenant registered by another process is
//! accepted after the next refresh (Seam's deliveries are retried meanwhile).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use doorway_domain::TenantId;
use secrecy::SecretString;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::crypto::Cipher;

/// How often every process reloads the secrets.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// What a delivery for one tenant is checked against.
#[derive(Clone)]
pub struct TenantSecret {
    pub secret: SecretString,
    pub seam_workspace_id: String,
}

/// Every tenant's webhook secret, by tenant.
#[derive(Clone, Default)]
pub struct WebhookSecrets {
    by_tenant: Arc<RwLock<HashMap<TenantId, TenantSecret>>>,
}

impl WebhookSecrets {
    pub fn get(&self, tenant: TenantId) -> Option<TenantSecret> {
        self.by_tenant
            .read()
            .ok()
            .and_then(|map| map.get(&tenant).cloned())
    }

    /// Adds or replaces one tenant's secret (just registered by this process).
    pub fn insert(&self, tenant: TenantId, secret: TenantSecret) {
        if let Ok(mut map) = self.by_tenant.write() {
            map.insert(tenant, secret);
        }
    }

    /// Reloads every tenant's secret; a secret that cannot be opened is left out (and logged).
    pub async fn refresh(&self, pool: &PgPool, cipher: &Cipher) -> Result<usize, sqlx::Error> {
        let rows = sqlx::query!(
            r#"select tenant_id as "tenant_id!", ciphertext as "ciphertext!",
                      seam_workspace_id as "seam_workspace_id!"
               from doorway_webhook_secrets()"#
        )
        .fetch_all(pool)
        .await?;
        let mut fresh = HashMap::with_capacity(rows.len());
        for row in rows {
            let tenant = TenantId::from(row.tenant_id);
            match cipher.open_string(&row.ciphertext, &super::secret_context(tenant)) {
                Ok(secret) => {
                    fresh.insert(
                        tenant,
                        TenantSecret {
                            secret: SecretString::from(secret),
                            seam_workspace_id: row.seam_workspace_id,
                        },
                    );
                }
                Err(err) => {
                    tracing::error!(%tenant, error = %err, "a tenant's webhook secret cannot be opened");
                }
            }
        }
        let count = fresh.len();
        if let Ok(mut map) = self.by_tenant.write() {
            *map = fresh;
        }
        Ok(count)
    }

    /// Refreshes every [`REFRESH_EVERY`] until shutdown.
    pub async fn refresh_forever(self, pool: PgPool, cipher: Cipher, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(REFRESH_EVERY) => {}
            }
            if let Err(err) = self.refresh(&pool, &cipher).await {
                tracing::warn!(error = %err, "could not refresh the webhook secrets");
            }
        }
    }
}
