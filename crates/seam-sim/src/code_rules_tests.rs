use chrono::Utc;

use super::*;
use crate::objects::{DeviceModel, Phase};

static KEYPAD: DeviceModel = DeviceModel {
    device_type: "august_lock",
    manufacturer: "august",
    manufacturer_display_name: "August",
    model_display_name: "Keypad",
    has_keypad: true,
    supported_code_lengths: &[4, 6],
    max_active_codes_supported: 250,
    supports_native_scheduling: false,
};

static NO_KEYPAD: DeviceModel = DeviceModel {
    device_type: "nuki_lock",
    manufacturer: "nuki",
    manufacturer_display_name: "Nuki",
    model_display_name: "No keypad",
    has_keypad: false,
    supported_code_lengths: &[],
    max_active_codes_supported: 0,
    supports_native_scheduling: false,
};

fn device(id: &str, model: &'static DeviceModel) -> Device {
    Device {
        device_id: id.to_owned(),
        seq: 1,
        display_name: "Front Door".to_owned(),
        model,
        connected_account_id: "account".to_owned(),
        online: true,
        online_changed_at: Utc::now(),
        locked: true,
        battery_level: 1.0,
        location_name: "Home",
        time_zone: "UTC",
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
    let error = require_capability(&device("d", &NO_KEYPAD)).unwrap_err();
    assert_eq!(error.error_type(), "device_does_not_support_access_codes");
    assert!(require_capability(&device("d", &KEYPAD)).is_ok());
}

#[test]
fn codes_must_have_a_supported_length() {
    let lock = device("d", &KEYPAD);
    assert!(check_code(&lock, "1234", &[], None).is_ok());
    assert!(check_code(&lock, "123456", &[], None).is_ok());
    let error = check_code(&lock, "12345", &[], None).unwrap_err();
    assert_eq!(error.error_type(), "invalid_code_length");
}

#[test]
fn a_pin_is_unique_on_its_lock_only() {
    let lock = device("d", &KEYPAD);
    let existing = [code_on("d", "a", "1234"), code_on("other", "b", "5678")];
    let error = check_code(&lock, "1234", &existing, None).unwrap_err();
    assert_eq!(error.error_type(), "duplicate_access_code");
    assert!(check_code(&lock, "5678", &existing, None).is_ok());
    assert!(check_code(&lock, "1234", &existing, Some("a")).is_ok());
}

#[test]
fn generated_codes_fit_the_lock_and_avoid_taken_pins() {
    let lock = device("d", &KEYPAD);
    for _ in 0..50 {
        let code = generate(&lock, None, &[]).unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
    }
    assert_eq!(generate(&lock, Some(4), &[]).unwrap().len(), 4);
    // Not supported: the default instead.
    assert_eq!(generate(&lock, Some(5), &[]).unwrap().len(), 6);
    let error = generate(&device("d", &NO_KEYPAD), None, &[]).unwrap_err();
    assert_eq!(error.error_type(), "device_does_not_support_access_codes");
}
