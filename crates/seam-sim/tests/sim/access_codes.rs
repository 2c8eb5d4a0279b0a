//! The smart-lock guide's rules for access codes: which locks take codes, which PINs they
//! accept, and the endpoints around them.

use serde_json::{json, Value};

use crate::helpers::{at, ids, TestSim};

#[tokio::test]
async fn an_ongoing_code_is_created_setting_with_a_pending_attempt() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let created = ws
        .create_code(&lock, json!({ "name": "my ongoing code", "code": "1234" }))
        .await;
    let code = &created["access_code"];
    assert_eq!(code["device_id"], lock.as_str());
    assert_eq!(code["name"], "my ongoing code");
    assert_eq!(code["code"], "1234");
    assert_eq!(code["type"], "ongoing");
    assert_eq!(code["status"], "setting");
    assert_eq!(code["starts_at"], Value::Null);
    assert_eq!(code["ends_at"], Value::Null);
    assert_eq!(code["is_managed"], true);
    assert_eq!(code["workspace_id"], ws.workspace_id.as_str());
    let attempt = &created["action_attempt"];
    assert_eq!(attempt["action_type"], "CREATE_ACCESS_CODE");
    assert_eq!(attempt["status"], "pending");
    assert_eq!(attempt["result"], Value::Null);

    let fetched = ws.code(&code["access_code_id"]).await;
    assert_eq!(fetched["access_code_id"], code["access_code_id"]);
    let by_pin = ws
        .ok(
            "/access_codes/get",
            json!({ "device_id": lock, "code": "1234" }),
        )
        .await;
    assert_eq!(
        by_pin["access_code"]["access_code_id"],
        code["access_code_id"]
    );
}

#[tokio::test]
async fn without_a_code_one_of_a_supported_length_is_generated() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let lock = ws.device("schlage_lock").await;
    let lengths: Vec<u64> = lock["properties"]["supported_code_lengths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_u64().unwrap())
        .collect();
    let lock_id = lock["device_id"].as_str().unwrap();
    for extra in [json!({}), json!({ "preferred_code_length": 4 })] {
        let created = ws.create_code(lock_id, extra).await;
        let code = created["access_code"]["code"].as_str().unwrap();
        assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
        assert!(lengths.contains(&(code.len() as u64)), "{code}");
    }
    let preferred = ws
        .create_code(lock_id, json!({ "preferred_code_length": 8 }))
        .await;
    assert_eq!(preferred["access_code"]["code"].as_str().unwrap().len(), 8);
}

#[tokio::test]
async fn a_lock_without_the_access_code_capability_is_refused() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let nuki = ws.device("nuki_lock").await;
    assert!(!nuki["capabilities_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("access_code")));
    ws.call(
        "/access_codes/create",
        json!({ "device_id": nuki["device_id"], "code": "1234" }),
    )
    .await
    .assert_error(400, "device_does_not_support_access_codes");
    assert_eq!(ws.state().await["access_codes"], json!([]));
}

#[tokio::test]
async fn pins_must_be_digits_of_a_length_the_lock_supports() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    for bad in ["12a4", "123", "1234567890123"] {
        let answer = ws
            .call(
                "/access_codes/create",
                json!({ "device_id": lock, "code": bad }),
            )
            .await;
        answer.assert_error(400, "invalid_input");
        assert!(
            answer.body["error"]["validation_errors"]["code"]["_errors"][0].is_string(),
            "{bad}: {:#}",
            answer.body
        );
    }
    // Within Seam's 4 to 12 digits, but longer than this lock's 8.
    ws.call(
        "/access_codes/create",
        json!({ "device_id": lock, "code": "123456789" }),
    )
    .await
    .assert_error(400, "invalid_code_length");
    assert_eq!(ws.state().await["access_codes"], json!([]));
}

#[tokio::test]
async fn a_pin_already_on_the_lock_is_refused_but_fine_on_another_lock() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    ws.create_code(&august, json!({ "code": "4321" })).await;
    ws.call(
        "/access_codes/create",
        json!({ "device_id": august, "code": "4321" }),
    )
    .await
    .assert_error(400, "duplicate_access_code");
    ws.create_code(&schlage, json!({ "code": "4321" })).await;
}

#[tokio::test]
async fn bad_bodies_name_the_field_at_fault() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let now = ws.now().await;
    let cases = [
        (json!({ "code": "1234" }), "device_id"),
        (json!({ "device_id": "not-a-uuid" }), "device_id"),
        (
            json!({ "device_id": lock, "starts_at": at(now, 3600) }),
            "ends_at",
        ),
        (
            json!({ "device_id": lock, "starts_at": at(now, 7200), "ends_at": at(now, 3600) }),
            "ends_at",
        ),
        (
            json!({ "device_id": lock, "starts_at": at(now, -7200), "ends_at": at(now, -3600) }),
            "ends_at",
        ),
        (json!({ "device_id": lock, "name": 7 }), "name"),
    ];
    for (body, field) in cases {
        let answer = ws.call("/access_codes/create", body.clone()).await;
        answer.assert_error(400, "invalid_input");
        assert!(
            answer.body["error"]["validation_errors"][field].is_object(),
            "{body}: {:#}",
            answer.body
        );
    }
    ws.call(
        "/access_codes/create",
        json!({ "device_id": "0b9e3a56-5c4e-4d36-9d8e-8a3d4b5c6d7e" }),
    )
    .await
    .assert_error(404, "device_not_found");
}

#[tokio::test]
async fn lists_need_a_device_or_ids_and_page() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let mut made = Vec::new();
    for pin in ["1111", "2222", "3333"] {
        let created = ws.create_code(&august, json!({ "code": pin })).await;
        made.push(created["access_code"]["access_code_id"].clone());
    }
    ws.create_code(&schlage, json!({ "code": "4444" })).await;

    ws.call("/access_codes/list", json!({}))
        .await
        .assert_error(400, "invalid_input");
    let all = ws
        .ok("/access_codes/list", json!({ "device_id": august }))
        .await;
    assert_eq!(ids(&all["access_codes"], "access_code_id").len(), 3);
    assert_eq!(all["pagination"]["has_next_page"], false);

    let first = ws
        .ok(
            "/access_codes/list",
            json!({ "device_id": august, "limit": 2 }),
        )
        .await;
    assert_eq!(first["access_codes"].as_array().unwrap().len(), 2);
    let cursor = first["pagination"]["next_page_cursor"].clone();
    let second = ws
        .ok(
            "/access_codes/list",
            json!({ "device_id": august, "limit": 2, "page_cursor": cursor }),
        )
        .await;
    assert_eq!(second["access_codes"][0]["access_code_id"], made[2]);

    let by_ids = ws
        .ok(
            "/access_codes/list",
            json!({ "access_code_ids": [made[0], made[2]] }),
        )
        .await;
    assert_eq!(by_ids["access_codes"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn unknown_codes_are_not_found() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let missing = "0b9e3a56-5c4e-4d36-9d8e-8a3d4b5c6d7e";
    for path in [
        "/access_codes/get",
        "/access_codes/update",
        "/access_codes/delete",
    ] {
        ws.call(path, json!({ "access_code_id": missing }))
            .await
            .assert_error(404, "access_code_not_found");
    }
    ws.call("/access_codes/get", json!({}))
        .await
        .assert_error(400, "invalid_input");
    ws.call(
        "/action_attempts/get",
        json!({ "action_attempt_id": missing }),
    )
    .await
    .assert_error(404, "action_attempt_not_found");
}

#[tokio::test]
async fn an_update_renames_repins_and_reschedules_and_says_what_changed() {
    let sim = TestSim::start_slow().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let created = ws
        .create_code(&lock, json!({ "name": "guest", "code": "1234" }))
        .await;
    let id = created["access_code"]["access_code_id"].clone();
    ws.advance(120.0).await;
    assert_eq!(ws.code(&id).await["status"], "set");

    let updated = ws
        .ok(
            "/access_codes/update",
            json!({ "access_code_id": id, "name": "cleaner", "code": "5678" }),
        )
        .await;
    assert_eq!(
        updated["action_attempt"]["action_type"],
        "UPDATE_ACCESS_CODE"
    );
    assert!(updated.get("access_code").is_none());
    let code = ws.code(&id).await;
    assert_eq!(code["name"], "cleaner");
    assert_eq!(code["code"], "5678");
    assert_eq!(code["status"], "setting", "a new PIN is reprogrammed");

    let now = ws.now().await;
    ws.ok(
        "/access_codes/update",
        json!({ "access_code_id": id, "starts_at": at(now, 86_400), "ends_at": at(now, 172_800) }),
    )
    .await;
    let code = ws.code(&id).await;
    assert_eq!(code["type"], "time_bound");
    assert_eq!(code["status"], "unset");

    ws.ok(
        "/access_codes/update",
        json!({ "access_code_id": id, "type": "ongoing" }),
    )
    .await;
    assert_eq!(ws.code(&id).await["type"], "ongoing");

    let events = ws
        .ok(
            "/events/list",
            json!({ "since": "2000-01-01T00:00:00Z", "event_type": "access_code.changed" }),
        )
        .await;
    let first = &events["events"][0];
    assert_eq!(first["access_code_id"], id);
    let changed: Vec<&str> = first["changed_properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["property"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["name", "code"]);
    assert_eq!(first["changed_properties"][1]["from"], "1234");
    assert_eq!(first["changed_properties"][1]["to"], "5678");

    let other = ws.create_code(&lock, json!({ "code": "9999" })).await;
    ws.call(
        "/access_codes/update",
        json!({ "access_code_id": other["access_code"]["access_code_id"], "code": "5678" }),
    )
    .await
    .assert_error(400, "duplicate_access_code");
}

#[tokio::test]
async fn action_attempts_are_listed_by_id_and_by_lock() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let first = ws.create_code(&august, json!({})).await["action_attempt"].clone();
    let second = ws.create_code(&schlage, json!({})).await["action_attempt"].clone();
    let all = ws.ok("/action_attempts/list", json!({})).await;
    let ids = |list: &Value| -> Vec<Value> {
        list["action_attempts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action_attempt_id"].clone())
            .collect()
    };
    assert_eq!(
        ids(&all),
        [
            first["action_attempt_id"].clone(),
            second["action_attempt_id"].clone()
        ]
    );
    assert_eq!(all["pagination"]["has_next_page"], false);
    let on_schlage = ws
        .ok("/action_attempts/list", json!({ "device_id": schlage }))
        .await;
    assert_eq!(ids(&on_schlage), [second["action_attempt_id"].clone()]);
    let by_id = ws
        .ok(
            "/action_attempts/list",
            json!({ "action_attempt_ids": [first["action_attempt_id"]] }),
        )
        .await;
    assert_eq!(ids(&by_id), [first["action_attempt_id"].clone()]);
}

/// A lock seeded with the two constraints that are not about the PIN's digits: it picks every
/// PIN itself (`cannot_specify_pin_code`), and shows at most 14 characters of a name.
async fn constrained_lock(sim: &TestSim) -> (crate::helpers::Ws<'_>, String) {
    let ws = sim
        .seeded(json!({
            "locks": [{
                "name": "Shed",
                "model": "schlage",
                "supported_code_lengths": [6],
                "code_constraints": [
                    { "constraint_type": "cannot_specify_pin_code" },
                    { "constraint_type": "name_length", "max_length": 14 },
                ],
            }],
        }))
        .await;
    let lock = ws.device_id("schlage_lock").await;
    (ws, lock)
}

#[tokio::test]
async fn a_lock_that_picks_its_own_pins_refuses_a_chosen_one_on_create_and_update() {
    let sim = TestSim::start().await;
    let (ws, lock) = constrained_lock(&sim).await;
    ws.call(
        "/access_codes/create",
        json!({ "device_id": lock, "code": "246813" }),
    )
    .await
    .assert_error(400, "cannot_specify_pin_code");
    let created = ws.create_code(&lock, json!({ "name": "Guest" })).await;
    let code = &created["access_code"];
    let pin = code["code"].as_str().unwrap();
    assert_eq!(pin.len(), 6, "{pin}");
    ws.call(
        "/access_codes/update",
        json!({ "access_code_id": code["access_code_id"], "code": "135792" }),
    )
    .await
    .assert_error(400, "cannot_specify_pin_code");
    // A common code key cannot force a PIN on it either: the lock picks another one.
    let first = ws
        .create_code(&lock, json!({ "common_code_key": "cleaner" }))
        .await;
    let second = ws
        .create_code(&lock, json!({ "common_code_key": "cleaner" }))
        .await;
    assert_ne!(first["access_code"]["code"], second["access_code"]["code"]);
    // Nothing but the refusals changed: the first code kept its PIN, and no code was made
    // from a refused request.
    assert_eq!(ws.code(&code["access_code_id"]).await["code"], pin);
    let listed = ws
        .ok("/access_codes/list", json!({ "device_id": lock }))
        .await;
    assert_eq!(listed["access_codes"].as_array().unwrap().len(), 3);
}

/// Seam's spec (`access_code.name`): "Seam identifies the code on Seam by its name but may
/// modify the name that appears on the lock provider's app or on the device. For example, Seam
/// may ... truncate the name to meet provider constraints." A long name is therefore never an
/// error, and the code keeps it whole.
#[tokio::test]
async fn a_name_longer_than_the_locks_name_length_is_kept_whole() {
    let sim = TestSim::start().await;
    let (ws, lock) = constrained_lock(&sim).await;
    let long = "Cleaning crew, Tuesdays and Fridays";
    assert!(long.len() > 14);
    let created = ws.create_code(&lock, json!({ "name": long })).await;
    let id = created["access_code"]["access_code_id"].clone();
    assert_eq!(created["access_code"]["name"], long);
    assert_eq!(ws.code(&id).await["name"], long);
    let longer = format!("{long} (and Sundays)");
    ws.ok(
        "/access_codes/update",
        json!({ "access_code_id": id, "name": longer }),
    )
    .await;
    assert_eq!(ws.code(&id).await["name"], longer.as_str());
}
