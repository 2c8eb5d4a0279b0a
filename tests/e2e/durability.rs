//! Provisioning is durable and duplicate-free: crashes, ambiguous answers, outages and removed
//! endpoints never leave a second object at Seam or lose a grant.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{entrance_named, spawn_app, spawn_app_with, Settings, TestApp};

const PATIENCE: Duration = Duration::from_secs(30);

async fn jane_with_a_mobile_key(app: &TestApp) -> Value {
    let (property, resident) = app.jane_at_the_latch_building().await;
    app.grant_mobile_key(
        &resident,
        &property,
        &[entrance_named(&property, "Main Entrance")],
    )
    .await
}

fn step<'a>(grant: &'a Value, name: &str) -> &'a Value {
    grant["provisioning"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {grant}"))
}

/// Seam holds exactly one of each object the flow creates.
async fn assert_no_duplicates_at_seam(app: &TestApp) {
    let state = app.sim_state().await;
    for kind in ["user_identities", "acs_users", "acs_credentials"] {
        assert_eq!(
            state[kind].as_array().unwrap().len(),
            1,
            "{kind}: {state:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_seam_created_the_acs_user_leaves_no_duplicate() {
    let mut app = spawn_app_with(Settings {
        lease_seconds: 2.0,
        seam_timeout_seconds: Some(0.6),
        ..Settings::default()
    })
    .await;
    // Seam creates the ACS user at once but answers 3 s later: the process dies in between.
    app.inject_fault(json!({ "endpoint": "/acs/users/create", "latency_ms": 3000, "times": 1 }))
        .await;
    let grant = jane_with_a_mobile_key(&app).await;

    let deadline = Instant::now() + PATIENCE;
    while app.sim_state().await["acs_users"]
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "Seam never received the ACS user"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.crash().await;

    // Seam has the ACS user; Doorway has not recorded it.
    let mut db = app.db().await;
    let recorded: i64 = sqlx::query_scalar("select count(*) from resident_acs_users")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(recorded, 0);
    let status: String =
        sqlx::query_scalar("select status from provisioning_steps where name = 'ensure_acs_user'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(status, "RUNNING");

    app.restart().await;
    let grant = app.wait_for_grant(&grant["id"], "ACTIVE", PATIENCE).await;
    assert_eq!(step(&grant, "ensure_acs_user")["attempts"], 2);
    assert_no_duplicates_at_seam(&app).await;
    let state = app.sim_state().await;
    assert_eq!(
        state["acs_credentials"][0]["acs_user_id"],
        state["acs_users"][0]["acs_user_id"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_credential_create_is_reconciled_not_repeated() {
    let app = spawn_app().await;
    // Seam creates the credential, then the answer is lost (500 after commit).
    app.inject_fault(
        json!({ "endpoint": "/acs/credentials/create", "ambiguous_rate": 1.0, "times": 1 }),
    )
    .await;
    let grant = jane_with_a_mobile_key(&app).await;
    let grant = app.wait_for_grant(&grant["id"], "ACTIVE", PATIENCE).await;
    assert_eq!(step(&grant, "create_acs_credential")["attempts"], 2);
    assert_no_duplicates_at_seam(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ambiguous_identity_create_is_found_by_its_key() {
    let app = spawn_app().await;
    app.inject_fault(
        json!({ "endpoint": "/user_identities/create", "ambiguous_rate": 1.0, "times": 1 }),
    )
    .await;
    let grant = jane_with_a_mobile_key(&app).await;
    app.wait_for_grant(&grant["id"], "ACTIVE", PATIENCE).await;
    assert_no_duplicates_at_seam(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_seam_failures_are_retried_with_backoff() {
    let app = spawn_app().await;
    app.inject_fault(
        json!({ "endpoint": "/acs/users/create", "error_rate": 1.0, "status": 503, "times": 2 }),
    )
    .await;
    let grant = jane_with_a_mobile_key(&app).await;

    // The portal sees the step retrying, with Seam's error.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let seen = app.grant(&grant["id"]).await;
        if step(&seen, "ensure_acs_user")["status"] == "RETRYING" {
            assert!(
                step(&seen, "ensure_acs_user")["lastError"]
                    .as_str()
                    .unwrap()
                    .contains("503"),
                "{seen}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never saw the step retrying: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let grant = app.wait_for_grant(&grant["id"], "ACTIVE", PATIENCE).await;
    assert_eq!(step(&grant, "ensure_acs_user")["attempts"], 3);
    assert_no_duplicates_at_seam(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flow_completes_when_seam_has_removed_enrollment_automations() {
    let app = spawn_app().await;
    for endpoint in [
        "/user_identities/enrollment_automations/list",
        "/user_identities/enrollment_automations/launch",
    ] {
        app.inject_fault(json!({ "endpoint": endpoint, "error_rate": 1.0, "status": 404 }))
            .await;
    }
    let grant = jane_with_a_mobile_key(&app).await;
    let grant = app.wait_for_grant(&grant["id"], "ACTIVE", PATIENCE).await;
    let enrollment = step(&grant, "launch_enrollment_automation");
    assert_eq!(enrollment["status"], "SKIPPED");
    assert_eq!(grant["credentials"][0]["status"], "ACTIVE");
    assert!(app.sim_state().await["enrollment_automations"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_by_seam_fails_the_grant_with_a_reason() {
    let app = spawn_app().await;
    app.inject_fault(
        json!({ "endpoint": "/acs/credentials/create", "error_rate": 1.0, "status": 400 }),
    )
    .await;
    let grant = jane_with_a_mobile_key(&app).await;
    let grant = app.wait_for_grant(&grant["id"], "FAILED", PATIENCE).await;
    // The provisioning run failed at the refused step; a compensating run removed what it
    // had made (the ACS user), so nothing of the failed grant is left at Seam.
    let runs = app.runs_of(&grant["id"]).await;
    let provision = runs.iter().find(|r| r["kind"] == "PROVISION").unwrap();
    assert_eq!(provision["status"], "FAILED");
    let failed = provision["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "create_acs_credential")
        .unwrap();
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["attempts"], 1, "a refusal is not retried");
    assert!(failed["lastError"].as_str().is_some_and(|e| !e.is_empty()));
    app.wait_for_run(&grant["id"], "SUCCEEDED").await;
    assert_eq!(
        app.runs_of(&grant["id"]).await[0]["kind"],
        "COMPENSATE",
        "the failure is undone by a run of its own"
    );
    let grant = app.grant(&grant["id"]).await;
    let credential = &grant["credentials"][0];
    assert_eq!(credential["status"], "FAILED");
    assert!(
        credential["statusReason"]
            .as_str()
            .unwrap()
            .starts_with("create_acs_credential:"),
        "{credential}"
    );
    let state = app.sim_state().await;
    assert!(state["acs_credentials"].as_array().unwrap().is_empty());
    assert!(
        state["acs_users"].as_array().unwrap().is_empty(),
        "the ACS user made for the failed grant is released: {state:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_hands_runs_back_and_a_restart_finishes_them() {
    let mut app = spawn_app().await;
    // Slow Seam down so the stop lands mid-run.
    app.inject_fault(json!({ "latency_ms": 300 })).await;
    let grant = jane_with_a_mobile_key(&app).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    app.stop().await;
    let mut db = app.db().await;
    let leased: i64 = sqlx::query_scalar("select count(*) from resident_leases")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(leased, 0, "a stopping worker gives its run back at once");
    app.restart().await;
    app.wait_for_grant(&grant["id"], "ACTIVE", PATIENCE).await;
    assert_no_duplicates_at_seam(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_run_every_step_once() {
    const GRANTS: usize = 200;
    let app = spawn_app().await;
    let (_sibling, stop_sibling, sibling) = app.spawn_sibling().await;
    let property = app.import_latch_building().await;
    let entrance = entrance_named(&property, "Main Entrance").clone();
    let mut grants = Vec::new();
    for i in 0..GRANTS {
        let resident = app
            .create_resident(
                &format!("Resident {i}"),
                &format!("r{i}@example.com"),
                &format!("r{i}"),
            )
            .await;
        grants.push(
            app.grant_mobile_key(&resident, &property, &[&entrance])
                .await,
        );
    }
    for grant in &grants {
        let grant = app
            .wait_for_grant(&grant["id"], "ACTIVE", Duration::from_secs(60))
            .await;
        for step in grant["provisioning"]["steps"].as_array().unwrap() {
            if step["name"] != "await_issuance" {
                assert_eq!(step["attempts"], 1, "{step}");
            }
        }
    }
    let mut db = app.db().await;
    let leases: Vec<String> = sqlx::query_scalar("select holder from resident_leases")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert!(leases.is_empty(), "finished runs hold no lease: {leases:?}");
    let state = app.sim_state().await;
    for kind in ["user_identities", "acs_users", "acs_credentials"] {
        assert_eq!(state[kind].as_array().unwrap().len(), GRANTS, "{kind}");
    }
    stop_sibling.cancel();
    sibling.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_grants_of_one_resident_at_once_share_one_acs_user() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    // Slow lookups widen the window in which two runs could both find no ACS user.
    app.inject_fault(json!({ "endpoint": "/acs/users/list", "latency_ms": 400 }))
        .await;
    let first = app
        .grant_mobile_key(
            &resident,
            &property,
            &[entrance_named(&property, "Main Entrance")],
        )
        .await;
    let second = app
        .grant_mobile_key(
            &resident,
            &property,
            &[entrance_named(&property, "Garage Door")],
        )
        .await;
    app.wait_for_grant(&first["id"], "ACTIVE", PATIENCE).await;
    app.wait_for_grant(&second["id"], "ACTIVE", PATIENCE).await;
    let state = app.sim_state().await;
    assert_eq!(
        state["user_identities"].as_array().unwrap().len(),
        1,
        "{state:#}"
    );
    assert_eq!(state["acs_users"].as_array().unwrap().len(), 1, "{state:#}");
    assert_eq!(state["acs_credentials"].as_array().unwrap().len(), 2);
}
