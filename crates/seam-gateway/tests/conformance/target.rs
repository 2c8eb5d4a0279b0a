//! What the scenarios run against: our simulator or Seam's fake, each behind the validating
//! proxy, with the seeded objects a scenario needs and what the target can do.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use seam_gateway::{DeviceFilter, SeamClient, SeamClientConfig, WorkspaceClient};
use seam_sim::{RunningSim, SimOptions};
use serde_json::json;

use crate::differences;
use crate::fake::{self, FakeProcess};
use crate::openapi::Spec;
use crate::proxy::Proxy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Simulator,
    Fake,
}

/// What a target implements, where the two differ. Each flag says why it is off for the fake
/// (see `DIFFERENCES.md`); the simulator implements everything Doorway uses.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// `/acs/credentials/*`: the fake does not implement them (404 `not_found`).
    pub acs_credentials: bool,
    /// `/user_identities/create`: the fake answers 500 "Not implemented!".
    pub create_user_identity: bool,
    /// `/acs/access_groups/list`: not in the fake.
    pub access_groups: bool,
    /// `/user_identities/get|delete`, `/user_identities/enrollment_automations/*` and
    /// `/acs/systems/list_compatible_credential_manager_acs_systems`: not in the fake.
    pub identity_lookup_and_enrollment: bool,
    /// Access codes move from `setting` to `set` with time; the fake's stay `setting`.
    pub access_code_status_advances: bool,
    /// `/access_codes/create` answers a duplicate code with this status. The spec documents
    /// only 400 and 401 error responses; the fake answers 409.
    pub duplicate_code_status: u16,
    /// A missing access code is a 404 with type `access_code_not_found`, which the gateway
    /// reads as "no such code". The fake answers type `not_found`, which the gateway reads as
    /// a missing route (and so reports an error instead of `None`).
    pub typed_access_code_not_found: bool,
    /// Access codes and events of one workspace are invisible to another. The fake's
    /// `/access_codes/get` and `/events/list` ignore the workspace.
    pub access_codes_and_events_isolated: bool,
    /// `/client_sessions/get_or_create` with the API key alone (the fake insists on a
    /// `seam-publishable-key` header, which a server-side client does not have).
    pub get_or_create_client_session: bool,
    /// The target has a clock a test can move (`/_sim/clock/advance`).
    pub clock: bool,
    /// The status of a call with an API key the target does not know: 401 `Unauthorized` in
    /// the spec; the fake takes an unknown token for a user session and answers 400
    /// `missing_workspace_id`.
    pub unknown_api_key_status: u16,
}

impl Caps {
    const SIMULATOR: Caps = Caps {
        acs_credentials: true,
        create_user_identity: true,
        access_groups: true,
        identity_lookup_and_enrollment: true,
        access_code_status_advances: true,
        duplicate_code_status: 400,
        typed_access_code_not_found: true,
        access_codes_and_events_isolated: true,
        get_or_create_client_session: true,
        clock: true,
        unknown_api_key_status: 401,
    };
    const FAKE: Caps = Caps {
        acs_credentials: false,
        create_user_identity: false,
        access_groups: false,
        identity_lookup_and_enrollment: false,
        access_code_status_advances: false,
        duplicate_code_status: 409,
        typed_access_code_not_found: false,
        access_codes_and_events_isolated: false,
        get_or_create_client_session: false,
        clock: false,
        unknown_api_key_status: 400,
    };
}

enum Backend {
    Sim(RunningSim),
    Fake(FakeProcess),
}

/// One target, ready for a scenario.
pub struct Target {
    pub kind: Kind,
    pub caps: Caps,
    /// The seeded workspace.
    pub seam: WorkspaceClient,
    /// Another workspace, with none of the seeded workspace's objects.
    pub other: WorkspaceClient,
    /// A lock that takes online access codes.
    pub device_id: String,
    /// An access control system that takes ACS users.
    pub acs_system_id: String,
    api_key: String,
    proxy: Proxy,
    backend: Backend,
}

fn spec(kind: Kind) -> Arc<Spec> {
    static UUID_IDS: OnceLock<Arc<Spec>> = OnceLock::new();
    static OPAQUE_IDS: OnceLock<Arc<Spec>> = OnceLock::new();
    let cell = match kind {
        Kind::Simulator => &UUID_IDS,
        Kind::Fake => &OPAQUE_IDS,
    };
    Arc::clone(cell.get_or_init(|| {
        Arc::new(match kind {
            Kind::Simulator => Spec::load(),
            // The fake's ids (`august_device_1`) are not UUIDs; see DIFFERENCES.md.
            Kind::Fake => Spec::load().opaque_ids(),
        })
    }))
}

fn client(base_url: &str) -> SeamClient {
    let mut config = SeamClientConfig::new(base_url.parse().unwrap());
    config.backoff_base = Duration::from_millis(5);
    SeamClient::new(config).unwrap()
}

impl Target {
    pub async fn start(kind: Kind) -> Self {
        match kind {
            Kind::Simulator => Self::simulator().await,
            Kind::Fake => Self::fake().await,
        }
    }

    async fn simulator() -> Self {
        let sim = seam_sim::spawn(([127, 0, 0, 1], 0).into(), SimOptions::default())
            .await
            .unwrap();
        let seeded = sim.simulator().create_workspace("Conformance");
        let other = sim.simulator().create_workspace("Someone else");
        let proxy = Proxy::start(spec(Kind::Simulator), &sim.base_url()).await;
        let gateway = client(&proxy.base_url());
        let seam = gateway.workspace(seeded.api_key.clone().into());

        // Found through the simulator's own view, so the proxy records only scenario calls.
        let direct = client(&sim.base_url()).workspace(seeded.api_key.clone().into());
        let devices = direct.list_devices(&DeviceFilter::default()).await.unwrap();
        let device = devices
            .iter()
            .find(|d| d.supports_online_access_codes() && d.properties.online == Some(true))
            .unwrap();
        let systems = direct.list_acs_systems().await.unwrap();
        let building = systems.iter().find(|s| s.is_latch()).unwrap();
        Self {
            kind: Kind::Simulator,
            caps: Caps::SIMULATOR,
            device_id: device.device_id.clone(),
            acs_system_id: building.acs_system_id.clone(),
            other: gateway.workspace(other.api_key.into()),
            seam,
            api_key: seeded.api_key,
            proxy,
            backend: Backend::Sim(sim),
        }
    }

    async fn fake() -> Self {
        let process = FakeProcess::start().await;
        let proxy = Proxy::start(spec(Kind::Fake), &process.base_url()).await;
        let gateway = client(&proxy.base_url());
        Self {
            kind: Kind::Fake,
            caps: Caps::FAKE,
            seam: gateway.workspace(fake::API_KEY.to_owned().into()),
            other: gateway.workspace(fake::EMPTY_WORKSPACE_API_KEY.to_owned().into()),
            device_id: "august_device_1".to_owned(),
            acs_system_id: "visionline_acs_system_1".to_owned(),
            api_key: fake::API_KEY.to_owned(),
            proxy,
            backend: Backend::Fake(process),
        }
    }

    /// A gateway client for this target with an API key it does not know.
    pub fn stranger(&self) -> WorkspaceClient {
        client(&self.proxy.base_url()).workspace("seam_apikey_nobody".to_owned().into())
    }

    /// A Seam call the gateway has no method for, through the validating proxy.
    pub async fn raw(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.proxy.base_url()))
            .bearer_auth(&self.api_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Moves the target's clock, where it has one (`caps.clock`).
    pub async fn advance_clock(&self, seconds: u64) {
        assert!(self.caps.clock, "{:?} has no clock to move", self.kind);
        let response = reqwest::Client::new()
            .post(format!("{}/_sim/clock/advance", self.proxy.base_url()))
            .bearer_auth(&self.api_key)
            .json(&json!({ "seconds": seconds }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// The spec's verdict on everything this target answered: the simulator must match
    /// Seam's description; the fake may differ only in the ways listed in DIFFERENCES.md.
    pub async fn finish(self) {
        let violations = self.proxy.record().violations();
        let undescribed = self.proxy.record().undescribed_fields();
        differences::judge(self.kind, &violations, &undescribed);
        match self.backend {
            Backend::Sim(sim) => sim.shutdown().await,
            Backend::Fake(process) => drop(process),
        }
    }
}

/// Runs a scenario against both targets, one test each.
macro_rules! against_both {
    ($scenario:ident) => {
        mod $scenario {
            use crate::target::{Kind, Target};

            #[tokio::test]
            async fn simulator() {
                let target = Target::start(Kind::Simulator).await;
                super::$scenario(&target).await;
                target.finish().await;
            }

            #[tokio::test]
            async fn fake() {
                let target = Target::start(Kind::Fake).await;
                super::$scenario(&target).await;
                target.finish().await;
            }
        }
    };
}
pub(crate) use against_both;
