//! The Latch mobile-key flow of `latch-mobile-credentials.txt`, through GraphQL, as the portal
//! and the resident app see it and as Seam ends up holding it.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{contract, entrance_named, spawn_app};

fn ids(values: &Value) -> Vec<String> {
    let mut ids: Vec<String> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_gets_an_active_mobile_key_over_two_entrances() {
    let app = spawn_app().await;
    let property = app.import_latch_building().await;
    assert_eq!(property["provider"], "LATCH");
    assert_eq!(
        property["supportedAccessMethods"],
        json!(["MOBILE_KEY", "PIN_CODE"])
    );
    let resident = app
        .create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    let main = entrance_named(&property, "Main Entrance");
    let garage = entrance_named(&property, "Garage Door");

    let grant = app
        .grant_mobile_key(&resident, &property, &[main, garage])
        .await;
    assert_eq!(
        grant["status"], "PROVISIONING",
        "grantAccess returns at once: {grant}"
    );
    assert_eq!(grant["accessMethod"], "MOBILE_KEY");
    assert_eq!(grant["credentials"].as_array().unwrap().len(), 1);

    let grant = app
        .wait_for_grant(&grant["id"], "ACTIVE", Duration::from_secs(20))
        .await;
    let credential = &grant["credentials"][0];
    assert_eq!(credential["status"], "ACTIVE");
    assert_eq!(credential["code"], Value::Null, "mobile keys have no PIN");
    let mut names: Vec<&str> = credential["entrances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Garage Door", "Main Entrance"]);
    assert_eq!(grant["provisioning"]["status"], "SUCCEEDED");
    for step in grant["provisioning"]["steps"].as_array().unwrap() {
        assert_eq!(step["status"], "SUCCEEDED", "{step}");
        assert_eq!(step["lastError"], Value::Null);
    }

    // Seam's side: one identity keyed by the resident, one ACS user linked to it on the Latch
    // building, one multi-phone-sync mobile key over exactly the two entrances.
    let state = app.sim_state().await;
    let identities = state["user_identities"].as_array().unwrap();
    assert_eq!(identities.len(), 1, "{state:#}");
    assert_eq!(identities[0]["user_identity_key"], resident["id"]);
    assert_eq!(identities[0]["email_address"], "jane@example.com");
    let users = state["acs_users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        users[0]["user_identity_id"],
        identities[0]["user_identity_id"]
    );
    let latch = state["acs_systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["external_type"] == "latch_building")
        .unwrap();
    assert_eq!(users[0]["acs_system_id"], latch["acs_system_id"]);
    let credentials = state["acs_credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0]["access_method"], "mobile_key");
    assert_eq!(credentials[0]["is_multi_phone_sync_credential"], true);
    assert_eq!(credentials[0]["acs_user_id"], users[0]["acs_user_id"]);
    assert_eq!(credentials[0]["is_issued"], true);
    let seam_entrances =
        &state["acs_credential_entrances"][credentials[0]["acs_credential_id"].as_str().unwrap()];
    let wanted: Vec<&Value> = state["acs_entrances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["display_name"] == "Main Entrance" || e["display_name"] == "Garage Door")
        .filter(|e| e["acs_system_id"] == latch["acs_system_id"])
        .map(|e| &e["acs_entrance_id"])
        .collect();
    assert_eq!(ids(seam_entrances), ids(&json!(wanted)));
    assert_eq!(state["enrollment_automations"].as_array().unwrap().len(), 1);

    // The app's view, from Doorway's own records.
    let access = app.my_access("jane").await;
    assert_eq!(access["viewer"]["role"], "RESIDENT");
    assert_eq!(access["viewer"]["resident"]["id"], resident["id"]);
    let creds = &access["viewer"]["resident"]["credentials"];
    assert_eq!(creds["totalCount"], 1);
    let node = &creds["edges"][0]["node"];
    assert_eq!(node["status"], "ACTIVE");
    assert_eq!(node["accessMethod"], "MOBILE_KEY");
    assert_eq!(node["property"]["name"], property["name"]);
    assert_eq!(node["entrances"].as_array().unwrap().len(), 2);
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_access_is_served_without_calling_seam() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&resident, &property, "Unit 101")
        .await;
    // Seam goes down entirely; the "my keys" screen still answers from Doorway's records.
    app.inject_fault(json!({ "error_rate": 1.0, "status": 503 }))
        .await;
    let access = app.my_access("jane").await;
    assert_eq!(
        access["viewer"]["resident"]["credentials"]["edges"][0]["node"]["status"],
        "ACTIVE"
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mobile_sdk_session_is_reused_while_valid() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let token = app.resident_token("jane");

    let before = app
        .graphql(
            &token,
            contract("resident-app.graphql", "StartMobileKeySession"),
            json!({}),
        )
        .await;
    assert_eq!(
        before["errors"][0]["extensions"]["code"], "CONFLICT",
        "no identity yet: {before}"
    );

    app.active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let first = app
        .graphql_ok(
            &token,
            contract("resident-app.graphql", "StartMobileKeySession"),
            json!({}),
        )
        .await;
    let second = app
        .graphql_ok(
            &token,
            contract("resident-app.graphql", "StartMobileKeySession"),
            json!({}),
        )
        .await;
    let session = &first["createMobileKeySession"];
    assert!(
        session["token"].as_str().unwrap().starts_with("seam_cst"),
        "{session}"
    );
    assert_eq!(first, second, "a still-valid token is returned again");

    let state = app.sim_state().await;
    let sessions = state["client_sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        sessions[0]["user_identity_ids"],
        json!([state["user_identities"][0]["user_identity_id"]])
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_grant_reuses_the_residents_identity_and_acs_user() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let second = app
        .active_mobile_key(&resident, &property, "Garage Door")
        .await;
    let steps: Vec<(&str, &str)> = second["provisioning"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert!(
        steps.contains(&("ensure_user_identity", "SKIPPED")),
        "{steps:?}"
    );
    assert!(steps.contains(&("ensure_acs_user", "SKIPPED")), "{steps:?}");
    let state = app.sim_state().await;
    assert_eq!(state["user_identities"].as_array().unwrap().len(), 1);
    assert_eq!(state["acs_users"].as_array().unwrap().len(), 1);
    assert_eq!(state["acs_credentials"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.my_access("jane").await["viewer"]["resident"]["credentials"]["totalCount"],
        2
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latch_pins_are_one_credential_per_entrance_with_codes_from_latch() {
    let app = spawn_app().await;
    let property = app.import_latch_building().await;
    let resident = app
        .create_resident("Sam Lee", "sam@example.com", "sam")
        .await;
    let body = app
        .grant_access(json!({
            "residentId": resident["id"],
            "propertyId": property["id"],
            "accessMethod": "PIN_CODE",
            "entranceIds": [entrance_named(&property, "Main Entrance"), entrance_named(&property, "Unit 101")],
        }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let grant = app
        .wait_for_grant(
            &body["data"]["grantAccess"]["grant"]["id"],
            "ACTIVE",
            Duration::from_secs(20),
        )
        .await;
    let credentials = grant["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 2);
    for credential in credentials {
        assert_eq!(credential["entrances"].as_array().unwrap().len(), 1);
        let code = credential["code"].as_str().expect("Latch generated a PIN");
        assert!(
            code.len() >= 4 && code.chars().all(|c| c.is_ascii_digit()),
            "{code}"
        );
    }
    let state = app.sim_state().await;
    assert_eq!(
        state["enrollment_automations"].as_array().unwrap().len(),
        0,
        "PINs need no enrollment"
    );
    let seam_credentials = state["acs_credentials"].as_array().unwrap();
    assert_eq!(seam_credentials.len(), 2);
    assert!(seam_credentials
        .iter()
        .all(|c| c["access_method"] == "code"));
    app.assert_truth().await;
}
