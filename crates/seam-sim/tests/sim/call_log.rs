//! `/_sim/calls?log=true`: every Seam call in arrival order, with the lock it was about, when
//! it arrived (real milliseconds) and the status it was answered, which is how tests prove a
//! client's pacing: no more than N writes to one lock reached Seam within any window.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{answer, TestSim};

/// `(endpoint, device_id, status)` of every logged call.
fn summary(log: &Value) -> Vec<(String, Value, Value)> {
    log.as_array()
        .unwrap()
        .iter()
        .map(|call| {
            (
                call["endpoint"].as_str().unwrap().to_owned(),
                call["device_id"].clone(),
                call["status"].clone(),
            )
        })
        .collect()
}

fn at_ms(log: &Value) -> Vec<u64> {
    log.as_array()
        .unwrap()
        .iter()
        .map(|call| call["at_ms"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn each_call_is_logged_with_its_lock_and_the_status_it_was_answered() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    assert!(ws.calls().await.get("log").is_none(), "only when asked");
    let august = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let created = ws.create_code(&august, json!({ "code": "1234" })).await;
    let code_id = created["access_code"]["access_code_id"].clone();
    // Named through the access code, not the device.
    ws.ok(
        "/access_codes/update",
        json!({ "access_code_id": code_id, "name": "Guest" }),
    )
    .await;
    ws.inject(json!({
        "endpoint": "/access_codes/create", "device_id": schlage,
        "error_rate": 1, "status": 503, "times": 1,
    }))
    .await;
    ws.call(
        "/access_codes/create",
        json!({ "device_id": schlage, "code": "5678" }),
    )
    .await
    .assert_error(503, "service_unavailable");
    ws.call("/access_codes/create", json!({}))
        .await
        .assert_error(400, "invalid_input");
    // Done, then answered 500: the log has what the client was told.
    ws.inject(json!({ "endpoint": "/access_codes/delete", "ambiguous_rate": 1, "times": 1 }))
        .await;
    ws.call("/access_codes/delete", json!({ "access_code_id": code_id }))
        .await
        .assert_error(500, "internal_server_error");

    let logged = ws.calls_log().await;
    assert_eq!(logged["total"], 7);
    let (august, schlage) = (json!(august), json!(schlage));
    assert_eq!(
        summary(&logged["log"]),
        [
            ("/devices/list".to_owned(), Value::Null, json!(200)),
            ("/devices/list".to_owned(), Value::Null, json!(200)),
            (
                "/access_codes/create".to_owned(),
                august.clone(),
                json!(200)
            ),
            (
                "/access_codes/update".to_owned(),
                august.clone(),
                json!(200)
            ),
            ("/access_codes/create".to_owned(), schlage, json!(503)),
            ("/access_codes/create".to_owned(), Value::Null, json!(400)),
            ("/access_codes/delete".to_owned(), august, json!(500)),
        ]
    );
    let times = at_ms(&logged["log"]);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[tokio::test]
async fn the_log_proves_how_many_writes_reached_one_lock_in_a_minute() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    ws.clear_calls().await;
    for n in 0..11 {
        ws.call(
            "/access_codes/create",
            json!({ "device_id": august, "code": format!("{}", 3000 + n) }),
        )
        .await;
    }
    let log = ws.calls_log().await["log"].clone();
    let writes: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|call| call["device_id"] == august.as_str())
        .collect();
    assert_eq!(writes.len(), 11);
    // The per-device limiter's 429 is logged as answered.
    let statuses: Vec<u64> = writes
        .iter()
        .map(|call| call["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses[..10], [200; 10]);
    assert_eq!(statuses[10], 429);
    // What a pacing test asserts: accepted writes within any 60 s window.
    let accepted: Vec<u64> = writes
        .iter()
        .filter(|call| call["status"] == 200)
        .map(|call| call["at_ms"].as_u64().unwrap())
        .collect();
    let busiest = accepted
        .iter()
        .map(|start| {
            accepted
                .iter()
                .filter(|at| (*start..start + 60_000).contains(*at))
                .count()
        })
        .max()
        .unwrap();
    assert_eq!(busiest, 10);
}

#[tokio::test]
async fn a_call_whose_client_gave_up_is_logged_with_the_answer_it_got_anyway() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.inject(json!({ "endpoint": "/workspaces/get", "hang_ms": 2000, "times": 1 }))
        .await;
    let gave_up = sim
        .http
        .post(format!("{}/workspaces/get", sim.base_url()))
        .bearer_auth(&ws.key)
        .json(&json!({}))
        .timeout(Duration::from_millis(50))
        .send()
        .await;
    assert!(gave_up.is_err(), "the client times out");
    let log = ws.calls_log().await["log"].clone();
    assert_eq!(log[0]["status"], Value::Null, "not answered yet");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = ws.calls_log().await["log"].clone();
        if log[0]["status"] == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "never answered: {log:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn times_are_real_milliseconds_since_the_workspace_or_the_last_clear() {
    let sim = TestSim::start().await;
    let before_creation = Instant::now();
    let ws = sim.workspace().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Jumping the simulator clock does not move real time.
    ws.advance(3600.0).await;
    ws.ok("/workspaces/get", json!({})).await;
    let first = at_ms(&ws.calls_log().await["log"])[0];
    let since_creation = before_creation.elapsed().as_millis() as u64;
    assert!((300..=since_creation).contains(&first), "{first}");

    let before_clear = Instant::now();
    let cleared = ws.clear_calls().await;
    assert!(cleared.get("log").is_none());
    ws.ok("/workspaces/get", json!({})).await;
    let logged = ws.calls_log().await;
    let again = at_ms(&logged["log"]);
    let since_clear = before_clear.elapsed().as_millis() as u64;
    assert_eq!(again.len(), 1, "the log starts again too");
    assert!(again[0] <= since_clear, "{} > {since_clear}", again[0]);
}

#[tokio::test]
async fn the_log_flag_must_be_true_or_false() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let url = format!("{}/_sim/calls", sim.base_url());
    let off = answer(
        sim.http
            .get(format!("{url}?log=false"))
            .bearer_auth(&ws.key),
    )
    .await;
    assert!(off.body.get("log").is_none(), "{:#}", off.body);
    answer(
        sim.http
            .get(format!("{url}?log=maybe"))
            .bearer_auth(&ws.key),
    )
    .await
    .assert_error(400, "invalid_input");
}
