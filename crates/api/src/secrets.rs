//! `doorway secrets rotate`: re-seals every secret Doorway stores under the current
//! `DOORWAY_SECRET_KEY`, so that the keys it replaced (`DOORWAY_SECRET_KEYS_PREVIOUS`) can be
//! dropped. Safe to run while the service serves (each value is replaced by a compare-and-set
//! on its old ciphertext) and to run again (what is current is skipped).

use doorway_domain::{CredentialId, ResidentId, TenantId};
use sqlx::PgPool;

use crate::crypto::{Cipher, DecryptError};
use crate::db;
use crate::db::credentials::pin_context;
use crate::services::{access::session_context, api_key_context};
use crate::webhooks::secret_context;

/// What a rotation did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rotated {
    pub tenants: usize,
    /// Values sealed again under the current key.
    pub resealed: usize,
    /// Values already under the current key.
    pub current: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A value no key of the ring opens: `DOORWAY_SECRET_KEYS_PREVIOUS` lacks the key that
    /// sealed it. Nothing of that tenant was changed.
    #[error("tenant {tenant}: {what} cannot be opened with any configured key")]
    Unopenable {
        tenant: TenantId,
        what: &'static str,
    },
}

/// Re-seals every tenant's Seam API key, webhook secret, residents' client-session tokens and
/// PINs.
pub async fn rotate(pool: &PgPool, cipher: &Cipher) -> Result<Rotated, RotateError> {
    let mut rotated = Rotated::default();
    for tenant in db::tenants::all_ids(pool).await? {
        let tenant = TenantId::from(tenant);
        rotate_tenant(pool, cipher, tenant, &mut rotated).await?;
        rotated.tenants += 1;
    }
    Ok(rotated)
}

async fn rotate_tenant(
    pool: &PgPool,
    cipher: &Cipher,
    tenant: TenantId,
    rotated: &mut Rotated,
) -> Result<(), RotateError> {
    let unopenable = |what| move |_: DecryptError| RotateError::Unopenable { tenant, what };
    let mut tx = db::begin_tenant(pool, tenant).await?;
    let id = tenant.as_uuid();
    let row = sqlx::query!(
        "select seam_api_key_ciphertext, webhook_secret_ciphertext from tenants
         where tenant_id = $1 for update",
        id
    )
    .fetch_one(tx.conn())
    .await?;
    match cipher
        .reseal(&row.seam_api_key_ciphertext, &api_key_context(tenant))
        .map_err(unopenable("its Seam API key"))?
    {
        Some(resealed) => {
            sqlx::query!(
                "update tenants set seam_api_key_ciphertext = $2, updated_at = now()
                 where tenant_id = $1",
                id,
                resealed
            )
            .execute(tx.conn())
            .await?;
            rotated.resealed += 1;
        }
        None => rotated.current += 1,
    }
    if let Some(sealed) = row.webhook_secret_ciphertext {
        match cipher
            .reseal(&sealed, &secret_context(tenant))
            .map_err(unopenable("its webhook secret"))?
        {
            Some(resealed) => {
                sqlx::query!(
                    "update tenants set webhook_secret_ciphertext = $2, updated_at = now()
                     where tenant_id = $1",
                    id,
                    resealed
                )
                .execute(tx.conn())
                .await?;
                rotated.resealed += 1;
            }
            None => rotated.current += 1,
        }
    }
    let sessions = sqlx::query!(
        "select resident_id, token_ciphertext from resident_client_sessions for update"
    )
    .fetch_all(tx.conn())
    .await?;
    for session in sessions {
        let resident = ResidentId::from(session.resident_id);
        match cipher
            .reseal(&session.token_ciphertext, &session_context(resident))
            .map_err(unopenable("a client-session token"))?
        {
            Some(resealed) => {
                sqlx::query!(
                    "update resident_client_sessions set token_ciphertext = $2, updated_at = now()
                     where resident_id = $1 and token_ciphertext = $3",
                    session.resident_id,
                    resealed,
                    session.token_ciphertext
                )
                .execute(tx.conn())
                .await?;
                rotated.resealed += 1;
            }
            None => rotated.current += 1,
        }
    }
    let pins = sqlx::query!(
        "select credential_id, code_sealed, requested_code_sealed from credentials
         where code_sealed is not null or requested_code_sealed is not null for update"
    )
    .fetch_all(tx.conn())
    .await?;
    for pin in pins {
        let context = pin_context(CredentialId::from(pin.credential_id));
        let mut reseal = |sealed: Option<Vec<u8>>| -> Result<Option<Vec<u8>>, RotateError> {
            let Some(sealed) = sealed else {
                return Ok(None);
            };
            let resealed = cipher
                .reseal(&sealed, &context)
                .map_err(unopenable("a PIN"))?;
            match &resealed {
                Some(_) => rotated.resealed += 1,
                None => rotated.current += 1,
            }
            Ok(resealed)
        };
        let code = reseal(pin.code_sealed)?;
        let requested = reseal(pin.requested_code_sealed)?;
        if code.is_some() || requested.is_some() {
            sqlx::query!(
                "update credentials set code_sealed = coalesce($2, code_sealed),
                        requested_code_sealed = coalesce($3, requested_code_sealed)
                 where credential_id = $1",
                pin.credential_id,
                code,
                requested
            )
            .execute(tx.conn())
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Seals the PINs stored in clear before PINs were sealed (run at start-up; a no-op once done).
pub async fn seal_clear_pins(pool: &PgPool, cipher: &Cipher) -> Result<usize, RotateError> {
    let mut sealed = 0;
    for tenant in db::tenants::all_ids(pool).await? {
        let mut tx = db::begin_tenant(pool, TenantId::from(tenant)).await?;
        for (id, code, requested) in db::credentials::unsealed_pins(&mut tx).await? {
            let context = pin_context(CredentialId::from(id));
            let code = code.map(|c| cipher.seal(c.as_bytes(), &context));
            let requested = requested.map(|c| cipher.seal(c.as_bytes(), &context));
            db::credentials::seal_pins(&mut tx, id, code.as_deref(), requested.as_deref()).await?;
            sealed += 1;
        }
        tx.commit().await?;
    }
    Ok(sealed)
}
