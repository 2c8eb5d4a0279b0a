//! One simulator, one seeded workspace, a validating proxy in front of it, and the gateway
//! pointed at the proxy.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use seam_gateway::{SeamClient, SeamClientConfig, WorkspaceClient};
use seam_sim::{RunningSim, SimOptions};
use serde_json::{json, Value};

use crate::openapi::Spec;
use crate::proxy::{Proxy, Record};

/// The description, loaded and translated once per test binary.
pub fn spec() -> Arc<Spec> {
    static SPEC: OnceLock<Arc<Spec>> = OnceLock::new();
    Arc::clone(SPEC.get_or_init(|| Arc::new(Spec::load())))
}

pub struct Harness {
    pub sim: RunningSim,
    pub proxy: Proxy,
    pub api_key: String,
    pub seam: WorkspaceClient,
}

impl Harness {
    pub async fn start() -> Self {
        let sim = seam_sim::spawn(([127, 0, 0, 1], 0).into(), SimOptions::default())
            .await
            .unwrap();
        let api_key = sim.simulator().create_workspace("Contract tests").api_key;
        let proxy = Proxy::start(spec(), &sim.base_url()).await;
        let mut config = SeamClientConfig::new(proxy.base_url().parse().unwrap());
        config.backoff_base = Duration::from_millis(5);
        let seam = SeamClient::new(config)
            .unwrap()
            .workspace(api_key.clone().into());
        Self {
            sim,
            proxy,
            api_key,
            seam,
        }
    }

    pub fn record(&self) -> &Record {
        self.proxy.record()
    }

    /// Calls the simulator's `/_sim/*` control surface as this workspace (through the proxy,
    /// which passes it on unchecked).
    pub async fn control(&self, path: &str, body: Value) -> Value {
        self.post(&format!("/_sim/{path}"), body).await
    }

    /// POSTs `body` to `path` through the proxy as this workspace; the answer must succeed.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.proxy.base_url()))
            .bearer_auth(&self.api_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    pub async fn advance_clock(&self, seconds: u64) {
        self.control("clock/advance", json!({ "seconds": seconds }))
            .await;
    }

    /// Stops the simulator (the proxy stops when dropped).
    pub async fn finish(self) {
        self.sim.shutdown().await;
    }

    /// Every violation so far, one per line, for an assertion message.
    pub fn report(&self) -> String {
        self.record()
            .violations()
            .iter()
            .map(|v| format!("  {v}\n"))
            .collect()
    }
}
