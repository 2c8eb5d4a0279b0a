//! Svix's signature scheme, which Seam's webhooks use: HMAC-SHA256 over
//! `{svix-id}.{svix-timestamp}.{body}`, keyed by the base64-decoded part of the secret after
//! `whsec_`, sent as `v1,<base64>`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The `svix-signature` header value for one attempt, or why the secret is unusable.
pub(crate) fn sign(
    secret: &str,
    message_id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, String> {
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = STANDARD
        .decode(encoded)
        .map_err(|error| format!("webhook secret is not base64 after whsec_: {error}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|error| format!("webhook secret is not a usable HMAC key: {error}"))?;
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from Svix's documentation on verifying webhooks by hand.
    #[test]
    fn matches_the_svix_documentation_example() {
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn refuses_a_secret_that_is_not_base64() {
        assert!(sign("whsec_%%%", "msg", 1, "{}").is_err());
    }
}
