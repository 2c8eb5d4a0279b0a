//! User identities: unique keys (the natural idempotency key), lookup by key, deletion.

use serde_json::json;

use crate::helpers::TestSim;

#[tokio::test]
async fn a_user_identity_key_can_be_used_only_once() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let first = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "resident-42", "full_name": "Jane Doe" }),
        )
        .await["user_identity"]
        .clone();
    assert_eq!(first["user_identity_key"], "resident-42");
    assert_eq!(first["display_name"], "Jane Doe");
    assert_eq!(first["acs_user_ids"], json!([]));

    ws.call(
        "/user_identities/create",
        json!({ "user_identity_key": "resident-42", "full_name": "Someone Else" }),
    )
    .await
    .assert_error(400, "user_identity_key_already_in_use");
    assert_eq!(
        ws.state().await["user_identities"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let other = sim.workspace().await;
    other
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "resident-42" }),
        )
        .await;
}

#[tokio::test]
async fn an_email_address_can_be_used_only_once() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.ok(
        "/user_identities/create",
        json!({ "email_address": "jane@example.com" }),
    )
    .await;
    ws.call(
        "/user_identities/create",
        json!({ "email_address": "Jane@Example.com" }),
    )
    .await
    .assert_error(400, "user_identity_email_address_already_in_use");
}

#[tokio::test]
async fn a_user_identity_can_be_found_by_its_key() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let created = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "resident-7" }),
        )
        .await["user_identity"]
        .clone();
    let found = ws
        .ok(
            "/user_identities/get",
            json!({ "user_identity_key": "resident-7" }),
        )
        .await;
    assert_eq!(found["user_identity"], created);
    ws.call(
        "/user_identities/get",
        json!({ "user_identity_key": "resident-8" }),
    )
    .await
    .assert_error(404, "user_identity_not_found");
    ws.call("/user_identities/get", json!({}))
        .await
        .assert_error(400, "invalid_input");
}

#[tokio::test]
async fn deleting_an_identity_deletes_its_users_and_credentials() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let identity = ws.ok("/user_identities/create", json!({})).await["user_identity"].clone();
    let user = ws
        .create_user(
            "latch_building",
            json!({ "user_identity_id": identity["user_identity_id"] }),
        )
        .await;
    let doors = ws
        .entrance_ids(user["acs_system_id"].as_str().unwrap())
        .await;
    ws.ok(
        "/acs/credentials/create",
        json!({ "acs_user_id": user["acs_user_id"], "access_method": "mobile_key", "is_multi_phone_sync_credential": true, "allowed_acs_entrance_ids": doors }),
    )
    .await;
    ws.ok(
        "/client_sessions/get_or_create",
        json!({ "user_identity_id": identity["user_identity_id"] }),
    )
    .await;

    let deleted = ws
        .ok(
            "/user_identities/delete",
            json!({ "user_identity_id": identity["user_identity_id"] }),
        )
        .await;
    assert_eq!(deleted, json!({ "ok": true }));
    let state = ws.state().await;
    for kind in [
        "user_identities",
        "acs_users",
        "acs_credentials",
        "client_sessions",
    ] {
        assert_eq!(state[kind], json!([]), "{kind} left behind");
    }
    ws.call(
        "/user_identities/get",
        json!({ "user_identity_id": identity["user_identity_id"] }),
    )
    .await
    .assert_error(404, "user_identity_not_found");
}

#[tokio::test]
async fn an_identity_created_with_systems_gets_acs_users_there() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let latch = ws.system("latch_building").await;
    let identity = ws
        .ok(
            "/user_identities/create",
            json!({ "full_name": "Sam Lee", "acs_system_ids": [latch["acs_system_id"]] }),
        )
        .await["user_identity"]
        .clone();
    let users = ws
        .ok(
            "/acs/users/list",
            json!({ "user_identity_id": identity["user_identity_id"] }),
        )
        .await;
    let users = users["acs_users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["acs_system_id"], latch["acs_system_id"]);
    assert_eq!(identity["acs_user_ids"], json!([users[0]["acs_user_id"]]));
}
