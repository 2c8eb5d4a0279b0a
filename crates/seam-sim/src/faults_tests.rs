use crate::ids::SimRng;
use serde_json::json;

use super::*;
use crate::input::RequestMeta;

fn fault(body: Value) -> Fault {
    let mut input = Input::parse(body.to_string().as_bytes(), RequestMeta::default()).unwrap();
    let fault = Fault::from_input(&mut input);
    input.finish().unwrap();
    fault
}

fn book(faults: &[Value]) -> FaultBook {
    let mut book = FaultBook::default();
    for body in faults {
        book.add(fault(body.clone()));
    }
    book
}

#[test]
fn times_limits_how_often_a_fault_fires() {
    let mut rng = SimRng::seeded(7);
    let mut book = book(&[json!({ "endpoint": "/acs/users/create", "error_rate": 1, "times": 2 })]);
    let now = Instant::now();
    for _ in 0..2 {
        let refusal = book
            .plan("/acs/users/create", &[], now, &mut rng)
            .refuse
            .unwrap();
        assert_eq!(refusal.error_type(), "internal_server_error");
    }
    assert!(book
        .plan("/acs/users/create", &[], now, &mut rng)
        .refuse
        .is_none());
    assert_eq!(book.render(), json!([]));
}

#[test]
fn faults_only_touch_their_endpoint() {
    let mut rng = SimRng::seeded(7);
    let mut book = book(&[json!({ "endpoint": "/acs/users/create", "error_rate": 1 })]);
    assert!(book
        .plan("/acs/users/list", &[], Instant::now(), &mut rng)
        .refuse
        .is_none());
}

#[test]
fn rate_limits_count_calls_per_minute_and_say_when_to_retry() {
    let mut rng = SimRng::seeded(7);
    let mut book = book(&[json!({ "rate_limit_per_minute": 2 })]);
    let start = Instant::now();
    assert!(book
        .plan("/devices/list", &[], start, &mut rng)
        .refuse
        .is_none());
    assert!(book
        .plan("/devices/list", &[], start, &mut rng)
        .refuse
        .is_none());
    // A different endpoint has its own budget.
    assert!(book
        .plan("/acs/users/list", &[], start, &mut rng)
        .refuse
        .is_none());
    let later = start + Duration::from_secs(20);
    match book.plan("/devices/list", &[], later, &mut rng).refuse {
        Some(SimError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 40),
        other => panic!("expected a rate limit, got {other:?}"),
    }
    let after_window = start + Duration::from_secs(61);
    assert!(book
        .plan("/devices/list", &[], after_window, &mut rng)
        .refuse
        .is_none());
}

#[test]
fn ambiguous_and_latency_let_the_work_happen() {
    let mut rng = SimRng::seeded(7);
    let mut book = book(&[json!({ "ambiguous_rate": 1, "latency_ms": 250 })]);
    let plan = book.plan("/acs/credentials/create", &[], Instant::now(), &mut rng);
    assert!(plan.refuse.is_none());
    assert!(plan.ambiguous);
    assert_eq!(plan.latency, Duration::from_millis(250));
}

#[test]
fn status_404_reads_as_a_removed_endpoint() {
    let mut rng = SimRng::seeded(7);
    let mut book = book(&[json!({ "error_rate": 1, "status": 404 })]);
    let refusal = book
        .plan(
            "/user_identities/enrollment_automations/launch",
            &[],
            Instant::now(),
            &mut rng,
        )
        .refuse
        .unwrap();
    assert_eq!(refusal.status(), StatusCode::NOT_FOUND);
    assert_eq!(refusal.error_type(), "endpoint_not_found");
}

#[test]
fn nonsense_is_refused() {
    let body = json!({ "error_rate": 2, "status": 200, "endpoint": "acs/users/create" });
    let mut input = Input::parse(body.to_string().as_bytes(), RequestMeta::default()).unwrap();
    Fault::from_input(&mut input);
    let error = input.finish().unwrap_err();
    assert!(error.to_string().starts_with("3 Input Errors"), "{error}");
}

#[test]
fn a_device_fault_only_touches_calls_naming_that_device() {
    let mut rng = SimRng::seeded(7);
    let device = "0b9e3a56-5c4e-4d36-9d8e-8a3d4b5c6d7e";
    let mut book = book(&[json!({ "device_id": device, "error_rate": 1, "status": 429 })]);
    let now = Instant::now();
    let other = ["5f2d7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6".to_owned()];
    assert!(book
        .plan("/access_codes/create", &other, now, &mut rng)
        .refuse
        .is_none());
    assert!(book
        .plan("/access_codes/create", &[], now, &mut rng)
        .refuse
        .is_none());
    let refusal = book
        .plan("/access_codes/create", &[device.to_owned()], now, &mut rng)
        .refuse
        .unwrap();
    assert_eq!(refusal.error_type(), "rate_limited");
}

#[test]
fn a_hang_comes_with_whatever_else_the_fault_does_and_counts_as_firing() {
    let mut rng = SimRng::seeded(7);
    let mut book = book(&[
        json!({ "endpoint": "/access_codes/create", "hang_ms": 1000, "times": 1 }),
        json!({ "hang_ms": 50, "error_rate": 1, "status": 503 }),
    ]);
    let plan = book.plan("/access_codes/create", &[], Instant::now(), &mut rng);
    assert_eq!(plan.hang, Duration::from_millis(1050));
    assert_eq!(plan.refuse.unwrap().error_type(), "service_unavailable");
    let rendered = book.render();
    assert_eq!(rendered.as_array().unwrap().len(), 1, "{rendered}");
    assert_eq!(rendered[0]["hang_ms"], 50);
}

#[test]
fn hang_ms_is_a_whole_number_of_milliseconds_up_to_ten_minutes() {
    assert_eq!(
        fault(json!({ "hang_ms": 600_000 })).hang,
        Duration::from_secs(600)
    );
    assert_eq!(fault(json!({})).hang, Duration::ZERO);
    for bad in [json!(600_001), json!(0.5), json!(-1)] {
        let body = json!({ "hang_ms": bad });
        let mut input = Input::parse(body.to_string().as_bytes(), RequestMeta::default()).unwrap();
        Fault::from_input(&mut input);
        assert!(input.finish().is_err(), "{bad} accepted");
    }
}
