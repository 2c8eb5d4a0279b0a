//! Encryption at rest for tenants' Seam API keys, webhook secrets and client-session tokens.
//!
//! XChaCha20-Poly1305 (RustCrypto) with a random 24-byte nonce; each sealed value starts with a
//! version byte and the id of the key that sealed it, so keys can be rotated: the service opens
//! with any key of its ring and seals with the current one, and `doorway secrets rotate`
//! re-seals what the old keys sealed. Each value is bound to its owner and purpose through the
//! associated data, so a ciphertext copied onto another tenant's row does not decrypt.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

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

/// The format of sealed values that name their key: `[VERSION][key id][nonce][ciphertext]`.
const VERSION: u8 = 1;
const KEY_ID_LEN: usize = 8;

/// One key of the ring, with the id written in front of what it seals.
#[derive(Clone)]
struct RingKey {
    id: [u8; KEY_ID_LEN],
    aead: XChaCha20Poly1305,
}

impl RingKey {
    fn new(key: &SecretKey) -> Self {
        // The id names the key without revealing it: a hash of it, domain-separated.
        let digest = Sha256::new()
            .chain_update(b"doorway secret key id\0")
            .chain_update(key.0)
            .finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Self {
            id,
            aead: XChaCha20Poly1305::new((&key.0).into()),
        }
    }

    fn open(&self, nonce: &[u8], ciphertext: &[u8], context: &[u8]) -> Option<Vec<u8>> {
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .ok()
    }
}

/// Seals with the current key and opens with any key of the ring: `DOORWAY_SECRET_KEY` and
/// the keys it replaced (`DOORWAY_SECRET_KEYS_PREVIOUS`), so the key can be rotated without
/// downtime; `doorway secrets rotate` then re-seals everything under the current key.
#[derive(Clone)]
pub struct Cipher {
    current: RingKey,
    previous: Vec<RingKey>,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cipher(<{} keys redacted>)", 1 + self.previous.len())
    }
}

impl Cipher {
    pub fn new(key: &SecretKey) -> Self {
        Self::with_previous(key, &[])
    }

    /// A ring: seals with `current`, opens with it or any of `previous`.
    pub fn with_previous(current: &SecretKey, previous: &[SecretKey]) -> Self {
        Self {
            current: RingKey::new(current),
            previous: previous.iter().map(RingKey::new).collect(),
        }
    }

    /// Encrypts `plaintext`, bound to `context` (owner and purpose), under the current key,
    /// naming that key in front of the ciphertext.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut sealed = Vec::with_capacity(1 + KEY_ID_LEN + NONCE_LEN + plaintext.len() + 16);
        sealed.push(VERSION);
        sealed.extend_from_slice(&self.current.id);
        sealed.extend_from_slice(&nonce);
        // Encryption with a valid key and nonce cannot fail for in-memory buffers; an empty
        // ciphertext would fail to open later rather than leak anything.
        let ciphertext = self
            .current
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

    /// Decrypts a value sealed under any key of the ring: one that names its key, or one
    /// sealed before keys had ids (nonce first, tried with every key).
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, DecryptError> {
        let keys = || std::iter::once(&self.current).chain(&self.previous);
        if let Some((id, nonce, ciphertext)) = split_named(sealed) {
            if let Some(key) = keys().find(|k| k.id == id) {
                if let Some(plain) = key.open(nonce, ciphertext, context) {
                    return Ok(plain);
                }
            }
        }
        if sealed.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        keys()
            .find_map(|key| key.open(nonce, ciphertext, context))
            .ok_or(DecryptError)
    }

    pub fn open_string(&self, sealed: &[u8], context: &[u8]) -> Result<String, DecryptError> {
        String::from_utf8(self.open(sealed, context)?).map_err(|_| DecryptError)
    }

    /// Whether `sealed` is already sealed under the current key (rotation skips it).
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        split_named(sealed).is_some_and(|(id, _, _)| id == self.current.id)
    }

    /// Opens `sealed` and seals it again under the current key; `None` when it already is.
    pub fn reseal(&self, sealed: &[u8], context: &[u8]) -> Result<Option<Vec<u8>>, DecryptError> {
        if self.is_current(sealed) {
            return Ok(None);
        }
        let plain = self.open(sealed, context)?;
        Ok(Some(self.seal(&plain, context)))
    }
}

/// `[VERSION][id][nonce][ciphertext]` split into its parts, when it has that shape.
fn split_named(sealed: &[u8]) -> Option<([u8; KEY_ID_LEN], &[u8], &[u8])> {
    let (&version, rest) = sealed.split_first()?;
    if version != VERSION || rest.len() < KEY_ID_LEN + NONCE_LEN {
        return None;
    }
    let (id, rest) = rest.split_at(KEY_ID_LEN);
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let mut key_id = [0u8; KEY_ID_LEN];
    key_id.copy_from_slice(id);
    Some((key_id, nonce, ciphertext))
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
    fn a_rotated_key_still_opens_what_the_old_one_sealed_and_reseals_it() {
        let old = SecretKey::demo();
        let new = SecretKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        let sealed_by_old = Cipher::new(&old).seal(b"seam_key", b"ctx");
        let ring = Cipher::with_previous(&new, std::slice::from_ref(&old));
        assert_eq!(ring.open(&sealed_by_old, b"ctx").unwrap(), b"seam_key");
        assert!(!ring.is_current(&sealed_by_old));
        let resealed = ring.reseal(&sealed_by_old, b"ctx").unwrap().unwrap();
        assert!(ring.is_current(&resealed));
        assert!(ring.reseal(&resealed, b"ctx").unwrap().is_none());
        // Once resealed, the new key alone opens it, and the old one no longer does.
        assert_eq!(
            Cipher::new(&new).open(&resealed, b"ctx").unwrap(),
            b"seam_key"
        );
        assert!(Cipher::new(&old).open(&resealed, b"ctx").is_err());
    }

    #[test]
    fn values_sealed_before_keys_had_ids_still_open() {
        let key = SecretKey::demo();
        let aead = XChaCha20Poly1305::new((&key.0).into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut legacy = nonce.to_vec();
        legacy.extend(
            aead.encrypt(
                &nonce,
                Payload {
                    msg: b"old",
                    aad: b"ctx",
                },
            )
            .unwrap(),
        );
        let cipher = Cipher::new(&key);
        assert_eq!(cipher.open(&legacy, b"ctx").unwrap(), b"old");
        assert!(cipher.reseal(&legacy, b"ctx").unwrap().is_some());
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let cipher = Cipher::new(&SecretKey::demo());
        assert_ne!(cipher.seal(b"same", b"ctx"), cipher.seal(b"same", b"ctx"));
    }
}
