//! Operations on one resident's access that race each other (ENGINE.md 2): whatever order they
//! land in, the outcome is one of the orders, never a mix that leaves a key live at Seam.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{contract, entrance_named, spawn_app, TestApp};
use crate::lifecycle_helpers::in_minutes;

const PATIENCE: Duration = Duration::from_secs(30);

/// What Seam holds for a resident: their ACS users' ids, and the ids of those users'
/// credentials.
fn held_at_seam(state: &Value, resident_id: &Value) -> (Vec<String>, Vec<String>) {
    let identities: Vec<&Value> = state["user_identities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["user_identity_key"] == *resident_id)
        .map(|i| &i["user_identity_id"])
        .collect();
    let users: Vec<String> = state["acs_users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| identities.contains(&&u["user_identity_id"]))
        .map(|u| u["acs_user_id"].as_str().unwrap().to_owned())
        .collect();
    let credentials = state["acs_credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| users.iter().any(|u| c["acs_user_id"] == u.as_str()))
        .map(|c| c["acs_credential_id"].as_str().unwrap().to_owned())
        .collect();
    (users, credentials)
}

async fn resident_with_grants(app: &TestApp, id: &Value) -> Value {
    app.graphql_ok(
        &app.manager_token(),
        contract("portal.graphql", "Resident"),
        json!({ "id": id }),
    )
    .await["resident"]
        .clone()
}

async fn residents(app: &TestApp, prefix: &str, n: usize) -> Vec<Value> {
    let mut residents = Vec::new();
    for i in 0..n {
        residents.push(
            app.create_resident(
                &format!("Resident {prefix}{i}"),
                &format!("{prefix}{i}@example.com"),
                &format!("{prefix}{i}"),
            )
            .await,
        );
    }
    residents
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grant_access_racing_move_out_never_leaves_a_live_key() {
    const TRIES: usize = 15;
    let app = spawn_app().await;
    let property = app.import_latch_building().await;
    let residents = residents(&app, "m", TRIES).await;
    // Every other resident already holds a key when the race starts.
    let garage = [entrance_named(&property, "Garage Door")];
    let held: Vec<Value> = futures::future::join_all(
        residents
            .iter()
            .step_by(2)
            .map(|r| app.grant_mobile_key(r, &property, &garage)),
    )
    .await;
    for grant in &held {
        app.wait_for_grant(&grant["id"], "ACTIVE", PATIENCE).await;
    }

    for resident in &residents {
        let grant = app.grant_access(json!({
            "residentId": resident["id"], "propertyId": property["id"], "accessMethod": "MOBILE_KEY",
            "entranceIds": [entrance_named(&property, "Main Entrance")],
        }));
        let (_, moved) = tokio::join!(grant, app.move_out(&resident["id"]));
        assert_eq!(moved["resident"]["status"], "MOVED_OUT");
    }

    app.wait_until_settled().await;
    let state = app.sim_state().await;
    let mut live = Vec::new();
    for resident in &residents {
        let seen = resident_with_grants(&app, &resident["id"]).await;
        assert_eq!(seen["status"], "MOVED_OUT");
        let statuses: Vec<&str> = seen["grants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["status"].as_str().unwrap())
            .collect();
        let (users, credentials) = held_at_seam(&state, &resident["id"]);
        if statuses
            .iter()
            .any(|s| *s == "ACTIVE" || *s == "PROVISIONING")
            || !users.is_empty()
            || !credentials.is_empty()
        {
            live.push(format!(
                "{}: grants {statuses:?}, ACS users {users:?}, credentials {credentials:?}",
                resident["externalId"]
            ));
        }
    }
    assert!(
        live.is_empty(),
        "{} of {TRIES} moved-out residents kept access:\n{}",
        live.len(),
        live.join("\n")
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reschedule_racing_revoke_never_leaves_a_pending_or_live_credential() {
    const TRIES: usize = 10;
    let app = spawn_app().await;
    let property = app.import_latch_building().await;
    let residents = residents(&app, "s", TRIES).await;
    let main = [entrance_named(&property, "Main Entrance")];
    let garage = [entrance_named(&property, "Garage Door")];
    let raced = futures::future::join_all(
        residents
            .iter()
            .map(|r| app.grant_mobile_key(r, &property, &main)),
    )
    .await;
    // Half the residents hold a second key, which must survive the race untouched.
    let kept = futures::future::join_all(
        residents
            .iter()
            .step_by(2)
            .map(|r| app.grant_mobile_key(r, &property, &garage)),
    )
    .await;
    for grant in raced.iter().chain(&kept) {
        app.wait_for_grant(&grant["id"], "ACTIVE", PATIENCE).await;
    }

    for grant in &raced {
        let reschedule = app.reschedule(&grant["id"], in_minutes(60), Value::Null);
        // The reschedule may lose (CONFLICT: the grant is already being revoked); both orders
        // are fine.
        tokio::join!(reschedule, app.revoke(&grant["id"]));
    }

    app.wait_until_settled().await;
    let state = app.sim_state().await;
    let mut db = app.db().await;
    let mut wrong = Vec::new();
    for (i, (resident, grant)) in residents.iter().zip(&raced).enumerate() {
        let seen = app.grant(&grant["id"]).await;
        let statuses: Vec<&str> = seen["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["status"].as_str().unwrap())
            .collect();
        // What Seam holds for the resident must be exactly the second key, if any.
        let (_, at_seam) = held_at_seam(&state, &resident["id"]);
        let expected: Vec<String> = match kept.get(i / 2).filter(|_| i % 2 == 0) {
            Some(other) => sqlx::query_scalar(
                "select seam_acs_credential_id from credentials
                 where grant_id = $1 and seam_acs_credential_id is not null",
            )
            .bind(other["id"].as_str().unwrap().parse::<Uuid>().unwrap())
            .fetch_all(&mut db)
            .await
            .unwrap(),
            None => vec![],
        };
        if seen["status"] != "REVOKED"
            || statuses.iter().any(|s| *s != "REVOKED")
            || at_seam != expected
        {
            wrong.push(format!(
                "grant {} {}: credentials {statuses:?}; Seam holds {at_seam:?}, wanted {expected:?}",
                grant["id"], seen["status"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {TRIES} revoked grants left something behind:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    app.assert_truth().await;
}

/// When a revocation lands in a race against provisioning.
#[derive(Debug, Clone, Copy)]
enum RevokeAt {
    /// This many milliseconds after grantAccess answered.
    AfterGrant(u64),
    /// This many milliseconds after Seam was asked whether the issued credential is issued:
    /// the look that finishes provisioning, so the revocation meets the run's last writes.
    AfterFinishingLook(u64),
}

/// Grants a Latch PIN, revokes it at `at`, and returns every status the portal showed from
/// the revocation on, until REVOKED.
async fn revoke_during_provisioning(
    app: &TestApp,
    property: &Value,
    resident: &Value,
    at: RevokeAt,
) -> Vec<String> {
    const LOOK: &str = "/acs/credentials/get";
    let body = app
        .grant_access(json!({
            "residentId": resident["id"], "propertyId": property["id"], "accessMethod": "PIN_CODE",
            "entranceIds": [entrance_named(property, "Main Entrance")],
        }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let id = body["data"]["grantAccess"]["grant"]["id"].clone();
    match at {
        RevokeAt::AfterGrant(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
        RevokeAt::AfterFinishingLook(ms) => {
            app.wait_for_issued_at_seam().await;
            let before = app.sim_call_count(LOOK).await;
            let deadline = Instant::now() + Duration::from_secs(5);
            // If provisioning finished before we looked, the revocation just comes after it.
            while app.sim_call_count(LOOK).await == before && Instant::now() < deadline {}
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }
    let revoked = app.revoke(&id).await;
    let mut seen: Vec<String> = vec![revoked["status"].as_str().unwrap().to_owned()];
    let revoked_at = Instant::now();
    while seen.last().map(String::as_str) != Some("REVOKED") {
        assert!(revoked_at.elapsed() < PATIENCE, "never REVOKED: {seen:?}");
        // Back to back while a late write of provisioning could still flash ACTIVE.
        if revoked_at.elapsed() > Duration::from_secs(1) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let status = app.grant(&id).await["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status);
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_racing_a_provisioning_finish_never_shows_active_after_revoking() {
    // Varied moments to revoke at, fixed so that a failure can be reproduced: early in the
    // run, and right at its end.
    let moments: Vec<RevokeAt> = [0, 40, 90, 130, 180, 220, 270, 310, 360, 400]
        .map(RevokeAt::AfterGrant)
        .into_iter()
        .chain((0..15).map(RevokeAt::AfterFinishingLook))
        .collect();
    let app = spawn_app().await;
    let property = app.import_latch_building().await;
    let residents = residents(&app, "p", moments.len()).await;
    let mut wrong = Vec::new();
    for (resident, at) in residents.iter().zip(&moments) {
        let seen = revoke_during_provisioning(&app, &property, resident, *at).await;
        if seen.iter().any(|s| s == "ACTIVE") {
            wrong.push(format!("revoked {at:?}: {}", seen.join(" -> ")));
        }
    }
    assert!(
        wrong.is_empty(),
        "ACTIVE shown after REVOKING in {} of {} tries:\n{}",
        wrong.len(),
        moments.len(),
        wrong.join("\n")
    );
    let state = app.sim_state().await;
    for kind in ["acs_credentials", "acs_users"] {
        assert_eq!(
            state[kind].as_array().unwrap().len(),
            0,
            "{kind}: {:#}",
            state[kind]
        );
    }
    app.assert_truth().await;
}
