//! Listing user identities and linking ACS users to them.

use serde_json::json;

use crate::helpers::{ids, TestSim};

#[tokio::test]
async fn identities_are_listed_paged_and_searched() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let mut made = Vec::new();
    for (key, name) in [("a", "Ann Lee"), ("b", "Bob Ray"), ("c", "Cy Lee")] {
        let identity = ws
            .ok(
                "/user_identities/create",
                json!({ "user_identity_key": key, "full_name": name }),
            )
            .await;
        made.push(identity["user_identity"]["user_identity_id"].clone());
    }
    let all = ws.ok("/user_identities/list", json!({})).await;
    assert_eq!(ids(&all["user_identities"], "user_identity_id").len(), 3);
    let page = ws.ok("/user_identities/list", json!({ "limit": 2 })).await;
    assert_eq!(page["user_identities"].as_array().unwrap().len(), 2);
    assert_eq!(page["pagination"]["has_next_page"], true);
    let lees = ws
        .ok("/user_identities/list", json!({ "search": "lee" }))
        .await;
    assert_eq!(
        ids(&lees["user_identities"], "user_identity_id"),
        [made[0].as_str().unwrap(), made[2].as_str().unwrap()]
    );
    let picked = ws
        .ok(
            "/user_identities/list",
            json!({ "user_identity_ids": [made[1]] }),
        )
        .await;
    assert_eq!(picked["user_identities"][0]["full_name"], "Bob Ray");
}

#[tokio::test]
async fn an_acs_user_is_linked_to_an_identity_once() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "jane" }),
        )
        .await["user_identity"]
        .clone();
    let user = ws.create_user("salto_ks_site", json!({})).await;
    let link =
        json!({ "acs_user_id": user["acs_user_id"], "user_identity_id": jane["user_identity_id"] });
    ws.ok("/user_identities/add_acs_user", link.clone()).await;
    ws.ok("/user_identities/add_acs_user", link).await;
    let users = ws
        .ok(
            "/user_identities/list_acs_users",
            json!({ "user_identity_id": jane["user_identity_id"] }),
        )
        .await;
    assert_eq!(
        ids(&users["acs_users"], "acs_user_id"),
        [user["acs_user_id"].as_str().unwrap()]
    );
    assert_eq!(
        users["acs_users"][0]["user_identity_id"],
        jane["user_identity_id"]
    );

    // A second user on the same system would give Jane two.
    let other = ws.create_user("salto_ks_site", json!({})).await;
    ws.call(
        "/user_identities/add_acs_user",
        json!({ "acs_user_id": other["acs_user_id"], "user_identity_id": jane["user_identity_id"] }),
    )
    .await
    .assert_error(400, "user_identity_already_has_acs_user_on_acs_system");
    // And the first user already belongs to Jane.
    ws.call(
        "/user_identities/add_acs_user",
        json!({ "acs_user_id": user["acs_user_id"], "user_identity_key": "someone-else" }),
    )
    .await
    .assert_error(400, "acs_user_already_linked_to_user_identity");
    assert_eq!(
        ws.state().await["user_identities"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "a refused link creates no identity"
    );
}

#[tokio::test]
async fn linking_by_an_unknown_key_creates_the_identity_from_the_user() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let user = ws
        .create_user(
            "latch_building",
            json!({ "full_name": "Sam Poe", "email_address": "sam@example.com" }),
        )
        .await;
    ws.ok(
        "/user_identities/add_acs_user",
        json!({ "acs_user_id": user["acs_user_id"], "user_identity_key": "sam" }),
    )
    .await;
    let sam = ws
        .ok(
            "/user_identities/get",
            json!({ "user_identity_key": "sam" }),
        )
        .await["user_identity"]
        .clone();
    assert_eq!(sam["full_name"], "Sam Poe");
    assert_eq!(sam["email_address"], "sam@example.com");
    assert_eq!(sam["acs_user_ids"], json!([user["acs_user_id"]]));

    let missing = ws
        .call(
            "/user_identities/add_acs_user",
            json!({ "acs_user_id": user["acs_user_id"] }),
        )
        .await;
    missing.assert_error(400, "invalid_input");
    assert!(missing.body["error"]["validation_errors"]["user_identity_id"].is_object());
    ws.call(
        "/user_identities/list_acs_users",
        json!({ "user_identity_id": "0b9e3a56-5c4e-4d36-9d8e-8a3d4b5c6d7e" }),
    )
    .await
    .assert_error(404, "user_identity_not_found");
}

/// Seam keeps one ACS user per identity per access system; creating a second is refused the
/// way linking a second is, with a type that says it exists already.
#[tokio::test]
async fn an_identity_gets_one_acs_user_per_system() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "jane" }),
        )
        .await["user_identity"]["user_identity_id"]
        .clone();
    let first = ws
        .create_user("salto_ks_site", json!({ "user_identity_id": jane }))
        .await;
    let site = first["acs_system_id"].clone();
    let second = ws
        .call(
            "/acs/users/create",
            json!({ "acs_system_id": site, "full_name": "Jane Again", "user_identity_id": jane }),
        )
        .await;
    second.assert_error(400, "user_identity_already_has_acs_user_on_acs_system");
    assert!(second.error_type().contains("already"));
    let message = second.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(first["acs_user_id"].as_str().unwrap()),
        "{message}"
    );
    let users = ws
        .ok(
            "/acs/users/list",
            json!({ "user_identity_id": jane, "acs_system_id": site }),
        )
        .await;
    assert_eq!(
        ids(&users["acs_users"], "acs_user_id"),
        [first["acs_user_id"].as_str().unwrap()],
        "a refused create creates nothing"
    );

    // Another system is another user; and once the first is gone, a new one may be made.
    ws.create_user("latch_building", json!({ "user_identity_id": jane }))
        .await;
    ws.ok(
        "/acs/users/delete",
        json!({ "acs_user_id": first["acs_user_id"] }),
    )
    .await;
    ws.create_user("salto_ks_site", json!({ "user_identity_id": jane }))
        .await;
    // Users without an identity are not limited.
    ws.create_user("salto_ks_site", json!({})).await;
    ws.create_user("salto_ks_site", json!({})).await;
}

#[tokio::test]
async fn an_identity_created_on_a_system_already_has_its_user_there() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let site = ws.system("salto_ks_site").await["acs_system_id"].clone();
    let sam = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "sam", "full_name": "Sam Lee", "acs_system_ids": [site] }),
        )
        .await["user_identity"]["user_identity_id"]
        .clone();
    ws.call(
        "/acs/users/create",
        json!({ "acs_system_id": site, "full_name": "Sam Lee", "user_identity_id": sam }),
    )
    .await
    .assert_error(400, "user_identity_already_has_acs_user_on_acs_system");
    // Linking is held to the same rule.
    let loose = ws.create_user("salto_ks_site", json!({})).await;
    ws.call(
        "/user_identities/add_acs_user",
        json!({ "acs_user_id": loose["acs_user_id"], "user_identity_id": sam }),
    )
    .await
    .assert_error(400, "user_identity_already_has_acs_user_on_acs_system");
}
