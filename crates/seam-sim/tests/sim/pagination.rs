//! Cursor pagination on the lists Seam paginates, and the filters that go with them.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::{ids, TestSim};

#[tokio::test]
async fn pages_walk_every_user_once_and_honour_filters() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    for n in 0..5 {
        ws.create_user(
            "latch_building",
            json!({ "full_name": format!("Latch {n}") }),
        )
        .await;
    }
    ws.create_user("salto_ks_site", json!({ "full_name": "Salto" }))
        .await;
    let latch = ws.system("latch_building").await;

    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    let mut pages = Vec::new();
    loop {
        let page = ws
            .ok(
                "/acs/users/list",
                json!({ "acs_system_id": latch["acs_system_id"], "limit": 2, "page_cursor": cursor }),
            )
            .await;
        let users = page["acs_users"].as_array().unwrap();
        pages.push(users.len());
        for user in users {
            assert_eq!(user["acs_system_id"], latch["acs_system_id"]);
            seen.push(user["full_name"].as_str().unwrap().to_owned());
        }
        let pagination = &page["pagination"];
        if pagination["has_next_page"] == false {
            assert_eq!(pagination["next_page_cursor"], Value::Null);
            assert_eq!(pagination["next_page_url"], Value::Null);
            break;
        }
        assert!(pagination["next_page_url"]
            .as_str()
            .unwrap()
            .starts_with("http://"));
        cursor = pagination["next_page_cursor"].clone();
    }
    assert_eq!(pages, [2, 2, 1]);
    assert_eq!(
        seen,
        ["Latch 0", "Latch 1", "Latch 2", "Latch 3", "Latch 4"]
    );
}

#[tokio::test]
async fn a_cursor_cannot_be_reused_with_other_filters() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let first = ws.ok("/devices/list", json!({ "limit": 1 })).await;
    let cursor = first["pagination"]["next_page_cursor"].clone();
    assert!(cursor.is_string());
    ws.call(
        "/devices/list",
        json!({ "limit": 1, "page_cursor": cursor, "device_types": ["august_lock"] }),
    )
    .await
    .assert_error(400, "invalid_input");
    ws.call("/devices/list", json!({ "page_cursor": "not-a-cursor" }))
        .await
        .assert_error(400, "invalid_input");
}

#[tokio::test]
async fn device_and_entrance_lists_page_and_filter_too() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let all = ws.ok("/devices/list", json!({})).await;
    let device_ids = ids(&all["devices"], "device_id");
    assert_eq!(all["pagination"]["has_next_page"], false);

    let picked = ws
        .ok(
            "/devices/list",
            json!({ "device_ids": [device_ids[1], device_ids[3]] }),
        )
        .await;
    assert_eq!(
        ids(&picked["devices"], "device_id"),
        [device_ids[1].clone(), device_ids[3].clone()]
    );

    let mut entrance_ids = HashSet::new();
    let mut cursor = Value::Null;
    loop {
        let page = ws
            .ok(
                "/acs/entrances/list",
                json!({ "limit": 4, "page_cursor": cursor }),
            )
            .await;
        entrance_ids.extend(ids(&page["acs_entrances"], "acs_entrance_id"));
        if page["pagination"]["has_next_page"] == false {
            break;
        }
        cursor = page["pagination"]["next_page_cursor"].clone();
    }
    assert_eq!(entrance_ids.len(), 6);
}

#[tokio::test]
async fn credentials_list_filters_by_user_and_system() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let a = ws.create_user("latch_building", json!({})).await;
    let b = ws.create_user("latch_building", json!({})).await;
    let doors = ws.entrance_ids(a["acs_system_id"].as_str().unwrap()).await;
    for user in [&a, &b, &a] {
        ws.ok(
            "/acs/credentials/create",
            json!({ "acs_user_id": user["acs_user_id"], "access_method": "mobile_key", "is_multi_phone_sync_credential": true, "allowed_acs_entrance_ids": [doors[0]] }),
        )
        .await;
    }
    let of_a = ws
        .ok(
            "/acs/credentials/list",
            json!({ "acs_user_id": a["acs_user_id"] }),
        )
        .await;
    assert_eq!(of_a["acs_credentials"].as_array().unwrap().len(), 2);
    let salto = ws.system("salto_ks_site").await;
    let of_salto = ws
        .ok(
            "/acs/credentials/list",
            json!({ "acs_system_id": salto["acs_system_id"] }),
        )
        .await;
    assert_eq!(of_salto["acs_credentials"], json!([]));
    let page = ws.ok("/acs/credentials/list", json!({ "limit": 2 })).await;
    assert_eq!(page["acs_credentials"].as_array().unwrap().len(), 2);
    assert_eq!(page["pagination"]["has_next_page"], true);
}
