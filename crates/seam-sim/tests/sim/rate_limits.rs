//! Seam's documented per-device rate limits on access codes, enforced natively: 10 creates
//! or updates and 20 deletes per minute per device, then 429 with `Retry-After`. The window
//! is a setting, so a test can watch a limit lift.

use std::time::{Duration, Instant};

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
            ..Default::default()
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

#[tokio::test]
async fn a_short_window_lifts_the_limit_when_retry_after_says() {
    let options = seam_sim::SimOptions {
        device_rate_limits: Some(seam_sim::DeviceRateLimits {
            access_code_writes_per_minute: 2,
            window: Duration::from_secs(2),
            ..Default::default()
        }),
        ..Default::default()
    };
    let sim = TestSim::start_with(options).await;
    let ws = sim.workspace().await;
    let august = ws.device_id("august_lock").await;
    ws.create_code(&august, json!({ "code": "1111" })).await;
    // The call was admitted at the latest now.
    let first = Instant::now();
    ws.create_code(&august, json!({ "code": "2222" })).await;
    let limited = ws
        .call(
            "/access_codes/create",
            json!({ "device_id": august, "code": "3333" }),
        )
        .await;
    limited.assert_error(429, "rate_limited");
    let retry_after: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");

    // Two seconds after the first call it has left the window.
    tokio::time::sleep(Duration::from_secs(2).saturating_sub(first.elapsed())).await;
    ws.create_code(&august, json!({ "code": "3333" })).await;
    assert_eq!(ws.calls().await["calls"]["/access_codes/create"], 4);
}
