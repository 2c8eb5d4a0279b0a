//! Managing ACS users and credentials after creation: update, suspend, delete, access groups.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::helpers::{ids, TestSim, Ws};

async fn user(ws: &Ws<'_>, id: &Value) -> Value {
    ws.ok("/acs/users/get", json!({ "acs_user_id": id })).await["acs_user"].clone()
}

fn iso(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[tokio::test]
async fn an_update_changes_the_person_and_the_schedule() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws.create_user("salto_ks_site", json!({})).await;
    let id = jane["acs_user_id"].clone();
    let (starts_at, ends_at) = (iso(Duration::days(2)), iso(Duration::days(4)));
    let answer = ws
        .ok(
            "/acs/users/update",
            json!({
                "acs_user_id": id,
                "full_name": "Jane Roe",
                "email_address": "jane@example.com",
                "phone_number": "+15555550100",
                "access_schedule": { "starts_at": starts_at, "ends_at": ends_at },
            }),
        )
        .await;
    assert_eq!(answer, json!({ "ok": true }));
    let updated = user(&ws, &id).await;
    assert_eq!(updated["full_name"], "Jane Roe");
    assert_eq!(updated["email_address"], "jane@example.com");
    assert_eq!(updated["phone_number"], "+15555550100");
    assert_eq!(updated["access_schedule"]["starts_at"], starts_at.as_str());
    assert_eq!(
        updated["salto_ks_metadata"]["is_subscribed"], false,
        "Salto KS waits for the start"
    );
    assert_eq!(updated["is_suspended"], false);

    ws.ok(
        "/acs/users/update",
        json!({ "acs_user_id": id, "access_schedule": null }),
    )
    .await;
    let cleared = user(&ws, &id).await;
    assert!(cleared.get("access_schedule").is_none());
    assert_eq!(cleared["is_suspended"], false);
}

#[tokio::test]
async fn bad_updates_name_the_field() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws.create_user("latch_building", json!({})).await;
    let id = &jane["acs_user_id"];
    let cases = [
        (json!({ "full_name": "x" }), "acs_user_id"),
        (json!({ "acs_user_id": id, "full_name": "" }), "full_name"),
        (
            json!({ "acs_user_id": id, "email_address": "nope" }),
            "email_address",
        ),
        (
            json!({ "acs_user_id": id, "access_schedule": { "starts_at": iso(Duration::days(1)) } }),
            "access_schedule",
        ),
        (
            json!({ "user_identity_id": "0b9e3a56-5c4e-4d36-9d8e-8a3d4b5c6d7e" }),
            "acs_system_id",
        ),
    ];
    for (body, field) in cases {
        let answer = ws.call("/acs/users/update", body.clone()).await;
        answer.assert_error(400, "invalid_input");
        assert!(
            answer.body["error"]["validation_errors"][field].is_object(),
            "{body}: {:#}",
            answer.body
        );
    }
}

#[tokio::test]
async fn suspension_holds_until_unsuspended() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws.create_user("latch_building", json!({})).await;
    let id = jane["acs_user_id"].clone();
    ws.ok("/acs/users/suspend", json!({ "acs_user_id": id }))
        .await;
    assert_eq!(user(&ws, &id).await["is_suspended"], true);
    ws.ok("/acs/users/unsuspend", json!({ "acs_user_id": id }))
        .await;
    assert_eq!(user(&ws, &id).await["is_suspended"], false);
    ws.call(
        "/acs/users/suspend",
        json!({ "acs_user_id": "0b9e3a56-5c4e-4d36-9d8e-8a3d4b5c6d7e" }),
    )
    .await
    .assert_error(404, "acs_user_not_found");
}

#[tokio::test]
async fn users_are_found_through_their_identity_too() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let salto = ws.system("salto_ks_site").await;
    let identity = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "resident-7", "acs_system_ids": [salto["acs_system_id"]] }),
        )
        .await["user_identity"]
        .clone();
    let by_identity = json!({
        "user_identity_id": identity["user_identity_id"],
        "acs_system_id": salto["acs_system_id"],
    });
    ws.ok("/acs/users/suspend", by_identity.clone()).await;
    let users = ws
        .ok(
            "/user_identities/list_acs_users",
            json!({ "user_identity_id": identity["user_identity_id"] }),
        )
        .await;
    assert_eq!(users["acs_users"][0]["is_suspended"], true);
    ws.ok("/acs/users/delete", by_identity.clone()).await;
    ws.call("/acs/users/delete", by_identity)
        .await
        .assert_error(404, "acs_user_not_found");
}

#[tokio::test]
async fn deleting_a_user_deletes_its_credentials() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws.create_user("salto_ks_site", json!({})).await;
    let credential = ws
        .ok(
            "/acs/credentials/create",
            json!({ "acs_user_id": jane["acs_user_id"], "access_method": "code" }),
        )
        .await["acs_credential"]
        .clone();
    ws.ok(
        "/acs/users/delete",
        json!({ "acs_user_id": jane["acs_user_id"] }),
    )
    .await;
    ws.call(
        "/acs/users/get",
        json!({ "acs_user_id": jane["acs_user_id"] }),
    )
    .await
    .assert_error(404, "acs_user_not_found");
    ws.call(
        "/acs/credentials/get",
        json!({ "acs_credential_id": credential["acs_credential_id"] }),
    )
    .await
    .assert_error(404, "acs_credential_not_found");
    assert_eq!(ws.state().await["acs_credentials"], json!([]));
}

#[tokio::test]
async fn credentials_are_deleted_and_their_end_moved() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws.create_user("latch_building", json!({})).await;
    let doors = ws
        .entrance_ids(jane["acs_system_id"].as_str().unwrap())
        .await;
    let key = ws
        .ok(
            "/acs/credentials/create",
            json!({
                "acs_user_id": jane["acs_user_id"],
                "access_method": "mobile_key", "is_multi_phone_sync_credential": true,
                "allowed_acs_entrance_ids": doors,
                "is_multi_phone_sync_credential": true,
                "ends_at": iso(Duration::days(30)),
            }),
        )
        .await["acs_credential"]
        .clone();
    let id = key["acs_credential_id"].clone();
    let new_end = iso(Duration::days(60));
    let updated = ws
        .ok(
            "/acs/credentials/update",
            json!({ "acs_credential_id": id, "ends_at": new_end }),
        )
        .await;
    assert_eq!(updated["acs_credential"]["ends_at"], new_end.as_str());
    ws.call(
        "/acs/credentials/update",
        json!({ "acs_credential_id": id, "ends_at": iso(-Duration::days(1)) }),
    )
    .await
    .assert_error(400, "invalid_input");
    ws.call(
        "/acs/credentials/update",
        json!({ "acs_credential_id": id, "code": "123456" }),
    )
    .await
    .assert_error(400, "cannot_specify_pin_code");
    ws.call("/acs/credentials/update", json!({}))
        .await
        .assert_error(400, "invalid_input");

    ws.ok(
        "/acs/credentials/delete",
        json!({ "acs_credential_id": id }),
    )
    .await;
    ws.call("/acs/credentials/get", json!({ "acs_credential_id": id }))
        .await
        .assert_error(404, "acs_credential_not_found");
    ws.call(
        "/acs/credentials/delete",
        json!({ "acs_credential_id": id }),
    )
    .await
    .assert_error(404, "acs_credential_not_found");
}

#[tokio::test]
async fn access_groups_are_joined_and_left_on_the_users_system_only() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let groups = ws.ok("/acs/access_groups/list", json!({})).await;
    let group_ids = ids(&groups["acs_access_groups"], "acs_access_group_id");
    let salto_user = ws.create_user("salto_ks_site", json!({})).await;
    let latch_user = ws.create_user("latch_building", json!({})).await;
    let id = salto_user["acs_user_id"].as_str().unwrap();
    for group in &group_ids {
        for _ in 0..2 {
            ws.ok(
                "/acs/users/add_to_access_group",
                json!({ "acs_user_id": id, "acs_access_group_id": group }),
            )
            .await;
        }
    }
    assert_eq!(
        ws.state().await["acs_user_access_groups"][id],
        json!(group_ids)
    );
    ws.ok(
        "/acs/users/remove_from_access_group",
        json!({ "acs_user_id": id, "acs_access_group_id": group_ids[0] }),
    )
    .await;
    assert_eq!(
        ws.state().await["acs_user_access_groups"][id],
        json!([group_ids[1]])
    );
    ws.call(
        "/acs/users/add_to_access_group",
        json!({ "acs_user_id": latch_user["acs_user_id"], "acs_access_group_id": group_ids[0] }),
    )
    .await
    .assert_error(400, "acs_access_group_not_in_acs_system");
    let missing = ws
        .call(
            "/acs/users/add_to_access_group",
            json!({ "acs_user_id": id }),
        )
        .await;
    missing.assert_error(400, "invalid_input");
    assert!(missing.body["error"]["validation_errors"]["acs_access_group_id"].is_object());
}
