//! The client objects: one shared connection pool, one cheap handle per workspace.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::budget::SendBudget;
use crate::config::SeamClientConfig;
use crate::error::SeamError;
use crate::limits::{Registry, WorkspaceLimits};

const APP_USER_AGENT: &str = concat!("doorway-seam-gateway/", env!("CARGO_PKG_VERSION"));

/// The process-wide Seam client: one connection pool, one configuration, and each workspace's
/// rate limits (see `limits`). Clones share all three.
#[derive(Clone)]
pub struct SeamClient {
    inner: Arc<Shared>,
}

/// What every workspace handle shares.
pub(crate) struct Shared {
    pub(crate) http: reqwest::Client,
    /// `config.endpoint`, checked and with a trailing slash.
    pub(crate) endpoint: Url,
    pub(crate) config: SeamClientConfig,
    limits: Registry,
}

impl SeamClient {
    pub fn new(config: SeamClientConfig) -> Result<Self, SeamError> {
        let endpoint = config.validated_endpoint()?;
        let headers = HeaderMap::from_iter([
            (ACCEPT, HeaderValue::from_static("application/json")),
            (USER_AGENT, HeaderValue::from_static(APP_USER_AGENT)),
        ]);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            // Every call is a POST carrying a bearer key: following a redirect could replay
            // a create or send the key elsewhere, so a redirect is reported instead.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout)
            .build()
            .map_err(|err| SeamError::Config(format!("cannot build HTTP client: {err}")))?;
        Ok(Self {
            inner: Arc::new(Shared {
                http,
                endpoint,
                config,
                limits: Registry::new(),
            }),
        })
    }

    /// A handle for one workspace (one tenant). Cheap: it shares this client's pool, and with
    /// every other handle for the same key, that workspace's concurrency bound and per-device
    /// rate limits.
    pub fn workspace(&self, api_key: SecretString) -> WorkspaceClient {
        let limits = self
            .inner
            .limits
            .for_key(api_key.expose_secret(), &self.inner.config);
        WorkspaceClient {
            shared: Arc::clone(&self.inner),
            api_key: Arc::new(api_key),
            limits,
            budget: None,
        }
    }

    pub fn config(&self) -> &SeamClientConfig {
        &self.inner.config
    }
}

impl fmt::Debug for SeamClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeamClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Seam, as seen with one workspace's API key. Every method is one Seam endpoint; see the
/// `endpoints` modules. A handle may carry a send budget (`with_budget`) that every request
/// it sends must fit in.
#[derive(Clone)]
pub struct WorkspaceClient {
    pub(crate) shared: Arc<Shared>,
    pub(crate) api_key: Arc<SecretString>,
    pub(crate) limits: Arc<WorkspaceLimits>,
    pub(crate) budget: Option<Arc<dyn SendBudget>>,
}

impl WorkspaceClient {
    /// The configuration of the `SeamClient` this handle came from, for callers that size
    /// their own deadlines by it (`send_floor`).
    pub fn config(&self) -> &SeamClientConfig {
        &self.shared.config
    }
}

impl fmt::Debug for WorkspaceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkspaceClient")
            .field("endpoint", &self.shared.endpoint.as_str())
            .field("api_key", &"[redacted]")
            .field(
                "budget",
                &self.budget.as_ref().map(|budget| budget.remaining()),
            )
            .finish()
    }
}
