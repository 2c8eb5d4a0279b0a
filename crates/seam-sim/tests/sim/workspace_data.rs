//! Workspaces as data: custom seeds, seeds added later, reset, clocks that are read, set,
//! frozen and unfrozen, and devices taken offline through the control surface.

use serde_json::{json, Value};

use crate::helpers::{ids, TestSim};

#[tokio::test]
async fn an_empty_seed_gives_an_empty_workspace() {
    let sim = TestSim::start().await;
    let ws = sim.seeded(json!({})).await;
    assert_eq!(
        ws.ok("/devices/list", json!({})).await["devices"],
        json!([])
    );
    assert_eq!(
        ws.ok("/acs/systems/list", json!({})).await["acs_systems"],
        json!([])
    );
}

#[tokio::test]
async fn a_custom_seed_brings_its_systems_groups_and_constrained_locks() {
    let sim = TestSim::start().await;
    let ws = sim
        .seeded(json!({
            "acs_systems": [{
                "kind": "salto_ks_site",
                "name": "Dock Street",
                "entrances": [{ "name": "Gate" }, { "name": "Pool" }],
                "access_groups": [{ "name": "Swimmers", "entrances": ["Pool"] }],
            }],
            "locks": [{
                "name": "Shed",
                "model": "schlage",
                "supported_code_lengths": [4],
                "code_constraints": [{ "constraint_type": "no_zeros" }],
            }],
        }))
        .await;
    let systems = ws.ok("/acs/systems/list", json!({})).await;
    assert_eq!(systems["acs_systems"][0]["name"], "Dock Street");
    let groups = ws.ok("/acs/access_groups/list", json!({})).await;
    assert_eq!(groups["acs_access_groups"][0]["name"], "Swimmers");
    let device = ws.ok("/devices/list", json!({})).await["devices"][0].clone();
    assert_eq!(device["display_name"], "Shed");
    assert_eq!(
        device["properties"]["code_constraints"],
        json!([{ "constraint_type": "no_zeros" }])
    );
    assert_eq!(device["properties"]["supported_code_lengths"], json!([4]));
    ws.call(
        "/access_codes/create",
        json!({ "device_id": device["device_id"], "code": "1020" }),
    )
    .await
    .assert_error(400, "invalid_code");
    let code = ws
        .create_code(device["device_id"].as_str().unwrap(), json!({}))
        .await;
    let pin = code["access_code"]["code"].as_str().unwrap();
    assert_eq!(pin.len(), 4);
    assert!(!pin.contains('0'), "{pin}");
}

#[tokio::test]
async fn a_seed_naming_an_unknown_model_or_door_is_refused() {
    let sim = TestSim::start().await;
    for seed in [
        json!({ "locks": [{ "name": "X", "model": "acme" }] }),
        json!({ "acs_systems": [{ "kind": "salto_ks_site", "name": "S",
            "access_groups": [{ "name": "G", "entrances": ["Nowhere"] }] }] }),
        json!({ "locks": [{ "name": "X", "colour": "red" }] }),
    ] {
        let answer = sim
            .send("/_sim/workspaces", None, Some(json!({ "seed": seed })))
            .await;
        answer.assert_error(400, "invalid_input");
    }
}

#[tokio::test]
async fn a_seed_adds_locks_to_a_workspace_and_reset_takes_it_back_to_its_creation() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let before = ids(
        &ws.ok("/devices/list", json!({})).await["devices"],
        "device_id",
    );
    let added = ws
        .ok(
            "/_sim/seed",
            json!({ "seed": { "locks": [{ "name": "Annex", "online": false }] } }),
        )
        .await;
    assert_eq!(added["devices"][0]["display_name"], "Annex");
    assert_eq!(added["devices"][0]["properties"]["online"], false);
    ws.ok("/user_identities/create", json!({ "full_name": "Jane" }))
        .await;
    assert_eq!(
        ws.ok("/devices/list", json!({})).await["devices"]
            .as_array()
            .unwrap()
            .len(),
        before.len() + 1
    );

    // Back to what it was created with: the same seeded ids, nothing added since.
    ws.ok("/_sim/reset", json!({})).await;
    let after = ws.ok("/devices/list", json!({})).await;
    assert_eq!(ids(&after["devices"], "device_id"), before);
    assert_eq!(
        ws.ok("/user_identities/list", json!({})).await["user_identities"],
        json!([])
    );
}

async fn clock(sim: &TestSim, key: Option<&str>) -> Value {
    let mut request = sim.http.get(format!("{}/_sim/clock", sim.base_url()));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    crate::helpers::answer(request).await.body
}

#[tokio::test]
async fn a_clock_can_be_frozen_set_advanced_and_let_run_but_not_turned_back() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let frozen = ws.ok("/_sim/clock/freeze", json!({})).await;
    assert_eq!(frozen["frozen"], true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(clock(&sim, Some(&ws.key)).await["now"], frozen["now"]);
    let set = ws
        .ok("/_sim/clock/set", json!({ "now": "2031-05-01T12:00:00Z" }))
        .await;
    assert_eq!(set["now"], "2031-05-01T12:00:00.000Z");
    let moved = ws.advance(90.0).await;
    assert_eq!(moved["now"], "2031-05-01T12:01:30.000Z");
    ws.call("/_sim/clock/set", json!({ "now": "2030-01-01T00:00:00Z" }))
        .await
        .assert_error(400, "invalid_input");
    let running = ws.ok("/_sim/clock/unfreeze", json!({})).await;
    assert_eq!(running["frozen"], false);
    // Other workspaces' clocks were left alone.
    assert_eq!(clock(&sim, None).await["frozen"], false);
}

#[tokio::test]
async fn a_device_taken_offline_through_the_control_surface_is_announced() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let answer = ws
        .ok(
            "/_sim/devices/online",
            json!({ "device_id": lock, "online": false }),
        )
        .await;
    assert_eq!(answer["device"]["properties"]["online"], false);
    assert_eq!(
        ws.event_types(json!({ "device_id": lock })).await,
        ["device.disconnected"]
    );
    // Only the two lists were Seam calls.
    assert_eq!(ws.calls().await["total"], 2);
}
