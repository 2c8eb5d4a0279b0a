//! Seam's documented per-device rate limits on access codes, enforced natively: 10 creates
//! or updates and 20 deletes per minute per device, then 429 with `Retry-After`.

use serde_json::json;

use crate::helpers::TestSim;

#[tokio::test]
async fn the_eleventh_write_in_a_minute_is_refused_for_that_device_only() {
    let sim = TestSim::start().await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let schlage = ws.device_id("schlage_lock").await;
    let mut first = None;
    for n in 0..9 {
        let created = ws
            .create_code(&august, json!({ "code": format!("{}", 1000 + n) }))
            .await;
        first.get_or_insert(created["access_code"]["access_code_id"].clone());
    }
    // An update spends the same budget as a create.
    ws.ok(
        "/access_codes/update",
        json!({ "access_code_id": first, "name": "renamed" }),
    )
    .await;
    let limited = ws
        .call(
            "/access_codes/create",
            json!({ "device_id": august, "code": "2000" }),
        )
        .await;
    limited.assert_error(429, "rate_limited");
    let retry_after: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    ws.call(
        "/access_codes/update",
        json!({ "access_code_id": first, "name": "again" }),
    )
    .await
    .assert_error(429, "rate_limited");
    assert_eq!(
        ws.state().await["access_codes"].as_array().unwrap().len(),
        9,
        "a refused create creates nothing"
    );

    ws.create_code(&schlage, json!({ "code": "2000" })).await;
    // Deletes have their own budget.
    ws.ok("/access_codes/delete", json!({ "access_code_id": first }))
        .await;
}

#[tokio::test]
async fn deletes_are_limited_to_twenty_a_minute() {
    let options = seam_sim::SimOptions {
        device_rate_limits: Some(seam_sim::DeviceRateLimits {
            access_code_writes_per_minute: 100,
            access_code_deletes_per_minute: 20,
        }),
        ..Default::default()
    };
    let sim = TestSim::start_with(options).await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    let mut codes = Vec::new();
    for n in 0..21 {
        let created = ws
            .create_code(&august, json!({ "code": format!("{}", 3000 + n) }))
            .await;
        codes.push(created["access_code"]["access_code_id"].clone());
    }
    for id in &codes[..20] {
        ws.ok("/access_codes/delete", json!({ "access_code_id": id }))
            .await;
    }
    ws.call(
        "/access_codes/delete",
        json!({ "access_code_id": codes[20] }),
    )
    .await
    .assert_error(429, "rate_limited");
}

#[tokio::test]
async fn the_limits_can_be_turned_off() {
    let options = seam_sim::SimOptions {
        device_rate_limits: None,
        ..Default::default()
    };
    let sim = TestSim::start_with(options).await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    for n in 0..15 {
        ws.create_code(&august, json!({ "code": format!("{}", 5000 + n) }))
            .await;
    }
}
