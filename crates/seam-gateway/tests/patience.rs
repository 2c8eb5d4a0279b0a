//! How long the gateway waits, and what a 404 means, against the simulator over HTTP: a
//! create's longer timeout, the call deadline across retries (faults `hang_ms`), a removed
//! endpoint told apart from a missing object (fault `status: 404`), and an event list that
//! says when it was cut.
//!
//! Attempts are counted through the simulator's fault book: a fault with `times` is used up
//! one call at a time.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers set tests up; a failed step should fail the test where it happened"
)]

use std::time::Duration;

use chrono::Utc;
use seam_gateway::{
    CreateAccessCode, CreateUserIdentity, EventFilter, EventType, SeamClient, SeamClientConfig,
    SeamError, WorkspaceClient,
};
use seam_sim::{RunningSim, SimOptions};
use serde_json::{json, Value};

struct Sim {
    running: RunningSim,
    api_key: String,
    seam: WorkspaceClient,
}

async fn spawn_sim(tweak: impl FnOnce(&mut SeamClientConfig)) -> Sim {
    let running = seam_sim::spawn(([127, 0, 0, 1], 0).into(), SimOptions::default())
        .await
        .unwrap();
    let api_key = running.simulator().create_workspace("Patience").api_key;
    let mut config = SeamClientConfig::new(running.base_url().parse().unwrap());
    config.backoff_base = Duration::from_millis(5);
    tweak(&mut config);
    let seam = SeamClient::new(config)
        .unwrap()
        .workspace(api_key.clone().into());
    Sim {
        running,
        api_key,
        seam,
    }
}

impl Sim {
    async fn faults(&self, method: reqwest::Method, fault: Option<Value>) -> Value {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}/_sim/faults", self.running.base_url()))
            .bearer_auth(&self.api_key);
        if let Some(fault) = fault {
            request = request.json(&fault);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{response:?}");
        response.json().await.unwrap_or(Value::Null)
    }

    async fn inject(&self, fault: Value) {
        self.faults(reqwest::Method::POST, Some(fault)).await;
    }

    /// How many calls the workspace's only fault has left.
    async fn times_left(&self) -> Option<u64> {
        let book = self.faults(reqwest::Method::GET, None).await;
        book["faults"]
            .as_array()
            .unwrap()
            .first()
            .map(|f| f["times"].as_u64().unwrap())
    }

    async fn clear_faults(&self) {
        self.faults(reqwest::Method::DELETE, None).await;
    }
}

#[tokio::test]
async fn a_create_outwaits_a_hang_that_a_read_would_give_up_on() {
    let sim = spawn_sim(|c| {
        c.timeout = Duration::from_millis(200);
        c.create_timeout = Duration::from_secs(5);
    })
    .await;
    sim.inject(json!({"endpoint": "/user_identities/create", "hang_ms": 600, "times": 1}))
        .await;
    let created = sim
        .seam
        .create_user_identity(&CreateUserIdentity {
            user_identity_key: Some("patient".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(sim.times_left().await, None, "sent once, and answered");
    assert_eq!(
        sim.seam
            .get_user_identity_by_key("patient")
            .await
            .unwrap()
            .map(|u| u.user_identity_id),
        Some(created.user_identity_id)
    );

    sim.inject(json!({"endpoint": "/user_identities/list", "hang_ms": 600, "times": 1}))
        .await;
    let err = sim.seam.list_user_identities(&Default::default()).await;
    // The read timed out after 200 ms, and its retry (the fault spent) went through.
    assert!(err.is_ok(), "{err:?}");
    assert_eq!(sim.times_left().await, None);
}

#[tokio::test]
async fn the_call_deadline_bounds_every_attempt_of_a_read() {
    let sim = spawn_sim(|c| {
        c.timeout = Duration::from_millis(250);
        c.create_timeout = Duration::from_millis(250);
        c.call_deadline = Duration::from_millis(650);
        c.max_retries = 5;
    })
    .await;
    sim.inject(json!({"endpoint": "/acs/systems/list", "hang_ms": 2000, "times": 10}))
        .await;
    let err = sim.seam.list_acs_systems().await.unwrap_err();
    assert!(matches!(err, SeamError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
    // Six attempts were allowed; the deadline had room for two.
    assert_eq!(sim.times_left().await, Some(8));
}

#[tokio::test]
async fn a_removed_endpoint_is_never_read_as_a_missing_object() {
    let sim = spawn_sim(|_| {}).await;
    let identity = sim
        .seam
        .create_user_identity(&CreateUserIdentity::default())
        .await
        .unwrap();
    let id = identity.user_identity_id;

    // Seam answers the route itself with 404: neither a get nor a delete may conclude "gone".
    for endpoint in ["/user_identities/get", "/user_identities/delete"] {
        sim.inject(json!({"endpoint": endpoint, "status": 404, "error_rate": 1.0}))
            .await;
    }
    let err = sim.seam.get_user_identity(&id).await.unwrap_err();
    assert!(
        err.is_endpoint_missing() && !err.is_resource_not_found(),
        "{err:?}"
    );
    assert!(
        matches!(err, SeamError::EndpointRemoved { status: 404, .. }),
        "{err:?}"
    );
    let err = sim.seam.delete_user_identity(&id).await.unwrap_err();
    assert!(err.is_endpoint_missing(), "{err:?}");

    // The identity is still there; once deleted, a get answers None and a delete is done.
    sim.clear_faults().await;
    assert!(sim.seam.get_user_identity(&id).await.unwrap().is_some());
    sim.seam.delete_user_identity(&id).await.unwrap();
    assert_eq!(sim.seam.get_user_identity(&id).await.unwrap(), None);
    sim.seam.delete_user_identity(&id).await.unwrap();
}

#[tokio::test]
async fn an_event_list_cut_by_its_limit_says_so_and_a_whole_window_can_be_had() {
    let sim = spawn_sim(|_| {}).await;
    let since = Utc::now() - chrono::Duration::seconds(1);
    let devices = sim.seam.list_devices(&Default::default()).await.unwrap();
    let lock = devices
        .iter()
        .find(|d| d.supports_online_access_codes() && d.properties.online == Some(true))
        .unwrap();
    for i in 0..7 {
        let request = CreateAccessCode {
            device_id: lock.device_id.clone(),
            name: Some(format!("guest {i}")),
            ..Default::default()
        };
        sim.seam.create_access_code(&request).await.unwrap();
        // Distinct instants, so that every window can be split.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let created = |limit| EventFilter {
        event_types: Some(vec![EventType::AccessCodeCreated]),
        limit: Some(limit),
        ..EventFilter::since(since)
    };

    let cut = sim.seam.list_events(&created(3)).await.unwrap();
    assert!(cut.truncated);
    assert_eq!(cut.len(), 3);
    let whole = sim.seam.list_events(&created(100)).await.unwrap();
    assert!(!whole.truncated);
    assert_eq!(whole.len(), 7);

    let until = Utc::now() + chrono::Duration::seconds(1);
    let all = sim
        .seam
        .list_all_events(&created(3), since, until)
        .await
        .unwrap();
    let ids = |events: &[seam_gateway::Event]| {
        let mut ids: Vec<String> = events.iter().map(|e| e.event_id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&all), ids(&whole));
}
