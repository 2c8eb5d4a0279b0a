//! Seam's sandbox switches for hubs and subscriptions (`/devices/simulate/{disconnect_from_hub,
//! connect_to_hub,paid_subscription}`): a lock behind a disconnected hub is offline and holds up
//! its codes like a disconnected lock; an expired subscription is an error on the device; a
//! device that cannot simulate either is refused. In the demo seed the August lock has a hub
//! and the Nuki a subscription.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::helpers::{ids, TestSim, Ws};

/// The events of one type about one device, oldest first.
async fn events(ws: &Ws<'_>, event_type: &str, device_id: &str) -> Vec<Value> {
    let body = json!({
        "since": "2000-01-01T00:00:00Z",
        "event_type": event_type,
        "device_id": device_id,
    });
    ws.ok("/events/list", body).await["events"]
        .as_array()
        .unwrap()
        .clone()
}

async fn device(ws: &Ws<'_>, device_id: &str) -> Value {
    ws.ok("/devices/get", json!({ "device_id": device_id }))
        .await["device"]
        .clone()
}

fn error_codes(object: &Value) -> Vec<&str> {
    object["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["error_code"].as_str().unwrap())
        .collect()
}

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_hub_can_be_disconnected_and_connected_and_its_lock_goes_offline_with_it() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let before = device(&ws, &lock).await;
    assert_eq!(before["can_simulate_hub_disconnection"], true);
    assert_eq!(before["can_simulate_hub_connection"], true);

    let answer = ws
        .ok(
            "/devices/simulate/disconnect_from_hub",
            json!({ "device_id": lock }),
        )
        .await;
    assert_eq!(answer, json!({ "ok": true }));
    let offline = device(&ws, &lock).await;
    assert_eq!(offline["properties"]["online"], false);
    assert_eq!(error_codes(&offline), ["hub_disconnected"]);
    assert_eq!(offline["errors"][0]["is_device_error"], true);
    let disconnected = events(&ws, "device.disconnected", &lock).await;
    assert_eq!(disconnected.len(), 1);
    let event = &disconnected[0];
    assert_eq!(event["error_code"], "hub_disconnected");
    assert_eq!(
        event["connected_account_id"],
        before["connected_account_id"]
    );
    assert_eq!(
        event["device_errors"],
        json!([{
            "error_code": "hub_disconnected",
            "message": offline["errors"][0]["message"],
            "created_at": offline["errors"][0]["created_at"],
        }])
    );
    assert_eq!(event["connected_account_errors"], json!([]));

    // Asking again changes and announces nothing.
    ws.ok(
        "/devices/simulate/disconnect_from_hub",
        json!({ "device_id": lock }),
    )
    .await;
    assert_eq!(events(&ws, "device.disconnected", &lock).await.len(), 1);

    ws.ok(
        "/devices/simulate/connect_to_hub",
        json!({ "device_id": lock }),
    )
    .await;
    let online = device(&ws, &lock).await;
    assert_eq!(online["properties"]["online"], true);
    assert_eq!(online["errors"], json!([]));
    assert_eq!(
        ws.event_types(json!({ "device_id": lock })).await,
        ["device.disconnected", "device.connected"]
    );
}

#[tokio::test]
async fn the_lock_is_back_only_when_both_it_and_its_hub_are() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let body = json!({ "device_id": lock });
    ws.disconnect(&lock).await;
    ws.ok("/devices/simulate/disconnect_from_hub", body.clone())
        .await;
    let both = device(&ws, &lock).await;
    assert_eq!(
        error_codes(&both),
        ["device_disconnected", "hub_disconnected"]
    );
    ws.connect(&lock).await;
    let hub_only = device(&ws, &lock).await;
    assert_eq!(hub_only["properties"]["online"], false);
    assert_eq!(error_codes(&hub_only), ["hub_disconnected"]);
    ws.ok("/devices/simulate/connect_to_hub", body).await;
    assert_eq!(device(&ws, &lock).await["properties"]["online"], true);
    // One change of `online` each way, announced as the lock's own disconnection.
    assert_eq!(
        ws.event_types(json!({ "device_id": lock })).await,
        ["device.disconnected", "device.connected"]
    );
    let disconnected = &events(&ws, "device.disconnected", &lock).await[0];
    assert_eq!(disconnected["error_code"], "device_disconnected");
}

#[tokio::test]
async fn a_lock_behind_a_disconnected_hub_holds_up_its_codes_until_the_hub_is_back() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let body = json!({ "device_id": lock });
    ws.ok("/devices/simulate/disconnect_from_hub", body.clone())
        .await;
    ws.call(
        "/access_codes/create",
        json!({ "device_id": lock, "attempt_for_offline_device": false }),
    )
    .await
    .assert_error(400, "device_offline");
    let created = ws.create_code(&lock, json!({ "code": "2468" })).await;
    let id = created["access_code"]["access_code_id"].clone();

    ws.advance(61.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "setting");
    assert_eq!(
        code["warnings"][0]["warning_code"],
        "delay_in_setting_on_device"
    );
    let delayed = &events(&ws, "access_code.delay_in_setting_on_device", &lock).await[0];
    assert_eq!(
        delayed["device_errors"][0]["error_code"],
        "hub_disconnected"
    );
    ws.advance(301.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["errors"][0]["error_code"], "failed_to_set_on_device");

    ws.ok("/devices/simulate/connect_to_hub", body).await;
    let connected_at = time(&events(&ws, "device.connected", &lock).await[0]["occurred_at"]);
    ws.advance(30.0).await;
    assert_eq!(
        ws.code(&id).await["status"],
        "setting",
        "set only after the set delay"
    );
    ws.advance(31.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "set");
    assert_eq!(code["errors"], json!([]));
    let set = &events(&ws, "access_code.set_on_device", &lock).await[0];
    assert_eq!(
        time(&set["occurred_at"]),
        connected_at + TimeDelta::seconds(60)
    );
}

#[tokio::test]
async fn an_expired_subscription_is_an_error_announced_once_and_resolved() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let nuki = ws.device_id("nuki_lock").await;
    assert_eq!(
        device(&ws, &nuki).await["can_simulate_paid_subscription"],
        true
    );
    let expire = json!({ "device_id": nuki, "is_expired": true });
    let answer = ws
        .ok("/devices/simulate/paid_subscription", expire.clone())
        .await;
    assert_eq!(answer, json!({ "ok": true }));
    let expired = device(&ws, &nuki).await;
    assert_eq!(error_codes(&expired), ["subscription_required"]);
    assert_eq!(expired["errors"][0]["is_device_error"], true);
    // Seam still reaches the lock; it is the subscription that is missing.
    assert_eq!(expired["properties"]["online"], true);
    ws.ok("/devices/simulate/paid_subscription", expire).await;
    let required = events(&ws, "device.error.subscription_required", &nuki).await;
    assert_eq!(required.len(), 1);
    assert_eq!(
        required[0]["device_errors"][0]["error_code"],
        "subscription_required"
    );
    assert_eq!(required[0]["device_warnings"], json!([]));

    ws.ok(
        "/devices/simulate/paid_subscription",
        json!({ "device_id": nuki, "is_expired": false }),
    )
    .await;
    assert_eq!(device(&ws, &nuki).await["errors"], json!([]));
    assert_eq!(
        ws.event_types(json!({ "device_id": nuki })).await,
        [
            "device.error.subscription_required",
            "device.error.subscription_required.resolved"
        ]
    );
}

#[tokio::test]
async fn a_device_that_cannot_simulate_a_hub_or_a_subscription_is_refused() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let schlage = ws.device_id("schlage_lock").await;
    let august = ws.device_id("august_lock").await;
    let nuki = ws.device_id("nuki_lock").await;
    let flags = device(&ws, &schlage).await;
    for flag in [
        "can_simulate_hub_connection",
        "can_simulate_hub_disconnection",
        "can_simulate_paid_subscription",
    ] {
        assert_eq!(flags[flag], false, "{flag}");
    }
    for path in [
        "/devices/simulate/disconnect_from_hub",
        "/devices/simulate/connect_to_hub",
    ] {
        ws.call(path, json!({ "device_id": schlage }))
            .await
            .assert_error(400, "device_cannot_simulate");
        ws.call(path, json!({ "device_id": nuki }))
            .await
            .assert_error(400, "device_cannot_simulate");
        ws.call(path, json!({}))
            .await
            .assert_error(400, "invalid_input");
    }
    ws.call(
        "/devices/simulate/paid_subscription",
        json!({ "device_id": august, "is_expired": true }),
    )
    .await
    .assert_error(400, "device_cannot_simulate");
    ws.call(
        "/devices/simulate/paid_subscription",
        json!({ "device_id": nuki }),
    )
    .await
    .assert_error(400, "invalid_input");
    let other = sim.workspace().await;
    let theirs = other.device_id("august_lock").await;
    ws.call(
        "/devices/simulate/disconnect_from_hub",
        json!({ "device_id": theirs }),
    )
    .await
    .assert_error(404, "device_not_found");
    assert_eq!(device(&ws, &schlage).await["errors"], json!([]));
    for id in [&schlage, &august, &nuki] {
        let types = ws.event_types(json!({ "device_id": id })).await;
        assert!(types.is_empty(), "nothing happened: {types:?}");
    }

    // `include_if` finds the devices that can.
    let with_hubs = ws
        .ok(
            "/devices/list",
            json!({ "include_if": ["can_simulate_hub_disconnection"] }),
        )
        .await;
    assert_eq!(ids(&with_hubs["devices"], "device_id"), [august]);
    let subscribed = ws
        .ok(
            "/devices/list",
            json!({ "include_if": ["can_simulate_paid_subscription"] }),
        )
        .await;
    assert_eq!(ids(&subscribed["devices"], "device_id"), [nuki]);
}
