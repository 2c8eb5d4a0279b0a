//! The lock models a seed can name, after real ones.

use crate::objects::DeviceModel;

/// The model called `name` (its manufacturer), with Seam's defaults for it.
pub(crate) fn preset(name: &str) -> Option<DeviceModel> {
    let (device_type, display, model, keypad, max_codes, native) = match name {
        "august" => (
            "august_lock",
            "August",
            "Wi-Fi Smart Lock with Keypad",
            true,
            250,
            false,
        ),
        "schlage" => (
            "schlage_lock",
            "Schlage",
            "Encode Plus Smart WiFi Deadbolt",
            true,
            100,
            true,
        ),
        "yale" => ("yale_lock", "Yale", "Assure Lock 2 Keypad", true, 250, true),
        "nuki" => ("nuki_lock", "Nuki", "Smart Lock Pro", false, 0, false),
        _ => return None,
    };
    Some(DeviceModel {
        device_type: device_type.to_owned(),
        manufacturer: name.to_owned(),
        manufacturer_display_name: display.to_owned(),
        model_display_name: model.to_owned(),
        has_keypad: keypad,
        supported_code_lengths: if keypad {
            vec![4, 5, 6, 7, 8]
        } else {
            Vec::new()
        },
        max_active_codes_supported: max_codes,
        supports_native_scheduling: native,
        code_constraints: Vec::new(),
        // August locks reach Seam through their Connect Wi-Fi bridge; Nuki's Smart Hosting
        // needs a subscription. These are the models Seam's sandbox simulates both for.
        has_hub: name == "august",
        needs_subscription: name == "nuki",
    })
}
