//! Identifiers and secrets in the shapes Seam hands out (v4 UUIDs for objects, `seam_…` API
//! keys, `seam_cst…` client session tokens, provider-generated PIN codes), all drawn from a
//! [`SimRng`], so that a simulator started with a seed hands out the same ones every run.
//!
//! One `SimRng` belongs to the simulator (it derives each workspace's own and the
//! `seam-request-id`s), one to each workspace (every id, key, PIN, fault roll and webhook
//! jitter of that workspace). A workspace's sequence therefore depends only on the seed, its
//! creation order and the requests it received, not on what other workspaces do meanwhile.
//! ChaCha8 is used rather than `StdRng` because its output is promised stable across
//! releases, so a seed keeps meaning the same thing.

use rand::distributions::{Alphanumeric, Distribution, Uniform};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A seedable source of every random choice; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct SimRng(ChaCha8Rng);

/// Where a [`SimRng`] stands, so a dumped workspace resumes the same sequence when loaded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RngState {
    /// The 32-byte ChaCha key, in hex.
    pub(crate) key: String,
    /// Words consumed so far (a `u128`, as a decimal string because JSON numbers are f64).
    pub(crate) word_pos: String,
}

impl SimRng {
    pub(crate) fn seeded(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Unpredictable, for a simulator started without a seed.
    pub(crate) fn from_entropy() -> Self {
        Self(ChaCha8Rng::from_entropy())
    }

    /// A new independent source whose sequence is fixed by this one's position.
    pub(crate) fn derive(&mut self) -> Self {
        Self::seeded(self.0.next_u64())
    }

    pub(crate) fn state(&self) -> RngState {
        let key: String = self
            .0
            .get_seed()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        RngState {
            key,
            word_pos: self.0.get_word_pos().to_string(),
        }
    }

    pub(crate) fn restore(state: &RngState) -> Option<Self> {
        let mut key = [0u8; 32];
        if state.key.len() != 64 {
            return None;
        }
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(state.key.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_word_pos(state.word_pos.parse().ok()?);
        Some(Self(rng))
    }

    /// The generator itself, for callers that sample distributions.
    pub(crate) fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.0
    }

    /// A hyphenated v4 UUID.
    pub(crate) fn new_id(&mut self) -> String {
        let bytes: [u8; 16] = self.0.gen();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// An API key that reads like Seam's (`seam_<short>_<long>`) and says where it comes from.
    pub(crate) fn api_key(&mut self) -> String {
        format!("seam_sim_{}", self.alphanumeric(32))
    }

    /// A client session token shaped like Seam's (`seam_cst1…_…`).
    pub(crate) fn client_session_token(&mut self) -> String {
        format!(
            "seam_cst1{}_{}",
            self.alphanumeric(8),
            self.alphanumeric(28)
        )
    }

    /// A publishable key shaped like Seam's (`seam_pk1…_…`).
    pub(crate) fn publishable_key(&mut self) -> String {
        format!("seam_pk1{}_{}", self.alphanumeric(8), self.alphanumeric(28))
    }

    /// A PIN as an access system would generate it: `length` digits, never starting with 0 so
    /// it cannot be mangled by anything that treats it as a number.
    pub(crate) fn pin_code(&mut self, length: usize) -> String {
        let digits = Uniform::new_inclusive(0u8, 9);
        (0..length)
            .map(|position| {
                let digit = if position == 0 {
                    self.0.gen_range(1..=9)
                } else {
                    digits.sample(&mut self.0)
                };
                char::from(b'0' + digit)
            })
            .collect()
    }

    pub(crate) fn alphanumeric(&mut self, length: usize) -> String {
        (&mut self.0)
            .sample_iter(&Alphanumeric)
            .take(length)
            .map(char::from)
            .collect()
    }

    /// True with probability `rate` (0 never draws, so turning a fault off changes nothing).
    pub(crate) fn chance(&mut self, rate: f64) -> bool {
        rate > 0.0 && self.0.gen::<f64>() < rate
    }

    pub(crate) fn fill(&mut self, bytes: &mut [u8]) {
        self.0.fill_bytes(bytes);
    }
}

/// True for a hyphenated UUID, which is what Seam's `format: uuid` fields accept.
pub(crate) fn is_uuid(text: &str) -> bool {
    text.len() == 36 && Uuid::try_parse(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_codes_are_digits_of_the_asked_length() {
        let mut rng = SimRng::from_entropy();
        for _ in 0..50 {
            let code = rng.pin_code(7);
            assert_eq!(code.len(), 7);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
            assert!(!code.starts_with('0'));
        }
    }

    #[test]
    fn uuids_must_be_hyphenated() {
        assert!(is_uuid(&SimRng::seeded(1).new_id()));
        assert!(!is_uuid("acs_user1"));
        assert!(!is_uuid("67e5504410b1426f9247bb680e5fe0c8"));
    }

    #[test]
    fn keys_look_like_seam_keys() {
        let mut rng = SimRng::seeded(1);
        assert!(rng.api_key().starts_with("seam_sim_"));
        assert!(rng.client_session_token().starts_with("seam_cst1"));
        assert!(rng.publishable_key().starts_with("seam_pk1"));
    }

    #[test]
    fn a_seed_fixes_the_sequence_and_a_restored_state_resumes_it() {
        let (mut a, mut b) = (SimRng::seeded(7), SimRng::seeded(7));
        assert_eq!(a.new_id(), b.new_id());
        assert_ne!(a.new_id(), SimRng::seeded(8).new_id());
        let mut resumed = SimRng::restore(&a.state()).unwrap();
        assert_eq!(a.api_key(), resumed.api_key());
        assert_eq!(a.derive().pin_code(6), resumed.derive().pin_code(6));
    }
}
