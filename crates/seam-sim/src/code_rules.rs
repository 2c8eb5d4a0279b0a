//! What a smart lock accepts as an access code, from the smart-lock guide: only a lock with
//! the `access_code` capability takes codes; a code is digits of a length the lock supports
//! (`properties.supported_code_lengths`); two codes on one lock never share a PIN (Seam
//! refuses this even for time frames that do not overlap); without a code, Seam picks one the
//! lock supports.
//!
//! The lock's `code_constraints` add to this: the PIN constraints refuse a PIN
//! ([`check_code`]), and `cannot_specify_pin_code` refuses any PIN the client chooses (the lock
//! picks its own). Name constraints (`name_length`, `name_must_be_unique`) never refuse a
//! request: Seam's spec says it keeps the name given and only shortens or decorates what the
//! lock displays, which the `access_code` schema does not render, so the name is kept as is.
//!
//! Kept apart from the routes so the rules read as a table and are tested without HTTP.

use crate::error::SimError;
use crate::ids::SimRng;
use crate::objects::{AccessCode, Device, UnmanagedCode};

/// The length Seam generates when the client expresses no preference (and the lock allows).
const DEFAULT_LENGTH: usize = 6;

pub(crate) fn require_capability(device: &Device) -> Result<(), SimError> {
    if device.supports_access_codes() {
        return Ok(());
    }
    Err(SimError::rejected(
        "device_does_not_support_access_codes",
        format!(
            "Device {} ({}) does not have the access_code capability",
            device.device_id, device.display_name
        ),
    ))
}

/// Whether the lock picks every PIN itself (its `cannot_specify_pin_code` constraint).
pub(crate) fn picks_own_pins(device: &Device) -> bool {
    device
        .model
        .code_constraints
        .iter()
        .any(|c| c.constraint_type == "cannot_specify_pin_code")
}

/// Refuses a PIN the client chose for a lock that picks its own.
pub(crate) fn refuse_chosen_pin(device: &Device) -> Result<(), SimError> {
    if !picks_own_pins(device) {
        return Ok(());
    }
    Err(SimError::rejected(
        "cannot_specify_pin_code",
        format!(
            "Device {} generates its own PIN codes (cannot_specify_pin_code): do not pass `code`",
            device.device_id
        ),
    ))
}

/// Checks a code the client chose (already known to be 4 to 12 digits) against the lock and
/// the other codes on it; `exclude` is the code being updated, which may keep its PIN.
pub(crate) fn check_code(
    device: &Device,
    code: &str,
    existing: &[AccessCode],
    exclude: Option<&str>,
) -> Result<(), SimError> {
    let lengths = &device.model.supported_code_lengths;
    if !lengths
        .iter()
        .any(|&length| usize::from(length) == code.len())
    {
        return Err(SimError::rejected(
            "invalid_code_length",
            format!(
                "Device {} supports codes of {} digits, not {}",
                device.device_id,
                describe(lengths),
                code.len()
            ),
        ));
    }
    if let Some(broken) = device
        .model
        .code_constraints
        .iter()
        .find(|c| !constraint_holds(&c.constraint_type, code))
    {
        return Err(SimError::rejected(
            "invalid_code",
            format!(
                "Code {code} breaks the {} constraint of device {}",
                broken.constraint_type, device.device_id
            ),
        ));
    }
    let duplicate = existing.iter().any(|other| {
        other.device_id == device.device_id
            && other.code == code
            && Some(other.access_code_id.as_str()) != exclude
    });
    if duplicate {
        return Err(SimError::rejected(
            "duplicate_access_code",
            format!(
                "Cannot set duplicate access code {code} on device {}",
                device.device_id
            ),
        ));
    }
    Ok(())
}

/// A PIN already taken on the lock by a code Seam does not manage.
pub(crate) fn refuse_unmanaged_duplicate(
    device: &Device,
    code: &str,
    unmanaged: &[UnmanagedCode],
) -> Result<(), SimError> {
    if unmanaged
        .iter()
        .any(|other| other.device_id == device.device_id && other.code == code)
    {
        return Err(SimError::rejected(
            "duplicate_access_code",
            format!(
                "Cannot set duplicate access code {code} on device {}",
                device.device_id
            ),
        ));
    }
    Ok(())
}

/// A fresh PIN for the lock, of the preferred length when the lock supports it.
pub(crate) fn generate(
    device: &Device,
    preferred_length: Option<usize>,
    existing: &[AccessCode],
    rng: &mut SimRng,
) -> Result<String, SimError> {
    let lengths: Vec<usize> = device
        .model
        .supported_code_lengths
        .iter()
        .map(|&l| usize::from(l))
        .collect();
    let supported = |length: &usize| lengths.contains(length);
    // Seam: "If the affected device does not support the preferred code length, Seam
    // reverts to using the shortest supported code length."
    let shortest = lengths.iter().copied().min();
    let length = match preferred_length {
        Some(preferred) => Some(preferred).filter(supported).or(shortest),
        None => Some(DEFAULT_LENGTH).filter(supported).or(shortest),
    };
    let Some(length) = length else {
        return require_capability(device).map(|()| String::new());
    };
    // Collisions are rare at 4+ digits; a bounded number of draws keeps a full lock from
    // spinning forever.
    for _ in 0..1000 {
        let code = rng.pin_code(length);
        if check_code(device, &code, existing, None).is_ok() {
            return Ok(code);
        }
    }
    Err(SimError::rejected(
        "no_space_for_access_code_on_device",
        format!(
            "No free {length}-digit code left on device {}",
            device.device_id
        ),
    ))
}

/// Whether `code` satisfies a PIN constraint of Seam's `code_constraints` (name constraints
/// and those the simulator cannot judge from the PIN alone always hold here).
fn constraint_holds(constraint_type: &str, code: &str) -> bool {
    let digits: Vec<i16> = code
        .bytes()
        .map(|b| i16::from(b) - i16::from(b'0'))
        .collect();
    let steps = |step: i16| digits.windows(2).all(|w| w[1] - w[0] == step);
    match constraint_type {
        "no_zeros" => !code.contains('0'),
        "cannot_start_with_12" => !code.starts_with("12"),
        "no_triple_consecutive_ints" => !digits
            .windows(3)
            .any(|w| w[1] - w[0] == 1 && w[2] - w[1] == 1),
        "no_ascending_or_descending_sequence" => !(steps(1) || steps(-1)),
        "at_least_three_unique_digits" => {
            let mut unique = digits.clone();
            unique.sort_unstable();
            unique.dedup();
            unique.len() >= 3
        }
        "cannot_contain_089" => !code.contains("089"),
        "cannot_contain_0789" => !code.contains("0789"),
        "no_all_same_digits" => !steps(0),
        _ => true,
    }
}

fn describe(lengths: &[u8]) -> String {
    let lengths: Vec<String> = lengths.iter().map(u8::to_string).collect();
    lengths.join(", ")
}

#[cfg(test)]
#[path = "code_rules_tests.rs"]
mod tests;
