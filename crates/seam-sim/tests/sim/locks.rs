//! `/locks/get` and `/locks/list`: devices under the keys Seam's spec gives them.

use serde_json::json;

use crate::helpers::TestSim;

#[tokio::test]
async fn a_lock_is_answered_as_device_and_lock() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device("august_lock").await;
    let got = ws
        .ok("/locks/get", json!({ "device_id": august["device_id"] }))
        .await;
    assert_eq!(got["device"], august);
    assert_eq!(got["lock"], august);
    let by_name = ws
        .ok("/locks/get", json!({ "name": august["display_name"] }))
        .await;
    assert_eq!(by_name["device"]["device_id"], august["device_id"]);
    ws.call(
        "/locks/get",
        json!({ "device_id": "0b9e3a56-5c4e-4d36-9d8e-8a3d4b5c6d7e" }),
    )
    .await
    .assert_error(404, "device_not_found");
    ws.call("/locks/get", json!({}))
        .await
        .assert_error(400, "invalid_input");

    let listed = ws.ok("/locks/list", json!({})).await;
    assert_eq!(listed["locks"], listed["devices"]);
    assert_eq!(listed["devices"].as_array().unwrap().len(), 4);
    // Unpaginated, as in Seam's spec: no `pagination`, `limit` only caps.
    assert!(listed.get("pagination").is_none(), "{listed:#}");
    let capped = ws.ok("/locks/list", json!({ "limit": 2 })).await;
    assert_eq!(capped["locks"].as_array().unwrap().len(), 2);
}
