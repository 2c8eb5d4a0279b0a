//! Configuration, read once at start-up from the environment described in CONTRACT.md.
//!
//! `serve` refuses to start without its secrets and names every missing one at once; `demo` has
//! a safe default for everything so that a newcomer can run it with no set-up at all.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::crypto::SecretKey;

/// Which command is starting: it decides which variables may fall back to defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Serve,
    Demo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// How tokens are verified. The algorithm is pinned here, never taken from the token.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// Verifies HS256 tokens, unless `jwks` is set; also signs `doorway token`'s tokens.
    pub hs256_secret: SecretString,
    /// When set, tokens are verified against the identity provider's keys instead.
    pub jwks: Option<JwksSettings>,
    pub issuer: String,
    pub audience: String,
}

/// An identity provider's JSON Web Key Set, and the one algorithm its tokens must use.
#[derive(Debug, Clone)]
pub struct JwksSettings {
    pub url: Url,
    pub algorithm: JwksAlgorithm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwksAlgorithm {
    Rs256,
    Es256,
}

/// How the provisioning engine works through its queue.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Runs driven at once by this process; also bounds concurrent calls to Seam.
    pub concurrency: usize,
    /// How long a claimed run stays ours without a heartbeat before another process may take
    /// it over (after a crash).
    pub lease: Duration,
    /// How often an idle worker looks for due runs when nothing woke it.
    pub poll_interval: Duration,
    /// How often each tenant's live credentials are compared with Seam.
    pub reconcile_every: Duration,
    /// Calls in flight to one tenant's Seam workspace at once (the upstream bound).
    pub seam_concurrency: usize,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 8,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(500),
            reconcile_every: Duration::from_secs(300),
            seam_concurrency: 8,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `None`: find a server as the README describes (127.0.0.1:5432, then a private one).
    pub database_url: Option<SecretString>,
    pub listen: SocketAddr,
    pub public_url: Option<Url>,
    pub seam_endpoint: Url,
    pub secret_key: SecretKey,
    pub jwt: JwtSettings,
    pub log_format: LogFormat,
    pub worker: WorkerSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing required configuration: {}", .0.join(", "))]
    Missing(Vec<&'static str>),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// The JWT secret `demo` uses when none is configured: printed tokens are signed with it.
pub const DEMO_JWT_SECRET: &str = "doorway-demo-jwt-secret-not-for-production";
const DEFAULT_ISSUER: &str = "doorway";
const DEFAULT_AUDIENCE: &str = "doorway";

impl Config {
    pub fn from_env(profile: Profile) -> Result<Self, ConfigError> {
        Self::from_lookup(profile, |name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    /// Reads configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(
        profile: Profile,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut missing = Vec::new();
        let secret_key = match lookup("DOORWAY_SECRET_KEY") {
            Some(raw) => SecretKey::from_base64(&raw).map_err(|reason| ConfigError::Invalid {
                name: "DOORWAY_SECRET_KEY",
                reason,
            })?,
            None if profile == Profile::Demo => SecretKey::demo(),
            None => {
                missing.push("DOORWAY_SECRET_KEY");
                SecretKey::demo()
            }
        };
        let jwks = match lookup("DOORWAY_JWT_JWKS_URL") {
            None => None,
            Some(raw) => Some(JwksSettings {
                url: parse_value("DOORWAY_JWT_JWKS_URL", &raw)?,
                algorithm: match lookup("DOORWAY_JWT_ALGORITHM").as_deref() {
                    None | Some("RS256") => JwksAlgorithm::Rs256,
                    Some("ES256") => JwksAlgorithm::Es256,
                    Some(other) => {
                        return Err(ConfigError::Invalid {
                            name: "DOORWAY_JWT_ALGORITHM",
                            reason: format!("{other:?} is neither RS256 nor ES256"),
                        })
                    }
                },
            }),
        };
        let hs256_secret = match lookup("DOORWAY_JWT_HS256_SECRET") {
            Some(secret) if secret.len() < 32 => {
                return Err(ConfigError::Invalid {
                    name: "DOORWAY_JWT_HS256_SECRET",
                    reason: "must be at least 32 characters".into(),
                })
            }
            Some(secret) => SecretString::from(secret),
            None if profile == Profile::Demo => SecretString::from(DEMO_JWT_SECRET),
            // With a JWKS, Doorway verifies without a shared secret (and cannot mint tokens).
            None if jwks.is_some() => SecretString::from(String::new()),
            None => {
                missing.push("DOORWAY_JWT_HS256_SECRET (or DOORWAY_JWT_JWKS_URL)");
                SecretString::from(String::new())
            }
        };
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        Ok(Self {
            database_url: lookup("DATABASE_URL").map(SecretString::from),
            listen: parse(&lookup, "DOORWAY_LISTEN", "127.0.0.1:8080")?,
            public_url: lookup("DOORWAY_PUBLIC_URL")
                .map(|raw| parse_value("DOORWAY_PUBLIC_URL", &raw))
                .transpose()?,
            seam_endpoint: parse(&lookup, "SEAM_ENDPOINT", "https://connect.getseam.com")?,
            secret_key,
            jwt: JwtSettings {
                hs256_secret,
                jwks,
                issuer: lookup("DOORWAY_JWT_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.into()),
                audience: lookup("DOORWAY_JWT_AUDIENCE").unwrap_or_else(|| DEFAULT_AUDIENCE.into()),
            },
            log_format: match lookup("DOORWAY_LOG_FORMAT").as_deref() {
                None | Some("pretty") => LogFormat::Pretty,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "DOORWAY_LOG_FORMAT",
                        reason: format!("{other:?} is neither \"json\" nor \"pretty\""),
                    })
                }
            },
            worker: WorkerSettings {
                concurrency: parse(&lookup, "DOORWAY_WORKER_CONCURRENCY", "8")?,
                lease: Duration::from_secs(parse(&lookup, "DOORWAY_WORKER_LEASE_SECONDS", "60")?),
                reconcile_every: Duration::from_secs(parse(
                    &lookup,
                    "DOORWAY_RECONCILE_SECONDS",
                    "300",
                )?),
                seam_concurrency: parse(&lookup, "DOORWAY_SEAM_CONCURRENCY", "8")?,
                ..WorkerSettings::default()
            },
        })
    }
}

fn parse<T: std::str::FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    parse_value(name, &lookup(name).unwrap_or_else(|| default.to_owned()))
}

fn parse_value<T: std::str::FromStr>(name: &'static str, raw: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|e: T::Err| ConfigError::Invalid {
        name,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn serve_names_every_missing_secret() {
        let err = Config::from_lookup(Profile::Serve, lookup(&[])).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("DOORWAY_SECRET_KEY"), "{message}");
        assert!(message.contains("DOORWAY_JWT_HS256_SECRET"), "{message}");
    }

    #[test]
    fn demo_runs_with_nothing_configured() {
        let config = Config::from_lookup(Profile::Demo, lookup(&[])).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert!(config.database_url.is_none());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = Config::from_lookup(
            Profile::Serve,
            lookup(&[
                (
                    "DOORWAY_SECRET_KEY",
                    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                ),
                (
                    "DOORWAY_JWT_HS256_SECRET",
                    "a-very-long-and-secret-signing-key-123",
                ),
                ("DATABASE_URL", "postgres://doorway:hunter2@db/doorway"),
            ]),
        )
        .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("a-very-long-and-secret"), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains("AAECAwQF"), "{debug}");
    }

    #[test]
    fn a_jwks_replaces_the_shared_secret_and_pins_its_algorithm() {
        let config = Config::from_lookup(
            Profile::Serve,
            lookup(&[
                (
                    "DOORWAY_SECRET_KEY",
                    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                ),
                (
                    "DOORWAY_JWT_JWKS_URL",
                    "https://idp.example.com/.well-known/jwks.json",
                ),
                ("DOORWAY_JWT_ALGORITHM", "ES256"),
            ]),
        )
        .unwrap();
        assert_eq!(config.jwt.jwks.unwrap().algorithm, JwksAlgorithm::Es256);
        let err = Config::from_lookup(
            Profile::Demo,
            lookup(&[
                ("DOORWAY_JWT_JWKS_URL", "https://idp.example.com/jwks"),
                ("DOORWAY_JWT_ALGORITHM", "none"),
            ]),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("DOORWAY_JWT_ALGORITHM is invalid"),
            "{err}"
        );
    }

    #[test]
    fn malformed_values_name_their_variable() {
        let err = Config::from_lookup(Profile::Demo, lookup(&[("DOORWAY_LISTEN", "nowhere")]))
            .unwrap_err();
        assert!(
            err.to_string().starts_with("DOORWAY_LISTEN is invalid"),
            "{err}"
        );
        let err = Config::from_lookup(Profile::Demo, lookup(&[("DOORWAY_SECRET_KEY", "c2hvcnQ=")]))
            .unwrap_err();
        assert!(
            err.to_string().starts_with("DOORWAY_SECRET_KEY is invalid"),
            "{err}"
        );
    }
}
