//! Identifiers and secrets in the shapes Seam hands out: v4 UUIDs for objects, `seam_…` API
//! keys, `seam_cst…` client session tokens, and provider-generated PIN codes.

use rand::distributions::{Alphanumeric, Distribution, Uniform};
use rand::Rng;
use uuid::Uuid;

pub(crate) fn new_id() -> String {
    Uuid::new_v4().to_string()
}

/// True for a hyphenated UUID, which is what Seam's `format: uuid` fields accept.
pub(crate) fn is_uuid(text: &str) -> bool {
    text.len() == 36 && Uuid::try_parse(text).is_ok()
}

/// An API key that reads like Seam's (`seam_<short>_<long>`) and says where it comes from.
pub(crate) fn api_key() -> String {
    format!("seam_sim_{}", alphanumeric(32))
}

/// A client session token shaped like Seam's (`seam_cst1…_…`).
pub(crate) fn client_session_token() -> String {
    format!("seam_cst1{}_{}", alphanumeric(8), alphanumeric(28))
}

/// A PIN as an access system would generate it: `length` digits, never starting with 0 so it
/// cannot be mangled by anything that treats it as a number.
pub(crate) fn pin_code(length: usize) -> String {
    let mut rng = rand::thread_rng();
    let digits = Uniform::new_inclusive(0u8, 9);
    (0..length)
        .map(|position| {
            let digit = if position == 0 {
                rng.gen_range(1..=9)
            } else {
                digits.sample(&mut rng)
            };
            char::from(b'0' + digit)
        })
        .collect()
}

pub(crate) fn alphanumeric(length: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_codes_are_digits_of_the_asked_length() {
        for _ in 0..50 {
            let code = pin_code(7);
            assert_eq!(code.len(), 7);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
            assert!(!code.starts_with('0'));
        }
    }

    #[test]
    fn uuids_must_be_hyphenated() {
        assert!(is_uuid(&new_id()));
        assert!(!is_uuid("acs_user1"));
        assert!(!is_uuid("67e5504410b1426f9247bb680e5fe0c8"));
    }

    #[test]
    fn keys_look_like_seam_keys() {
        assert!(api_key().starts_with("seam_sim_"));
        assert!(client_session_token().starts_with("seam_cst1"));
    }
}
