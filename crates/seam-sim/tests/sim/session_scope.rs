//! What a client session token reaches: only the devices of its connected accounts, and their
//! access codes, action attempts and events. Another account's lock is, to it, not found, on
//! every endpoint Seam opens to client sessions; an API key still sees everything.

use serde_json::{json, Value};

use crate::helpers::{ids, Answer, TestSim, Ws};

/// A client session for the connected accounts of `device_ids`.
async fn session_for_locks(ws: &Ws<'_>, device_ids: &[&str]) -> String {
    let mut accounts = Vec::new();
    for id in device_ids {
        let device = ws.ok("/devices/get", json!({ "device_id": id })).await["device"].clone();
        accounts.push(device["connected_account_id"].clone());
    }
    ws.ok(
        "/client_sessions/create",
        json!({ "user_identifier_key": "resident-1", "connected_account_ids": accounts }),
    )
    .await["client_session"]["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn as_session(sim: &TestSim, token: &str, path: &str, body: Value) -> Answer {
    sim.send(path, Some(token), Some(body)).await
}

#[tokio::test]
async fn a_client_session_sees_only_the_locks_of_its_connected_accounts() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let token = session_for_locks(&ws, &[&august]).await;

    let listed = as_session(&sim, &token, "/devices/list", json!({})).await;
    assert_eq!(listed.status, 200, "{:#}", listed.body);
    assert_eq!(ids(&listed.body["devices"], "device_id"), [august.as_str()]);
    let locks = as_session(&sim, &token, "/locks/list", json!({})).await;
    assert_eq!(ids(&locks.body["locks"], "device_id"), [august.as_str()]);
    let own = as_session(&sim, &token, "/devices/get", json!({ "device_id": august })).await;
    assert_eq!(own.body["device"]["device_id"], august.as_str());
    for path in ["/devices/get", "/locks/get"] {
        as_session(&sim, &token, path, json!({ "device_id": schlage }))
            .await
            .assert_error(404, "device_not_found");
    }
    as_session(
        &sim,
        &token,
        "/devices/get",
        json!({ "name": "Unit 2B Front Door" }),
    )
    .await
    .assert_error(404, "device_not_found");
    // Filters cannot widen it.
    let asked = as_session(
        &sim,
        &token,
        "/devices/list",
        json!({ "device_ids": [august, schlage] }),
    )
    .await;
    assert_eq!(ids(&asked.body["devices"], "device_id"), [august.as_str()]);

    // Its own account, not another's; and no list of accounts at all (Seam's security for
    // `/connected_accounts/list` has no client session).
    let account = own.body["device"]["connected_account_id"].clone();
    let got = as_session(
        &sim,
        &token,
        "/connected_accounts/get",
        json!({ "connected_account_id": account }),
    )
    .await;
    assert_eq!(got.status, 200, "{:#}", got.body);
    let theirs = ws.device("schlage_lock").await["connected_account_id"].clone();
    as_session(
        &sim,
        &token,
        "/connected_accounts/get",
        json!({ "connected_account_id": theirs }),
    )
    .await
    .assert_error(404, "connected_account_not_found");
    as_session(&sim, &token, "/connected_accounts/list", json!({}))
        .await
        .assert_error(401, "unauthorized");

    // The API key still sees every lock.
    assert_eq!(
        ws.ok("/devices/list", json!({})).await["devices"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // A session for no account sees no lock.
    let none = ws
        .ok(
            "/client_sessions/create",
            json!({ "user_identifier_key": "resident-2" }),
        )
        .await["client_session"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let nothing = as_session(&sim, &none, "/devices/list", json!({})).await;
    assert_eq!(nothing.body["devices"], json!([]));
}

#[tokio::test]
async fn a_client_session_cannot_see_or_touch_another_accounts_codes() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let token = session_for_locks(&ws, &[&august]).await;
    let theirs = ws.create_code(&schlage, json!({ "code": "2468" })).await;
    let their_code = theirs["access_code"]["access_code_id"].clone();
    let their_attempt = theirs["action_attempt"]["action_attempt_id"].clone();

    // Its own lock takes codes from it, as Seam allows client sessions to.
    let mine = as_session(
        &sim,
        &token,
        "/access_codes/create",
        json!({ "device_id": august, "code": "1357" }),
    )
    .await;
    assert_eq!(mine.status, 200, "{:#}", mine.body);
    let my_code = mine.body["access_code"]["access_code_id"].clone();

    as_session(
        &sim,
        &token,
        "/access_codes/create",
        json!({ "device_id": schlage, "code": "9753" }),
    )
    .await
    .assert_error(404, "device_not_found");
    let of_code = json!({ "access_code_id": their_code });
    as_session(&sim, &token, "/access_codes/get", of_code.clone())
        .await
        .assert_error(404, "access_code_not_found");
    as_session(
        &sim,
        &token,
        "/access_codes/get",
        json!({ "device_id": schlage, "code": "2468" }),
    )
    .await
    .assert_error(404, "access_code_not_found");
    as_session(
        &sim,
        &token,
        "/access_codes/update",
        json!({ "access_code_id": their_code, "name": "mine now" }),
    )
    .await
    .assert_error(404, "access_code_not_found");
    as_session(&sim, &token, "/access_codes/delete", of_code.clone())
        .await
        .assert_error(404, "access_code_not_found");
    as_session(
        &sim,
        &token,
        "/action_attempts/get",
        json!({ "action_attempt_id": their_attempt }),
    )
    .await
    .assert_error(404, "action_attempt_not_found");
    let listed = as_session(
        &sim,
        &token,
        "/access_codes/list",
        json!({ "access_code_ids": [their_code, my_code] }),
    )
    .await;
    assert_eq!(
        ids(&listed.body["access_codes"], "access_code_id"),
        [my_code.as_str().unwrap()]
    );
    as_session(
        &sim,
        &token,
        "/access_codes/simulate/create_unmanaged_access_code",
        json!({ "device_id": schlage, "name": "Cleaner", "code": "4321" }),
    )
    .await
    .assert_error(404, "device_not_found");
    as_session(
        &sim,
        &token,
        "/access_codes/unmanaged/list",
        json!({ "device_id": schlage }),
    )
    .await
    .assert_error(404, "device_not_found");

    // Its events are its locks' only.
    let events = as_session(
        &sim,
        &token,
        "/events/list",
        json!({ "since": "2000-01-01T00:00:00Z" }),
    )
    .await;
    let about: Vec<&str> = events.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["device_id"].as_str())
        .collect();
    assert!(!about.is_empty());
    assert!(about.iter().all(|d| *d == august), "{about:?}");
    let their_event = ws
        .ok(
            "/events/list",
            json!({ "since": "2000-01-01T00:00:00Z", "device_id": schlage }),
        )
        .await["events"][0]["event_id"]
        .clone();
    as_session(
        &sim,
        &token,
        "/events/get",
        json!({ "event_id": their_event }),
    )
    .await
    .assert_error(404, "event_not_found");

    // Untouched: the code is still there, unrenamed, for the API key.
    assert_eq!(ws.code(&their_code).await["name"], Value::Null);
}
