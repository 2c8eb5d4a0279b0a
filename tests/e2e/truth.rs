//! Statuses are the truth (ENGINE.md 3): REVOKED means nothing is left at Seam, ACTIVE means the
//! door opens, a slow or offline lock keeps a run open and says why, and nothing at Seam is
//! lost or left behind by a refusal, an expiry or a hung request.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{entrance_named, spawn_app, spawn_app_with, Settings, TestApp};
use crate::lifecycle_helpers::{count, in_minutes, wait_until};
use crate::sim_control::codes_of_grant;

const PATIENCE: Duration = Duration::from_secs(30);
const LOCK_2A: &str = "Unit 2A Front Door";
const LOCK_2B: &str = "Unit 2B Front Door";

/// The grant's credential for the lock (smart-lock credentials have one entrance each).
fn credential_on<'a>(grant: &'a Value, lock: &str) -> &'a Value {
    grant["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["entrances"][0]["name"] == lock)
        .unwrap_or_else(|| panic!("no credential on {lock}: {grant:#}"))
}

/// The codes of the grant at Seam, with their status and lock, as a JSON array.
fn codes_left(state: &Value, grant_id: &Value) -> Value {
    codes_of_grant(state, grant_id)
        .iter()
        .map(|c| json!({ "status": c["status"], "device_id": c["device_id"] }))
        .collect()
}

/// Polls for `hold`: the grant must stay REVOKING all along.
async fn stays_revoking(app: &TestApp, id: &Value, hold: Duration) -> Value {
    let until = Instant::now() + hold;
    loop {
        let grant = app.grant_with_reasons(id).await;
        assert_eq!(
            grant["status"],
            "REVOKING",
            "the revocation cannot be over yet; Seam holds {}",
            codes_left(&app.sim_state().await, id)
        );
        if Instant::now() >= until {
            return grant;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_is_revoked_only_once_the_lock_let_go_of_the_code() {
    let app = spawn_app().await;
    let locks = app.import_smart_locks(&[LOCK_2A, LOCK_2B]).await;
    let resident = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    let id = app
        .grant_pin_on_locks(&resident, &locks, &[LOCK_2A, LOCK_2B], None)
        .await["id"]
        .clone();
    app.wait_for_grant(&id, "ACTIVE", PATIENCE).await;
    assert_eq!(codes_of_grant(&app.sim_state().await, &id).len(), 2);

    app.revoke(&id).await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        // Status first, then Seam: a code listed after REVOKED was read was there at REVOKED.
        let status = app.grant(&id).await["status"].clone();
        let left = codes_left(&app.sim_state().await, &id);
        if status == "REVOKED" {
            assert_eq!(
                left,
                json!([]),
                "REVOKED while Seam still lists the grant's codes"
            );
            break;
        }
        assert_eq!(status, "REVOKING", "Seam lists {left}");
        assert!(
            Instant::now() < deadline,
            "never REVOKED; Seam lists {left}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_lock_keeps_the_revocation_open_and_says_so() {
    let app = spawn_app().await;
    let id = app.active_pin_on(LOCK_2A).await;

    app.disconnect_lock(LOCK_2A).await;
    app.revoke(&id).await;
    // The offline lock keeps the code: the door still opens with it.
    let mut grant = stays_revoking(&app, &id, Duration::from_secs(3)).await;
    let names_the_lock = |g: &Value| {
        g["statusReason"]
            .as_str()
            .is_some_and(|r| r.contains(LOCK_2A))
    };
    if !names_the_lock(&grant) {
        // Seam warns of the delay after a minute on its clock.
        app.advance_sim_clock(61).await;
        grant = wait_until(
            Duration::from_secs(15),
            "REVOKING with a reason naming the offline lock",
            || {
                let app = &app;
                let id = &id;
                async move {
                    let grant = app.grant_with_reasons(id).await;
                    assert_eq!(grant["status"], "REVOKING", "{grant:#}");
                    if names_the_lock(&grant) {
                        Ok(grant)
                    } else {
                        Err(grant.to_string())
                    }
                }
            },
        )
        .await;
    }
    assert_eq!(grant["status"], "REVOKING");
    assert_eq!(codes_of_grant(&app.sim_state().await, &id).len(), 1);

    app.connect_lock(LOCK_2A).await;
    app.wait_for_grant(&id, "REVOKED", PATIENCE).await;
    let state = app.sim_state().await;
    assert_eq!(codes_left(&state, &id), json!([]));
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_on_many_locks_are_created_without_waiting_for_each_other() {
    let app = spawn_app().await;
    let locks = app.import_smart_locks(&[LOCK_2A, LOCK_2B]).await;
    let resident = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    app.disconnect_lock(LOCK_2B).await;
    // The offline lock first: a run that waits for each code to be set never reaches 2A.
    let id = app
        .grant_pin_on_locks(&resident, &locks, &[LOCK_2B, LOCK_2A], None)
        .await["id"]
        .clone();

    let grant = wait_until(
        Duration::from_secs(10),
        "both codes at Seam, 2A's credential ACTIVE and 2B's ISSUING",
        || {
            let (app, id) = (&app, &id);
            async move {
                let grant = app.grant_with_reasons(id).await;
                assert_ne!(grant["status"], "FAILED", "{grant:#}");
                assert_ne!(credential_on(&grant, LOCK_2B)["status"], "FAILED");
                let codes = codes_left(&app.sim_state().await, id);
                let (a, b) = (
                    &credential_on(&grant, LOCK_2A)["status"],
                    &credential_on(&grant, LOCK_2B)["status"],
                );
                if codes.as_array().unwrap().len() == 2 && a == "ACTIVE" && b == "ISSUING" {
                    Ok(grant)
                } else {
                    Err(format!("2A {a}, 2B {b}, codes at Seam {codes}"))
                }
            }
        },
    )
    .await;
    assert_eq!(grant["status"], "PROVISIONING", "{grant:#}");
    let names_the_lock = |g: &Value| {
        credential_on(g, LOCK_2B)["statusReason"]
            .as_str()
            .is_some_and(|r| r.contains(LOCK_2B))
    };
    if !names_the_lock(&grant) {
        // Seam warns of the delay after a minute on its clock.
        app.advance_sim_clock(61).await;
        wait_until(
            Duration::from_secs(10),
            "2B's credential ISSUING with a reason naming the offline lock",
            || {
                let (app, id) = (&app, &id);
                async move {
                    let grant = app.grant_with_reasons(id).await;
                    assert_eq!(grant["status"], "PROVISIONING", "{grant:#}");
                    assert_eq!(credential_on(&grant, LOCK_2B)["status"], "ISSUING");
                    if names_the_lock(&grant) {
                        Ok(())
                    } else {
                        Err(grant.to_string())
                    }
                }
            },
        )
        .await;
    }

    app.connect_lock(LOCK_2B).await;
    let grant = app.wait_for_grant(&id, "ACTIVE", PATIENCE).await;
    assert!(
        grant["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ACTIVE"),
        "{grant:#}"
    );
    app.assert_truth().await;
}

/// The brief names "Bike Storage Room", but that lock (a Nuki) has no keypad and Doorway
/// refuses codes on it (see `flows.rs`); the busiest lock with a keypad stands in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_five_residents_on_one_lock_get_exactly_twenty_five_codes_and_lose_them_all() {
    const RESIDENTS: usize = 25;
    let app = spawn_app_with(Settings {
        device_window_seconds: Some(3),
        lease_seconds: 3.0,
        seam_timeout_seconds: Some(1.0),
        ..Settings::default()
    })
    .await;
    let locks = app.import_smart_locks(&[LOCK_2A]).await;
    let mut residents = Vec::new();
    for i in 0..RESIDENTS {
        residents.push(
            app.create_resident(
                &format!("Resident {i}"),
                &format!("r{i}@example.com"),
                &format!("r{i}"),
            )
            .await,
        );
    }
    let grants = futures::future::join_all(
        residents
            .iter()
            .map(|r| app.grant_pin_on_locks(r, &locks, &[LOCK_2A], None)),
    )
    .await;
    let device = app.device_id(LOCK_2A).await;
    let on_lock = |state: &Value| -> Vec<String> {
        let mut ids: Vec<String> = state["access_codes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["device_id"] == device.as_str())
            .map(|c| c["access_code_id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    // Seam lets 10 codes a window onto the lock: this takes a few windows. More codes on the
    // lock than residents, at any moment, is a duplicate and fails at once.
    wait_until(Duration::from_secs(45), "every grant ACTIVE", || {
        let (app, on_lock) = (&app, &on_lock);
        async move {
            let codes = on_lock(&app.sim_state().await).len();
            assert!(
                codes <= RESIDENTS,
                "{codes} codes on the lock for {RESIDENTS} residents"
            );
            let statuses: Vec<(String, i64)> = sqlx::query_as(
                "select status, count(*) from grants group by status order by status",
            )
            .fetch_all(&mut app.db().await)
            .await
            .unwrap();
            if statuses == [("ACTIVE".to_owned(), RESIDENTS as i64)] {
                Ok(())
            } else {
                Err(format!("grants {statuses:?}, {codes} codes on the lock"))
            }
        }
    })
    .await;
    for grant in &grants {
        assert_eq!(app.grant(&grant["id"]).await["status"], "ACTIVE");
    }
    let at_seam = on_lock(&app.sim_state().await);
    assert_eq!(at_seam.len(), RESIDENTS, "codes on the lock: {at_seam:?}");
    let mut tracked: Vec<String> = sqlx::query_scalar(
        "select seam_access_code_id from credentials where seam_access_code_id is not null
         order by seam_access_code_id",
    )
    .fetch_all(&mut app.db().await)
    .await
    .unwrap();
    tracked.sort();
    assert_eq!(at_seam, tracked, "every code at Seam is one credential's");

    futures::future::join_all(grants.iter().map(|g| app.revoke(&g["id"]))).await;
    for grant in &grants {
        app.wait_for_grant(&grant["id"], "REVOKED", Duration::from_secs(45))
            .await;
    }
    let left = on_lock(&app.sim_state().await);
    assert!(left.is_empty(), "codes left on the lock: {left:?}");
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_delete_is_retried_and_revoking_again_resumes_it() {
    let app = spawn_app().await;
    let id = app.active_pin_on(LOCK_2A).await;
    app.inject_fault(
        json!({ "endpoint": "/access_codes/delete", "error_rate": 1, "status": 400, "times": 1 }),
    )
    .await;

    app.revoke(&id).await;
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let status = app.grant(&id).await["status"].clone();
        let left = codes_left(&app.sim_state().await, &id);
        match status.as_str() {
            Some("REVOKING") => {}
            // A retry may already have got through; then nothing may be left.
            Some("REVOKED") => assert_eq!(left, json!([]), "REVOKED with codes at Seam"),
            _ => panic!("a refused delete made the grant {status}; Seam holds {left}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Revoking again is how the portal says "try now".
    let again = app.revoke(&id).await;
    assert_ne!(again["status"], "FAILED", "{again}");
    let grant = app
        .wait_for_grant(&id, "REVOKED", Duration::from_secs(20))
        .await;
    assert!(
        grant["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "REVOKED"),
        "{grant:#}"
    );
    assert_eq!(codes_left(&app.sim_state().await, &id), json!([]));
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_removes_everything_at_seam() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let ends = chrono::Utc::now() + chrono::Duration::seconds(5);
    let body = app
        .grant_access(
            json!({ "residentId": resident["id"], "propertyId": property["id"],
                              "accessMethod": "MOBILE_KEY",
                              "entranceIds": [entrance_named(&property, "Main Entrance")],
                              "endsAt": ends.to_rfc3339() }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let id = body["data"]["grantAccess"]["grant"]["id"].clone();
    // Otherwise the test would prove nothing: the key really reached Seam.
    app.wait_for_issued_at_seam().await;

    // REVOKING (with a reason) for a moment on the way is fine; EXPIRED means it is all gone.
    let grant = app.wait_for_grant(&id, "EXPIRED", PATIENCE).await;
    assert_eq!(grant["credentials"][0]["status"], "EXPIRED");
    let state = app.sim_state().await;
    let ids = |kind: &str, field: &str| -> Vec<Value> {
        state[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o[field].clone())
            .collect()
    };
    assert_eq!(
        ids("acs_credentials", "acs_credential_id"),
        Vec::<Value>::new(),
        "the key of an expired grant is still at Seam"
    );
    assert_eq!(
        ids("acs_users", "acs_user_id"),
        Vec::<Value>::new(),
        "the ACS user of a resident with no access left is still at Seam"
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_replacement_keeps_the_key_that_works() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let grant = app
        .active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let id = grant["id"].clone();
    let working = app.sim_state().await["acs_credentials"][0]["acs_credential_id"].clone();
    app.inject_fault(
        json!({ "endpoint": "/acs/credentials/create", "error_rate": 1,
                             "status": 400, "times": 1 }),
    )
    .await;

    // A new start cannot be set on a Latch credential: it needs a replacement.
    let moved = app.reschedule(&id, in_minutes(60), Value::Null).await;
    assert!(moved.get("errors").is_none(), "{moved}");
    let grant = wait_until(
        Duration::from_secs(20),
        "the portal told that the rescheduling stopped",
        || {
            let (app, id) = (&app, &id);
            async move {
                let grant = app.grant_with_reasons(id).await;
                let reason = grant["statusReason"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase();
                let run = &grant["provisioning"]["status"];
                if reason.contains("rescheduling") && run != "PENDING" && run != "RUNNING" {
                    Ok(grant)
                } else {
                    Err(grant.to_string())
                }
            }
        },
    )
    .await;

    let state = app.sim_state().await;
    let ids: Vec<&Value> = state["acs_credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["acs_credential_id"])
        .collect();
    assert!(
        ids.contains(&&working),
        "the working key {working} is gone; Seam holds {ids:?}"
    );
    assert_eq!(grant["status"], "ACTIVE", "{grant:#}");
    let credential = &grant["credentials"][0];
    assert!(
        !["FAILED", "PENDING"].contains(&credential["status"].as_str().unwrap()),
        "{credential}"
    );
    assert!(
        grant["statusReason"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("stopped"),
        "{grant:#}"
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_key_pauses_the_tenant_and_a_new_key_resumes_it() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let grant = app
        .active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let id = grant["id"].clone();
    // The tenant's key was revoked at Seam: every call is refused as unauthorized.
    app.inject_fault(json!({ "error_rate": 1, "status": 401 }))
        .await;

    app.revoke(&id).await;
    let paused = stays_revoking(&app, &id, Duration::from_secs(3)).await;
    assert!(
        paused["statusReason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "the portal says why: {paused:#}"
    );

    // Operators see the tenant paused, and why.
    const PAUSED: &str = "{ tenants { nodes { id provisioningPausedReason } } }";
    let paused_reason = |data: Value| {
        data["tenants"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == json!(app.tenant_id.to_string()))
            .map(|t| t["provisioningPausedReason"].clone())
            .unwrap()
    };
    let tenants = app
        .graphql_ok(&app.operator_token(), PAUSED, json!({}))
        .await;
    assert!(
        paused_reason(tenants)
            .as_str()
            .is_some_and(|r| r.contains("API key")),
        "the tenant shows paused"
    );

    app.clear_faults().await;
    app.rotate_seam_key(&app.sim_key).await;
    let tenants = app
        .graphql_ok(&app.operator_token(), PAUSED, json!({}))
        .await;
    assert_eq!(paused_reason(tenants), Value::Null, "a new key resumes it");
    let grant = app
        .wait_for_grant(&id, "REVOKED", Duration::from_secs(20))
        .await;
    assert_eq!(grant["credentials"][0]["status"], "REVOKED");
    let state = app.sim_state().await;
    assert_eq!(
        count(&state, "acs_credentials"),
        0,
        "{}",
        state["acs_credentials"]
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_hangs_longer_than_the_lease_is_sent_once() {
    let app = spawn_app_with(Settings {
        lease_seconds: 3.0,
        seam_timeout_seconds: Some(1.0),
        landing_seconds: Some(6.0),
        ..Settings::default()
    })
    .await;
    let locks = app.import_smart_locks(&[LOCK_2A]).await;
    let resident = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    // Seam sits on the create for longer than the lease, then makes the code anyway.
    app.inject_fault(json!({ "endpoint": "/access_codes/create", "hang_ms": 4500, "times": 1 }))
        .await;
    let id = app
        .grant_pin_on_locks(&resident, &locks, &[LOCK_2A], None)
        .await["id"]
        .clone();
    app.wait_for_grant(&id, "ACTIVE", Duration::from_secs(40))
        .await;
    assert_eq!(
        app.sim_call_count("/access_codes/create").await,
        1,
        "calls: {}",
        app.sim_calls().await
    );
    let state = app.sim_state().await;
    assert_eq!(
        count(&state, "access_codes"),
        1,
        "{:#}",
        state["access_codes"]
    );
    app.assert_truth().await;
}

mod salto;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_code_is_active_only_once_its_lock_has_set_it() {
    let app = spawn_app().await;
    let locks = app.import_smart_locks(&[LOCK_2A]).await;
    let resident = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    // The lock is offline when the window opens: Seam cannot program the code then.
    app.disconnect_lock(LOCK_2A).await;
    let starts = chrono::Utc::now() + chrono::Duration::seconds(4);
    let body = app
        .grant_access(json!({
            "residentId": resident["id"], "propertyId": locks["id"], "accessMethod": "PIN_CODE",
            "entranceIds": [entrance_named(&locks, LOCK_2A)],
            "startsAt": starts.to_rfc3339(), "endsAt": in_minutes(120),
        }))
        .await;
    let id = body["data"]["grantAccess"]["grant"]["id"].clone();
    let grant = app.wait_for_grant(&id, "ACTIVE", PATIENCE).await;
    assert_eq!(grant["credentials"][0]["status"], "SCHEDULED");
    // Well past the start, Doorway's clock alone does not make the code ACTIVE.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let grant = app.grant(&id).await;
    assert_eq!(
        grant["credentials"][0]["status"], "SCHEDULED",
        "the lock never set the code: {grant:#}"
    );
    // Once the lock is back and takes the code, it is.
    app.connect_lock(LOCK_2A).await;
    wait_until(PATIENCE, "the code ACTIVE", || async {
        let grant = app.grant(&id).await;
        match grant["credentials"][0]["status"].as_str() {
            Some("ACTIVE") => Ok(()),
            _ => Err(grant.to_string()),
        }
    })
    .await;
    app.assert_truth().await;
}
