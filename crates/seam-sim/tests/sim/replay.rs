//! Deterministic mode: two simulators started with the same seed answer the same scripted
//! requests with byte-identical bodies (ids, keys, PINs, timestamps on the frozen clock,
//! fault rolls, request ids); another seed gives other ids; a reset simulator replays
//! itself; and a dumped workspace, loaded elsewhere, carries on exactly as the original.

use reqwest::Method;
use seam_sim::SimOptions;
use serde_json::{json, Value};

use crate::helpers::TestSim;
use crate::receiver::{assert_signature, Receiver};

/// One exchange as the client saw it: what was asked, the status, `seam-request-id` and the
/// body's bytes.
#[derive(Debug, PartialEq, Eq)]
struct Exchange {
    request: String,
    status: u16,
    request_id: String,
    body: String,
}

/// A client that records every exchange.
struct Recorder<'a> {
    sim: &'a TestSim,
    key: Option<String>,
    log: Vec<Exchange>,
}

impl<'a> Recorder<'a> {
    fn new(sim: &'a TestSim) -> Self {
        Self {
            sim,
            key: None,
            log: Vec::new(),
        }
    }

    async fn send(&mut self, method: Method, path: &str, body: Value) -> Value {
        let mut request = self
            .sim
            .http
            .request(method.clone(), format!("{}{path}", self.sim.base_url()));
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        if method == Method::POST {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the simulator answers");
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("seam-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("a body");
        self.log.push(Exchange {
            request: format!("{method} {path} {body}"),
            status,
            request_id,
            body: text.clone(),
        });
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn post(&mut self, path: &str, body: Value) -> Value {
        self.send(Method::POST, path, body).await
    }
}

fn first<'v>(list: &'v Value, field: &str, value: &str) -> &'v Value {
    list.as_array()
        .and_then(|items| items.iter().find(|item| item[field] == value))
        .unwrap_or_else(|| panic!("no {field} = {value} in {list}"))
}

/// The scripted session: a Latch PIN, access codes, a webhook, a client session, faults
/// that roll dice, clock moves and the resulting events, then the workspace dumped.
async fn script(rec: &mut Recorder<'_>) {
    let created = rec
        .post("/_sim/workspaces", json!({ "name": "Replay" }))
        .await;
    rec.key = created["api_key"].as_str().map(str::to_owned);
    rec.post("/_sim/webhooks", json!({ "max_attempts": 1 }))
        .await;
    let systems = rec.post("/acs/systems/list", json!({})).await;
    let latch = first(&systems["acs_systems"], "external_type", "latch_building").clone();
    let entrances = rec
        .post(
            "/acs/entrances/list",
            json!({ "acs_system_id": latch["acs_system_id"] }),
        )
        .await;
    let identity = rec
        .post(
            "/user_identities/create",
            json!({ "full_name": "Jane Doe", "email_address": "jane@example.com" }),
        )
        .await;
    let user = rec
        .post(
            "/acs/users/create",
            json!({ "acs_system_id": latch["acs_system_id"], "full_name": "Jane Doe" }),
        )
        .await;
    let credential = rec
        .post(
            "/acs/credentials/create",
            json!({
                "acs_user_id": user["acs_user"]["acs_user_id"],
                "access_method": "code",
                "allowed_acs_entrance_ids": [entrances["acs_entrances"][0]["acs_entrance_id"]],
            }),
        )
        .await;
    rec.post("/_sim/clock/advance", json!({ "seconds": 5 }))
        .await;
    rec.post(
        "/acs/credentials/get",
        json!({ "acs_credential_id": credential["acs_credential"]["acs_credential_id"] }),
    )
    .await;
    let devices = rec.post("/devices/list", json!({})).await;
    let august = first(&devices["devices"], "device_type", "august_lock").clone();
    let code = rec
        .post(
            "/access_codes/create",
            json!({ "device_id": august["device_id"], "name": "Guest" }),
        )
        .await;
    rec.post(
        "/access_codes/create",
        json!({ "device_id": august["device_id"], "name": "Short", "preferred_code_length": 4 }),
    )
    .await;
    rec.post(
        "/webhooks/create",
        json!({ "url": "http://127.0.0.1:9/never-listening" }),
    )
    .await;
    rec.post(
        "/client_sessions/create",
        json!({ "user_identity_id": identity["user_identity"]["user_identity_id"] }),
    )
    .await;
    rec.post(
        "/_sim/faults",
        json!({ "endpoint": "/acs/systems/list", "error_rate": 0.5 }),
    )
    .await;
    for _ in 0..8 {
        rec.post("/acs/systems/list", json!({})).await;
    }
    rec.post("/_sim/clock/advance", json!({ "seconds": 120 }))
        .await;
    rec.post(
        "/access_codes/delete",
        json!({ "access_code_id": code["access_code"]["access_code_id"] }),
    )
    .await;
    rec.post("/_sim/clock/advance", json!({ "seconds": 10 }))
        .await;
    rec.post(
        "/events/list",
        json!({ "since": "2000-01-01T00:00:00.000Z" }),
    )
    .await;
    rec.send(Method::GET, "/_sim/dump", Value::Null).await;
}

async fn replay(options: SimOptions) -> Vec<Exchange> {
    let sim = TestSim::start_with(options).await;
    let mut rec = Recorder::new(&sim);
    script(&mut rec).await;
    rec.log
}

#[tokio::test]
async fn the_same_seed_and_requests_give_byte_identical_answers() {
    let first_run = replay(SimOptions::deterministic(42)).await;
    let second_run = replay(SimOptions::deterministic(42)).await;
    assert_eq!(first_run.len(), second_run.len());
    for (a, b) in first_run.iter().zip(&second_run) {
        assert_eq!(a, b);
    }
    // The script did what it says: a PIN was generated and some fault rolls refused calls.
    let statuses: Vec<u16> = first_run.iter().map(|e| e.status).collect();
    assert!(statuses.contains(&500), "no fault fired: {statuses:?}");
    assert!(
        statuses.iter().filter(|s| **s == 200).count() > 20,
        "{statuses:?}"
    );
    assert!(first_run
        .iter()
        .any(|e| e.body.contains("\"2025-01-01T00:02:05.000Z\"")));
}

#[tokio::test]
async fn another_seed_gives_other_ids_and_keys() {
    let a = replay(SimOptions::deterministic(1)).await;
    let b = replay(SimOptions::deterministic(2)).await;
    let workspace = |run: &[Exchange]| -> Value { serde_json::from_str(&run[0].body).unwrap() };
    let (wa, wb) = (workspace(&a), workspace(&b));
    assert_ne!(wa["workspace_id"], wb["workspace_id"]);
    assert_ne!(wa["api_key"], wb["api_key"]);
    assert_ne!(a[2].body, b[2].body, "the systems' ids differ");
}

#[tokio::test]
async fn a_reset_simulator_replays_itself() {
    let sim = TestSim::start_with(SimOptions::deterministic(7)).await;
    let mut before = Recorder::new(&sim);
    script(&mut before).await;
    let mut reset = Recorder::new(&sim);
    let answer = reset.post("/_sim/reset", json!({})).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let mut after = Recorder::new(&sim);
    script(&mut after).await;
    assert_eq!(before.log, after.log);
}

/// The requests that follow a dump, for the load test.
async fn after_the_dump(rec: &mut Recorder<'_>) {
    let devices = rec.post("/devices/list", json!({})).await;
    let schlage = first(&devices["devices"], "device_type", "schlage_lock").clone();
    rec.post(
        "/access_codes/create",
        json!({ "device_id": schlage["device_id"], "name": "After" }),
    )
    .await;
    rec.post("/user_identities/create", json!({ "full_name": "Sam" }))
        .await;
    rec.post("/_sim/clock/advance", json!({ "seconds": 30 }))
        .await;
    rec.post(
        "/events/list",
        json!({ "since": "2000-01-01T00:00:00.000Z" }),
    )
    .await;
}

#[tokio::test]
async fn a_loaded_dump_carries_on_exactly_as_the_original() {
    let original = TestSim::start_with(SimOptions::deterministic(9)).await;
    let mut rec = Recorder::new(&original);
    script(&mut rec).await;
    let dump = rec.send(Method::GET, "/_sim/dump", Value::Null).await;
    assert_eq!(dump["dump"]["format"], "seam-sim/workspace/v1", "{dump}");

    // Another simulator, with another seed: the dump brings its own random state.
    let other = TestSim::start_with(SimOptions::deterministic(1000)).await;
    let mut loader = Recorder::new(&other);
    let loaded = loader.post("/_sim/load", dump.clone()).await;
    assert_eq!(loaded["ok"], true, "{loaded}");
    assert_eq!(loaded["api_key"], dump["dump"]["api_key"]);

    let mut here = Recorder::new(&original);
    here.key.clone_from(&rec.key);
    after_the_dump(&mut here).await;
    let mut there = Recorder::new(&other);
    there.key.clone_from(&rec.key);
    after_the_dump(&mut there).await;
    let bodies = |log: &[Exchange]| log.iter().map(|e| e.body.clone()).collect::<Vec<_>>();
    assert_eq!(bodies(&here.log), bodies(&there.log));
}

/// What a webhook receiver got from a seeded run: every request's `svix-id`, `svix-timestamp`,
/// `svix-signature` and body, sorted (messages travel concurrently, so the order they arrive
/// in is the network's, not the simulator's).
async fn deliveries(seed: u64) -> Vec<(String, String, String, String)> {
    let sim = TestSim::start_with(SimOptions::deterministic(seed)).await;
    let receiver = Receiver::start(0).await;
    let ws = sim.workspace().await;
    // Every message twice, to cover duplicates too.
    ws.ok(
        "/_sim/webhooks",
        json!({ "duplicate_rate": 1.0, "max_jitter_ms": 20 }),
    )
    .await;
    let secret = ws
        .ok("/webhooks/create", json!({ "url": receiver.url }))
        .await["webhook"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let lock = ws.device_id("august_lock").await;
    ws.create_code(&lock, json!({ "name": "Guest" })).await;
    ws.advance(10.0).await;
    ws.ok(
        "/devices/simulate/disconnect_from_hub",
        json!({ "device_id": lock }),
    )
    .await;
    ws.create_code(&lock, json!({ "name": "Held up" })).await;
    ws.advance(90.0).await;
    let events = ws.event_types(json!({})).await.len();
    assert!(events >= 5, "{events} events");
    let received = receiver
        .wait_for("every message twice", |r| r.len() == 2 * events)
        .await;
    let mut seen: Vec<_> = received
        .iter()
        .map(|r| {
            assert_signature(r, &secret);
            // Simulator time: when the event was generated, on the frozen clock.
            let created_at = r.event()["created_at"].as_str().unwrap().to_owned();
            let created_at = chrono::DateTime::parse_from_rfc3339(&created_at).unwrap();
            assert_eq!(r.svix_timestamp, created_at.timestamp().to_string());
            (
                r.svix_id.clone(),
                r.svix_timestamp.clone(),
                r.svix_signature.clone(),
                r.body.clone(),
            )
        })
        .collect();
    seen.sort();
    seen
}

#[tokio::test]
async fn the_same_seed_delivers_byte_identical_webhooks() {
    let first = deliveries(42).await;
    let second = deliveries(42).await;
    assert_eq!(first, second);
    // Not one frozen instant either: the clock moved, and the timestamps with it.
    let stamps: std::collections::BTreeSet<&str> = first.iter().map(|d| d.1.as_str()).collect();
    assert!(stamps.len() >= 2, "{stamps:?}");
    assert_ne!(deliveries(43).await, first);
}
