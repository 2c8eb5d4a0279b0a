//! Every seed flow survives crashes at any moment, ambiguous creates, and bursts of 5xx and 429:
//! after recovery each grant is ACTIVE and Seam holds exactly the objects it should.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{entrance_named, spawn_app, spawn_app_with, Settings, TestApp};
use crate::lifecycle_helpers::count;

#[derive(Debug, Clone, Copy)]
enum Flow {
    LatchMobileKey,
    LatchPins,
    SaltoPin,
    SmartLockCodes,
}

const FLOWS: [Flow; 4] = [
    Flow::LatchMobileKey,
    Flow::LatchPins,
    Flow::SaltoPin,
    Flow::SmartLockCodes,
];

/// Sets the flow's property and resident up; returns the GrantAccess input.
async fn prepare(app: &TestApp, flow: Flow) -> Value {
    let resident = app
        .create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    let input = match flow {
        Flow::LatchMobileKey | Flow::LatchPins => {
            let latch = app.import_latch_building().await;
            let method = if matches!(flow, Flow::LatchMobileKey) {
                "MOBILE_KEY"
            } else {
                "PIN_CODE"
            };
            json!({ "propertyId": latch["id"], "accessMethod": method,
                    "entranceIds": [entrance_named(&latch, "Main Entrance"), entrance_named(&latch, "Garage Door")] })
        }
        Flow::SaltoPin => {
            let site = app
                .import_acs_system_of_type(&app.manager_token(), "salto_ks_site")
                .await;
            let group = site["accessGroups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["name"] == "Residents")
                .unwrap()["id"]
                .clone();
            json!({ "propertyId": site["id"], "accessMethod": "PIN_CODE", "accessGroupIds": [group] })
        }
        Flow::SmartLockCodes => {
            let locks = app
                .import_smart_locks(&["Unit 2A Front Door", "Unit 2B Front Door"])
                .await;
            json!({ "propertyId": locks["id"], "accessMethod": "PIN_CODE",
                    "entranceIds": [entrance_named(&locks, "Unit 2A Front Door"), entrance_named(&locks, "Unit 2B Front Door")] })
        }
    };
    let mut input = input;
    input["residentId"] = resident["id"].clone();
    input
}

/// Asks for the grant; returns its id.
async fn start(app: &TestApp, input: Value) -> Value {
    let body = app.grant_access(input).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["grantAccess"]["grant"]["id"].clone()
}

/// Exactly what the flow should leave at Seam: no duplicate, nothing missing.
async fn assert_exact_state(app: &TestApp, flow: Flow) {
    let state = app.sim_state().await;
    let expected: &[(&str, usize)] = match flow {
        Flow::LatchMobileKey => &[
            ("user_identities", 1),
            ("acs_users", 1),
            ("acs_credentials", 1),
            ("access_codes", 0),
        ],
        Flow::LatchPins => &[
            ("user_identities", 1),
            ("acs_users", 1),
            ("acs_credentials", 2),
            ("access_codes", 0),
        ],
        Flow::SaltoPin => &[
            ("user_identities", 1),
            ("acs_users", 1),
            ("acs_credentials", 1),
            ("access_codes", 0),
        ],
        Flow::SmartLockCodes => &[
            ("user_identities", 0),
            ("acs_users", 0),
            ("acs_credentials", 0),
            ("access_codes", 2),
        ],
    };
    for (kind, n) in expected {
        assert_eq!(count(&state, kind), *n, "{flow:?}: {kind} in {state:#}");
    }
    if let Flow::SaltoPin = flow {
        let user = state["acs_users"][0]["acs_user_id"].as_str().unwrap();
        assert_eq!(
            state["acs_user_access_groups"][user]
                .as_array()
                .unwrap()
                .len(),
            1,
            "{state:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flow_survives_being_killed_at_any_moment() {
    // Varied moments to die at, fixed so that a failure can be reproduced.
    const KILL_AFTER_MS: [u64; 8] = [150, 420, 260, 600, 330, 500, 200, 700];
    for flow in FLOWS {
        let mut app = spawn_app_with(Settings {
            lease_seconds: 3.0,
            seam_timeout_seconds: Some(1.0),
            ..Default::default()
        })
        .await;
        let input = prepare(&app, flow).await;
        // Slow Seam, so that kills land between a call's effect and its answer.
        app.inject_fault(json!({ "latency_ms": 120 })).await;
        let grant = start(&app, input).await;
        let mut crashes = 0;
        for wait in KILL_AFTER_MS.iter().cycle().take(12) {
            tokio::time::sleep(Duration::from_millis(*wait)).await;
            if app.grant(&grant).await["status"] != "PROVISIONING" {
                break;
            }
            app.crash().await;
            crashes += 1;
            app.restart().await;
        }
        // Otherwise the test would prove nothing: the process really died mid-flow.
        assert!(
            crashes > 0,
            "{flow:?}: provisioning finished before any crash"
        );
        let grant = app
            .wait_for_grant(&grant, "ACTIVE", Duration::from_secs(60))
            .await;
        assert_exact_state(&app, flow).await;
        assert!(grant["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| ["ACTIVE", "SCHEDULED"].contains(&c["status"].as_str().unwrap())));
        app.assert_truth().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flow_reconciles_ambiguous_creates() {
    for flow in FLOWS {
        let app = spawn_app().await;
        let input = prepare(&app, flow).await;
        for endpoint in [
            "/user_identities/create",
            "/acs/users/create",
            "/acs/credentials/create",
            "/access_codes/create",
        ] {
            app.inject_fault(json!({ "endpoint": endpoint, "ambiguous_rate": 1.0, "times": 1 }))
                .await;
        }
        let grant = start(&app, input).await;
        app.wait_for_grant(&grant, "ACTIVE", Duration::from_secs(60))
            .await;
        assert_exact_state(&app, flow).await;
        app.assert_truth().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flow_rides_out_bursts_of_5xx_and_429() {
    for flow in FLOWS {
        let app = spawn_app().await;
        let input = prepare(&app, flow).await;
        app.inject_fault(json!({ "error_rate": 1.0, "status": 503, "times": 4 }))
            .await;
        app.inject_fault(json!({ "error_rate": 1.0, "status": 429, "times": 4 }))
            .await;
        app.inject_fault(json!({ "error_rate": 0.3, "status": 502, "times": 6 }))
            .await;
        let grant = start(&app, input).await;
        app.wait_for_grant(&grant, "ACTIVE", Duration::from_secs(90))
            .await;
        assert_exact_state(&app, flow).await;
        app.assert_truth().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_lock_through_kills_revocations_and_reschedules() {
    const RESIDENTS: usize = 25;
    const LOCK: &str = "Unit 2A Front Door";
    // Varied moments to die at, fixed so that a failure can be reproduced.
    const KILL_AFTER_MS: [u64; 4] = [350, 900, 550, 1300];
    let mut app = spawn_app_with(Settings {
        lease_seconds: 3.0,
        seam_timeout_seconds: Some(1.0),
        landing_seconds: Some(1.5),
        device_window_seconds: Some(3),
        ..Default::default()
    })
    .await;
    // A second process on the same database keeps working while the first dies and returns.
    let (_sibling, stop_sibling, sibling) = app.spawn_sibling().await;
    let locks = app.import_smart_locks(&[LOCK]).await;
    // Slow Seam, so that kills land between a call's effect and its answer.
    app.inject_fault(json!({ "latency_ms": 80 })).await;
    let mut grants = Vec::new();
    for i in 0..RESIDENTS {
        let resident = app
            .create_resident(
                &format!("Resident {i}"),
                &format!("r{i}@example.com"),
                &format!("r{i}"),
            )
            .await;
        grants.push(
            app.grant_pin_on_locks(&resident, &locks, &[LOCK], None)
                .await["id"]
                .clone(),
        );
    }
    let revoked: Vec<&Value> = grants.iter().step_by(3).collect();
    let rescheduled: Vec<&Value> = grants.iter().skip(1).step_by(3).collect();
    for (round, wait) in KILL_AFTER_MS.iter().enumerate() {
        tokio::time::sleep(Duration::from_millis(*wait)).await;
        app.crash().await;
        app.restart().await;
        // Revocations and reschedules land while runs are being taken over.
        match round {
            0 => {
                for id in &revoked {
                    app.revoke(id).await;
                }
            }
            1 => {
                for id in &rescheduled {
                    let moved = app
                        .reschedule(id, Value::Null, crate::lifecycle_helpers::in_minutes(2880))
                        .await;
                    // One still provisioning may be refused nothing: both are fine to ask.
                    assert!(moved.get("errors").is_none(), "{moved}");
                }
            }
            _ => {}
        }
    }
    for id in &grants {
        let expected = if revoked.contains(&id) {
            "REVOKED"
        } else {
            "ACTIVE"
        };
        app.wait_for_grant(id, expected, Duration::from_secs(120))
            .await;
    }
    app.wait_until_settled().await;
    // Zero duplicates, zero losses: one code per live grant, none for a revoked one.
    let state = app.sim_state().await;
    let codes = state["access_codes"].as_array().unwrap();
    for id in &grants {
        let name = format!("Doorway grant {}", id.as_str().unwrap());
        let held = codes.iter().filter(|c| c["name"] == name).count();
        let expected = usize::from(!revoked.contains(&id));
        assert_eq!(held, expected, "grant {id}: {held} codes at Seam");
    }
    assert_eq!(codes.len(), RESIDENTS - revoked.len());
    app.assert_truth().await;
    stop_sibling.cancel();
    sibling.await.unwrap().unwrap();
}
