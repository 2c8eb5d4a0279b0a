//! `/events/list` and `/events/get`: every change leaves an event with the ids its type
//! names, listed oldest first, found by time window and filters.

use serde_json::{json, Value};

use crate::helpers::{assert_timestamp, at, TestSim};

#[tokio::test]
async fn a_list_needs_since_or_between_but_not_both() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let now = ws.now().await;
    ws.call("/events/list", json!({}))
        .await
        .assert_error(400, "invalid_input");
    let cases = [
        (
            json!({ "since": at(now, 0), "between": [at(now, -60), at(now, 0)] }),
            "between",
        ),
        (json!({ "between": [at(now, 0)] }), "between"),
        (json!({ "since": "yesterday" }), "since"),
        (
            json!({ "since": at(now, 0), "event_type": "access_code.exploded" }),
            "event_type",
        ),
        (
            json!({ "since": at(now, 0), "device_id": "not-a-uuid" }),
            "device_id",
        ),
    ];
    for (body, field) in cases {
        let answer = ws.call("/events/list", body.clone()).await;
        answer.assert_error(400, "invalid_input");
        assert!(
            answer.body["error"]["validation_errors"][field].is_object(),
            "{body}: {:#}",
            answer.body
        );
    }
}

#[tokio::test]
async fn since_selects_on_generation_time_so_a_poller_misses_nothing() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    // A frozen clock, so the instants below are exact.
    ws.ok("/_sim/clock/freeze", json!({})).await;
    let start = ws.now().await;
    ws.create_code(&lock, json!({ "code": "1111" })).await;
    // A client polls now, then the clock jumps over the code's set time (a minute in).
    let polled_at = at(start, 1);
    ws.advance(3600.0).await;
    let since = ws.ok("/events/list", json!({ "since": polled_at })).await;
    let set = since["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "access_code.set_on_device")
        .cloned()
        .unwrap_or_else(|| panic!("the set event is listed: {since:#}"));
    assert_eq!(set["occurred_at"], at(start, 60).as_str());
    assert_eq!(set["created_at"], at(start, 3600).as_str());
}

#[tokio::test]
async fn since_and_between_select_by_time() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let start = ws.now().await;
    let early = ws.create_code(&lock, json!({ "code": "1111" })).await;
    ws.advance(3600.0).await;
    let late = ws.create_code(&lock, json!({ "code": "2222" })).await;
    let early_id = &early["access_code"]["access_code_id"];
    let late_id = &late["access_code"]["access_code_id"];

    let since = ws
        .ok(
            "/events/list",
            json!({ "since": at(start, 1800), "event_type": "access_code.created" }),
        )
        .await;
    let listed: Vec<&Value> = since["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["access_code_id"])
        .collect();
    assert_eq!(listed, [late_id]);

    let between = ws
        .ok(
            "/events/list",
            json!({ "between": [at(start, -1), at(start, 1800)] }),
        )
        .await;
    let events = between["events"].as_array().unwrap();
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    // The early code was set a minute in, but that was generated only when the clock
    // jumped past it: `between`, like `since`, selects on generation time (`created_at`).
    assert_eq!(types, ["access_code.created"]);
    assert!(events.iter().all(|e| e["access_code_id"] == *early_id));
    for event in events {
        assert_eq!(event["workspace_id"], ws.workspace_id.as_str());
        assert_timestamp(&event["created_at"]);
        assert_timestamp(&event["occurred_at"]);
        assert_eq!(
            event["connected_account_id"],
            ws.device("august_lock").await["connected_account_id"]
        );
    }

    let limited = ws
        .ok(
            "/events/list",
            json!({ "since": at(start, -1), "limit": 1, "unstable_offset": 1 }),
        )
        .await;
    assert_eq!(
        limited["events"][0]["event_type"],
        "access_code.set_on_device"
    );
    assert_eq!(limited["events"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn filters_narrow_by_the_ids_events_carry() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let a = ws.create_code(&august, json!({})).await;
    ws.create_code(&schlage, json!({})).await;
    let user = ws.create_user("latch_building", json!({})).await;
    let doors = ws
        .entrance_ids(user["acs_system_id"].as_str().unwrap())
        .await;
    let credential = ws
        .ok(
            "/acs/credentials/create",
            json!({ "acs_user_id": user["acs_user_id"], "access_method": "code", "allowed_acs_entrance_ids": [doors[0]] }),
        )
        .await["acs_credential"]
        .clone();
    ws.advance(61.0).await;

    assert_eq!(
        ws.event_types(json!({ "device_id": august })).await,
        ["access_code.created", "access_code.set_on_device"]
    );
    assert_eq!(
        ws.event_types(
            json!({ "device_ids": [august, schlage], "event_type": "access_code.created" })
        )
        .await
        .len(),
        2
    );
    assert_eq!(
        ws.event_types(
            json!({ "access_code_ids": [a["access_code"]["access_code_id"]], "event_types": ["access_code.set_on_device"] })
        )
        .await,
        ["access_code.set_on_device"]
    );
    assert_eq!(
        ws.event_types(json!({ "acs_credential_id": credential["acs_credential_id"] }))
            .await,
        ["acs_credential.issued"]
    );
    assert_eq!(
        ws.event_types(json!({ "acs_user_id": user["acs_user_id"] }))
            .await,
        // Seam's `acs_credential.*` events carry no `acs_user_id`, so only the user's own.
        ["acs_user.created"]
    );
    assert_eq!(
        ws.event_types(json!({ "acs_system_id": user["acs_system_id"], "device_id": august }))
            .await,
        Vec::<String>::new()
    );

    let issued = ws
        .ok(
            "/events/list",
            json!({ "since": "2000-01-01T00:00:00Z", "event_type": "acs_credential.issued" }),
        )
        .await["events"][0]
        .clone();
    let got = ws
        .ok("/events/get", json!({ "event_id": issued["event_id"] }))
        .await;
    assert_eq!(got["event"], issued);
    ws.call(
        "/events/get",
        json!({ "event_id": "0b9e3a56-5c4e-4d36-9d8e-8a3d4b5c6d7e" }),
    )
    .await
    .assert_error(404, "event_not_found");
}

#[tokio::test]
async fn deleting_users_and_credentials_is_announced() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let user = ws.create_user("salto_ks_site", json!({})).await;
    let first = ws
        .ok(
            "/acs/credentials/create",
            json!({ "acs_user_id": user["acs_user_id"], "access_method": "code" }),
        )
        .await["acs_credential"]
        .clone();
    let second = ws
        .ok(
            "/acs/credentials/create",
            json!({ "acs_user_id": user["acs_user_id"], "access_method": "code" }),
        )
        .await["acs_credential"]
        .clone();
    ws.ok(
        "/acs/credentials/delete",
        json!({ "acs_credential_id": first["acs_credential_id"] }),
    )
    .await;
    ws.ok(
        "/acs/users/delete",
        json!({ "acs_user_id": user["acs_user_id"] }),
    )
    .await;
    let deleted = ws
        .ok(
            "/events/list",
            json!({
                "since": "2000-01-01T00:00:00Z",
                "event_types": ["acs_credential.deleted", "acs_user.deleted"],
            }),
        )
        .await;
    let seen: Vec<(&str, &str)> = deleted["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let id = e["acs_credential_id"]
                .as_str()
                .or(e["acs_user_id"].as_str())
                .unwrap();
            (e["event_type"].as_str().unwrap(), id)
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "acs_credential.deleted",
                first["acs_credential_id"].as_str().unwrap()
            ),
            (
                "acs_credential.deleted",
                second["acs_credential_id"].as_str().unwrap()
            ),
            ("acs_user.deleted", user["acs_user_id"].as_str().unwrap()),
        ]
    );
}
