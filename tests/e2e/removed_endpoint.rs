//! A Seam endpoint that answers 404 about itself (Seam removed or renamed the route) is never
//! taken for "the object is already gone": a revocation through it fails visibly, and the
//! credential Seam still holds is not reported revoked.

use std::time::Duration;

use serde_json::json;

use crate::helpers::spawn_app;
use crate::lifecycle_helpers::{count, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_through_a_removed_endpoint_is_not_taken_for_done() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let grant = app
        .active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    // `/acs/credentials/delete` answers 404 `endpoint_not_found` (a missing route), where a
    // deleted credential would be 404 `acs_credential_not_found`.
    app.inject_fault(
        json!({ "endpoint": "/acs/credentials/delete", "status": 404, "error_rate": 1.0 }),
    )
    .await;
    app.revoke(&grant["id"]).await;

    let failed = wait_until(
        Duration::from_secs(40),
        "the step reports the route",
        || async {
            let grant = app.grant(&grant["id"]).await;
            let steps = grant["provisioning"]["steps"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let named = steps.iter().any(|step| {
                step["lastError"]
                    .as_str()
                    .is_some_and(|error| error.contains("has no endpoint /acs/credentials/delete"))
            });
            if named {
                Ok(grant)
            } else {
                Err(format!("{grant:#}"))
            }
        },
    )
    .await;
    assert_ne!(failed["status"], "REVOKED", "{failed:#}");
    let state = app.sim_state().await;
    assert_eq!(
        count(&state, "acs_credentials"),
        1,
        "Seam still holds the key: {:#}",
        state["acs_credentials"]
    );
}
