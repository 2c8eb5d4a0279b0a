//! Seam's device simulation endpoints (`/devices/simulate/{disconnect,connect}`), and access
//! codes following their lock's connectivity: an offline lock holds up setting and removing
//! a code, which finish once it is back. Codes take a minute to set or remove here
//! (`TestSim::start_slow`) and the clock is moved explicitly.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::helpers::{at, TestSim, Ws};

fn of_code(id: &Value) -> Value {
    json!({ "access_code_id": id })
}

/// The events of one type, oldest first.
async fn events(ws: &Ws<'_>, event_type: &str) -> Vec<Value> {
    let body = json!({ "since": "2000-01-01T00:00:00Z", "event_type": event_type });
    ws.ok("/events/list", body).await["events"]
        .as_array()
        .unwrap()
        .clone()
}

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn attempt_of(ws: &Ws<'_>, answer: &Value) -> Value {
    let id = &answer["action_attempt"]["action_attempt_id"];
    ws.ok("/action_attempts/get", json!({ "action_attempt_id": id }))
        .await["action_attempt"]
        .clone()
}

#[tokio::test]
async fn a_lock_can_be_disconnected_and_connected_and_each_change_is_announced() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let answer = ws
        .ok("/devices/simulate/disconnect", json!({ "device_id": lock }))
        .await;
    assert_eq!(answer, json!({ "ok": true }));
    let device = ws.ok("/devices/get", json!({ "device_id": lock })).await["device"].clone();
    assert_eq!(device["properties"]["online"], false);
    assert_eq!(device["errors"][0]["error_code"], "device_disconnected");
    assert_eq!(device["can_simulate_connection"], true);
    let offline = ws.ok("/locks/get", json!({ "device_id": lock })).await;
    assert_eq!(offline["lock"]["properties"]["online"], false);

    let disconnected = events(&ws, "device.disconnected").await;
    assert_eq!(disconnected.len(), 1);
    let event = &disconnected[0];
    assert_eq!(event["device_id"], lock.as_str());
    assert_eq!(
        event["connected_account_id"],
        device["connected_account_id"]
    );
    assert_eq!(event["error_code"], "device_disconnected");
    // As Seam's event schema describes them: code, message and time, no `is_device_error`.
    assert_eq!(
        event["device_errors"],
        json!([{
            "error_code": "device_disconnected",
            "message": device["errors"][0]["message"],
            "created_at": device["errors"][0]["created_at"],
        }])
    );
    assert_eq!(event["device_warnings"], json!([]));
    assert_eq!(event["connected_account_errors"], json!([]));
    assert_eq!(event["connected_account_warnings"], json!([]));
    assert_eq!(device["errors"][0]["created_at"], event["occurred_at"]);

    // Asking for the state it is in changes nothing and announces nothing.
    ws.disconnect(&lock).await;
    assert_eq!(events(&ws, "device.disconnected").await.len(), 1);

    ws.connect(&lock).await;
    ws.connect(&lock).await;
    let device = ws.ok("/devices/get", json!({ "device_id": lock })).await["device"].clone();
    assert_eq!(device["properties"]["online"], true);
    assert_eq!(device["errors"], json!([]));
    let connected = events(&ws, "device.connected").await;
    assert_eq!(connected.len(), 1);
    assert_eq!(connected[0]["device_id"], lock.as_str());
    assert_eq!(
        connected[0]["connected_account_id"],
        device["connected_account_id"]
    );
    assert_eq!(
        ws.event_types(json!({ "device_id": lock })).await,
        ["device.disconnected", "device.connected"]
    );
}

#[tokio::test]
async fn the_seeded_offline_lock_can_be_connected() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let yale = ws.device_id("yale_lock").await;
    ws.connect(&yale).await;
    let online = ws
        .ok(
            "/devices/list",
            json!({ "device_ids": [yale], "include_if": ["can_simulate_disconnection"] }),
        )
        .await;
    assert_eq!(online["devices"][0]["properties"]["online"], true);
    // A code on it is now set like on any online lock.
    let created = ws.create_code(&yale, json!({ "code": "2468" })).await;
    let id = created["access_code"]["access_code_id"].clone();
    ws.wait_for("the code to be set", |state| {
        state["access_codes"][0]["status"] == "set"
    })
    .await;
    assert_eq!(ws.code(&id).await["status"], "set");
}

#[tokio::test]
async fn simulating_needs_a_device_of_the_workspace() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let other = sim.workspace().await;
    let theirs = other.device_id("august_lock").await;
    for path in ["/devices/simulate/disconnect", "/devices/simulate/connect"] {
        ws.call(path, json!({ "device_id": theirs }))
            .await
            .assert_error(404, "device_not_found");
        ws.call(path, json!({}))
            .await
            .assert_error(400, "invalid_input");
        ws.call(path, json!({ "device_id": "front-door" }))
            .await
            .assert_error(400, "invalid_input");
        sim.send(path, None, Some(json!({ "device_id": theirs })))
            .await
            .assert_error(401, "unauthorized");
    }
    let device = other.device("august_lock").await;
    assert_eq!(device["properties"]["online"], true);
}

#[tokio::test]
async fn a_code_that_failed_on_an_offline_lock_is_set_once_the_lock_is_back() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let yale = ws.device_id("yale_lock").await;
    let created = ws.create_code(&yale, json!({ "code": "1357" })).await;
    let id = created["access_code"]["access_code_id"].clone();
    ws.advance(400.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "setting");
    assert_eq!(code["errors"][0]["error_code"], "failed_to_set_on_device");

    ws.connect(&yale).await;
    let connected_at = time(&events(&ws, "device.connected").await[0]["occurred_at"]);
    ws.advance(30.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "setting", "set only after the set delay");
    assert_eq!(code["errors"][0]["error_code"], "failed_to_set_on_device");
    ws.advance(31.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "set");
    assert_eq!(code["errors"], json!([]));
    assert_eq!(code["warnings"], json!([]));
    assert_eq!(
        ws.event_types(of_code(&id)).await,
        [
            "access_code.created",
            "access_code.delay_in_setting_on_device",
            "access_code.failed_to_set_on_device",
            "access_code.set_on_device",
        ]
    );
    let set = &events(&ws, "access_code.set_on_device").await[0];
    assert_eq!(set["code"], "1357");
    let set_at = time(&set["occurred_at"]);
    assert_eq!(set_at, connected_at + TimeDelta::seconds(60));
}

#[tokio::test]
async fn a_code_asked_for_while_the_lock_was_away_is_set_when_it_returns() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    ws.disconnect(&lock).await;
    let created = ws.create_code(&lock, json!({})).await;
    let id = created["access_code"]["access_code_id"].clone();
    ws.advance(30.0).await;
    ws.connect(&lock).await;
    ws.advance(61.0).await;
    assert_eq!(ws.code(&id).await["status"], "set");
    assert_eq!(
        ws.event_types(of_code(&id)).await,
        ["access_code.created", "access_code.set_on_device"]
    );
    let attempt = attempt_of(&ws, &created).await;
    assert_eq!(attempt["status"], "success");
    assert_eq!(attempt["result"]["access_code"]["status"], "set");
}

#[tokio::test]
async fn removal_waits_for_an_offline_lock_warns_fails_and_finishes_when_it_is_back() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let created = ws.create_code(&lock, json!({ "code": "9753" })).await;
    let id = created["access_code"]["access_code_id"].clone();
    ws.advance(61.0).await;
    ws.disconnect(&lock).await;
    let deleted = ws.ok("/access_codes/delete", of_code(&id)).await;

    ws.advance(61.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "removing");
    let warnings: Vec<&str> = code["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["warning_code"].as_str().unwrap())
        .collect();
    assert_eq!(warnings, ["being_deleted", "delay_in_removing_from_device"]);
    assert_eq!(code["errors"], json!([]));
    assert_eq!(code["pending_mutations"][0]["mutation_code"], "deleting");

    ws.advance(301.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "removing");
    assert_eq!(
        code["errors"][0]["error_code"],
        "failed_to_remove_from_device"
    );
    assert_eq!(code["errors"][0]["is_access_code_error"], true);
    let listed = ws
        .ok("/access_codes/list", json!({ "device_id": lock }))
        .await;
    assert_eq!(listed["access_codes"][0]["access_code_id"], id);
    let attempt = attempt_of(&ws, &deleted).await;
    assert_eq!(attempt["status"], "error");
    assert_eq!(attempt["error"]["type"], "failed_to_remove_from_device");
    let failed = &events(&ws, "access_code.failed_to_remove_from_device").await[0];
    assert_eq!(
        failed["access_code_errors"][0]["error_code"],
        "failed_to_remove_from_device"
    );
    assert_eq!(
        failed["device_errors"][0]["error_code"],
        "device_disconnected"
    );
    let delayed = &events(&ws, "access_code.delay_in_removing_from_device").await[0];
    assert_eq!(
        delayed["access_code_warnings"][1]["warning_code"],
        "delay_in_removing_from_device"
    );

    ws.connect(&lock).await;
    ws.advance(30.0).await;
    assert_eq!(ws.code(&id).await["status"], "removing");
    ws.advance(31.0).await;
    ws.call("/access_codes/get", of_code(&id))
        .await
        .assert_error(404, "access_code_not_found");
    assert_eq!(
        ws.event_types(of_code(&id)).await,
        [
            "access_code.created",
            "access_code.set_on_device",
            "access_code.delay_in_removing_from_device",
            "access_code.failed_to_remove_from_device",
            "access_code.removed_from_device",
            "access_code.deleted",
        ]
    );
}

#[tokio::test]
async fn an_expired_code_on_an_offline_lock_stays_removing_until_the_lock_is_back() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let now = ws.now().await;
    let created = ws
        .create_code(
            &lock,
            json!({ "starts_at": at(now, 60), "ends_at": at(now, 3600) }),
        )
        .await;
    let id = created["access_code"]["access_code_id"].clone();
    ws.advance(200.0).await;
    assert_eq!(ws.code(&id).await["status"], "set");
    ws.disconnect(&lock).await;
    // Ends at +3600 s; the removal is warned about a minute later and fails five after that.
    ws.advance(4000.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "removing");
    assert_eq!(
        code["errors"][0]["error_code"],
        "failed_to_remove_from_device"
    );
    ws.connect(&lock).await;
    ws.advance(61.0).await;
    ws.call("/access_codes/get", of_code(&id))
        .await
        .assert_error(404, "access_code_not_found");
    let types = ws.event_types(of_code(&id)).await;
    assert_eq!(
        types[types.len() - 2..],
        ["access_code.removed_from_device", "access_code.deleted"]
    );
}

#[tokio::test]
async fn a_code_being_set_waits_too_but_one_the_lock_never_saw_does_not() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let yale = ws.device_id("yale_lock").await;
    let now = ws.now().await;
    let setting = ws.create_code(&yale, json!({})).await["access_code"]["access_code_id"].clone();
    let future = ws
        .create_code(
            &yale,
            json!({ "starts_at": at(now, 86_400), "ends_at": at(now, 2 * 86_400) }),
        )
        .await["access_code"]["access_code_id"]
        .clone();
    ws.ok("/access_codes/delete", of_code(&setting)).await;
    ws.ok("/access_codes/delete", of_code(&future)).await;
    ws.advance(61.0).await;
    // The lock was being given the first one, so it must confirm the removal...
    let code = ws.code(&setting).await;
    assert_eq!(code["status"], "removing");
    assert_eq!(
        code["warnings"][1]["warning_code"],
        "delay_in_removing_from_device"
    );
    // ...while the second never left Seam.
    ws.call("/access_codes/get", of_code(&future))
        .await
        .assert_error(404, "access_code_not_found");
    assert_eq!(
        ws.event_types(of_code(&future)).await,
        ["access_code.created", "access_code.deleted"]
    );

    ws.connect(&yale).await;
    ws.advance(61.0).await;
    ws.call("/access_codes/get", of_code(&setting))
        .await
        .assert_error(404, "access_code_not_found");
    // It never was on the lock, so only its deletion is announced.
    assert_eq!(
        ws.event_types(of_code(&setting)).await,
        [
            "access_code.created",
            "access_code.delay_in_removing_from_device",
            "access_code.deleted",
        ]
    );
}
