//! `/client_sessions/get_or_create`: one live session per user identity.

use serde_json::json;

use crate::helpers::TestSim;

#[tokio::test]
async fn asking_twice_returns_the_same_live_session() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws.ok("/user_identities/create", json!({})).await["user_identity"].clone();
    let sam = ws.ok("/user_identities/create", json!({})).await["user_identity"].clone();
    let ask = |identity: serde_json::Value| {
        let ws = &ws;
        async move {
            ws.ok(
                "/client_sessions/get_or_create",
                json!({ "user_identity_id": identity["user_identity_id"] }),
            )
            .await["client_session"]
                .clone()
        }
    };
    let first = ask(jane.clone()).await;
    assert!(first["token"].as_str().unwrap().starts_with("seam_cst"));
    assert_eq!(first["user_identity_id"], jane["user_identity_id"]);
    assert_eq!(
        first["user_identity_ids"],
        json!([jane["user_identity_id"]])
    );
    let again = ask(jane.clone()).await;
    assert_eq!(again["client_session_id"], first["client_session_id"]);
    assert_eq!(again["token"], first["token"]);
    let other = ask(sam).await;
    assert_ne!(other["token"], first["token"]);
    assert_eq!(
        ws.state().await["client_sessions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    ws.advance(2.0 * 24.0 * 3600.0).await;
    let renewed = ask(jane).await;
    assert_ne!(renewed["client_session_id"], first["client_session_id"]);
}

#[tokio::test]
async fn an_unknown_identity_is_not_found() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.call(
        "/client_sessions/get_or_create",
        json!({ "user_identity_id": "6f1c4b1e-8a46-4a8b-9a59-2f0f3e8b6a11" }),
    )
    .await
    .assert_error(404, "user_identity_not_found");
}

#[tokio::test]
async fn create_always_makes_a_new_session() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws.ok("/user_identities/create", json!({})).await["user_identity"].clone();
    let body = json!({ "user_identity_id": jane["user_identity_id"] });
    let first = ws.ok("/client_sessions/create", body.clone()).await["client_session"].clone();
    let second = ws.ok("/client_sessions/create", body).await["client_session"].clone();
    assert_ne!(first["client_session_id"], second["client_session_id"]);
    assert!(first["token"].as_str().unwrap().starts_with("seam_cst"));
    assert_eq!(first["user_identity_id"], jane["user_identity_id"]);
    assert_eq!(first["workspace_id"], ws.workspace_id.as_str());
    let bad = ws
        .call(
            "/client_sessions/create",
            json!({ "user_identity_id": "nope" }),
        )
        .await;
    bad.assert_error(400, "invalid_input");
    assert!(bad.body["error"]["validation_errors"]["user_identity_id"].is_object());
    ws.call(
        "/client_sessions/create",
        json!({ "expires_at": "2001-01-01T00:00:00Z" }),
    )
    .await
    .assert_error(400, "invalid_input");
}
