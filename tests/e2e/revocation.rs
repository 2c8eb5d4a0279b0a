//! Ending and changing access: nothing is left at Seam after a revocation or a move-out, even
//! through outages; windows move in place or by replacement; time expires grants.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{contract, entrance_named, spawn_app};
use crate::lifecycle_helpers::{count, in_minutes, wait_until};

const PATIENCE: Duration = Duration::from_secs(40);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_mobile_key_leaves_nothing_at_seam() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let grant = app
        .active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    app.revoke(&grant["id"]).await;
    let grant = app.wait_for_grant(&grant["id"], "REVOKED", PATIENCE).await;
    assert!(grant["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "REVOKED"));
    let state = app.sim_state().await;
    assert_eq!(count(&state, "acs_credentials"), 0);
    assert_eq!(count(&state, "acs_users"), 0);
    assert_eq!(
        app.my_access("jane").await["viewer"]["resident"]["credentials"]["edges"][0]["node"]
            ["status"],
        "REVOKED"
    );
    // Revoking again changes nothing.
    assert_eq!(app.revoke(&grant["id"]).await["status"], "REVOKED");
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_out_revokes_every_grant_across_properties_through_a_seam_outage() {
    let app = spawn_app().await;
    let (latch, resident) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&resident, &latch, "Main Entrance")
        .await;
    let locks = app.import_smart_locks(&["Unit 2A Front Door"]).await;
    let body = app
        .grant_access(json!({ "residentId": resident["id"], "propertyId": locks["id"], "accessMethod": "PIN_CODE",
                              "entranceIds": [entrance_named(&locks, "Unit 2A Front Door")] }))
        .await;
    app.wait_for_grant(
        &body["data"]["grantAccess"]["grant"]["id"],
        "ACTIVE",
        PATIENCE,
    )
    .await;

    // Seam fails every delete three times before it works.
    for endpoint in ["/acs/credentials/delete", "/access_codes/delete"] {
        app.inject_fault(
            json!({ "endpoint": endpoint, "error_rate": 1.0, "status": 503, "times": 3 }),
        )
        .await;
    }
    let moved = app.move_out(&resident["id"]).await;
    assert_eq!(moved["resident"]["status"], "MOVED_OUT");
    assert_eq!(moved["grants"].as_array().unwrap().len(), 2);
    assert!(
        moved["grants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["status"] == "REVOKING"),
        "{moved}"
    );
    for grant in moved["grants"].as_array().unwrap() {
        app.wait_for_grant(&grant["id"], "REVOKED", Duration::from_secs(60))
            .await;
    }
    app.advance_sim_clock(10).await;
    let state = app.sim_state().await;
    for kind in ["acs_credentials", "acs_users", "access_codes"] {
        assert_eq!(count(&state, kind), 0, "{kind} left at Seam: {state:#}");
    }
    // A moved-out resident cannot be given access again.
    let again = app
        .grant_access(json!({ "residentId": resident["id"], "propertyId": latch["id"], "accessMethod": "MOBILE_KEY",
                              "entranceIds": [entrance_named(&latch, "Main Entrance")] }))
        .await;
    assert_eq!(
        again["errors"][0]["extensions"]["field"], "residentId",
        "{again}"
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_right_after_the_grant_wins_over_provisioning() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    app.inject_fault(json!({ "latency_ms": 200 })).await;
    let grant = app
        .grant_mobile_key(
            &resident,
            &property,
            &[entrance_named(&property, "Main Entrance")],
        )
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.revoke(&grant["id"]).await;
    let grant = app.wait_for_grant(&grant["id"], "REVOKED", PATIENCE).await;
    let statuses: Vec<&Value> = grant["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["status"])
        .collect();
    assert_eq!(statuses, [&json!("REVOKED")]);
    let state = app.sim_state().await;
    assert_eq!(count(&state, "acs_credentials"), 0, "{state:#}");
    assert_eq!(count(&state, "acs_users"), 0);
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_end_updates_the_credential_and_a_new_start_replaces_it() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let starts = in_minutes(-5);
    let body = app
        .grant_access(json!({ "residentId": resident["id"], "propertyId": property["id"], "accessMethod": "MOBILE_KEY",
                              "entranceIds": [entrance_named(&property, "Main Entrance")],
                              "startsAt": starts, "endsAt": in_minutes(60) }))
        .await;
    let grant = app
        .wait_for_grant(
            &body["data"]["grantAccess"]["grant"]["id"],
            "ACTIVE",
            PATIENCE,
        )
        .await;
    let first = app.sim_state().await["acs_credentials"][0].clone();

    let later = app
        .reschedule(&grant["id"], starts.clone(), in_minutes(120))
        .await;
    assert!(later.get("errors").is_none(), "{later}");
    app.wait_for_run(&grant["id"], "SUCCEEDED").await;
    let state = app.sim_state().await;
    assert_eq!(count(&state, "acs_credentials"), 1);
    assert_eq!(
        state["acs_credentials"][0]["acs_credential_id"], first["acs_credential_id"],
        "updated in place"
    );
    assert_ne!(state["acs_credentials"][0]["ends_at"], first["ends_at"]);

    let new_start = app
        .reschedule(&grant["id"], in_minutes(30), in_minutes(120))
        .await;
    assert!(new_start.get("errors").is_none(), "{new_start}");
    let grant = app.wait_for_run(&grant["id"], "SUCCEEDED").await;
    let state = app.sim_state().await;
    assert_eq!(
        count(&state, "acs_credentials"),
        1,
        "replaced, not duplicated: {state:#}"
    );
    assert_ne!(
        state["acs_credentials"][0]["acs_credential_id"],
        first["acs_credential_id"]
    );
    assert_eq!(grant["credentials"][0]["status"], "SCHEDULED");

    let bad = app
        .reschedule(&grant["id"], in_minutes(200), in_minutes(100))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "endsAt");
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_expires_when_its_window_ends() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let ends = chrono::Utc::now() + chrono::Duration::seconds(4);
    let body = app
        .grant_access(json!({ "residentId": resident["id"], "propertyId": property["id"], "accessMethod": "PIN_CODE",
                              "entranceIds": [entrance_named(&property, "Main Entrance")], "endsAt": ends.to_rfc3339() }))
        .await;
    let id = body["data"]["grantAccess"]["grant"]["id"].clone();
    let grant = app.wait_for_grant(&id, "EXPIRED", PATIENCE).await;
    assert_eq!(grant["credentials"][0]["status"], "EXPIRED");
    let rejected = app.reschedule(&id, Value::Null, in_minutes(60)).await;
    assert_eq!(rejected["errors"][0]["extensions"]["code"], "CONFLICT");
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_deleted_at_seam_directly_is_marked_not_left_active() {
    let app = crate::helpers::spawn_app_with(crate::helpers::Settings {
        reconcile_seconds: 1,
        ..Default::default()
    })
    .await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let grant = app
        .active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let seam_id = app.sim_state().await["acs_credentials"][0]["acs_credential_id"].clone();
    let deleted = reqwest::Client::new()
        .post(format!("{}/acs/credentials/delete", app.sim.base_url()))
        .bearer_auth(&app.sim_key)
        .json(&json!({ "acs_credential_id": seam_id }))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let seen = app.grant(&grant["id"]).await;
        let credential = &seen["credentials"][0];
        if credential["status"] == "FAILED" {
            assert!(
                credential["statusReason"]
                    .as_str()
                    .unwrap()
                    .contains("deleted at Seam"),
                "{credential}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never marked: {seen:#}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_out_signs_the_resident_out_of_every_app() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let token = app.resident_token("jane");
    let session = app
        .graphql_ok(
            &token,
            contract("resident-app.graphql", "StartMobileKeySession"),
            json!({}),
        )
        .await;
    assert!(session["createMobileKeySession"]["token"].is_string());
    // A second session for the same identity, made at Seam some other way (a phone that signed
    // in through another path): move-out must end it too.
    let identity = app.sim_state().await["user_identities"][0]["user_identity_id"].clone();
    let other = reqwest::Client::new()
        .post(format!("{}/client_sessions/create", app.sim.base_url()))
        .bearer_auth(&app.sim_key)
        .json(&json!({ "user_identity_ids": [identity], "user_identifier_key": "jane-tablet" }))
        .send()
        .await
        .unwrap();
    assert!(other.status().is_success());
    assert_eq!(count(&app.sim_state().await, "client_sessions"), 2);

    // Seam refuses the first revocations; the sign-out is retried until it goes through.
    app.inject_fault(
        json!({ "endpoint": "/client_sessions/revoke", "error_rate": 1.0, "status": 503, "times": 4 }),
    )
    .await;
    app.move_out(&resident["id"]).await;

    // No new session, by GraphQL or REST, from the moment the move-out is recorded.
    let refused = app
        .graphql(
            &token,
            contract("resident-app.graphql", "StartMobileKeySession"),
            json!({}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    let rest = reqwest::Client::new()
        .post(format!("{}/v1/me/mobile-key-session", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 403);

    let sessions = wait_until(PATIENCE, "signed out at Seam", || async {
        let state = app.sim_state().await;
        match count(&state, "client_sessions") {
            0 => Ok(()),
            n => Err(format!("{n} sessions left: {:#}", state["client_sessions"])),
        }
    });
    sessions.await;
    // The sign-out shows among the grant's runs; the grant's status and `provisioning` stay
    // its revocation's.
    app.assert_truth().await;
    let grant_id = resident_grant_id(&app, &resident).await;
    let grant = app
        .graphql_ok(
            &app.manager_token(),
            "query G($id: ID!) { grant(id: $id) { status provisioning { kind }
                runs { kind status steps { name status attempts } } } }",
            json!({ "id": grant_id }),
        )
        .await;
    let grant = &grant["grant"];
    assert_eq!(grant["status"], "REVOKED", "{grant}");
    assert_eq!(grant["provisioning"]["kind"], "REVOKE", "{grant}");
    let sign_out = grant["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "SIGN_OUT")
        .unwrap_or_else(|| panic!("no sign-out among {grant}"));
    assert_eq!(sign_out["status"], "SUCCEEDED");
    assert_eq!(sign_out["steps"][0]["name"], "revoke_client_sessions");
    assert!(sign_out["steps"][0]["attempts"].as_i64().unwrap() > 1);
}

async fn resident_grant_id(app: &crate::helpers::TestApp, resident: &Value) -> Value {
    let body = app
        .graphql_ok(
            &app.manager_token(),
            "query R($id: ID!) { resident(id: $id) { grants { id } } }",
            json!({ "id": resident["id"] }),
        )
        .await;
    body["resident"]["grants"][0]["id"].clone()
}
