//! The simulator against Seam's OpenAPI description: every kind of object it renders, in
//! every state the flows reach, carries the fields the spec requires with the spec's types,
//! and every endpoint answers under its `x-response-key`.

use serde_json::{json, Value};

use crate::helpers::{at, TestSim, Ws};
use crate::spec::Spec;

/// A workspace with one of everything, in as many states as the flows reach.
async fn busy_workspace(ws: &Ws<'_>) {
    let august = ws.device_id("august_lock").await;
    let yale = ws.device_id("yale_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let now = ws.now().await;
    ws.ok(
        "/webhooks/create",
        json!({ "url": "http://127.0.0.1:9/hook", "event_types": ["access_code.created"] }),
    )
    .await;
    ws.ok("/_sim/webhooks", json!({ "max_attempts": 1 })).await;
    let set = ws.create_code(&august, json!({ "name": "set" })).await;
    ws.create_code(&yale, json!({ "name": "offline" })).await;
    let stuck = ws.create_code(&yale, json!({ "name": "stuck" })).await;
    ws.ok(
        "/access_codes/delete",
        json!({ "access_code_id": stuck["access_code"]["access_code_id"] }),
    )
    .await;
    let nuki = ws.device_id("nuki_lock").await;
    ws.disconnect(&nuki).await;
    ws.connect(&nuki).await;
    ws.create_code(
        &schlage,
        json!({ "starts_at": at(now, 2 * 86_400), "ends_at": at(now, 3 * 86_400) }),
    )
    .await;
    ws.create_code(
        &august,
        json!({ "starts_at": at(now, 3600), "ends_at": at(now, 7200), "common_code_key": "k" }),
    )
    .await;
    let jane = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "jane", "email_address": "jane@example.com", "full_name": "Jane" }),
        )
        .await["user_identity"]
        .clone();
    let latch = ws.system("latch_building").await;
    let doors = ws
        .entrance_ids(latch["acs_system_id"].as_str().unwrap())
        .await;
    let user = ws
        .create_user(
            "latch_building",
            json!({ "user_identity_id": jane["user_identity_id"] }),
        )
        .await;
    ws.ok(
        "/acs/credentials/create",
        json!({ "acs_user_id": user["acs_user_id"], "access_method": "code", "allowed_acs_entrance_ids": [doors[0]] }),
    )
    .await;
    let salto_user = ws
        .create_user(
            "salto_ks_site",
            json!({ "access_schedule": { "starts_at": at(now, 3600), "ends_at": at(now, 86_400) } }),
        )
        .await;
    let doomed = ws
        .ok(
            "/acs/credentials/create",
            json!({ "acs_user_id": salto_user["acs_user_id"], "access_method": "code" }),
        )
        .await["acs_credential"]
        .clone();
    ws.ok(
        "/client_sessions/create",
        json!({ "user_identity_id": jane["user_identity_id"] }),
    )
    .await;
    // Move everything along: codes set, offline delays and failures (setting and removing),
    // credentials issued.
    ws.advance(400.0).await;
    ws.ok(
        "/access_codes/update",
        json!({ "access_code_id": set["access_code"]["access_code_id"], "name": "renamed" }),
    )
    .await;
    ws.ok(
        "/acs/credentials/delete",
        json!({ "acs_credential_id": doomed["acs_credential_id"] }),
    )
    .await;
    let gone = ws.create_code(&august, json!({})).await;
    ws.ok(
        "/access_codes/delete",
        json!({ "access_code_id": gone["access_code"]["access_code_id"] }),
    )
    .await;
    ws.ok(
        "/acs/users/delete",
        json!({ "acs_user_id": salto_user["acs_user_id"] }),
    )
    .await;
    // Hubs, subscriptions and accounts: each kind of trouble on a device, and its events.
    ws.ok(
        "/devices/simulate/disconnect_from_hub",
        json!({ "device_id": august }),
    )
    .await;
    for expired in [true, false, true] {
        ws.ok(
            "/devices/simulate/paid_subscription",
            json!({ "device_id": nuki, "is_expired": expired }),
        )
        .await;
    }
    let account_of = |device: &str| {
        let device = device.to_owned();
        async move {
            ws.ok("/devices/get", json!({ "device_id": device })).await["device"]
                ["connected_account_id"]
                .clone()
        }
    };
    let yale_account = json!({ "connected_account_id": account_of(&yale).await });
    ws.ok(
        "/connected_accounts/simulate/disconnect",
        yale_account.clone(),
    )
    .await;
    ws.ok("/_sim/connected_accounts/reconnect", yale_account)
        .await;
    ws.ok(
        "/connected_accounts/simulate/disconnect",
        json!({ "connected_account_id": account_of(&schlage).await }),
    )
    .await;
}

#[tokio::test]
async fn every_rendered_object_fits_its_schema() {
    let Some(spec) = Spec::load() else { return };
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    busy_workspace(&ws).await;
    let state = ws.state().await;
    let checks = [
        ("access_codes", "access_code"),
        ("action_attempts", "action_attempt"),
        ("events", "event"),
        ("webhooks", "webhook"),
        ("devices", "device"),
        ("connected_accounts", "connected_account"),
        ("acs_users", "acs_user"),
        ("acs_credentials", "acs_credential"),
        ("acs_systems", "acs_system"),
        ("acs_entrances", "acs_entrance"),
        ("acs_access_groups", "acs_access_group"),
        ("user_identities", "user_identity"),
        ("client_sessions", "client_session"),
    ];
    let mut problems = Vec::new();
    for (key, schema) in checks {
        let objects = state[key].as_array().unwrap();
        assert!(!objects.is_empty(), "no {key} to check");
        for object in objects {
            problems.extend(spec.problems(schema, object));
        }
    }
    problems.extend(spec.problems("workspace", &state["workspace"]));
    assert!(problems.is_empty(), "{problems:#?}");

    let statuses: Vec<&str> = state["access_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    for status in ["set", "setting", "unset", "removing"] {
        assert!(statuses.contains(&status), "no {status} code: {statuses:?}");
    }
    let event_types: Vec<&str> = state["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    for event_type in [
        "access_code.created",
        "access_code.changed",
        "access_code.scheduled_on_device",
        "access_code.set_on_device",
        "access_code.delay_in_setting_on_device",
        "access_code.failed_to_set_on_device",
        "access_code.delay_in_removing_from_device",
        "access_code.failed_to_remove_from_device",
        "device.disconnected",
        "device.connected",
        "device.error.subscription_required",
        "device.error.subscription_required.resolved",
        "connected_account.disconnected",
        "connected_account.connected",
        "acs_user.created",
        "acs_user.deleted",
        "acs_credential.issued",
        "acs_credential.deleted",
    ] {
        assert!(event_types.contains(&event_type), "no {event_type}");
    }
}

#[tokio::test]
async fn every_endpoint_answers_under_its_response_key() {
    let Some(spec) = Spec::load() else { return };
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let created = ws.create_code(&august, json!({ "code": "1234" })).await;
    let code_id = created["access_code"]["access_code_id"].clone();
    let attempt_id = created["action_attempt"]["action_attempt_id"].clone();
    let webhook = ws
        .ok(
            "/webhooks/create",
            json!({ "url": "https://example.com/hook" }),
        )
        .await["webhook"]["webhook_id"]
        .clone();
    let identity = ws
        .ok(
            "/user_identities/create",
            json!({ "user_identity_key": "k" }),
        )
        .await["user_identity"]["user_identity_id"]
        .clone();
    let user = ws.create_user("salto_ks_site", json!({})).await["acs_user_id"].clone();
    let credential = ws
        .ok(
            "/acs/credentials/create",
            json!({ "acs_user_id": user, "access_method": "code" }),
        )
        .await["acs_credential"]["acs_credential_id"]
        .clone();
    let session = ws
        .ok(
            "/client_sessions/create",
            json!({ "user_identity_id": identity }),
        )
        .await["client_session"]["client_session_id"]
        .clone();
    let group = ws.ok("/acs/access_groups/list", json!({})).await["acs_access_groups"][0]
        ["acs_access_group_id"]
        .clone();
    let nuki = ws.device_id("nuki_lock").await;
    let account = ws.device("august_lock").await["connected_account_id"].clone();
    let calls: Vec<(&str, Value)> = vec![
        ("/access_codes/get", json!({ "access_code_id": code_id })),
        ("/access_codes/list", json!({ "device_id": august })),
        (
            "/access_codes/update",
            json!({ "access_code_id": code_id, "name": "n" }),
        ),
        (
            "/action_attempts/get",
            json!({ "action_attempt_id": attempt_id }),
        ),
        ("/locks/get", json!({ "device_id": august })),
        ("/locks/list", json!({})),
        ("/devices/get", json!({ "device_id": august })),
        (
            "/devices/simulate/disconnect",
            json!({ "device_id": august }),
        ),
        ("/devices/simulate/connect", json!({ "device_id": august })),
        ("/events/list", json!({ "since": "2000-01-01T00:00:00Z" })),
        (
            "/events/get",
            json!({ "event_type": "access_code.created" }),
        ),
        ("/webhooks/get", json!({ "webhook_id": webhook })),
        ("/webhooks/list", json!({})),
        (
            "/webhooks/update",
            json!({ "webhook_id": webhook, "event_types": ["*"] }),
        ),
        ("/user_identities/list", json!({})),
        (
            "/user_identities/list_acs_users",
            json!({ "user_identity_id": identity }),
        ),
        (
            "/user_identities/add_acs_user",
            json!({ "user_identity_id": identity, "acs_user_id": user }),
        ),
        (
            "/client_sessions/create",
            json!({ "user_identity_id": identity }),
        ),
        (
            "/client_sessions/get",
            json!({ "client_session_id": session }),
        ),
        (
            "/client_sessions/list",
            json!({ "user_identity_id": identity }),
        ),
        (
            "/acs/users/update",
            json!({ "acs_user_id": user, "full_name": "J" }),
        ),
        ("/acs/users/suspend", json!({ "acs_user_id": user })),
        ("/acs/users/unsuspend", json!({ "acs_user_id": user })),
        (
            "/acs/users/add_to_access_group",
            json!({ "acs_user_id": user, "acs_access_group_id": group }),
        ),
        (
            "/acs/users/remove_from_access_group",
            json!({ "acs_user_id": user, "acs_access_group_id": group }),
        ),
        (
            "/acs/access_groups/list_accessible_entrances",
            json!({ "acs_access_group_id": group }),
        ),
        (
            "/acs/credentials/update",
            json!({ "acs_credential_id": credential }),
        ),
        (
            "/acs/credentials/delete",
            json!({ "acs_credential_id": credential }),
        ),
        ("/acs/users/delete", json!({ "acs_user_id": user })),
        ("/access_codes/delete", json!({ "access_code_id": code_id })),
        ("/connected_accounts/list", json!({})),
        (
            "/connected_accounts/get",
            json!({ "connected_account_id": account }),
        ),
        (
            "/devices/simulate/disconnect_from_hub",
            json!({ "device_id": august }),
        ),
        (
            "/devices/simulate/connect_to_hub",
            json!({ "device_id": august }),
        ),
        (
            "/devices/simulate/paid_subscription",
            json!({ "device_id": nuki, "is_expired": true }),
        ),
        (
            "/connected_accounts/simulate/disconnect",
            json!({ "connected_account_id": account }),
        ),
        ("/webhooks/delete", json!({ "webhook_id": webhook })),
        (
            "/client_sessions/revoke",
            json!({ "client_session_id": session }),
        ),
    ];
    for (path, body) in calls {
        let answer = ws.ok(path, body).await;
        let (key, required) = spec.response(path);
        if let Some(key) = key {
            assert!(
                answer.get(&key).is_some(),
                "{path} has no {key}: {answer:#}"
            );
        }
        for field in required {
            assert!(
                answer.get(&field).is_some(),
                "{path} has no {field}: {answer:#}"
            );
        }
    }
}

/// The check above is only worth something if it can fail.
#[tokio::test]
async fn the_schema_check_catches_missing_and_mistyped_fields() {
    let Some(spec) = Spec::load() else { return };
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let created = ws.create_code(&august, json!({})).await;
    let mut code = created["access_code"].clone();
    assert!(spec.problems("access_code", &code).is_empty());
    code.as_object_mut().unwrap().remove("status");
    code["is_managed"] = json!("yes");
    code["created_at"] = json!("yesterday");
    let problems = spec.problems("access_code", &code).join("\n");
    for expected in ["missing required status", "is_managed", "created_at"] {
        assert!(problems.contains(expected), "{expected} not in {problems}");
    }
    let mut event = ws.state().await["events"][0].clone();
    assert!(spec.problems("event", &event).is_empty());
    event.as_object_mut().unwrap().remove("device_id");
    assert!(!spec.problems("event", &event).is_empty());
    event["event_type"] = json!("access_code.exploded");
    assert!(!spec.problems("event", &event).is_empty());
}
