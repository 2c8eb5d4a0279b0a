//! `/_sim/state` and the clocks: what tests assert on.

use serde_json::json;

use crate::helpers::{assert_timestamp, ids, TestSim};

#[tokio::test]
async fn state_holds_every_object_in_creation_order() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let before = ws.state().await;
    assert_eq!(
        before["workspace"]["workspace_id"],
        ws.workspace_id.as_str()
    );
    assert_eq!(before["acs_systems"].as_array().unwrap().len(), 3);
    assert_eq!(before["acs_entrances"].as_array().unwrap().len(), 6);
    assert_eq!(before["acs_access_groups"].as_array().unwrap().len(), 2);
    assert_eq!(before["devices"].as_array().unwrap().len(), 4);
    for empty in [
        "acs_users",
        "acs_credentials",
        "user_identities",
        "enrollment_automations",
        "client_sessions",
    ] {
        assert_eq!(before[empty], json!([]), "{empty}");
    }
    assert_eq!(before["acs_credential_entrances"], json!({}));
    assert_timestamp(&before["now"]);

    let identity = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "k" }),
        )
        .await;
    let user = ws
        .create_user(
            "latch_building",
            json!({ "user_identity_id": identity["user_identity"]["user_identity_id"] }),
        )
        .await;
    let doors = ws
        .entrance_ids(user["acs_system_id"].as_str().unwrap())
        .await;
    let first = ws
        .ok(
            "/acs/credentials/create",
            json!({ "acs_user_id": user["acs_user_id"], "access_method": "code", "allowed_acs_entrance_ids": [doors[0]] }),
        )
        .await;
    let second = ws
        .ok(
            "/acs/credentials/create",
            json!({ "acs_user_id": user["acs_user_id"], "access_method": "code", "allowed_acs_entrance_ids": [doors[1]] }),
        )
        .await;

    let after = ws.state().await;
    assert_eq!(
        ids(&after["acs_users"], "acs_user_id"),
        [user["acs_user_id"].as_str().unwrap()]
    );
    assert_eq!(
        ids(&after["acs_credentials"], "acs_credential_id"),
        [
            first["acs_credential"]["acs_credential_id"]
                .as_str()
                .unwrap(),
            second["acs_credential"]["acs_credential_id"]
                .as_str()
                .unwrap(),
        ]
    );
    let first_id = first["acs_credential"]["acs_credential_id"]
        .as_str()
        .unwrap();
    assert_eq!(
        after["acs_credential_entrances"][first_id],
        json!([doors[0]])
    );
    assert_eq!(
        after["acs_user_access_groups"][user["acs_user_id"].as_str().unwrap()],
        json!([])
    );
    assert_eq!(
        after["user_identities"][0]["acs_user_ids"],
        json!([user["acs_user_id"]])
    );
    assert_eq!(after["acs_credentials"][0]["is_issued"], false);
}

#[tokio::test]
async fn a_clock_advance_without_a_key_moves_every_workspace() {
    let sim = TestSim::start().await;
    let a = sim.workspace().await;
    let b = sim.workspace().await;
    let a_before = a.state().await["now"].as_str().unwrap().to_owned();
    let advanced = a.advance(3600.0).await;
    let a_after = advanced["now"].as_str().unwrap().to_owned();
    assert!(a_after > a_before);
    let b_now = b.state().await["now"].as_str().unwrap().to_owned();
    assert!(b_now < a_after, "b moved with a: {b_now} vs {a_after}");

    sim.advance_all(7200.0).await;
    let b_later = b.state().await["now"].as_str().unwrap().to_owned();
    let a_later = a.state().await["now"].as_str().unwrap().to_owned();
    assert!(b_later > a_after, "{b_later} vs {a_after}");
    assert!(a_later > b_later, "a keeps its own extra hour");
}
