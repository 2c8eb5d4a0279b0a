//! Verifying RS256/ES256 tokens against an identity provider's JSON Web Key Set.
//!
//! How the keys are kept (the timings are [`Timing`]'s defaults):
//!
//! - A background task fetches the keys when the verifier is made and again when they are 10
//!   minutes old, so requests find them ready. After a failed fetch it retries every 30 s.
//!   The task holds the keys weakly and ends when the verifier is dropped.
//! - Each fetch replaces the whole key set at once, behind a `std::sync::RwLock<Arc<_>>` held
//!   only to clone or replace the `Arc`: no lock is held across a fetch, so a token whose key
//!   we have is never delayed by the provider, however slow it is.
//! - A token naming a key id we lack (the provider rotated its keys) waits for a fetch: the one
//!   under way if there is one, else a new one unless the last ended less than 30 s ago, so
//!   that tokens with made-up key ids cannot make Doorway hammer the provider. Concurrent
//!   requests share one fetch, which runs as its own task so that a request that gives up
//!   does not cancel it for the others.
//! - When fetches fail, the keys we have keep serving for up to 1 hour past their freshness,
//!   so a brief outage of the provider does not lock everyone out. After that tokens are
//!   refused (401) until a fetch succeeds: a key the provider revoked must not stay trusted
//!   for as long as the provider is unreachable. Every failed fetch is logged, as a warning
//!   while the old keys still serve and as an error once they no longer do.

mod store;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use jsonwebtoken::{decode_header, Algorithm, Validation};

use super::token::{decode_claims, validation};
use super::{Claims, TokenError};
use crate::config::{JwksAlgorithm, JwksSettings, JwtSettings};
use store::KeyStore;
pub(crate) use store::Timing;

pub struct JwksVerifier {
    validation: Validation,
    keys: Arc<KeyStore>,
}

impl JwksVerifier {
    /// A verifier with the production timings. Made inside a Tokio runtime, it starts fetching
    /// the keys at once; otherwise on its first verification.
    pub fn new(jwks: &JwksSettings, settings: &JwtSettings) -> Self {
        Self::with_timing(jwks, settings, Timing::default())
    }

    /// A verifier with the given freshness, refetch interval and staleness bound (tests use
    /// milliseconds).
    pub(crate) fn with_timing(jwks: &JwksSettings, settings: &JwtSettings, timing: Timing) -> Self {
        let algorithm = match jwks.algorithm {
            JwksAlgorithm::Rs256 => Algorithm::RS256,
            JwksAlgorithm::Es256 => Algorithm::ES256,
        };
        let keys = KeyStore::new(jwks.url.clone(), timing);
        keys.start_refreshing();
        Self {
            validation: validation(algorithm, settings),
            keys,
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
        let key = self.keys.key(header.kid.as_deref()).await?;
        decode_claims(token, &key, &self.validation)
    }
}
