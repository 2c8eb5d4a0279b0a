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
    /// Runs driven at once by this process.
    pub concurrency: usize,
    /// How long a claimed run stays ours without a heartbeat before another process may take
    /// it over (after a crash). Heartbeats extend it every quarter of its length.
    pub lease: Duration,
    /// The longest an idle engine waits before looking for due runs when neither a
    /// notification nor its own clock woke it (a run another process deferred, a lost
    /// notification).
    pub poll_interval: Duration,
    /// How often each tenant's live credentials are compared with Seam.
    pub reconcile_every: Duration,
    /// How often tenants whose Seam webhook is not registered are registered again.
    pub webhook_retry_every: Duration,
    /// The longest the expiry sweep sleeps: it wakes sooner at the next window boundary it
    /// knows of, and when this process records or changes a grant.
    pub sweep_every: Duration,
    /// Calls in flight to one tenant's Seam workspace at once, per process.
    pub seam_concurrency: usize,
    /// How long one request to Seam may take (reads, updates, deletes).
    pub seam_timeout: Duration,
    /// How long one create sent to Seam may take, when set
    /// (`DOORWAY_SEAM_CREATE_TIMEOUT_SECONDS`); see [`WorkerSettings::create_timeout`].
    pub seam_create_timeout: Option<Duration>,
    /// How long a request Doorway stopped waiting for may still take effect at Seam: a create
    /// with an unknown outcome is looked for only after this, and a run taken over from a
    /// crashed worker waits this long before its first look.
    pub seam_landing: Duration,
    /// The window of Seam's per-device limits (10 access-code writes and 20 deletes in it).
    pub device_window: Duration,
    /// A run not finished this long after it was recorded is flagged for an operator.
    pub attention_after: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 8,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(30),
            reconcile_every: Duration::from_secs(300),
            webhook_retry_every: Duration::from_secs(300),
            sweep_every: Duration::from_secs(30),
            seam_concurrency: 8,
            seam_timeout: Duration::from_secs(10),
            seam_create_timeout: None,
            seam_landing: Duration::from_secs(20),
            device_window: Duration::from_secs(60),
            attention_after: Duration::from_secs(3600),
        }
    }
}

impl WorkerSettings {
    /// What must be left of a lease, beyond the request timeout, to send a request to Seam.
    pub fn send_margin(&self) -> Duration {
        (self.seam_timeout / 2).min(Duration::from_secs(2))
    }

    /// The most one step may take, shorter than the lease so that a step stuck without
    /// failing still lets go of its resident.
    pub fn step_deadline(&self) -> Duration {
        self.lease * 3 / 4
    }

    /// How long one create sent to Seam may take. Seam's SDKs wait for a create as long as
    /// Seam takes (see `seam_gateway::DEFAULT_CREATE_TIMEOUT`), and a create we stop waiting
    /// for has to be looked for before anything is sent again, so creates get more patience
    /// than reads: `DOORWAY_SEAM_CREATE_TIMEOUT_SECONDS` when set, else the gateway's 30 s,
    /// shortened to half the lease when the lease is too short for it (a create is sent only
    /// while the lease left covers its timeout), and never less than `seam_timeout`.
    pub fn create_timeout(&self) -> Duration {
        self.seam_create_timeout.unwrap_or_else(|| {
            seam_gateway::DEFAULT_CREATE_TIMEOUT
                .min(self.lease / 2)
                .max(self.seam_timeout)
        })
    }

    /// The longest one Seam call may take, retries included: time for a create (or for two
    /// reads), plus one request timeout, which is as long as a call may queue for a slot.
    pub fn call_deadline(&self) -> Duration {
        self.create_timeout().max(self.seam_timeout * 2) + self.seam_timeout
    }

    /// A worker must be able to send a request at any moment between two heartbeats (when a
    /// quarter of the lease has passed since the last one): refuse settings where it cannot.
    fn check(&self) -> Result<(), ConfigError> {
        let needed = self.seam_timeout.max(self.create_timeout()) + self.send_margin();
        if self.lease * 3 / 4 <= needed {
            return Err(ConfigError::Invalid {
                name: "DOORWAY_WORKER_LEASE_SECONDS",
                reason: format!(
                    "the lease must be longer than 4/3 of the Seam timeout (or create timeout, \
                     if longer) plus its margin ({:.1} s), \
                     or a worker could never send a request to Seam",
                    needed.as_secs_f64() * 4.0 / 3.0
                ),
            });
        }
        if self.concurrency == 0 || self.seam_concurrency == 0 {
            return Err(ConfigError::Invalid {
                name: "DOORWAY_WORKER_CONCURRENCY",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// How the service logs in: as `doorway_app`, never the owner. Required by `serve`; the
    /// demo and the tests find a server as the README describes.
    pub database_url: Option<SecretString>,
    /// How `doorway migrate` (and the demo) log in to apply migrations: the schema's owner.
    /// Defaults to `database_url`.
    pub migrate_database_url: Option<SecretString>,
    pub listen: SocketAddr,
    pub public_url: Option<Url>,
    pub seam_endpoint: Url,
    pub secret_key: SecretKey,
    /// Keys `DOORWAY_SECRET_KEY` replaced (`DOORWAY_SECRET_KEYS_PREVIOUS`, comma-separated):
    /// what they sealed still opens until `doorway secrets rotate` re-seals it.
    pub previous_secret_keys: Vec<SecretKey>,
    pub jwt: JwtSettings,
    pub log_format: LogFormat,
    pub worker: WorkerSettings,
    /// The bearer token `/metrics` requires. Without one, `/metrics` is off in `serve` and
    /// open in the demo.
    pub metrics_token: Option<SecretString>,
    /// Resident tokens may send only the resident app's registered operations
    /// (`DOORWAY_TRUSTED_DOCUMENTS`, `on` by default in `serve`, `off` in the demo).
    pub trusted_documents: bool,
    /// A span per resolved GraphQL field (`DOORWAY_GRAPHQL_FIELD_TRACING=on`), for debugging;
    /// one span per operation otherwise.
    pub field_tracing: bool,
    /// Web origins allowed to call Doorway from a browser (`DOORWAY_CORS_ALLOWED_ORIGINS`,
    /// comma-separated); none by default, and then no CORS headers at all.
    pub cors_allowed_origins: crate::cors::CorsOrigins,
    pub profile: Profile,
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
        let previous_secret_keys = lookup("DOORWAY_SECRET_KEYS_PREVIOUS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|raw| !raw.is_empty())
            .map(|raw| {
                SecretKey::from_base64(raw).map_err(|reason| ConfigError::Invalid {
                    name: "DOORWAY_SECRET_KEYS_PREVIOUS",
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
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
        let database_url = lookup("DATABASE_URL").map(SecretString::from);
        if database_url.is_none() && profile == Profile::Serve {
            // A service never falls back to a throwaway database of its own.
            missing.push("DATABASE_URL");
        }
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        Ok(Self {
            database_url,
            migrate_database_url: lookup("DOORWAY_MIGRATE_DATABASE_URL").map(SecretString::from),
            listen: parse(&lookup, "DOORWAY_LISTEN", "127.0.0.1:8080")?,
            public_url: lookup("DOORWAY_PUBLIC_URL")
                .map(|raw| parse_value("DOORWAY_PUBLIC_URL", &raw))
                .transpose()?,
            seam_endpoint: parse(&lookup, "SEAM_ENDPOINT", "https://connect.getseam.com")?,
            secret_key,
            previous_secret_keys,
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
            worker: worker_settings(&lookup)?,
            metrics_token: lookup("DOORWAY_METRICS_TOKEN").map(SecretString::from),
            trusted_documents: match lookup("DOORWAY_TRUSTED_DOCUMENTS").as_deref() {
                None => profile == Profile::Serve,
                Some("on") => true,
                Some("off") => false,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "DOORWAY_TRUSTED_DOCUMENTS",
                        reason: format!("{other:?} is neither \"on\" nor \"off\""),
                    })
                }
            },
            field_tracing: match lookup("DOORWAY_GRAPHQL_FIELD_TRACING").as_deref() {
                None | Some("off") => false,
                Some("on") => true,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "DOORWAY_GRAPHQL_FIELD_TRACING",
                        reason: format!("{other:?} is neither \"on\" nor \"off\""),
                    })
                }
            },
            cors_allowed_origins: crate::cors::CorsOrigins::parse(
                lookup("DOORWAY_CORS_ALLOWED_ORIGINS").as_deref(),
            )?,
            profile,
        })
    }
}

fn worker_settings(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<WorkerSettings, ConfigError> {
    let settings = WorkerSettings {
        concurrency: parse(lookup, "DOORWAY_WORKER_CONCURRENCY", "8")?,
        lease: seconds(lookup, "DOORWAY_WORKER_LEASE_SECONDS", 60.0)?,
        reconcile_every: seconds(lookup, "DOORWAY_RECONCILE_SECONDS", 300.0)?,
        webhook_retry_every: seconds(lookup, "DOORWAY_WEBHOOK_RETRY_SECONDS", 300.0)?,
        seam_concurrency: parse(lookup, "DOORWAY_SEAM_CONCURRENCY", "8")?,
        seam_timeout: seconds(lookup, "DOORWAY_SEAM_TIMEOUT_SECONDS", 10.0)?,
        seam_create_timeout: match lookup("DOORWAY_SEAM_CREATE_TIMEOUT_SECONDS") {
            Some(_) => Some(seconds(
                lookup,
                "DOORWAY_SEAM_CREATE_TIMEOUT_SECONDS",
                30.0,
            )?),
            None => None,
        },
        seam_landing: seconds(lookup, "DOORWAY_SEAM_LANDING_SECONDS", 20.0)?,
        device_window: seconds(lookup, "DOORWAY_SEAM_DEVICE_WINDOW_SECONDS", 60.0)?,
        attention_after: seconds(lookup, "DOORWAY_RUN_ATTENTION_SECONDS", 3600.0)?,
        ..WorkerSettings::default()
    };
    settings.check()?;
    Ok(settings)
}

/// A duration given in (possibly fractional) seconds, positive.
fn seconds(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: f64,
) -> Result<Duration, ConfigError> {
    let value = match lookup(name) {
        Some(raw) => parse_value::<f64>(name, &raw)?,
        None => default,
    };
    if !(value.is_finite() && value > 0.0 && value <= 1e9) {
        return Err(ConfigError::Invalid {
            name,
            reason: "must be a positive number of seconds".into(),
        });
    }
    Ok(Duration::from_secs_f64(value))
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
        assert!(message.contains("DATABASE_URL"), "{message}");
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
                ("DATABASE_URL", "postgres://doorway_app@db/doorway"),
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
    fn a_lease_too_short_to_send_a_request_is_refused() {
        let err = Config::from_lookup(
            Profile::Demo,
            lookup(&[
                ("DOORWAY_WORKER_LEASE_SECONDS", "8"),
                ("DOORWAY_SEAM_TIMEOUT_SECONDS", "10"),
            ]),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("DOORWAY_WORKER_LEASE_SECONDS is invalid"),
            "{err}"
        );
        let config = Config::from_lookup(
            Profile::Demo,
            lookup(&[
                ("DOORWAY_WORKER_LEASE_SECONDS", "2.5"),
                ("DOORWAY_SEAM_TIMEOUT_SECONDS", "1"),
            ]),
        )
        .unwrap();
        assert_eq!(config.worker.lease, Duration::from_millis(2500));
        assert!(config.worker.step_deadline() < config.worker.lease);
    }

    #[test]
    fn creates_get_more_time_than_reads_within_what_the_lease_allows() {
        let config = Config::from_lookup(Profile::Demo, lookup(&[])).unwrap();
        assert_eq!(config.worker.create_timeout(), Duration::from_secs(30));
        assert_eq!(config.worker.call_deadline(), Duration::from_secs(40));
        // A 3 s lease cannot wait 30 s for anything: half of it, still more than a read.
        let short = Config::from_lookup(
            Profile::Demo,
            lookup(&[
                ("DOORWAY_WORKER_LEASE_SECONDS", "3"),
                ("DOORWAY_SEAM_TIMEOUT_SECONDS", "1"),
            ]),
        )
        .unwrap();
        assert_eq!(short.worker.create_timeout(), Duration::from_millis(1500));
        let set = lookup(&[("DOORWAY_SEAM_CREATE_TIMEOUT_SECONDS", "20")]);
        let config = Config::from_lookup(Profile::Demo, set).unwrap();
        assert_eq!(config.worker.create_timeout(), Duration::from_secs(20));
        let too_long = lookup(&[("DOORWAY_SEAM_CREATE_TIMEOUT_SECONDS", "50")]);
        let err = Config::from_lookup(Profile::Demo, too_long).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("DOORWAY_WORKER_LEASE_SECONDS is invalid"),
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
