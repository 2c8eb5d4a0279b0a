//! Svix's signature scheme, which Seam's webhooks use: HMAC-SHA256 over
//! `{svix-id}.{svix-timestamp}.{raw body}`, keyed by the base64-decoded part of the secret after
//! `whsec_`, sent as space-separated `v1,<base64>` entries of which any one may match.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a delivery's timestamp may be from our clock, either way: an older one may be a
/// replay, a newer one a forgery made for later.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// The three Svix headers of one delivery.
#[derive(Debug, Clone, Copy)]
pub struct SvixHeaders<'a> {
    pub id: &'a str,
    pub timestamp: &'a str,
    pub signature: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("svix-timestamp is not a whole number of seconds")]
    MalformedTimestamp,
    #[error("svix-timestamp is more than 5 minutes away from now")]
    StaleTimestamp,
    #[error("the webhook secret is not `whsec_` and base64")]
    UnusableSecret,
    #[error("no signature matches")]
    NoMatch,
}

impl SvixHeaders<'_> {
    /// The delivery's time, when it is within [`TOLERANCE_SECONDS`] of `now`.
    pub fn check_timestamp(&self, now: DateTime<Utc>) -> Result<i64, SignatureError> {
        let timestamp: i64 = self
            .timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::MalformedTimestamp)?;
        if (now.timestamp() - timestamp).abs() > TOLERANCE_SECONDS {
            return Err(SignatureError::StaleTimestamp);
        }
        Ok(timestamp)
    }

    /// Whether one of the `v1` signatures is the HMAC of this delivery under `secret`,
    /// compared in constant time.
    pub fn verify(&self, secret: &str, body: &[u8]) -> Result<(), SignatureError> {
        let mut mac = keyed(secret)?;
        mac.update(self.id.as_bytes());
        mac.update(b".");
        mac.update(self.timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        let matched = self
            .signature
            .split_whitespace()
            .filter_map(|entry| entry.split_once(','))
            .filter(|(version, _)| *version == "v1")
            .filter_map(|(_, encoded)| STANDARD.decode(encoded).ok())
            .any(|candidate| mac.clone().verify_slice(&candidate).is_ok());
        if matched {
            Ok(())
        } else {
            Err(SignatureError::NoMatch)
        }
    }
}

fn keyed(secret: &str) -> Result<Hmac<Sha256>, SignatureError> {
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| SignatureError::UnusableSecret)?;
    Hmac::<Sha256>::new_from_slice(&key).map_err(|_| SignatureError::UnusableSecret)
}

/// The `svix-signature` value Svix would send (for tests and tools that play Seam).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignatureError> {
    let mut mac = keyed(secret)?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from Svix's documentation on verifying webhooks by hand.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers(signature: &str) -> SvixHeaders<'_> {
        SvixHeaders {
            id: ID,
            timestamp: "1614265330",
            signature,
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn the_svix_documentation_example_verifies() {
        assert_eq!(sign(SECRET, ID, TIMESTAMP, BODY).unwrap(), SIGNATURE);
        assert_eq!(headers(SIGNATURE).verify(SECRET, BODY), Ok(()));
    }

    #[test]
    fn any_one_of_several_signatures_may_match() {
        let several = format!("v1,bm90IGl0 v2,{} v1a,xyz {SIGNATURE}", &SIGNATURE[3..]);
        assert_eq!(headers(&several).verify(SECRET, BODY), Ok(()));
        let none = "v1,bm90IGl0 v1,%%%notbase64 garbage";
        assert_eq!(
            headers(none).verify(SECRET, BODY),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn a_changed_body_id_or_secret_does_not_verify() {
        let changed = br#"{"test": 2432232315}"#;
        assert!(headers(SIGNATURE).verify(SECRET, changed).is_err());
        let other_id = SvixHeaders {
            id: "msg_other",
            ..headers(SIGNATURE)
        };
        assert!(other_id.verify(SECRET, BODY).is_err());
        let other_secret = "whsec_c2VjcmV0LXNpZ25pbmcta2V5";
        assert!(headers(SIGNATURE).verify(other_secret, BODY).is_err());
        assert_eq!(
            headers(SIGNATURE).verify("whsec_%%%", BODY),
            Err(SignatureError::UnusableSecret)
        );
    }

    #[test]
    fn timestamps_more_than_five_minutes_away_either_way_are_refused() {
        let h = headers(SIGNATURE);
        assert_eq!(h.check_timestamp(at(TIMESTAMP + 300)), Ok(TIMESTAMP));
        assert_eq!(h.check_timestamp(at(TIMESTAMP - 300)), Ok(TIMESTAMP));
        assert_eq!(
            h.check_timestamp(at(TIMESTAMP + 301)),
            Err(SignatureError::StaleTimestamp)
        );
        assert_eq!(
            h.check_timestamp(at(TIMESTAMP - 301)),
            Err(SignatureError::StaleTimestamp)
        );
        let bad = SvixHeaders {
            timestamp: "soon",
            ..h
        };
        assert_eq!(
            bad.check_timestamp(at(TIMESTAMP)),
            Err(SignatureError::MalformedTimestamp)
        );
    }
}
