//! HS256 tokens: verification with the algorithm pinned by configuration, and minting for
//! `doorway token` and `doorway demo`.

use chrono::{Duration, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::JwtSettings;

/// The claims of CONTRACT.md.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("missing bearer token")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
}

/// Verifies tokens the way configuration says: with the shared HS256 secret, or against the
/// identity provider's JWKS with a pinned algorithm.
#[derive(Clone)]
pub enum TokenVerifier {
    Shared(std::sync::Arc<(DecodingKey, Validation)>),
    Jwks(std::sync::Arc<super::jwks::JwksVerifier>),
}

/// The checks every token passes, whatever signs it.
pub(super) fn validation(algorithm: Algorithm, settings: &JwtSettings) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
    validation.leeway = 30;
    validation
}

impl TokenVerifier {
    pub fn new(settings: &JwtSettings) -> Self {
        match &settings.jwks {
            Some(jwks) => Self::Jwks(std::sync::Arc::new(super::jwks::JwksVerifier::new(
                jwks, settings,
            ))),
            None => Self::Shared(std::sync::Arc::new((
                DecodingKey::from_secret(settings.hs256_secret.expose_secret().as_bytes()),
                validation(Algorithm::HS256, settings),
            ))),
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        match self {
            Self::Shared(shared) => decode::<Claims>(token, &shared.0, &shared.1)
                .map(|data| data.claims)
                .map_err(|e| TokenError::Invalid(e.to_string())),
            Self::Jwks(jwks) => jwks.verify(token).await,
        }
    }
}

/// Mints development tokens with the configured secret.
pub struct TokenIssuer {
    key: EncodingKey,
    issuer: String,
    audience: String,
}

impl TokenIssuer {
    pub fn new(settings: &JwtSettings) -> Self {
        Self {
            key: EncodingKey::from_secret(settings.hs256_secret.expose_secret().as_bytes()),
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
        }
    }

    /// A token for `role` valid for `ttl`, with the other claims as given.
    pub fn mint(
        &self,
        role: &str,
        sub: &str,
        tenant_id: Option<Uuid>,
        scope: Option<&str>,
        property_ids: Option<Vec<Uuid>>,
        ttl: Duration,
    ) -> Result<String, TokenError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: (Utc::now() + ttl).timestamp(),
            sub: sub.to_owned(),
            role: role.to_owned(),
            tenant_id,
            scope: scope.map(str::to_owned),
            property_ids,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.key)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn settings(secret: &str) -> JwtSettings {
        JwtSettings {
            hs256_secret: SecretString::from(secret.to_owned()),
            jwks: None,
            issuer: "doorway".into(),
            audience: "doorway".into(),
        }
    }

    #[tokio::test]
    async fn minted_tokens_verify_and_keep_their_claims() {
        let s = settings("a-secret-that-is-long-enough-for-hs256");
        let tenant = Uuid::now_v7();
        let token = TokenIssuer::new(&s)
            .mint(
                "manager",
                "pm-1",
                Some(tenant),
                None,
                None,
                Duration::minutes(5),
            )
            .unwrap();
        let claims = TokenVerifier::new(&s).verify(&token).await.unwrap();
        assert_eq!(
            (claims.role.as_str(), claims.sub.as_str(), claims.tenant_id),
            ("manager", "pm-1", Some(tenant))
        );
    }

    #[tokio::test]
    async fn forged_expired_and_foreign_tokens_are_refused() {
        let s = settings("a-secret-that-is-long-enough-for-hs256");
        let forged = TokenIssuer::new(&settings("another-secret-that-is-long-enough!!"))
            .mint("operator", "x", None, None, None, Duration::minutes(5))
            .unwrap();
        assert!(TokenVerifier::new(&s).verify(&forged).await.is_err());
        let expired = TokenIssuer::new(&s)
            .mint("operator", "x", None, None, None, Duration::minutes(-5))
            .unwrap();
        assert!(TokenVerifier::new(&s).verify(&expired).await.is_err());
        let mut other_aud = settings("a-secret-that-is-long-enough-for-hs256");
        other_aud.audience = "someone-else".into();
        let foreign = TokenIssuer::new(&other_aud)
            .mint("operator", "x", None, None, None, Duration::minutes(5))
            .unwrap();
        assert!(TokenVerifier::new(&s).verify(&foreign).await.is_err());
    }

    #[tokio::test]
    async fn the_algorithm_is_pinned() {
        let s = settings("a-secret-that-is-long-enough-for-hs256");
        // An unsigned token ("alg": "none") must not pass.
        let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJkb29yd2F5IiwiYXVkIjoiZG9vcndheSIsImV4cCI6OTk5OTk5OTk5OSwic3ViIjoieCIsInJvbGUiOiJvcGVyYXRvciJ9.";
        assert!(TokenVerifier::new(&s).verify(unsigned).await.is_err());
    }
}
