//! `/client_sessions/*`: one live session per user identity from `get_or_create`, a new one
//! from `create`; listing by filter, and revoking, after which the session is gone.

use serde_json::{json, Value};

use crate::helpers::{ids, TestSim, Ws};

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

async fn session(ws: &Ws<'_>, body: Value) -> Value {
    ws.ok("/client_sessions/create", body).await["client_session"].clone()
}

async fn listed(ws: &Ws<'_>, filter: Value) -> Vec<String> {
    let answer = ws.ok("/client_sessions/list", filter).await;
    assert!(answer.get("pagination").is_none(), "Seam does not page it");
    ids(&answer["client_sessions"], "client_session_id")
}

#[tokio::test]
async fn list_answers_the_sessions_each_filter_names() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws.ok("/user_identities/create", json!({})).await["user_identity"].clone();
    let jane_id = jane["user_identity_id"].clone();
    let of_jane = session(&ws, json!({ "user_identity_id": jane_id })).await;
    let keyed = session(&ws, json!({ "user_identifier_key": "resident-7" })).await;
    let both = session(
        &ws,
        json!({ "user_identity_id": jane_id, "user_identifier_key": "resident-8" }),
    )
    .await;
    let id = |s: &Value| s["client_session_id"].as_str().unwrap().to_owned();

    let everything = ws.ok("/client_sessions/list", json!({})).await;
    assert_eq!(
        everything["client_sessions"],
        json!([of_jane, keyed, both]),
        "rendered as create renders them, in creation order"
    );
    assert_eq!(
        listed(&ws, json!({ "user_identity_id": jane_id })).await,
        [id(&of_jane), id(&both)]
    );
    assert_eq!(
        listed(&ws, json!({ "client_session_id": id(&keyed) })).await,
        [id(&keyed)]
    );
    assert_eq!(
        listed(&ws, json!({ "user_identifier_key": "resident-8" })).await,
        [id(&both)]
    );
    assert_eq!(
        listed(
            &ws,
            json!({ "user_identity_id": jane_id, "without_user_identifier_key": true })
        )
        .await,
        [id(&of_jane)]
    );
    let nobody = "6f1c4b1e-8a46-4a8b-9a59-2f0f3e8b6a11";
    assert!(listed(&ws, json!({ "user_identity_id": nobody }))
        .await
        .is_empty());
    ws.call("/client_sessions/list", json!({ "user_identity_id": 7 }))
        .await
        .assert_error(400, "invalid_input");
}

#[tokio::test]
async fn a_revoked_session_is_gone() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let jane = ws.ok("/user_identities/create", json!({})).await["user_identity"].clone();
    let body = json!({ "user_identity_id": jane["user_identity_id"] });
    let doomed = session(&ws, body.clone()).await;
    let kept = session(&ws, body.clone()).await;
    let doomed_id = json!({ "client_session_id": doomed["client_session_id"] });
    assert_eq!(
        ws.ok("/client_sessions/get", doomed_id.clone()).await["client_session"],
        doomed
    );

    let revoked = ws.ok("/client_sessions/revoke", doomed_id.clone()).await;
    assert_eq!(revoked, json!({ "ok": true }));
    ws.call("/client_sessions/get", doomed_id.clone())
        .await
        .assert_error(404, "client_session_not_found");
    assert_eq!(
        listed(&ws, body.clone()).await,
        [kept["client_session_id"].as_str().unwrap()]
    );
    // Revoking again is revoking something that does not exist.
    ws.call("/client_sessions/revoke", doomed_id)
        .await
        .assert_error(404, "client_session_not_found");

    // get_or_create hands out the session that is left, then a new one once none is.
    let again = ws.ok("/client_sessions/get_or_create", body.clone()).await;
    assert_eq!(
        again["client_session"]["client_session_id"],
        kept["client_session_id"]
    );
    ws.ok(
        "/client_sessions/revoke",
        json!({ "client_session_id": kept["client_session_id"] }),
    )
    .await;
    let fresh = ws.ok("/client_sessions/get_or_create", body).await;
    assert_ne!(
        fresh["client_session"]["token"], kept["token"],
        "a revoked token is never handed out again"
    );
}

#[tokio::test]
async fn revoke_and_get_check_their_input() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    ws.call("/client_sessions/revoke", json!({}))
        .await
        .assert_error(400, "invalid_input");
    ws.call(
        "/client_sessions/revoke",
        json!({ "client_session_id": "nope" }),
    )
    .await
    .assert_error(400, "invalid_input");
    ws.call(
        "/client_sessions/revoke",
        json!({ "client_session_id": "6f1c4b1e-8a46-4a8b-9a59-2f0f3e8b6a11" }),
    )
    .await
    .assert_error(404, "client_session_not_found");
    ws.call("/client_sessions/get", json!({}))
        .await
        .assert_error(400, "invalid_input");

    let keyed = session(&ws, json!({ "user_identifier_key": "resident-9" })).await;
    let by_key = ws
        .ok(
            "/client_sessions/get",
            json!({ "user_identifier_key": "resident-9" }),
        )
        .await;
    assert_eq!(by_key["client_session"], keyed);
    ws.call(
        "/client_sessions/get",
        json!({ "user_identifier_key": "resident-10" }),
    )
    .await
    .assert_error(404, "client_session_not_found");
}

#[tokio::test]
async fn another_workspaces_sessions_are_out_of_reach() {
    let sim = TestSim::start().await;
    let mine = sim.workspace().await;
    let theirs = sim.workspace().await;
    let jane = mine.ok("/user_identities/create", json!({})).await["user_identity"].clone();
    let body = json!({ "user_identity_id": jane["user_identity_id"] });
    let held = session(&mine, body.clone()).await;
    let id = json!({ "client_session_id": held["client_session_id"] });

    assert!(listed(&theirs, json!({})).await.is_empty());
    assert!(listed(&theirs, body.clone()).await.is_empty());
    assert!(listed(&theirs, id.clone()).await.is_empty());
    theirs
        .call("/client_sessions/get", id.clone())
        .await
        .assert_error(404, "client_session_not_found");
    theirs
        .call("/client_sessions/revoke", id.clone())
        .await
        .assert_error(404, "client_session_not_found");
    assert_eq!(
        mine.ok("/client_sessions/get", id).await["client_session"],
        held,
        "still there for its own workspace"
    );
}
