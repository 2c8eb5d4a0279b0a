//! The Salto KS and smart-lock flows of the seeds, through GraphQL, as Seam ends up holding them.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{entrance_named, spawn_app};
use crate::lifecycle_helpers::{count, in_minutes};

const PATIENCE: Duration = Duration::from_secs(30);

fn group_named<'a>(property: &'a Value, name: &str) -> &'a Value {
    property["accessGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .map(|g| &g["id"])
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_salto_pin_is_a_scheduled_user_in_access_groups_with_one_code() {
    let app = spawn_app().await;
    let site = app
        .import_acs_system_of_type(&app.manager_token(), "salto_ks_site")
        .await;
    assert_eq!(site["provider"], "SALTO_KS");
    assert_eq!(site["supportedAccessMethods"], json!(["PIN_CODE"]));
    let resident = app
        .create_resident("Sam Lee", "sam@example.com", "sam")
        .await;
    let (starts, ends) = (in_minutes(60), in_minutes(60 * 24 * 3));
    let body = app
        .grant_access(json!({
            "residentId": resident["id"], "propertyId": site["id"], "accessMethod": "PIN_CODE",
            "accessGroupIds": [group_named(&site, "Residents")], "startsAt": starts, "endsAt": ends,
        }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let grant = app
        .wait_for_grant(
            &body["data"]["grantAccess"]["grant"]["id"],
            "ACTIVE",
            PATIENCE,
        )
        .await;
    let credential = &grant["credentials"][0];
    assert_eq!(
        credential["status"], "SCHEDULED",
        "issued, window not started: {grant}"
    );
    assert!(credential["code"]
        .as_str()
        .is_some_and(|c| c.chars().all(|d| d.is_ascii_digit())));

    let state = app.sim_state().await;
    let salto = state["acs_systems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["external_type"] == "salto_ks_site")
        .unwrap();
    let users: Vec<&Value> = state["acs_users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["acs_system_id"] == salto["acs_system_id"])
        .collect();
    assert_eq!(users.len(), 1);
    let user = users[0];
    assert_eq!(
        user["salto_ks_metadata"]["is_subscribed"], false,
        "unsubscribed until the schedule starts: {user}"
    );
    assert_eq!(user["is_suspended"], false, "not suspended for it: {user}");
    let schedule_start = chrono::DateTime::parse_from_rfc3339(
        user["access_schedule"]["starts_at"].as_str().unwrap(),
    )
    .unwrap();
    let wanted_start = chrono::DateTime::parse_from_rfc3339(starts.as_str().unwrap()).unwrap();
    assert_eq!(schedule_start.timestamp(), wanted_start.timestamp());
    let residents_group = state["acs_access_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Residents")
        .unwrap();
    assert_eq!(
        state["acs_user_access_groups"][user["acs_user_id"].as_str().unwrap()],
        json!([residents_group["acs_access_group_id"]])
    );
    let credentials = state["acs_credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0]["access_method"], "code");
    assert_eq!(credentials[0]["acs_user_id"], user["acs_user_id"]);
    let entrances =
        &state["acs_credential_entrances"][credentials[0]["acs_credential_id"].as_str().unwrap()];
    assert!(
        entrances.as_array().is_none_or(Vec::is_empty),
        "a Salto PIN carries no entrances: {entrances}"
    );

    // Revoked: out of the group, credential and user gone.
    let revoked = app.revoke(&grant["id"]).await;
    assert_eq!(revoked["status"], "REVOKING");
    app.wait_for_grant(&grant["id"], "REVOKED", PATIENCE).await;
    let state = app.sim_state().await;
    assert_eq!(count(&state, "acs_credentials"), 0);
    assert_eq!(count(&state, "acs_users"), 0, "{state:#}");
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smart_locks_get_one_verified_code_each_with_the_chosen_pin() {
    let app = spawn_app().await;
    let locks = app
        .import_smart_locks(&["Unit 2A Front Door", "Unit 2B Front Door"])
        .await;
    assert_eq!(locks["provider"], "SMART_LOCKS");
    assert_eq!(locks["entrances"].as_array().unwrap().len(), 2);
    let resident = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    let body = app
        .grant_access(json!({
            "residentId": resident["id"], "propertyId": locks["id"], "accessMethod": "PIN_CODE",
            "entranceIds": [entrance_named(&locks, "Unit 2A Front Door"), entrance_named(&locks, "Unit 2B Front Door")],
            "code": "4821",
        }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let grant = app
        .wait_for_grant(
            &body["data"]["grantAccess"]["grant"]["id"],
            "ACTIVE",
            PATIENCE,
        )
        .await;
    assert!(grant["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "ACTIVE" && c["code"] == "4821"));

    let state = app.sim_state().await;
    let codes = state["access_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 2);
    for code in codes {
        assert_eq!(code["code"], "4821");
        assert_eq!(
            code["status"], "set",
            "verified as set before ACTIVE: {code}"
        );
        assert_eq!(code["type"], "ongoing");
        assert_eq!(
            code["name"],
            format!("Doorway grant {}", grant["id"].as_str().unwrap())
        );
    }

    app.revoke(&grant["id"]).await;
    app.wait_for_grant(&grant["id"], "REVOKED", PATIENCE).await;
    // Seam removes codes asynchronously; Doorway reports REVOKED once each delete is accepted.
    app.advance_sim_clock(10).await;
    let state = app.sim_state().await;
    assert_eq!(count(&state, "access_codes"), 0, "{state:#}");
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_bound_smart_lock_code_waits_unset_for_its_window() {
    let app = spawn_app().await;
    let locks = app.import_smart_locks(&["Unit 2B Front Door"]).await;
    let resident = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    let starts = in_minutes(60 * 24);
    let body = app
        .grant_access(json!({
            "residentId": resident["id"], "propertyId": locks["id"], "accessMethod": "PIN_CODE",
            "entranceIds": [entrance_named(&locks, "Unit 2B Front Door")],
            "startsAt": starts, "endsAt": in_minutes(60 * 48),
        }))
        .await;
    let grant = app
        .wait_for_grant(
            &body["data"]["grantAccess"]["grant"]["id"],
            "ACTIVE",
            PATIENCE,
        )
        .await;
    assert_eq!(grant["credentials"][0]["status"], "SCHEDULED");
    assert!(
        grant["credentials"][0]["code"].as_str().is_some(),
        "Seam generated a code"
    );
    let state = app.sim_state().await;
    assert_eq!(state["access_codes"][0]["type"], "time_bound");
    assert_eq!(state["access_codes"][0]["status"], "unset");

    // Moving the end changes the code at Seam in place.
    let moved = app
        .reschedule(&grant["id"], starts.clone(), in_minutes(60 * 72))
        .await;
    assert!(moved.get("errors").is_none(), "{moved}");
    // The run then waits for the window to open, to see the lock set the code.
    app.wait_for_step(&grant["id"], "update_access_code", "SUCCEEDED")
        .await;
    let state = app.sim_state().await;
    assert_eq!(count(&state, "access_codes"), 1);
    let ends =
        chrono::DateTime::parse_from_rfc3339(state["access_codes"][0]["ends_at"].as_str().unwrap())
            .unwrap();
    assert!(
        ends > chrono::Utc::now() + chrono::Duration::hours(71),
        "{ends}"
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_that_cannot_take_codes_and_codes_that_do_not_fit_are_refused() {
    let app = spawn_app().await;
    let locks = app
        .import_smart_locks(&["Unit 2A Front Door", "Bike Storage Room"])
        .await;
    let resident = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    let grant = |entrance: &Value, code: Option<&str>| {
        app.grant_access(json!({
            "residentId": resident["id"], "propertyId": locks["id"], "accessMethod": "PIN_CODE",
            "entranceIds": [entrance], "code": code,
        }))
    };
    let no_keypad = grant(entrance_named(&locks, "Bike Storage Room"), None).await;
    assert_eq!(
        no_keypad["errors"][0]["extensions"]["code"], "UNSUPPORTED_BY_PROVIDER",
        "{no_keypad}"
    );
    assert_eq!(no_keypad["errors"][0]["extensions"]["field"], "entranceIds");
    let too_short = grant(entrance_named(&locks, "Unit 2A Front Door"), Some("12")).await;
    assert_eq!(
        too_short["errors"][0]["extensions"]["field"], "code",
        "{too_short}"
    );
    assert_eq!(count(&app.sim_state().await, "access_codes"), 0);
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_an_offline_lock_has_not_taken_waits_with_the_reason() {
    let app = spawn_app().await;
    let locks = app.import_smart_locks(&["Unit 3A Front Door"]).await;
    let resident = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    let body = app
        .grant_access(json!({
            "residentId": resident["id"], "propertyId": locks["id"], "accessMethod": "PIN_CODE",
            "entranceIds": [entrance_named(&locks, "Unit 3A Front Door")],
        }))
        .await;
    let id = body["data"]["grantAccess"]["grant"]["id"].clone();
    // The lock is offline: the code stays "setting"; Seam warns, then reports it could not set
    // it yet, and keeps trying. The credential is not live, and not failed either: it waits,
    // saying which lock and why.
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.advance_sim_clock(60 * 10).await;
    let deadline = std::time::Instant::now() + PATIENCE;
    let grant = loop {
        let grant = app.grant(&id).await;
        let credential = &grant["credentials"][0];
        if credential["statusReason"]
            .as_str()
            .is_some_and(|r| r.contains("Unit 3A Front Door"))
        {
            break grant;
        }
        assert!(std::time::Instant::now() < deadline, "{grant:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(grant["status"], "PROVISIONING");
    assert_eq!(grant["credentials"][0]["status"], "ISSUING");
    let reason = grant["credentials"][0]["statusReason"].as_str().unwrap();
    assert!(reason.contains("offline"), "{reason}");
    assert_eq!(
        app.sim_state().await["access_codes"][0]["status"],
        "setting"
    );
    // Back online, the lock takes the code and the grant is live.
    app.connect_lock("Unit 3A Front Door").await;
    let grant = app.wait_for_grant(&id, "ACTIVE", PATIENCE).await;
    assert_eq!(grant["credentials"][0]["status"], "ACTIVE");
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_importing_refreshes_a_property_and_keeps_its_ids() {
    let app = spawn_app().await;
    let ids = |p: &Value, list: &str| {
        let mut ids: Vec<String> = p[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let site = app
        .import_acs_system_of_type(&app.manager_token(), "salto_ks_site")
        .await;
    let again = app
        .import_acs_system_of_type(&app.manager_token(), "salto_ks_site")
        .await;
    assert_eq!(site["id"], again["id"]);
    assert_eq!(ids(&site, "entrances"), ids(&again, "entrances"));
    assert_eq!(ids(&site, "accessGroups"), ids(&again, "accessGroups"));

    let locks = app.import_smart_locks(&["Unit 2A Front Door"]).await;
    let more = app
        .import_smart_locks(&["Unit 2A Front Door", "Unit 2B Front Door"])
        .await;
    assert_eq!(
        locks["id"], more["id"],
        "the lock already imported keeps its property"
    );
    assert!(ids(&more, "entrances").contains(&ids(&locks, "entrances")[0]));
    assert_eq!(more["entrances"].as_array().unwrap().len(), 2);
    let properties = app
        .graphql_ok(
            &app.manager_token(),
            crate::helpers::contract("portal.graphql", "Properties"),
            json!({}),
        )
        .await;
    assert_eq!(properties["properties"]["totalCount"], 2);
    app.assert_truth().await;
}
