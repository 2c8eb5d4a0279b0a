//! Seam's sandbox `simulate` endpoints beyond connectivity, and the trouble events they
//! cause: sandbox phones whose deactivation invalidates mobile keys, unmanaged codes that
//! occupy a PIN, devices removed from their account, and credentials invalidated through
//! the control surface.

use serde_json::{json, Value};

use crate::helpers::{ids, TestSim, Ws};

async fn jane_with_a_mobile_key(ws: &Ws<'_>) -> (Value, Value) {
    let jane = ws
        .ok("/user_identities/create", json!({ "full_name": "Jane" }))
        .await["user_identity"]
        .clone();
    let building = ws.system("latch_building").await;
    let doors = ws
        .entrance_ids(building["acs_system_id"].as_str().unwrap())
        .await;
    let key = ws
        .ok(
            "/acs/credentials/create",
            json!({
                "user_identity_id": jane["user_identity_id"],
                "acs_system_id": building["acs_system_id"],
                "access_method": "mobile_key",
                "is_multi_phone_sync_credential": true,
                "allowed_acs_entrance_ids": [doors[0]],
            }),
        )
        .await["acs_credential"]
        .clone();
    (jane, key)
}

#[tokio::test]
async fn a_sandbox_phone_is_listed_and_deactivating_the_last_one_invalidates_mobile_keys() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let (jane, key) = jane_with_a_mobile_key(&ws).await;
    let mut phones = Vec::new();
    for os in ["ios", "android"] {
        let phone = ws
            .ok(
                "/phones/simulate/create_sandbox_phone",
                json!({
                    "user_identity_id": jane["user_identity_id"],
                    "phone_metadata": { "operating_system": os },
                }),
            )
            .await["phone"]
            .clone();
        phones.push(phone);
    }
    assert_eq!(phones[0]["device_type"], "ios_phone");
    assert_eq!(phones[1]["device_type"], "android_phone");
    let listed = ws
        .ok(
            "/phones/list",
            json!({ "acs_credential_id": key["acs_credential_id"] }),
        )
        .await;
    assert_eq!(listed["phones"], json!(phones));
    let got = ws
        .ok(
            "/phones/get",
            json!({ "device_id": phones[0]["device_id"] }),
        )
        .await;
    assert_eq!(got["phone"], phones[0]);

    let key_events = json!({ "acs_credential_id": key["acs_credential_id"] });
    ws.ok(
        "/phones/deactivate",
        json!({ "device_id": phones[0]["device_id"] }),
    )
    .await;
    assert!(!ws
        .event_types(key_events.clone())
        .await
        .contains(&"acs_credential.invalidated".to_owned()));
    ws.ok(
        "/phones/deactivate",
        json!({ "device_id": phones[1]["device_id"] }),
    )
    .await;
    assert!(ws
        .event_types(key_events)
        .await
        .contains(&"acs_credential.invalidated".to_owned()));
    assert_eq!(
        ws.event_types(json!({ "event_type": "phone.deactivated" }))
            .await
            .len(),
        2
    );
    let after = ws
        .ok(
            "/acs/credentials/get",
            json!({ "acs_credential_id": key["acs_credential_id"] }),
        )
        .await;
    let warnings = after["acs_credential"]["warnings"].to_string();
    assert!(warnings.contains("needs_to_be_reissued"), "{warnings}");
    ws.call(
        "/phones/get",
        json!({ "device_id": phones[1]["device_id"] }),
    )
    .await
    .assert_error(404, "device_not_found");
}

#[tokio::test]
async fn a_credential_can_be_invalidated_through_the_control_surface_once() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let (_, key) = jane_with_a_mobile_key(&ws).await;
    ws.advance(5.0).await; // issued first
    let body = json!({ "acs_credential_id": key["acs_credential_id"] });
    let answer = ws
        .ok("/_sim/acs_credentials/invalidate", body.clone())
        .await;
    assert_eq!(
        answer["acs_credential"]["warnings"][0]["warning_code"],
        "needs_to_be_reissued"
    );
    ws.ok("/_sim/acs_credentials/invalidate", body.clone())
        .await;
    assert_eq!(
        ws.event_types(json!({ "event_type": "acs_credential.invalidated" }))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn an_unmanaged_code_occupies_its_pin_and_is_listed_apart() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    let unmanaged = ws
        .ok(
            "/access_codes/simulate/create_unmanaged_access_code",
            json!({ "device_id": lock, "name": "Cleaner", "code": "4321" }),
        )
        .await["access_code"]
        .clone();
    assert_eq!(unmanaged["is_managed"], false);
    assert_eq!(unmanaged["status"], "set");
    ws.call(
        "/access_codes/create",
        json!({ "device_id": lock, "code": "4321" }),
    )
    .await
    .assert_error(400, "duplicate_access_code");
    let listed = ws
        .ok("/access_codes/unmanaged/list", json!({ "device_id": lock }))
        .await;
    assert_eq!(listed["access_codes"], json!([unmanaged.clone()]));
    assert_eq!(
        ws.ok("/access_codes/list", json!({ "device_id": lock }))
            .await["access_codes"],
        json!([])
    );
    let got = ws
        .ok(
            "/access_codes/unmanaged/get",
            json!({ "access_code_id": unmanaged["access_code_id"] }),
        )
        .await;
    assert_eq!(got["access_code"], unmanaged);
    assert_eq!(
        ws.event_types(json!({ "device_id": lock })).await,
        ["access_code.unmanaged.created"]
    );
}

#[tokio::test]
async fn a_removed_device_takes_its_codes_with_it() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let lock = ws.device_id("august_lock").await;
    ws.create_code(&lock, json!({ "code": "1357" })).await;
    ws.ok("/devices/simulate/remove", json!({ "device_id": lock }))
        .await;
    let devices = ws.ok("/devices/list", json!({})).await;
    assert!(!ids(&devices["devices"], "device_id").contains(&lock));
    assert_eq!(ws.state().await["access_codes"], json!([]));
    assert_eq!(
        ws.event_types(json!({ "device_id": lock })).await,
        [
            "access_code.created",
            "access_code.deleted",
            "device.removed"
        ]
    );
    ws.call("/devices/get", json!({ "device_id": lock }))
        .await
        .assert_error(404, "device_not_found");
}
