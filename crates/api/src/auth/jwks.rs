//! Verifying RS256/ES256 tokens against an identity provider's JSON Web Key Set.
//!
//! Keys are cached and refetched when stale (10 minutes) or when a token names a key id the
//! cache lacks (the provider rotated its keys), at most once per 30 seconds so that tokens with
//! made-up key ids cannot make Doorway hammer the provider.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use tokio::sync::Mutex;

use super::token::validation;
use super::{Claims, TokenError};
use crate::config::{JwksAlgorithm, JwksSettings, JwtSettings};

const FRESH_FOR: Duration = Duration::from_secs(600);
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

pub struct JwksVerifier {
    url: url::Url,
    validation: Validation,
    http: reqwest::Client,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    keys: Option<JwkSet>,
    fetched_at: Option<Instant>,
}

impl JwksVerifier {
    pub fn new(jwks: &JwksSettings, settings: &JwtSettings) -> Self {
        let algorithm = match jwks.algorithm {
            JwksAlgorithm::Rs256 => Algorithm::RS256,
            JwksAlgorithm::Es256 => Algorithm::ES256,
        };
        Self {
            url: jwks.url.clone(),
            validation: validation(algorithm, settings),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            cache: Mutex::new(Cache::default()),
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
        let key = self.key(header.kid.as_deref()).await?;
        decode::<Claims>(token, &key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }

    async fn key(&self, kid: Option<&str>) -> Result<DecodingKey, TokenError> {
        let mut cache = self.cache.lock().await;
        let stale = cache.fetched_at.is_none_or(|at| at.elapsed() > FRESH_FOR);
        let missing = cache
            .keys
            .as_ref()
            .is_none_or(|keys| find(keys, kid).is_none());
        let may_refetch = cache
            .fetched_at
            .is_none_or(|at| at.elapsed() > MIN_REFETCH_INTERVAL);
        if stale || (missing && may_refetch) {
            match self.fetch().await {
                Ok(keys) => cache.keys = Some(keys),
                // Keep serving with the keys we have; the provider may be briefly down.
                Err(err) => tracing::warn!(url = %self.url, error = %err, "cannot fetch the JWKS"),
            }
            cache.fetched_at = Some(Instant::now());
        }
        let jwk = cache
            .keys
            .as_ref()
            .and_then(|keys| find(keys, kid))
            .ok_or_else(|| {
                TokenError::Invalid("no key of the identity provider matches the token".into())
            })?;
        DecodingKey::from_jwk(jwk).map_err(|e| TokenError::Invalid(e.to_string()))
    }

    async fn fetch(&self) -> Result<JwkSet, reqwest::Error> {
        self.http
            .get(self.url.clone())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}

/// The key a token names, or the only key when the token names none.
fn find<'a>(keys: &'a JwkSet, kid: Option<&str>) -> Option<&'a jsonwebtoken::jwk::Jwk> {
    match kid {
        Some(kid) => keys.find(kid),
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
}
