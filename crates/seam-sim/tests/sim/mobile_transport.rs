//! What a mobile app or a browser front end needs: `GET` where Seam allows it, client
//! session tokens (as bearer or header) on the endpoints Seam opens to them, scoped to their
//! user identity, and publishable keys for getting a client session.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{answer, Answer, TestSim, Ws};

async fn get(sim: &TestSim, path_and_query: &str, key: &str) -> Answer {
    answer(
        sim.http
            .get(format!("{}{path_and_query}", sim.base_url()))
            .bearer_auth(key),
    )
    .await
}

#[tokio::test]
async fn get_answers_like_post_where_seam_allows_it() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let posted = ws.ok("/devices/list", json!({})).await;
    let got = get(&sim, "/devices/list", &ws.key).await;
    assert_eq!(got.status, StatusCode::OK, "{:#}", got.body);
    assert_eq!(got.body["devices"], posted["devices"]);

    let lock = ws.device_id("august_lock").await;
    let one = get(&sim, &format!("/devices/get?device_id={lock}"), &ws.key).await;
    assert_eq!(one.body["device"]["device_id"], lock.as_str());
    let filtered = get(
        &sim,
        &format!("/devices/list?device_ids={lock}&limit=1"),
        &ws.key,
    )
    .await;
    assert_eq!(filtered.body["devices"].as_array().unwrap().len(), 1);
    get(&sim, "/devices/get?device_id=nope", &ws.key)
        .await
        .assert_error(400, "invalid_input");
    // A write is never a GET.
    get(&sim, "/access_codes/create", &ws.key)
        .await
        .assert_error(405, "method_not_allowed");
    // GETs are Seam calls like any other: counted, and gated.
    assert_eq!(ws.calls().await["calls"]["/devices/get"], 2);
    get(&sim, "/devices/list", "seam_sim_nobody")
        .await
        .assert_error(401, "unauthorized");
}

async fn session_for(ws: &Ws<'_>, identity: &Value) -> String {
    ws.ok(
        "/client_sessions/create",
        json!({ "user_identity_id": identity["user_identity_id"] }),
    )
    .await["client_session"]["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_client_session_token_opens_its_own_users_things_on_the_endpoints_seam_allows() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let building = ws.system("latch_building").await;
    let doors = ws
        .entrance_ids(building["acs_system_id"].as_str().unwrap())
        .await;
    let mut identities = Vec::new();
    for name in ["Jane", "Sam"] {
        let identity = ws
            .ok("/user_identities/create", json!({ "full_name": name }))
            .await["user_identity"]
            .clone();
        ws.ok(
            "/acs/credentials/create",
            json!({
                "user_identity_id": identity["user_identity_id"],
                "acs_system_id": building["acs_system_id"],
                "access_method": "mobile_key",
                "is_multi_phone_sync_credential": true,
                "allowed_acs_entrance_ids": [doors[0]],
            }),
        )
        .await;
        identities.push(identity);
    }
    let token = session_for(&ws, &identities[0]).await;

    // As bearer, and as either header Seam's SDKs send.
    let url = format!("{}/acs/credentials/list", sim.base_url());
    for request in [
        sim.http.post(&url).bearer_auth(&token),
        sim.http.post(&url).header("client-session-token", &token),
        sim.http
            .post(&url)
            .header("seam-client-session-token", &token),
    ] {
        let listed = answer(request.json(&json!({}))).await;
        assert_eq!(listed.status, StatusCode::OK, "{:#}", listed.body);
        let credentials = listed.body["acs_credentials"].as_array().unwrap();
        assert_eq!(credentials.len(), 1, "only Jane's: {:#}", listed.body);
        assert_eq!(
            credentials[0]["user_identity_id"],
            identities[0]["user_identity_id"]
        );
    }
    let own = sim
        .send("/client_sessions/get", Some(&token), Some(json!({})))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:#}", own.body);
    assert_eq!(own.body["client_session"]["token"], token.as_str());

    // Not where Seam wants an API key, and not once revoked.
    sim.send("/user_identities/create", Some(&token), Some(json!({})))
        .await
        .assert_error(401, "unauthorized");
    let session_id = own.body["client_session"]["client_session_id"].clone();
    ws.ok(
        "/client_sessions/revoke",
        json!({ "client_session_id": session_id }),
    )
    .await;
    sim.send("/acs/credentials/list", Some(&token), Some(json!({})))
        .await
        .assert_error(401, "unauthorized");
}

#[tokio::test]
async fn a_publishable_key_gets_a_client_session_and_nothing_else() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let workspace = ws.ok("/workspaces/get", json!({})).await["workspace"].clone();
    assert_eq!(workspace["is_publishable_key_auth_enabled"], true);
    let key = workspace["publishable_key"].as_str().unwrap().to_owned();
    let with_key = |path: &str| {
        sim.http
            .post(format!("{}{path}", sim.base_url()))
            .header("seam-publishable-key", &key)
    };
    let session = answer(
        with_key("/client_sessions/get_or_create")
            .json(&json!({ "user_identifier_key": "resident-7" })),
    )
    .await;
    assert_eq!(session.status, StatusCode::OK, "{:#}", session.body);
    let token = session.body["client_session"]["token"].as_str().unwrap();
    assert!(token.starts_with("seam_cst"));
    let again = answer(
        with_key("/client_sessions/get_or_create")
            .json(&json!({ "user_identifier_key": "resident-7" })),
    )
    .await;
    assert_eq!(again.body["client_session"]["token"], token);

    answer(with_key("/devices/list").json(&json!({})))
        .await
        .assert_error(401, "unauthorized");
    let wrong = answer(
        sim.http
            .post(format!("{}/client_sessions/get_or_create", sim.base_url()))
            .header("seam-publishable-key", "seam_pk1nope_nope")
            .json(&json!({ "user_identifier_key": "resident-7" })),
    )
    .await;
    wrong.assert_error(401, "unauthorized");
}
