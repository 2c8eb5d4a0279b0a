//! What a new workspace contains, and that workspaces are isolated.

use serde_json::{json, Value};

use crate::helpers::{ids, TestSim};

#[tokio::test]
async fn a_new_workspace_has_a_latch_building_with_a_credential_manager() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let latch = ws.system("latch_building").await;
    assert_eq!(latch["is_credential_manager"], false);

    let entrances = ws
        .ok(
            "/acs/entrances/list",
            json!({ "acs_system_id": latch["acs_system_id"] }),
        )
        .await;
    let entrances = entrances["acs_entrances"].as_array().unwrap();
    assert_eq!(entrances.len(), 3);
    for entrance in entrances {
        assert_eq!(entrance["can_unlock_with_mobile_key"], true);
        assert_eq!(entrance["can_unlock_with_code"], true);
        assert_eq!(entrance["acs_system_id"], latch["acs_system_id"]);
    }

    let managers = ws
        .ok(
            "/acs/systems/list_compatible_credential_manager_acs_systems",
            json!({ "acs_system_id": latch["acs_system_id"] }),
        )
        .await;
    let managers = managers["acs_systems"].as_array().unwrap();
    assert_eq!(managers.len(), 1);
    assert_eq!(managers[0]["is_credential_manager"], true);
    assert_eq!(
        latch["default_credential_manager_acs_system_id"],
        managers[0]["acs_system_id"]
    );
}

#[tokio::test]
async fn a_new_workspace_has_a_salto_site_with_access_groups() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let salto = ws.system("salto_ks_site").await;
    assert_eq!(
        ws.entrance_ids(salto["acs_system_id"].as_str().unwrap())
            .await
            .len(),
        3
    );

    let groups = ws
        .ok(
            "/acs/access_groups/list",
            json!({ "acs_system_id": salto["acs_system_id"] }),
        )
        .await;
    let names: Vec<&str> = groups["acs_access_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Residents", "Gym"]);
    let none = ws
        .ok(
            "/acs/systems/list_compatible_credential_manager_acs_systems",
            json!({ "acs_system_id": salto["acs_system_id"] }),
        )
        .await;
    assert_eq!(none["acs_systems"], json!([]));
}

#[tokio::test]
async fn a_new_workspace_has_smart_locks_for_access_codes() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let devices = ws.ok("/devices/list", json!({})).await;
    let devices = devices["devices"].as_array().unwrap();
    let supports_codes = |d: &&Value| {
        d["capabilities_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("access_code"))
    };
    let coded: Vec<&Value> = devices.iter().filter(supports_codes).collect();
    assert!(coded.len() >= 3, "{coded:#?}");
    for lock in &coded {
        assert_eq!(lock["properties"]["online_access_codes_enabled"], true);
        assert_eq!(lock["can_program_online_access_codes"], true);
        assert!(!lock["properties"]["supported_code_lengths"]
            .as_array()
            .unwrap()
            .is_empty());
    }
    let offline = coded
        .iter()
        .filter(|d| d["properties"]["online"] == false)
        .count();
    assert_eq!(offline, 1);
    assert_eq!(devices.iter().filter(|d| !supports_codes(d)).count(), 1);

    let with_codes = ws
        .ok(
            "/devices/list",
            json!({ "include_if": ["can_program_online_access_codes"] }),
        )
        .await;
    assert_eq!(with_codes["devices"].as_array().unwrap().len(), coded.len());
}

#[tokio::test]
async fn workspaces_are_isolated_from_each_other() {
    let sim = TestSim::start().await;
    let a = sim.workspace().await;
    let b = sim.workspace().await;
    assert_ne!(a.key, b.key);
    assert!(a.key.starts_with("seam_"));

    let a_latch = a.system("latch_building").await;
    let b_latch = b.system("latch_building").await;
    assert_ne!(a_latch["acs_system_id"], b_latch["acs_system_id"]);
    b.call(
        "/acs/systems/get",
        json!({ "acs_system_id": a_latch["acs_system_id"] }),
    )
    .await
    .assert_error(404, "acs_system_not_found");

    a.create_user("latch_building", json!({})).await;
    let b_users = b.ok("/acs/users/list", json!({})).await;
    assert_eq!(b_users["acs_users"], json!([]));

    let workspace = b.ok("/workspaces/get", json!({})).await;
    assert_eq!(
        workspace["workspace"]["workspace_id"],
        b.workspace_id.as_str()
    );
}

#[tokio::test]
async fn create_workspace_in_process_matches_the_http_control() {
    let sim = TestSim::start().await;
    let seeded = sim.simulator().create_workspace("In process");
    let answer = sim
        .send("/acs/systems/list", Some(&seeded.api_key), None)
        .await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(ids(&answer.body["acs_systems"], "acs_system_id").len(), 3);
}
