//! Seam's transport: bearer auth, envelopes, request ids, input validation, unknown routes.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{answer, assert_timestamp, TestSim};

#[tokio::test]
async fn calls_without_a_valid_key_are_unauthorized() {
    let sim = TestSim::start().await;
    let missing = sim.send("/acs/systems/list", None, Some(json!({}))).await;
    missing.assert_error(401, "unauthorized");
    let unknown = sim
        .send(
            "/acs/systems/list",
            Some("seam_sim_nobody"),
            Some(json!({})),
        )
        .await;
    unknown.assert_error(401, "unauthorized");
    let state = answer(sim.http.get(format!("{}/_sim/state", sim.base_url()))).await;
    state.assert_error(401, "unauthorized");
}

#[tokio::test]
async fn every_response_carries_a_fresh_request_id() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let success = ws.call("/workspaces/get", json!({})).await;
    let failure = sim.send("/workspaces/get", None, None).await;
    let unknown = ws.call("/nothing/here", json!({})).await;
    let ids: Vec<String> = [&success, &failure, &unknown]
        .iter()
        .map(|a| a.headers["seam-request-id"].to_str().unwrap().to_owned())
        .collect();
    assert!(
        ids.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()),
        "{ids:?}"
    );
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
}

#[tokio::test]
async fn a_missing_field_is_invalid_input_naming_it() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let answer = ws
        .call("/acs/users/create", json!({ "full_name": "Jane Doe" }))
        .await;
    answer.assert_error(400, "invalid_input");
    assert_eq!(
        answer.body["error"]["validation_errors"]["acs_system_id"]["_errors"],
        json!(["Required"])
    );
    assert!(answer.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("acs_system_id"));
}

#[tokio::test]
async fn wrong_types_and_enum_values_are_invalid_input() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let user = ws.create_user("latch_building", json!({})).await;
    let answer = ws
        .call(
            "/acs/credentials/create",
            json!({
                "acs_user_id": user["acs_user_id"],
                "access_method": "carrier_pigeon",
                "is_multi_phone_sync_credential": "yes",
            }),
        )
        .await;
    answer.assert_error(400, "invalid_input");
    let errors = &answer.body["error"]["validation_errors"];
    assert!(errors["access_method"]["_errors"][0]
        .as_str()
        .unwrap()
        .contains("'mobile_key'"));
    assert_eq!(
        errors["is_multi_phone_sync_credential"]["_errors"],
        json!(["Expected boolean, received string"])
    );
    let state = ws.state().await;
    assert_eq!(state["acs_credentials"], json!([]));
}

#[tokio::test]
async fn empty_bodies_count_as_empty_objects_and_unknown_fields_are_ignored() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let empty = sim.send("/acs/systems/list", Some(&ws.key), None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.body["acs_systems"].as_array().unwrap().len(), 3);
    let extra = ws
        .call("/acs/systems/list", json!({ "favourite_colour": "teal" }))
        .await;
    assert_eq!(extra.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_and_objects_are_specific_not_founds() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.call("/acs/users/teleport", json!({}))
        .await
        .assert_error(404, "endpoint_not_found");
    let nobody = "6f1c4b1e-8a46-4a8b-9a59-2f0f3e8b6a11";
    for (path, field, kind) in [
        ("/acs/systems/get", "acs_system_id", "acs_system_not_found"),
        ("/acs/users/get", "acs_user_id", "acs_user_not_found"),
        (
            "/acs/credentials/get",
            "acs_credential_id",
            "acs_credential_not_found",
        ),
        (
            "/user_identities/get",
            "user_identity_id",
            "user_identity_not_found",
        ),
        ("/devices/get", "device_id", "device_not_found"),
    ] {
        ws.call(path, json!({ field: nobody }))
            .await
            .assert_error(404, kind);
    }
}

#[tokio::test]
async fn objects_have_seams_required_fields_and_timestamps() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let user = ws.create_user("latch_building", json!({})).await;
    for field in [
        "acs_user_id",
        "acs_system_id",
        "workspace_id",
        "created_at",
        "display_name",
        "warnings",
        "errors",
        "last_successful_sync_at",
        "connected_account_id",
        "is_managed",
    ] {
        assert!(
            user.get(field).is_some(),
            "acs_user lacks {field}: {user:#}"
        );
    }
    assert_timestamp(&user["created_at"]);
    assert_eq!(user["display_name"], "Jane Doe");
    assert_eq!(user["external_type"], "latch_user");
    let workspace = ws.ok("/workspaces/get", json!({})).await["workspace"].clone();
    for field in [
        "workspace_id",
        "name",
        "company_name",
        "is_sandbox",
        "is_suspended",
    ] {
        assert!(workspace.get(field).is_some(), "workspace lacks {field}");
    }
}
