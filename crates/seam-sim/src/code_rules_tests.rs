use chrono::Utc;

use super::*;
use crate::objects::{DeviceModel, Phase};

fn keypad() -> DeviceModel {
    DeviceModel {
        device_type: "august_lock".to_owned(),
        manufacturer: "august".to_owned(),
        manufacturer_display_name: "August".to_owned(),
        model_display_name: "Keypad".to_owned(),
        has_keypad: true,
        supported_code_lengths: vec![4, 6],
        max_active_codes_supported: 250,
        supports_native_scheduling: false,
        code_constraints: Vec::new(),
        has_hub: false,
        needs_subscription: false,
    }
}

fn no_keypad() -> DeviceModel {
    DeviceModel {
        has_keypad: false,
        supported_code_lengths: Vec::new(),
        ..keypad()
    }
}

fn device(id: &str, model: DeviceModel) -> Device {
    Device {
        device_id: id.to_owned(),
        seq: 1,
        display_name: "Front Door".to_owned(),
        model,
        connected_account_id: "account".to_owned(),
        online: true,
        online_changed_at: Utc::now(),
        hub_disconnected_at: None,
        subscription_expired_at: None,
        reach_changed_at: None,
        locked: true,
        battery_level: 1.0,
        location_name: "Home".to_owned(),
        time_zone: "UTC".to_owned(),
        created_at: Utc::now(),
    }
}

fn code_on(device_id: &str, id: &str, pin: &str) -> AccessCode {
    AccessCode {
        access_code_id: id.to_owned(),
        seq: 2,
        device_id: device_id.to_owned(),
        connected_account_id: "account".to_owned(),
        name: None,
        code: pin.to_owned(),
        common_code_key: None,
        starts_at: None,
        ends_at: None,
        is_external_modification_allowed: false,
        prefer_native_scheduling: true,
        created_at: Utc::now(),
        phase: Phase::Set,
        is_scheduled_on_device: false,
        delay_warned_at: None,
        failed_at: None,
    }
}

#[test]
fn a_lock_without_a_keypad_takes_no_codes() {
    let error = require_capability(&device("d", no_keypad())).unwrap_err();
    assert_eq!(error.error_type(), "device_does_not_support_access_codes");
    assert!(require_capability(&device("d", keypad())).is_ok());
}

#[test]
fn codes_must_have_a_supported_length() {
    let lock = device("d", keypad());
    assert!(check_code(&lock, "1234", &[], None).is_ok());
    assert!(check_code(&lock, "123456", &[], None).is_ok());
    let error = check_code(&lock, "12345", &[], None).unwrap_err();
    assert_eq!(error.error_type(), "invalid_code_length");
}

#[test]
fn a_pin_is_unique_on_its_lock_only() {
    let lock = device("d", keypad());
    let existing = [code_on("d", "a", "1234"), code_on("other", "b", "5678")];
    let error = check_code(&lock, "1234", &existing, None).unwrap_err();
    assert_eq!(error.error_type(), "duplicate_access_code");
    assert!(check_code(&lock, "5678", &existing, None).is_ok());
    assert!(check_code(&lock, "1234", &existing, Some("a")).is_ok());
}

#[test]
fn generated_codes_fit_the_lock_and_avoid_taken_pins() {
    let lock = device("d", keypad());
    let mut rng = SimRng::seeded(3);
    for _ in 0..50 {
        let code = generate(&lock, None, &[], &mut rng).unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
    }
    assert_eq!(generate(&lock, Some(4), &[], &mut rng).unwrap().len(), 4);
    // Not supported: Seam reverts to the shortest length the lock supports.
    assert_eq!(generate(&lock, Some(5), &[], &mut rng).unwrap().len(), 4);
    let error = generate(&device("d", no_keypad()), None, &[], &mut rng).unwrap_err();
    assert_eq!(error.error_type(), "device_does_not_support_access_codes");
}

#[test]
fn code_constraints_refuse_codes_and_shape_generated_ones() {
    let mut model = keypad();
    model.code_constraints = ["no_zeros", "cannot_start_with_12", "no_all_same_digits"]
        .iter()
        .map(|t| crate::objects::CodeConstraint {
            constraint_type: (*t).to_owned(),
            min_length: None,
            max_length: None,
        })
        .collect();
    let lock = device("d", model);
    for bad in ["1034", "1234", "7777"] {
        let error = check_code(&lock, bad, &[], None).unwrap_err();
        assert_eq!(error.error_type(), "invalid_code", "{bad}");
    }
    assert!(check_code(&lock, "5678", &[], None).is_ok());
    let mut rng = SimRng::seeded(5);
    for _ in 0..50 {
        let code = generate(&lock, Some(4), &[], &mut rng).unwrap();
        assert!(!code.contains('0') && !code.starts_with("12"), "{code}");
    }
}
