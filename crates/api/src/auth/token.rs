//! Token claims and the checks every token passes, whoever signs it; HS256 tokens: verification
//! with the algorithm pinned by configuration, and minting for `doorway token` and `doorway demo`.

use std::collections::HashSet;

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
    /// The audience the token was accepted for: ours, even when the token names several.
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

/// A token's claims as presented, before they become [`Claims`]: `aud` may be one audience or
/// several, and `nbf` and `iat` are checked, then dropped. Declaring `nbf` here refuses a token
/// whose `nbf` is not a number, which jsonwebtoken would silently ignore.
#[derive(Deserialize)]
struct Presented {
    iss: String,
    aud: Audiences,
    exp: i64,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "only its shape is checked; jsonwebtoken checks its value"
    )]
    nbf: Option<i64>,
    #[serde(default)]
    iat: Option<i64>,
    sub: String,
    role: String,
    #[serde(default)]
    tenant_id: Option<Uuid>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    property_ids: Option<Vec<Uuid>>,
}

/// `aud` as RFC 7519 allows it: one string, or an array of them (as many identity providers
/// send it).
#[derive(Deserialize)]
#[serde(untagged)]
enum Audiences {
    One(String),
    Many(Vec<String>),
}

impl Audiences {
    /// The first audience `accepted` contains.
    fn find_in(self, accepted: &HashSet<String>) -> Option<String> {
        match self {
            Self::One(aud) => Some(aud).filter(|aud| accepted.contains(aud)),
            Self::Many(auds) => auds.into_iter().find(|aud| accepted.contains(aud)),
        }
    }
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

/// How far a token's `exp`, `nbf` and `iat` may disagree with our clock, in seconds: the
/// identity provider's clock and ours are never quite the same.
const LEEWAY_SECONDS: u64 = 30;

/// The checks jsonwebtoken makes on every token, whatever signs it; [`decode_claims`] adds the
/// rest. `nbf` and `iat` stay optional.
pub(super) fn validation(algorithm: Algorithm, settings: &JwtSettings) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECONDS;
    validation
}

/// Verifies `token` with `key` and returns its claims. Beyond `validation`, refuses a token
/// issued in the future (jsonwebtoken does not look at `iat`): it comes from a clock badly off
/// or was made to look fresher than it is, and is not one to trust either way.
pub(super) fn decode_claims(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
) -> Result<Claims, TokenError> {
    let presented = decode::<Presented>(token, key, validation)
        .map_err(|e| TokenError::Invalid(e.to_string()))?
        .claims;
    let leeway = i64::try_from(validation.leeway).unwrap_or(i64::MAX);
    let latest_issue = Utc::now().timestamp().saturating_add(leeway);
    if presented.iat.is_some_and(|iat| iat > latest_issue) {
        return Err(TokenError::Invalid(
            "the token was issued in the future (iat)".into(),
        ));
    }
    // jsonwebtoken has checked the audience already; this finds which one it matched.
    let aud = validation
        .aud
        .as_ref()
        .and_then(|accepted| presented.aud.find_in(accepted))
        .ok_or_else(|| TokenError::Invalid("the token is for another audience".into()))?;
    Ok(Claims {
        iss: presented.iss,
        aud,
        exp: presented.exp,
        sub: presented.sub,
        role: presented.role,
        tenant_id: presented.tenant_id,
        scope: presented.scope,
        property_ids: presented.property_ids,
    })
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
            Self::Shared(shared) => decode_claims(token, &shared.0, &shared.1),
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

    /// An operator token signed with `secret`, `overrides` replacing or adding claims.
    fn signed(secret: &str, overrides: serde_json::Value) -> String {
        let mut claims = serde_json::json!({
            "iss": "doorway", "aud": "doorway", "sub": "x", "role": "operator",
            "exp": Utc::now().timestamp() + 300,
        });
        for (name, value) in overrides.as_object().unwrap() {
            claims[name] = value.clone();
        }
        let key = EncodingKey::from_secret(secret.as_bytes());
        encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
    }

    #[tokio::test]
    async fn tokens_not_yet_valid_or_issued_in_the_future_are_refused() {
        let secret = "a-secret-that-is-long-enough-for-hs256";
        let verifier = TokenVerifier::new(&settings(secret));
        let now = Utc::now().timestamp();
        let ten_years = 10 * 365 * 24 * 3600;
        for (overrides, accepted) in [
            (serde_json::json!({ "nbf": now + 3600 }), false),
            (serde_json::json!({ "iat": now + ten_years }), false),
            (serde_json::json!({ "nbf": "tomorrow" }), false),
            (
                serde_json::json!({ "nbf": now - 60, "iat": now - 60 }),
                true,
            ),
            // Within the leeway that `exp` has too.
            (
                serde_json::json!({ "nbf": now + 10, "iat": now + 10 }),
                true,
            ),
        ] {
            let result = verifier.verify(&signed(secret, overrides.clone())).await;
            assert_eq!(result.is_ok(), accepted, "{overrides}: {result:?}");
        }
    }

    #[tokio::test]
    async fn an_audience_array_must_name_ours() {
        let secret = "a-secret-that-is-long-enough-for-hs256";
        let verifier = TokenVerifier::new(&settings(secret));
        let several = signed(secret, serde_json::json!({ "aud": ["an-api", "doorway"] }));
        let claims = verifier.verify(&several).await.unwrap();
        assert_eq!(claims.aud, "doorway");
        for aud in [
            serde_json::json!(["an-api", "another-api"]),
            serde_json::json!([]),
            serde_json::json!(42),
        ] {
            let token = signed(secret, serde_json::json!({ "aud": aud }));
            assert!(verifier.verify(&token).await.is_err(), "{aud}");
        }
    }

    #[tokio::test]
    async fn the_algorithm_is_pinned() {
        let s = settings("a-secret-that-is-long-enough-for-hs256");
        // An unsigned token ("alg": "none") must not pass.
        let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJkb29yd2F5IiwiYXVkIjoiZG9vcndheSIsImV4cCI6OTk5OTk5OTk5OSwic3ViIjoieCIsInJvbGUiOiJvcGVyYXRvciJ9.";
        assert!(TokenVerifier::new(&s).verify(unsigned).await.is_err());
    }
}
