//! Access codes through their lifecycle on the simulator clock, as the smart-lock guide
//! describes it. Codes take a minute to set or remove here (`TestSim::start_slow`), and the
//! clock is moved explicitly, so no assertion depends on how fast the machine is.

use serde_json::{json, Value};

use crate::helpers::{at, TestSim};

fn of_code(id: &Value) -> Value {
    json!({ "access_code_id": id })
}

#[tokio::test]
async fn an_ongoing_code_is_set_after_the_set_delay() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let created = ws.create_code(&lock, json!({ "code": "1234" })).await;
    let id = created["access_code"]["access_code_id"].clone();
    let attempt_id = created["action_attempt"]["action_attempt_id"].clone();
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "setting");
    assert_eq!(code["pending_mutations"][0]["mutation_code"], "creating");

    ws.advance(61.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "set");
    assert_eq!(code["pending_mutations"], json!([]));
    assert_eq!(
        ws.event_types(of_code(&id)).await,
        ["access_code.created", "access_code.set_on_device"]
    );
    let set = ws
        .ok(
            "/events/list",
            json!({ "since": "2000-01-01T00:00:00Z", "event_type": "access_code.set_on_device" }),
        )
        .await;
    assert_eq!(set["events"][0]["code"], "1234");
    assert_eq!(set["events"][0]["device_id"], lock.as_str());

    let attempt = ws
        .ok(
            "/action_attempts/get",
            json!({ "action_attempt_id": attempt_id }),
        )
        .await["action_attempt"]
        .clone();
    assert_eq!(attempt["status"], "success");
    assert_eq!(attempt["result"]["access_code"]["access_code_id"], id);
}

#[tokio::test]
async fn a_time_bound_code_waits_unset_then_is_set_and_removed_after_it_ends() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let now = ws.now().await;
    let (starts_at, ends_at) = (at(now, 3600), at(now, 3 * 3600));
    let created = ws
        .create_code(
            &lock,
            json!({ "name": "guest", "starts_at": starts_at, "ends_at": ends_at }),
        )
        .await;
    let code = &created["access_code"];
    let id = code["access_code_id"].clone();
    assert_eq!(code["type"], "time_bound");
    assert_eq!(code["status"], "unset");
    assert_eq!(code["is_scheduled_on_device"], false);
    assert_eq!(code["starts_at"], starts_at.as_str());
    assert_eq!(code["ends_at"], ends_at.as_str());

    ws.advance(1800.0).await;
    assert_eq!(ws.code(&id).await["status"], "unset");
    ws.advance(1801.0).await;
    assert_eq!(ws.code(&id).await["status"], "setting");
    ws.advance(60.0).await;
    assert_eq!(ws.code(&id).await["status"], "set");

    // Just past the end (set at about +3661 s, ends at +10800 s, gone a minute later).
    ws.advance(7160.0).await;
    let removing = ws.code(&id).await;
    assert_eq!(removing["status"], "removing");
    ws.advance(61.0).await;
    ws.call("/access_codes/get", of_code(&id))
        .await
        .assert_error(404, "access_code_not_found");
    assert_eq!(
        ws.event_types(of_code(&id)).await,
        [
            "access_code.created",
            "access_code.set_on_device",
            "access_code.removed_from_device",
            "access_code.deleted",
        ]
    );
}

#[tokio::test]
async fn a_lock_that_schedules_natively_gets_the_code_72_hours_ahead_but_shows_unset() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("schlage_lock").await;
    assert_eq!(ws.state().await["device_native_scheduling"][&lock], true);
    let now = ws.now().await;
    let starts_in = 5 * 86_400;
    let created = ws
        .create_code(
            &lock,
            json!({ "starts_at": at(now, starts_in), "ends_at": at(now, starts_in + 86_400) }),
        )
        .await;
    let id = created["access_code"]["access_code_id"].clone();

    // 73 hours before the start: not yet preloaded.
    ws.advance((starts_in - 73 * 3600) as f64).await;
    let code = ws.code(&id).await;
    assert_eq!(code["is_scheduled_on_device"], false);
    // 71 hours before: preloaded, still unset.
    ws.advance(2.0 * 3600.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["is_scheduled_on_device"], true);
    assert_eq!(code["status"], "unset");
    assert_eq!(code["pending_mutations"], json!([]));
    // At the start it is set at once, without a `setting` phase.
    ws.advance(71.0 * 3600.0 + 1.0).await;
    assert_eq!(ws.code(&id).await["status"], "set");
    assert_eq!(
        ws.event_types(of_code(&id)).await,
        [
            "access_code.created",
            "access_code.scheduled_on_device",
            "access_code.set_on_device",
        ]
    );
}

#[tokio::test]
async fn a_code_that_prefers_no_native_scheduling_is_not_preloaded() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("schlage_lock").await;
    let now = ws.now().await;
    let created = ws
        .create_code(
            &lock,
            json!({
                "starts_at": at(now, 86_400),
                "ends_at": at(now, 2 * 86_400),
                "prefer_native_scheduling": false,
            }),
        )
        .await;
    ws.advance(3600.0).await;
    let code = ws.code(&created["access_code"]["access_code_id"]).await;
    assert_eq!(code["is_scheduled_on_device"], false);
}

#[tokio::test]
async fn an_offline_lock_delays_then_fails_the_code() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device("yale_lock").await;
    assert_eq!(lock["properties"]["online"], false);
    let created = ws
        .create_code(lock["device_id"].as_str().unwrap(), json!({}))
        .await;
    let id = created["access_code"]["access_code_id"].clone();
    let attempt_id = created["action_attempt"]["action_attempt_id"].clone();

    ws.advance(90.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "setting");
    assert_eq!(
        code["warnings"][0]["warning_code"],
        "delay_in_setting_on_device"
    );
    assert_eq!(code["errors"], json!([]));

    ws.advance(301.0).await;
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "setting");
    assert_eq!(code["errors"][0]["error_code"], "failed_to_set_on_device");
    assert_eq!(code["errors"][0]["is_access_code_error"], true);
    assert_eq!(
        ws.event_types(of_code(&id)).await,
        [
            "access_code.created",
            "access_code.delay_in_setting_on_device",
            "access_code.failed_to_set_on_device",
        ]
    );
    let failed = ws
        .ok(
            "/events/list",
            json!({ "since": "2000-01-01T00:00:00Z", "event_type": "access_code.failed_to_set_on_device" }),
        )
        .await;
    assert_eq!(
        failed["events"][0]["device_errors"][0]["error_code"],
        "device_disconnected"
    );
    let attempt = ws
        .ok(
            "/action_attempts/get",
            json!({ "action_attempt_id": attempt_id }),
        )
        .await["action_attempt"]
        .clone();
    assert_eq!(attempt["status"], "error");
    assert_eq!(attempt["error"]["type"], "failed_to_set_on_device");
}

#[tokio::test]
async fn a_deleted_code_is_removing_then_gone() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let created = ws.create_code(&lock, json!({})).await;
    let id = created["access_code"]["access_code_id"].clone();
    ws.advance(61.0).await;

    let deleted = ws.ok("/access_codes/delete", of_code(&id)).await;
    let attempt = deleted["action_attempt"].clone();
    assert_eq!(attempt["action_type"], "DELETE_ACCESS_CODE");
    assert_eq!(attempt["status"], "pending");
    let code = ws.code(&id).await;
    assert_eq!(code["status"], "removing");
    assert_eq!(code["warnings"][0]["warning_code"], "being_deleted");

    ws.advance(61.0).await;
    ws.call("/access_codes/get", of_code(&id))
        .await
        .assert_error(404, "access_code_not_found");
    let attempt = ws
        .ok(
            "/action_attempts/get",
            json!({ "action_attempt_id": attempt["action_attempt_id"] }),
        )
        .await;
    assert_eq!(attempt["action_attempt"]["status"], "success");
    assert_eq!(
        ws.event_types(of_code(&id)).await,
        [
            "access_code.created",
            "access_code.set_on_device",
            "access_code.removed_from_device",
            "access_code.deleted",
        ]
    );
}

#[tokio::test]
async fn a_code_deleted_before_it_started_was_never_on_the_lock() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let now = ws.now().await;
    let created = ws
        .create_code(
            &lock,
            json!({ "starts_at": at(now, 86_400), "ends_at": at(now, 2 * 86_400) }),
        )
        .await;
    let id = created["access_code"]["access_code_id"].clone();
    ws.ok("/access_codes/delete", of_code(&id)).await;
    ws.advance(61.0).await;
    assert_eq!(
        ws.event_types(of_code(&id)).await,
        ["access_code.created", "access_code.deleted"]
    );
}
