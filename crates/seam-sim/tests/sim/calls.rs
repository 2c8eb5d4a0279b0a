//! `/_sim/calls`: how many Seam calls a workspace received, which is how tests and
//! benchmarks count the calls a flow costs and prove that a call was never sent.

use serde_json::json;

use crate::helpers::{answer, TestSim};

#[tokio::test]
async fn every_seam_call_that_reaches_the_gate_is_counted_refused_or_not() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    assert_eq!(
        ws.calls().await,
        json!({ "ok": true, "calls": {}, "total": 0 })
    );
    let august = ws.device_id("august_lock").await;
    ws.create_code(&august, json!({ "code": "1234" })).await;
    ws.inject(json!({ "endpoint": "/access_codes/create", "error_rate": 1, "times": 1 }))
        .await;
    ws.call(
        "/access_codes/create",
        json!({ "device_id": august, "code": "5678" }),
    )
    .await
    .assert_error(500, "internal_server_error");
    // Refused by the handler (invalid input) still counts: the client sent it.
    ws.call("/access_codes/create", json!({}))
        .await
        .assert_error(400, "invalid_input");
    // The control surface is not Seam, and neither is a route Seam does not have.
    ws.state().await;
    ws.advance(1.0).await;
    ws.call("/no/such/endpoint", json!({}))
        .await
        .assert_error(404, "endpoint_not_found");

    let calls = ws.calls().await;
    assert_eq!(
        calls,
        json!({
            "ok": true,
            "calls": { "/devices/list": 1, "/access_codes/create": 3 },
            "total": 4,
        })
    );
}

#[tokio::test]
async fn counts_belong_to_one_workspace_and_start_again_when_cleared() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let other = sim.workspace().await;
    ws.ok("/workspaces/get", json!({})).await;
    ws.ok("/workspaces/get", json!({})).await;
    other.ok("/devices/list", json!({})).await;
    // A call with no valid key reaches no workspace.
    sim.send("/workspaces/get", Some("seam_nope"), Some(json!({})))
        .await
        .assert_error(401, "unauthorized");

    assert_eq!(ws.calls().await["calls"], json!({ "/workspaces/get": 2 }));
    assert_eq!(other.calls().await["total"], 1);
    assert_eq!(
        ws.clear_calls().await,
        json!({ "ok": true, "calls": {}, "total": 0 })
    );
    ws.ok("/devices/list", json!({})).await;
    assert_eq!(ws.calls().await["calls"], json!({ "/devices/list": 1 }));
    assert_eq!(other.calls().await["total"], 1);
}

#[tokio::test]
async fn the_count_needs_the_workspace_key() {
    let sim = TestSim::start().await;
    let url = format!("{}/_sim/calls", sim.base_url());
    answer(sim.http.get(&url))
        .await
        .assert_error(401, "unauthorized");
    answer(sim.http.delete(&url).bearer_auth("seam_nope"))
        .await
        .assert_error(401, "unauthorized");
}
