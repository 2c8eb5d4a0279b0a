//! What operators and managers can see and do about runs that need them: the runs needing
//! attention, retrying one now, cancelling one, and the gauges that page them.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::lifecycle_helpers::wait_until;

const RUNS: &str = "query Runs($status: RunStatus) {
    provisioningRuns(status: $status) {
        totalCount
        nodes { id kind status grantId tenantId attentionReason cancelRequested
                steps { name status lastError } }
    }
}";

async fn runs(app: &TestApp, token: &str, status: &str) -> Value {
    app.graphql_ok(token, RUNS, json!({ "status": status }))
        .await["provisioningRuns"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_revocation_is_listed_for_operators_and_retried_on_request() {
    let app = spawn_app().await;
    let id = app.active_pin_on("Unit 2A Front Door").await;
    app.inject_fault(
        json!({ "endpoint": "/access_codes/delete", "error_rate": 1, "status": 400, "times": 1 }),
    )
    .await;
    app.revoke(&id).await;

    // Seam refused the delete: the run waits a long backoff and asks for attention.
    let attention = wait_until(
        Duration::from_secs(20),
        "a run needing attention",
        || async {
            let listed = runs(&app, &app.operator_token(), "NEEDS_ATTENTION").await;
            match listed["totalCount"].as_i64() {
                Some(1) => Ok(listed["nodes"][0].clone()),
                _ => Err(listed.to_string()),
            }
        },
    )
    .await;
    assert_eq!(attention["kind"], "REVOKE");
    assert_eq!(attention["tenantId"], json!(app.tenant_id.to_string()));
    assert!(
        attention["attentionReason"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{attention}"
    );
    // The tenant's manager sees it too; another tenant's manager does not.
    let mine = runs(&app, &app.manager_token(), "NEEDS_ATTENTION").await;
    assert_eq!(mine["totalCount"], 1);
    let (other, _) = app.add_tenant("Other Homes").await;
    let theirs = runs(&app, &app.manager_token_for(other), "NEEDS_ATTENTION").await;
    assert_eq!(theirs["totalCount"], 0);
    // A resident may not look.
    let body = app
        .graphql(
            &app.resident_token("ana"),
            RUNS,
            json!({ "status": "NEEDS_ATTENTION" }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    // Prometheus pages on it, once the gauges' background refresh has seen it.
    let gauge = format!(
        "doorway_provisioning_runs_needing_attention{{tenant_id=\"{}\"}} 1",
        app.tenant_id
    );
    let metrics = wait_until(Duration::from_secs(15), "paged", || async {
        let metrics = reqwest::get(format!("{}/metrics", app.address))
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        if metrics.contains(&gauge) {
            Ok(metrics)
        } else {
            Err(metrics)
        }
    })
    .await;
    assert!(metrics.contains("doorway_provisioning_oldest_due_seconds"));

    // Retried now, the delete goes through and the grant ends.
    let retried = app
        .graphql_ok(
            &app.operator_token(),
            "mutation Retry($id: ID!) { retryRun(id: $id) { id status } }",
            json!({ "id": attention["id"] }),
        )
        .await;
    assert_eq!(retried["retryRun"]["id"], attention["id"]);
    app.wait_for_grant(&id, "REVOKED", Duration::from_secs(20))
        .await;
    assert_eq!(
        runs(&app, &app.operator_token(), "NEEDS_ATTENTION").await["totalCount"],
        0
    );
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_provisioning_fails_and_leaves_nothing_at_seam() {
    let app = spawn_app().await;
    let locks = app.import_smart_locks(&["Unit 3A Front Door"]).await;
    let resident = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    // The lock is offline: the code waits to be set.
    let grant = app
        .grant_pin_on_locks(&resident, &locks, &["Unit 3A Front Door"], None)
        .await;
    let run = wait_until(Duration::from_secs(20), "the code at Seam", || async {
        let state = app.sim_state().await;
        match state["access_codes"].as_array().map(Vec::len) {
            Some(1) => Ok(app.runs_of(&grant["id"]).await[0].clone()),
            _ => Err(state["access_codes"].to_string()),
        }
    })
    .await;
    let cancelled = app
        .graphql_ok(
            &app.manager_token(),
            "mutation Cancel($id: ID!) { cancelRun(id: $id) { id cancelRequested } }",
            json!({ "id": run["id"] }),
        )
        .await;
    assert_eq!(cancelled["cancelRun"]["cancelRequested"], true);
    let failed = app
        .wait_for_grant(&grant["id"], "FAILED", Duration::from_secs(20))
        .await;
    let runs = app.runs_of(&grant["id"]).await;
    assert!(runs
        .iter()
        .any(|r| r["kind"] == "PROVISION" && r["status"] == "CANCELLED"));
    // What it made is removed once the lock can let go of it.
    app.connect_lock("Unit 3A Front Door").await;
    app.wait_for_run(&grant["id"], "SUCCEEDED").await;
    assert_eq!(app.sim_state().await["access_codes"], json!([]));
    let _ = failed;
    // A finished run cannot be cancelled again.
    let again = app
        .graphql(
            &app.manager_token(),
            "mutation Cancel($id: ID!) { cancelRun(id: $id) { id } }",
            json!({ "id": run["id"] }),
        )
        .await;
    assert_eq!(again["errors"][0]["extensions"]["code"], "CONFLICT");
    app.assert_truth().await;
}
