//! Comparing Doorway's records with Seam on a schedule, for what webhooks miss: a credential or
//! access code deleted at Seam directly (in Seam's console, by another integration) is marked
//! FAILED with a reason the portal shows, never left looking ACTIVE. The mark is a
//! compare-and-set on the Seam id that was found missing, so a credential replaced meanwhile
//! (a new window) is left alone.

use std::collections::{BTreeMap, BTreeSet};

use doorway_domain::TenantId;
use seam_gateway::{AccessCodeFilter, AcsCredentialFilter};
use secrecy::SecretString;

use super::Engine;
use crate::db;
use crate::db::credentials::Missing;

/// Why a credential is marked when Seam no longer has it.
const GONE_AT_SEAM: &str = "deleted at Seam outside Doorway; grant access again to restore it";

impl Engine {
    /// One pass over every tenant.
    pub async fn reconcile(&self) -> Result<(), ReconcileError> {
        let tenants = db::tenants::all_ids(&self.inner.pool).await?;
        for tenant in tenants {
            if let Err(err) = self.reconcile_tenant(TenantId::from(tenant)).await {
                // One tenant's Seam trouble must not stop the others.
                tracing::warn!(%tenant, error = %err, "could not reconcile a tenant");
            }
        }
        Ok(())
    }

    async fn reconcile_tenant(&self, tenant: TenantId) -> Result<(), ReconcileError> {
        let mut db = db::begin_tenant(&self.inner.pool, tenant).await?;
        let live = db::credentials::live_at_seam(&mut db).await?;
        let sealed = db::tenants::sealed_api_key(&mut db).await?;
        db.commit().await?;
        let (Some(sealed), false) = (sealed, live.is_empty()) else {
            return Ok(());
        };
        let key = self
            .inner
            .cipher
            .open_string(&sealed, format!("{tenant}/seam_api_key").as_bytes())?;
        let seam = self.inner.seam.workspace(SecretString::from(key));

        // Ask Seam once per ACS system and once per lock, not once per credential.
        let mut by_system: BTreeMap<&str, Vec<&db::credentials::LiveCredential>> = BTreeMap::new();
        let mut by_device: BTreeMap<&str, Vec<&db::credentials::LiveCredential>> = BTreeMap::new();
        for credential in &live {
            if let (Some(_), Some(system)) = (
                &credential.seam_acs_credential_id,
                &credential.seam_acs_system_id,
            ) {
                by_system.entry(system).or_default().push(credential);
            }
            if let (Some(_), Some(device)) =
                (&credential.seam_access_code_id, &credential.seam_device_id)
            {
                by_device.entry(device).or_default().push(credential);
            }
        }
        let mut gone = Vec::new();
        for (system, credentials) in by_system {
            let filter = AcsCredentialFilter {
                acs_system_id: Some(system.to_owned()),
                ..Default::default()
            };
            let present: BTreeSet<String> = seam
                .list_acs_credentials(&filter)
                .await?
                .into_iter()
                .map(|c| c.acs_credential_id)
                .collect();
            gone.extend(credentials.into_iter().filter_map(|c| {
                let id = c.seam_acs_credential_id.as_ref()?;
                (!present.contains(id)).then(|| Missing {
                    credential_id: c.credential_id,
                    seam_id: id.clone(),
                })
            }));
        }
        for (device, credentials) in by_device {
            let filter = AccessCodeFilter {
                device_id: Some(device.to_owned()),
                ..Default::default()
            };
            let present: BTreeSet<String> = seam
                .list_access_codes(&filter)
                .await?
                .into_iter()
                .map(|c| c.access_code_id)
                .collect();
            gone.extend(credentials.into_iter().filter_map(|c| {
                let id = c.seam_access_code_id.as_ref()?;
                (!present.contains(id)).then(|| Missing {
                    credential_id: c.credential_id,
                    seam_id: id.clone(),
                })
            }));
        }
        if gone.is_empty() {
            return Ok(());
        }
        let mut db = db::begin_tenant(&self.inner.pool, tenant).await?;
        let marked = db::credentials::mark_gone(&mut db, &gone, GONE_AT_SEAM).await?;
        db.commit().await?;
        tracing::warn!(%tenant, marked, "credentials deleted at Seam outside Doorway");
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Seam(#[from] seam_gateway::SeamError),
    #[error(transparent)]
    Secret(#[from] crate::crypto::DecryptError),
}
