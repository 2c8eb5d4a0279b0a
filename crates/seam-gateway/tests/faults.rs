//! The gateway's retry policy and rate limits against failures on the wire: the simulator's
//! injected faults (`/_sim/faults`) over HTTP, and one small server that enforces a short
//! per-device window, so that queueing can be shown in seconds rather than minutes.
//!
//! Attempts are counted through the simulator's own fault book: a fault with `times` is used
//! up one call at a time and disappears when spent.

#![expect(
    clippy::unwrap_used,
    reason = "the helpers set tests up; a failed step should fail the test where it happened"
)]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
use futures::future::join_all;
use seam_gateway::{
    AccessCodeFilter, CreateAccessCode, DeviceRateLimit, SeamClient, SeamClientConfig, SeamError,
    WorkspaceClient,
};
use seam_sim::{RunningSim, SimOptions};
use serde_json::{json, Value};

/// One simulator, one seeded workspace, and a gateway for it.
struct Sim {
    running: RunningSim,
    api_key: String,
    seam: WorkspaceClient,
}

fn fast_config(url: &str) -> SeamClientConfig {
    let mut config = SeamClientConfig::new(url.parse().unwrap());
    config.backoff_base = Duration::from_millis(5);
    config.max_retries = 3;
    config
}

async fn spawn_sim(tweak: impl FnOnce(&mut SeamClientConfig)) -> Sim {
    let running = seam_sim::spawn(([127, 0, 0, 1], 0).into(), SimOptions::default())
        .await
        .unwrap();
    let api_key = running.simulator().create_workspace("Faults").api_key;
    let mut config = fast_config(&running.base_url());
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
    fn faults_url(&self) -> String {
        format!("{}/_sim/faults", self.running.base_url())
    }

    async fn inject(&self, fault: Value) {
        let response = reqwest::Client::new()
            .post(self.faults_url())
            .bearer_auth(&self.api_key)
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{fault}: {response:?}");
    }

    /// The workspace's faults, with the `times` each has left.
    async fn faults(&self) -> Vec<Value> {
        let body: Value = reqwest::Client::new()
            .get(self.faults_url())
            .bearer_auth(&self.api_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["faults"].as_array().unwrap().clone()
    }

    async fn clear_faults(&self) {
        reqwest::Client::new()
            .delete(self.faults_url())
            .bearer_auth(&self.api_key)
            .send()
            .await
            .unwrap();
    }

    /// Two online locks with keypads, for access codes.
    async fn two_locks(&self) -> (String, String) {
        let devices = self.seam.list_devices(&Default::default()).await.unwrap();
        let mut locks = devices
            .into_iter()
            .filter(|d| d.supports_online_access_codes() && d.properties.online == Some(true))
            .map(|d| d.device_id);
        (locks.next().unwrap(), locks.next().unwrap())
    }
}

fn code_on(device_id: &str, name: &str) -> CreateAccessCode {
    CreateAccessCode {
        device_id: device_id.to_owned(),
        name: Some(name.to_owned()),
        ..Default::default()
    }
}

#[tokio::test]
async fn each_retryable_status_is_retried_with_backoff_until_it_succeeds() {
    let sim = spawn_sim(|c| c.backoff_max = Duration::from_secs(2)).await;
    for status in [500, 502, 503, 504, 408, 429] {
        sim.inject(
            json!({"endpoint": "/acs/systems/list", "error_rate": 1, "status": status,
            "times": 2}),
        )
        .await;
        let started = Instant::now();
        let systems = sim.seam.list_acs_systems().await;
        assert!(systems.is_ok(), "{status}: {systems:?}");
        // Both failures were used up, then the third attempt succeeded.
        assert_eq!(sim.faults().await, Vec::<Value>::new(), "{status}");
        if status == 429 {
            // The simulator's 429 says `Retry-After: 1`; the gateway waited it out twice.
            assert!(started.elapsed() >= Duration::from_secs(2), "{status}");
        }
    }
}

#[tokio::test]
async fn each_definitive_status_is_not_retried() {
    let sim = spawn_sim(|_| {}).await;
    for status in [400, 401, 403, 404, 409, 422] {
        sim.inject(
            json!({"endpoint": "/acs/systems/list", "error_rate": 1, "status": status,
            "times": 3}),
        )
        .await;
        let err = sim.seam.list_acs_systems().await.unwrap_err();
        assert_eq!(err.status(), Some(status), "{err}");
        assert!(!err.is_transient() && !err.is_ambiguous(), "{err}");
        let faults = sim.faults().await;
        assert_eq!(faults[0]["times"], 2, "{status}: sent more than once");
        sim.clear_faults().await;
    }
}

#[tokio::test]
async fn an_ambiguous_access_code_create_is_reported_and_sent_exactly_once() {
    let sim = spawn_sim(|_| {}).await;
    let (lock, _) = sim.two_locks().await;
    sim.inject(json!({"endpoint": "/access_codes/create", "ambiguous_rate": 1, "times": 5}))
        .await;

    let err = sim
        .seam
        .create_access_code(&code_on(&lock, "guest"))
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err}");
    assert!(
        !err.is_transient(),
        "an ambiguous create must not look safe to repeat"
    );
    assert_eq!(sim.faults().await[0]["times"], 4, "sent more than once");

    // The simulator did the work once; settle by listing, as the docs say.
    let by_device = AccessCodeFilter {
        device_id: Some(lock),
        ..Default::default()
    };
    let codes = sim.seam.list_access_codes(&by_device).await.unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].name.as_deref(), Some("guest"));
}

#[tokio::test]
async fn a_429_storm_on_one_device_does_not_hold_up_another() {
    // Two permits for the whole workspace: if a call kept its permit while backing off, the
    // storm on lock A would take both and lock B would wait out A's retries.
    let sim = spawn_sim(|c| {
        c.max_concurrent_per_workspace = 2;
        c.backoff_max = Duration::from_secs(2);
    })
    .await;
    let (lock_a, lock_b) = sim.two_locks().await;
    sim.inject(json!({"device_id": lock_a, "error_rate": 1, "status": 429}))
        .await;

    let done = Arc::new(Mutex::new(Vec::new()));
    let storm = join_all((0..10).map(|_| {
        let (seam, lock_a, done) = (sim.seam.clone(), lock_a.clone(), Arc::clone(&done));
        tokio::spawn(async move {
            let result = seam.get_device(&lock_a).await;
            done.lock().unwrap().push('A');
            result
        })
    }));
    let storm = tokio::spawn(storm);
    // Let the storm's first attempts fail, so that its calls are in their backoff.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let b_started = Instant::now();
    let b_calls = (0..4).map(|i| {
        let (seam, lock_b, done) = (&sim.seam, &lock_b, Arc::clone(&done));
        async move {
            let device = seam.get_device(lock_b).await.unwrap().unwrap();
            let code = seam
                .create_access_code(&code_on(lock_b, &format!("guest {i}")))
                .await
                .unwrap();
            done.lock().unwrap().push('B');
            (device.device_id, code.device_id)
        }
    });
    for (device, code_device) in join_all(b_calls).await {
        assert_eq!((&device, &code_device), (&lock_b, &lock_b));
    }
    // Each storm attempt is told `Retry-After: 1`. Had the storm's calls slept on their
    // permits, lock B would have queued behind five rounds of them (about 5 s); free permits
    // let it through in milliseconds. 2 s leaves room for a slow machine.
    let b_took = b_started.elapsed();
    assert!(b_took < Duration::from_secs(2), "lock B took {b_took:?}");
    assert!(
        !done.lock().unwrap().contains(&'A'),
        "lock B finished after lock A's storm: {:?}",
        done.lock().unwrap()
    );

    for result in storm.await.unwrap() {
        let err = result.unwrap().unwrap_err();
        assert!(err.is_transient(), "{err}");
        assert_eq!(err.status(), Some(429));
    }
    let order: String = done.lock().unwrap().iter().collect();
    assert_eq!(order, "BBBBAAAAAAAAAA");
}

#[tokio::test]
async fn at_seams_limit_a_devices_writes_wait_while_other_devices_go_ahead() {
    // The simulator enforces Seam's documented 10 creates per minute per device, and so does
    // the gateway's default configuration. Admission here may wait longer than that minute,
    // and so may the whole call.
    let sim = spawn_sim(|c| {
        c.max_admission_wait = Duration::from_secs(120);
        c.call_deadline = Duration::from_secs(180);
    })
    .await;
    let (lock_a, lock_b) = sim.two_locks().await;
    let requests: Vec<_> = (0..10)
        .map(|i| code_on(&lock_a, &format!("a{i}")))
        .collect();
    let first_ten = requests.iter().map(|r| sim.seam.create_access_code(r));
    for result in join_all(first_ten).await {
        result.unwrap();
    }

    // The eleventh would be a 429 from Seam: it waits in the gateway instead.
    let eleventh = tokio::spawn({
        let (seam, lock_a) = (sim.seam.clone(), lock_a.clone());
        async move { seam.create_access_code(&code_on(&lock_a, "a10")).await }
    });
    let on_b = tokio::time::timeout(
        Duration::from_secs(10),
        sim.seam.create_access_code(&code_on(&lock_b, "b0")),
    )
    .await;
    assert!(on_b.unwrap().is_ok(), "lock B's create failed");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!eleventh.is_finished(), "the eleventh create did not wait");
    eleventh.abort();

    let by_device = AccessCodeFilter {
        device_id: Some(lock_a),
        ..Default::default()
    };
    assert_eq!(
        sim.seam.list_access_codes(&by_device).await.unwrap().len(),
        10
    );
}

#[tokio::test]
async fn at_seams_limit_a_write_that_would_wait_too_long_is_not_sent_and_says_when() {
    // By default admission waits at most 30 s (and a create's at most the 10 s its 40 s call
    // deadline leaves beside its 30 s timeout), less than the minute the device needs.
    let sim = spawn_sim(|_| {}).await;
    let (lock_a, _) = sim.two_locks().await;
    for i in 0..10 {
        let request = code_on(&lock_a, &format!("a{i}"));
        sim.seam.create_access_code(&request).await.unwrap();
    }

    let started = Instant::now();
    let err = sim
        .seam
        .create_access_code(&code_on(&lock_a, "a10"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1), "it waited");
    assert!(
        matches!(err, SeamError::NotSent { .. }) && err.is_transient(),
        "{err:?}"
    );
    let retry_after = err.retry_after().unwrap();
    assert!(retry_after > Duration::from_secs(55), "{retry_after:?}");

    // Not sent, so the simulator never had to refuse it: it holds the ten.
    let by_device = AccessCodeFilter {
        device_id: Some(lock_a),
        ..Default::default()
    };
    assert_eq!(
        sim.seam.list_access_codes(&by_device).await.unwrap().len(),
        10
    );
}

/// A stand-in for `/access_codes/create` that enforces `LIMIT` creates per `WINDOW` per device
/// (a sliding window, as the simulator and Seam count) and answers 429 beyond it.
#[derive(Clone, Default)]
struct WindowedSeam {
    calls: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
    created: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

const LIMIT: usize = 10;
const WINDOW: Duration = Duration::from_secs(2);

async fn windowed_create(
    State(seam): State<WindowedSeam>,
    Json(body): Json<Value>,
) -> axum::response::Response {
    let device_id = body["device_id"].as_str().unwrap_or_default().to_owned();
    let now = Instant::now();
    {
        let mut calls = seam.calls.lock().unwrap();
        let log = calls.entry(device_id.clone()).or_default();
        while log.front().is_some_and(|at| now - *at >= WINDOW) {
            log.pop_front();
        }
        if log.len() >= LIMIT {
            seam.refused.fetch_add(1, Ordering::SeqCst);
            let error = json!({"ok": false, "error": {"type": "rate_limited", "message": "slow"}});
            return (StatusCode::TOO_MANY_REQUESTS, Json(error)).into_response();
        }
        log.push_back(now);
    }
    let id = seam.created.fetch_add(1, Ordering::SeqCst);
    Json(json!({"ok": true, "access_code": {
        "access_code_id": format!("ac_{id}"),
        "device_id": device_id, "type": "ongoing", "status": "setting",
        "name": body["name"], "created_at": "2024-01-01T00:00:00Z"
    }}))
    .into_response()
}

#[tokio::test]
async fn fifteen_creates_on_one_device_queue_without_a_single_429() {
    let seam = WindowedSeam::default();
    let app = Router::new()
        .route("/access_codes/create", axum::routing::post(windowed_create))
        .with_state(seam.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut config = fast_config(&url);
    config.access_code_write_limit = Some(DeviceRateLimit::new(LIMIT as u32, WINDOW));
    let client = SeamClient::new(config)
        .unwrap()
        .workspace("seam_windowed_key".to_owned().into());

    let started = Instant::now();
    let creates = (0..15).map(|i| {
        let client = &client;
        async move {
            let result = client
                .create_access_code(&code_on("lock_1", &format!("guest {i}")))
                .await;
            (result, started.elapsed())
        }
    });
    let results = join_all(creates).await;
    let refused: Vec<&SeamError> = results
        .iter()
        .filter_map(|(r, _)| r.as_ref().err())
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(seam.refused.load(Ordering::SeqCst), 0);
    assert_eq!(seam.created.load(Ordering::SeqCst), 15);

    // Ten go at once; the other five wait for the window to move on.
    let mut finished: Vec<Duration> = results.iter().map(|(_, at)| *at).collect();
    finished.sort();
    assert!(finished[9] < WINDOW, "{finished:?}");
    assert!(finished[10] >= WINDOW, "{finished:?}");
    assert!(finished[14] < WINDOW * 4, "{finished:?}");
}
