//! Encryption at rest for tenants' Seam API keys, webhook secrets and client-session tokens.
//!
//! XChaCha20-Poly1305 (RustCrypto) with a random 24-byte nonce stored in front of each
//! ciphertext. Each value is bound to its owner and purpose through the associated data, so a
//! ciphertext copied onto another tenant's row does not decrypt.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE_LEN: usize = 24;

/// The 32-byte key from `DOORWAY_SECRET_KEY`. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    pub fn from_base64(raw: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(raw.trim())
            .map_err(|_| "must be base64".to_owned())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must decode to exactly 32 bytes".to_owned())?;
        Ok(Self(key))
    }

    /// The fixed key `demo` uses when none is configured. Not secret: demo data only.
    pub fn demo() -> Self {
        Self(*b"doorway-demo-key-not-for-prod!!!")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("stored secret could not be decrypted (wrong DOORWAY_SECRET_KEY, or corrupted data)")]
pub struct DecryptError;

/// Seals and opens secrets with the service's key.
#[derive(Clone)]
pub struct Cipher {
    aead: XChaCha20Poly1305,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(<redacted>)")
    }
}

impl Cipher {
    pub fn new(key: &SecretKey) -> Self {
        Self {
            aead: XChaCha20Poly1305::new((&key.0).into()),
        }
    }

    /// Encrypts `plaintext`, bound to `context` (owner and purpose).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut sealed = nonce.to_vec();
        // Encryption with a valid key and nonce cannot fail for in-memory buffers; an empty
        // ciphertext would fail to open later rather than leak anything.
        let ciphertext = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .unwrap_or_default();
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, DecryptError> {
        if sealed.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| DecryptError)
    }

    pub fn open_string(&self, sealed: &[u8], context: &[u8]) -> Result<String, DecryptError> {
        String::from_utf8(self.open(sealed, context)?).map_err(|_| DecryptError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_in_their_context() {
        let cipher = Cipher::new(&SecretKey::demo());
        let sealed = cipher.seal(b"seam_live_key", b"tenant-a/seam_api_key");
        assert!(!sealed.windows(13).any(|w| w == b"seam_live_key"));
        assert_eq!(
            cipher.open(&sealed, b"tenant-a/seam_api_key").unwrap(),
            b"seam_live_key"
        );
        assert!(cipher.open(&sealed, b"tenant-b/seam_api_key").is_err());
    }

    #[test]
    fn another_key_cannot_open_a_secret() {
        let sealed = Cipher::new(&SecretKey::demo()).seal(b"secret", b"ctx");
        let other = SecretKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        assert!(Cipher::new(&other).open(&sealed, b"ctx").is_err());
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let cipher = Cipher::new(&SecretKey::demo());
        assert_ne!(cipher.seal(b"same", b"ctx"), cipher.seal(b"same", b"ctx"));
    }
}
