//! Connected accounts: listed and got as Seam renders them; disconnected through Seam's
//! sandbox switch (`/connected_accounts/simulate/disconnect`), which cuts off every lock behind
//! the account and holds up its codes, until the control surface connects it again.

use serde_json::{json, Value};

use crate::helpers::{ids, TestSim, Ws};

async fn account_of(ws: &Ws<'_>, device_id: &str) -> String {
    ws.ok("/devices/get", json!({ "device_id": device_id }))
        .await["device"]["connected_account_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn account(ws: &Ws<'_>, id: &str) -> Value {
    ws.ok(
        "/connected_accounts/get",
        json!({ "connected_account_id": id }),
    )
    .await["connected_account"]
        .clone()
}

async fn events(ws: &Ws<'_>, filter: Value) -> Vec<Value> {
    let mut body = json!({ "since": "2000-01-01T00:00:00Z" });
    crate::helpers::merge(&mut body, filter);
    ws.ok("/events/list", body).await["events"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn every_device_and_system_has_a_listed_connected_account() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let listed = ws.ok("/connected_accounts/list", json!({})).await;
    let accounts = listed["connected_accounts"].as_array().unwrap();
    let types: Vec<&str> = accounts
        .iter()
        .map(|a| a["account_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["latch", "salto_ks", "august", "schlage", "yale", "nuki"]
    );
    assert_eq!(listed["pagination"]["has_next_page"], false);
    let account_ids = ids(&listed["connected_accounts"], "connected_account_id");
    let devices = ws.ok("/devices/list", json!({})).await;
    for device in devices["devices"].as_array().unwrap() {
        let id = device["connected_account_id"].as_str().unwrap().to_owned();
        assert!(account_ids.contains(&id), "{device:#}");
    }
    let systems = ws.ok("/acs/systems/list", json!({})).await;
    for system in systems["acs_systems"].as_array().unwrap() {
        let id = system["connected_account_id"].as_str().unwrap().to_owned();
        assert!(account_ids.contains(&id), "{system:#}");
    }
    let august = &accounts[2];
    assert_eq!(august["errors"], json!([]));
    assert_eq!(august["accepted_capabilities"], json!(["lock"]));
    let id = august["connected_account_id"].as_str().unwrap();
    assert_eq!(account(&ws, id).await, *august);
    let searched = ws
        .ok("/connected_accounts/list", json!({ "search": "salto" }))
        .await;
    assert_eq!(
        searched["connected_accounts"][0]["account_type"],
        "salto_ks"
    );
    assert_eq!(searched["connected_accounts"].as_array().unwrap().len(), 1);

    let other = sim.workspace().await;
    let theirs = account_of(&other, &other.device_id("august_lock").await).await;
    ws.call(
        "/connected_accounts/get",
        json!({ "connected_account_id": theirs }),
    )
    .await
    .assert_error(404, "connected_account_not_found");
    ws.call(
        "/connected_accounts/simulate/disconnect",
        json!({ "connected_account_id": theirs }),
    )
    .await
    .assert_error(404, "connected_account_not_found");
    ws.call("/connected_accounts/simulate/disconnect", json!({}))
        .await
        .assert_error(400, "invalid_input");
}

#[tokio::test]
async fn a_disconnected_account_cuts_off_its_locks_and_holds_up_their_codes_until_reconnected() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let kept = ws.create_code(&lock, json!({ "code": "1357" })).await["access_code"]
        ["access_code_id"]
        .clone();
    ws.advance(61.0).await;
    assert_eq!(ws.code(&kept).await["status"], "set");
    let account_id = account_of(&ws, &lock).await;
    let body = json!({ "connected_account_id": account_id });

    let answer = ws
        .ok("/connected_accounts/simulate/disconnect", body.clone())
        .await;
    assert_eq!(answer, json!({ "ok": true }));
    let disconnected = account(&ws, &account_id).await;
    assert_eq!(
        disconnected["errors"][0]["error_code"],
        "account_disconnected"
    );
    let device = ws.ok("/devices/get", json!({ "device_id": lock })).await["device"].clone();
    assert_eq!(device["properties"]["online"], false);
    assert_eq!(device["errors"][0]["error_code"], "account_disconnected");
    assert_eq!(device["errors"][0]["is_connected_account_error"], true);
    assert_eq!(device["errors"][0]["is_device_error"], false);
    // Another account's lock is not touched.
    let other = ws.ok("/devices/get", json!({ "device_id": schlage })).await["device"].clone();
    assert_eq!(other["properties"]["online"], true);

    let announced = events(&ws, json!({ "connected_account_id": account_id })).await;
    let types: Vec<&str> = announced
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types[types.len() - 2..],
        ["connected_account.disconnected", "device.disconnected"]
    );
    let account_event = &announced[announced.len() - 2];
    assert_eq!(
        account_event["connected_account_errors"][0]["error_code"],
        "account_disconnected"
    );
    assert_eq!(account_event["connected_account_warnings"], json!([]));
    let device_event = &announced[announced.len() - 1];
    assert_eq!(device_event["device_id"], lock.as_str());
    assert_eq!(device_event["error_code"], "account_disconnected");
    assert_eq!(device_event["device_errors"], json!([]));
    assert_eq!(
        device_event["connected_account_errors"][0]["error_code"],
        "account_disconnected"
    );
    // Asking again announces nothing.
    ws.ok("/connected_accounts/simulate/disconnect", body.clone())
        .await;
    assert_eq!(
        events(&ws, json!({ "connected_account_id": account_id }))
            .await
            .len(),
        announced.len()
    );

    // Its lock is offline for its codes: a new one is not set, the old one not removed.
    let new = ws.create_code(&lock, json!({})).await["access_code"]["access_code_id"].clone();
    ws.ok("/access_codes/delete", json!({ "access_code_id": kept }))
        .await;
    ws.advance(61.0).await;
    let code = ws.code(&new).await;
    assert_eq!(code["status"], "setting");
    assert_eq!(
        code["warnings"][0]["warning_code"],
        "delay_in_setting_on_device"
    );
    assert_eq!(ws.code(&kept).await["status"], "removing");
    let delayed = &events(
        &ws,
        json!({ "event_type": "access_code.delay_in_setting_on_device" }),
    )
    .await[0];
    assert_eq!(
        delayed["connected_account_errors"][0]["error_code"],
        "account_disconnected"
    );

    // Connected again: announced, and the codes move on after their usual delay.
    let reconnected = ws.ok("/_sim/connected_accounts/reconnect", body).await;
    assert_eq!(reconnected["connected_account"]["errors"], json!([]));
    let device = ws.ok("/devices/get", json!({ "device_id": lock })).await["device"].clone();
    assert_eq!(device["properties"]["online"], true);
    assert_eq!(device["errors"], json!([]));
    ws.advance(61.0).await;
    assert_eq!(ws.code(&new).await["status"], "set");
    ws.call("/access_codes/get", json!({ "access_code_id": kept }))
        .await
        .assert_error(404, "access_code_not_found");
    let announced = events(&ws, json!({ "connected_account_id": account_id })).await;
    let types: Vec<&str> = announced
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert!(
        types
            .windows(2)
            .any(|w| w == ["connected_account.connected", "device.connected"]),
        "{types:?}"
    );
}

#[tokio::test]
async fn a_lock_already_offline_is_not_announced_again_when_its_account_goes() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let yale = ws.device_id("yale_lock").await;
    let account_id = account_of(&ws, &yale).await;
    ws.ok(
        "/connected_accounts/simulate/disconnect",
        json!({ "connected_account_id": account_id }),
    )
    .await;
    let device = ws.ok("/devices/get", json!({ "device_id": yale })).await["device"].clone();
    let codes: Vec<&str> = device["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["error_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["device_disconnected", "account_disconnected"]);
    assert_eq!(
        ws.event_types(json!({ "connected_account_id": account_id }))
            .await,
        ["connected_account.disconnected"]
    );
    // Back, the account still leaves the lock offline: no device event either.
    ws.ok(
        "/_sim/connected_accounts/reconnect",
        json!({ "connected_account_id": account_id }),
    )
    .await;
    assert_eq!(
        ws.event_types(json!({ "connected_account_id": account_id }))
            .await,
        [
            "connected_account.disconnected",
            "connected_account.connected"
        ]
    );
}
