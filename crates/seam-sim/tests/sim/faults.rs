//! Injected faults, each kind as a client of Seam meets it.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{answer, TestSim};

#[tokio::test]
async fn errors_stop_after_times_and_do_no_work() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.inject(json!({ "endpoint": "/acs/users/create", "error_rate": 1, "times": 2 }))
        .await;
    let latch = ws.system("latch_building").await;
    let body = json!({ "acs_system_id": latch["acs_system_id"], "full_name": "Jane Doe" });
    for _ in 0..2 {
        ws.call("/acs/users/create", body.clone())
            .await
            .assert_error(500, "internal_server_error");
    }
    ws.ok("/acs/users/create", body).await;
    assert_eq!(ws.state().await["acs_users"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_ambiguous_failure_answers_500_after_creating_the_object() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.inject(json!({ "endpoint": "/user_identities/create", "ambiguous_rate": 1, "times": 1 }))
        .await;
    ws.call(
        "/user_identities/create",
        json!({ "user_identity_key": "resident-1" }),
    )
    .await
    .assert_error(500, "internal_server_error");
    let state = ws.state().await;
    assert_eq!(state["user_identities"].as_array().unwrap().len(), 1);
    assert_eq!(
        state["user_identities"][0]["user_identity_key"],
        "resident-1"
    );
    // A retry now meets the uniqueness rule, as it would at Seam.
    ws.call(
        "/user_identities/create",
        json!({ "user_identity_key": "resident-1" }),
    )
    .await
    .assert_error(400, "user_identity_key_already_in_use");
}

#[tokio::test]
async fn a_404_fault_makes_an_endpoint_look_removed() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let launch = "/user_identities/enrollment_automations/launch";
    ws.inject(json!({ "endpoint": launch, "error_rate": 1, "status": 404 }))
        .await;
    ws.call(launch, json!({}))
        .await
        .assert_error(404, "endpoint_not_found");
    ws.ok("/acs/systems/list", json!({})).await;
}

#[tokio::test]
async fn a_503_is_service_unavailable() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.inject(json!({ "error_rate": 1, "status": 503, "times": 1 }))
        .await;
    ws.call("/devices/list", json!({}))
        .await
        .assert_error(503, "service_unavailable");
    ws.ok("/devices/list", json!({})).await;
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.inject(json!({ "endpoint": "/acs/users/list", "rate_limit_per_minute": 2 }))
        .await;
    ws.ok("/acs/users/list", json!({})).await;
    ws.ok("/acs/users/list", json!({})).await;
    let limited = ws.call("/acs/users/list", json!({})).await;
    limited.assert_error(429, "rate_limited");
    let retry_after: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    ws.ok("/acs/systems/list", json!({})).await;
}

#[tokio::test]
async fn latency_comes_after_the_work_so_an_impatient_client_still_created_it() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.inject(json!({ "endpoint": "/user_identities/create", "latency_ms": 600 }))
        .await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(format!("{}/user_identities/create", sim.base_url()))
        .bearer_auth(&ws.key)
        .json(&json!({ "user_identity_key": "slow" }))
        .send()
        .await;
    assert!(gave_up.is_err_and(|e| e.is_timeout()));
    assert_eq!(
        ws.state().await["user_identities"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let started = Instant::now();
    ws.ok(
        "/user_identities/create",
        json!({ "user_identity_key": "patient" }),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(600));
}

#[tokio::test]
async fn faults_belong_to_one_workspace_and_spare_the_control_surface() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let other = sim.workspace().await;
    ws.inject(json!({ "error_rate": 1 })).await;
    ws.call("/workspaces/get", json!({}))
        .await
        .assert_error(500, "internal_server_error");
    other.ok("/workspaces/get", json!({})).await;
    ws.state().await;
    ws.advance(1.0).await;

    let cleared = answer(
        sim.http
            .delete(format!("{}/_sim/faults", sim.base_url()))
            .bearer_auth(&ws.key),
    )
    .await;
    assert_eq!(cleared.body["faults"], json!([]));
    ws.ok("/workspaces/get", json!({})).await;
}

#[tokio::test]
async fn a_fault_for_one_device_storms_it_while_another_works() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let made = ws.create_code(&august, json!({ "code": "1234" })).await;
    ws.inject(json!({ "device_id": august, "error_rate": 1, "status": 429 }))
        .await;
    for _ in 0..3 {
        let limited = ws
            .call(
                "/access_codes/create",
                json!({ "device_id": august, "code": "5678" }),
            )
            .await;
        limited.assert_error(429, "rate_limited");
        assert!(limited.headers.contains_key("retry-after"));
    }
    // Calls that name the device through one of its codes are stormed too.
    ws.call(
        "/access_codes/get",
        json!({ "access_code_id": made["access_code"]["access_code_id"] }),
    )
    .await
    .assert_error(429, "rate_limited");
    ws.create_code(&schlage, json!({ "code": "5678" })).await;
    ws.ok("/devices/list", json!({})).await;
    let faults = ws
        .ok(
            "/_sim/faults",
            json!({ "device_id": schlage, "latency_ms": 1 }),
        )
        .await;
    assert_eq!(faults["faults"][0]["device_id"], august.as_str());
    let bad = ws
        .call("/_sim/faults", json!({ "device_id": "lock-1" }))
        .await;
    bad.assert_error(400, "invalid_input");
}

#[tokio::test]
async fn a_hung_call_is_still_performed_after_its_client_gave_up() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    ws.inject(json!({ "endpoint": "/access_codes/create", "hang_ms": 1000, "times": 1 }))
        .await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let gave_up = impatient
        .post(format!("{}/access_codes/create", sim.base_url()))
        .bearer_auth(&ws.key)
        .json(&json!({ "device_id": august, "code": "4321" }))
        .send()
        .await;
    assert!(gave_up.is_err_and(|e| e.is_timeout()));
    // The hang comes before the work: nothing yet when the client gives up...
    assert_eq!(ws.state().await["access_codes"], json!([]));
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "too slow to tell"
    );

    // ...and the work is done once the hang is over, although nobody waits for the answer.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let codes = ws.state().await["access_codes"].clone();
    assert_eq!(codes.as_array().unwrap().len(), 1, "{codes:#}");
    assert_eq!(codes[0]["code"], "4321");
    // The fault was spent on that call.
    ws.create_code(&august, json!({ "code": "8765" })).await;
    assert_eq!(ws.calls().await["calls"]["/access_codes/create"], 2);
}

#[tokio::test]
async fn a_patient_client_gets_the_answer_after_the_hang() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.inject(json!({ "endpoint": "/user_identities/create", "hang_ms": 400 }))
        .await;
    let started = Instant::now();
    let created = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "patient" }),
        )
        .await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(created["user_identity"]["user_identity_key"], "patient");
}

#[tokio::test]
async fn a_hang_can_end_in_a_refusal_that_did_no_work() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.inject(json!({
        "endpoint": "/user_identities/create",
        "hang_ms": 300,
        "error_rate": 1,
        "status": 504,
        "times": 1,
    }))
    .await;
    let started = Instant::now();
    ws.call(
        "/user_identities/create",
        json!({ "user_identity_key": "timed-out" }),
    )
    .await
    .assert_error(504, "gateway_timeout");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(ws.state().await["user_identities"], json!([]));
}

#[tokio::test]
async fn hang_ms_is_listed_and_checked() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let faults = ws
        .ok(
            "/_sim/faults",
            json!({ "device_id": august, "hang_ms": 250, "times": 3 }),
        )
        .await;
    assert_eq!(faults["faults"][0]["hang_ms"], 250);
    assert_eq!(faults["faults"][0]["times"], 3);
    let listed = answer(
        sim.http
            .get(format!("{}/_sim/faults", sim.base_url()))
            .bearer_auth(&ws.key),
    )
    .await;
    assert_eq!(listed.body["faults"][0]["hang_ms"], 250);
    assert_eq!(listed.body["faults"][0]["latency_ms"], 0);
    for bad in [json!(600_001), json!(1.5), json!(-1), json!("10")] {
        ws.call("/_sim/faults", json!({ "hang_ms": bad }))
            .await
            .assert_error(400, "invalid_input");
    }
    ws.ok(
        "/_sim/faults",
        json!({ "hang_ms": 600_000, "endpoint": "/nowhere" }),
    )
    .await;
}
