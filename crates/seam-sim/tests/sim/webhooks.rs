//! Webhooks: the endpoints, and delivery as Seam (through Svix) does it: signed, retried
//! with the same `svix-id`, at least once. Only the receiver is watched while waiting, so
//! these also show the ticker moving lifecycles along with nobody calling the simulator.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{TestSim, Ws};
use crate::receiver::{assert_signed, Received, Receiver};

/// Orderly delivery: no jitter, no duplicates, quick retries.
async fn orderly(ws: &Ws<'_>) {
    ws.ok(
        "/_sim/webhooks",
        json!({ "max_jitter_ms": 0, "duplicate_rate": 0, "retry_backoff_ms": 50 }),
    )
    .await;
}

async fn webhook(ws: &Ws<'_>, url: &str, event_types: Value) -> Value {
    let mut body = json!({ "url": url });
    if !event_types.is_null() {
        body["event_types"] = event_types;
    }
    ws.ok("/webhooks/create", body).await["webhook"].clone()
}

fn types(received: &[Received]) -> Vec<String> {
    let mut types: Vec<String> = received
        .iter()
        .map(|r| r.event()["event_type"].as_str().unwrap().to_owned())
        .collect();
    types.sort();
    types
}

#[tokio::test]
async fn events_are_posted_signed_to_the_webhooks_that_want_them() {
    let mut options = seam_sim::SimOptions::default();
    options.access_codes.set_delay = Duration::from_millis(300);
    let sim = TestSim::start_with(options).await;
    let ws = sim.workspace().await;
    orderly(&ws).await;
    let receiver = Receiver::start(0).await;
    let hook = webhook(
        &ws,
        &receiver.url,
        json!(["access_code.created", "access_code.set_on_device"]),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap();

    let lock = ws.device_id("august_lock").await;
    let created = ws.create_code(&lock, json!({ "code": "1234" })).await;
    ws.create_user("latch_building", json!({})).await;
    let received = receiver.wait_for("created and set", |r| r.len() >= 2).await;
    assert_eq!(
        types(&received),
        ["access_code.created", "access_code.set_on_device"]
    );
    for message in &received {
        assert_signed(message, secret);
        assert!(message.svix_id.starts_with("msg_"), "{message:?}");
        let event = message.event();
        assert_eq!(
            event["access_code_id"],
            created["access_code"]["access_code_id"]
        );
        assert_eq!(event["workspace_id"], ws.workspace_id.as_str());
        assert!(event["event_id"].is_string());
    }
    assert_ne!(received[0].svix_id, received[1].svix_id);

    let state = ws
        .wait_for("deliveries recorded", |s| {
            s["webhook_deliveries"]
                .as_array()
                .is_some_and(|d| d.len() == 2 && d.iter().all(|d| d["delivered"] == true))
        })
        .await;
    for delivery in state["webhook_deliveries"].as_array().unwrap() {
        assert_eq!(delivery["attempts"], 1);
        assert_eq!(delivery["last_status"], 204);
        assert_eq!(delivery["url"], receiver.url.as_str());
    }
    // The user's creation was not asked for.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_message_again_until_it_accepts() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    orderly(&ws).await;
    let receiver = Receiver::start(2).await;
    let hook = webhook(&ws, &receiver.url, Value::Null).await;
    assert_eq!(hook["event_types"], json!(["*"]));
    let user = ws.create_user("salto_ks_site", json!({})).await;

    let received = receiver.wait_for("three attempts", |r| r.len() >= 3).await;
    let statuses: Vec<u16> = received.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 204]);
    assert!(received.iter().all(|r| r.svix_id == received[0].svix_id));
    for attempt in &received {
        assert_signed(attempt, hook["secret"].as_str().unwrap());
        assert_eq!(attempt.event()["event_type"], "acs_user.created");
        assert_eq!(attempt.event()["acs_user_id"], user["acs_user_id"]);
    }
    let state = ws
        .wait_for("the delivery recorded", |s| {
            s["webhook_deliveries"][0]["delivered"] == true
        })
        .await;
    let delivery = &state["webhook_deliveries"][0];
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["last_status"], 204);
    assert_eq!(delivery["message_id"], received[0].svix_id.as_str());
    assert_eq!(delivery["event_type"], "acs_user.created");
}

#[tokio::test]
async fn an_unreachable_receiver_is_given_up_after_the_last_attempt() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    orderly(&ws).await;
    ws.ok("/_sim/webhooks", json!({ "max_attempts": 2 })).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    webhook(&ws, &format!("http://{closed}/hook"), Value::Null).await;
    ws.create_user("salto_ks_site", json!({})).await;
    let state = ws
        .wait_for("two failed attempts", |s| {
            s["webhook_deliveries"][0]["attempts"] == 2
        })
        .await;
    let delivery = &state["webhook_deliveries"][0];
    assert_eq!(delivery["delivered"], false);
    assert_eq!(delivery["last_status"], Value::Null);
    assert!(delivery["last_error"].is_string(), "{delivery:#}");
}

#[tokio::test]
async fn duplicates_repeat_the_svix_id() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    orderly(&ws).await;
    ws.ok("/_sim/webhooks", json!({ "duplicate_rate": 1 }))
        .await;
    let receiver = Receiver::start(0).await;
    webhook(&ws, &receiver.url, json!(["acs_user.created"])).await;
    ws.create_user("salto_ks_site", json!({})).await;
    let received = receiver.wait_for("two copies", |r| r.len() >= 2).await;
    assert_eq!(received[0].svix_id, received[1].svix_id);
    assert_eq!(received[0].body, received[1].body);
    ws.wait_for("the duplicate recorded", |s| {
        s["webhook_deliveries"][0]["duplicates_sent"] == 1
    })
    .await;
}

#[tokio::test]
async fn webhooks_are_created_listed_updated_and_deleted() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let created = webhook(
        &ws,
        "https://example.com/seam",
        json!(["access_code.set_on_device"]),
    )
    .await;
    let secret = created["secret"].as_str().unwrap();
    let key = secret.strip_prefix("whsec_").unwrap();
    use base64::Engine;
    assert!(base64::engine::general_purpose::STANDARD
        .decode(key)
        .is_ok_and(|k| k.len() >= 24));
    let id = created["webhook_id"].clone();

    let got = ws.ok("/webhooks/get", json!({ "webhook_id": id })).await;
    assert_eq!(got["webhook"], created);
    let listed = ws.ok("/webhooks/list", json!({})).await;
    assert_eq!(listed["webhooks"], json!([created]));

    ws.ok(
        "/webhooks/update",
        json!({ "webhook_id": id, "event_types": ["access_code.deleted"] }),
    )
    .await;
    let got = ws.ok("/webhooks/get", json!({ "webhook_id": id })).await;
    assert_eq!(
        got["webhook"]["event_types"],
        json!(["access_code.deleted"])
    );

    ws.ok("/webhooks/delete", json!({ "webhook_id": id })).await;
    ws.call("/webhooks/get", json!({ "webhook_id": id }))
        .await
        .assert_error(404, "webhook_not_found");
    assert_eq!(
        ws.ok("/webhooks/list", json!({})).await["webhooks"],
        json!([])
    );
}

#[tokio::test]
async fn webhook_requests_are_validated() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    for (body, field) in [
        (json!({}), "url"),
        (json!({ "url": "not a url" }), "url"),
        (
            json!({ "url": "https://example.com", "event_types": "access_code.created" }),
            "event_types",
        ),
    ] {
        let answer = ws.call("/webhooks/create", body.clone()).await;
        answer.assert_error(400, "invalid_input");
        assert!(
            answer.body["error"]["validation_errors"][field].is_object(),
            "{body}: {:#}",
            answer.body
        );
    }
    ws.call(
        "/webhooks/create",
        json!({ "url": "https://example.com", "event_types": ["access_code.exploded"] }),
    )
    .await
    .assert_error(400, "invalid_event_types");
    ws.call("/webhooks/update", json!({ "webhook_id": "x" }))
        .await
        .assert_error(400, "invalid_input");

    let refused = ws
        .call("/_sim/webhooks", json!({ "duplicate_rate": 2 }))
        .await;
    refused.assert_error(400, "invalid_input");
    assert!(refused.body["error"]["validation_errors"]["duplicate_rate"].is_object());
    let report = crate::helpers::answer(
        sim.http
            .get(format!("{}/_sim/webhooks", sim.base_url()))
            .bearer_auth(&ws.key),
    )
    .await;
    assert_eq!(report.body["webhook_delivery_settings"]["max_attempts"], 6);
    assert_eq!(report.body["webhook_deliveries"], json!([]));
}
