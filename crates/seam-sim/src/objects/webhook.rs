//! Webhooks (`webhook`): where a workspace wants its events POSTed, and the Svix secret the
//! deliveries are signed with.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;
use crate::ids::SimRng;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Webhook {
    pub(crate) webhook_id: String,
    pub(crate) url: String,
    /// As given; `*` (or an empty list) means every event type.
    pub(crate) event_types: Vec<String>,
    pub(crate) secret: String,
}

identified!(Webhook, webhook_id, "webhook_not_found", "webhook");

impl Webhook {
    /// A secret as Svix makes them: `whsec_` and the base64 of random bytes, which is the
    /// HMAC key once decoded.
    pub(crate) fn new_secret(rng: &mut SimRng) -> String {
        let mut key = [0u8; 24];
        rng.fill(&mut key);
        format!("whsec_{}", STANDARD.encode(key))
    }

    pub(crate) fn wants(&self, event_type: &str) -> bool {
        self.event_types.is_empty()
            || self
                .event_types
                .iter()
                .any(|wanted| wanted == "*" || wanted == event_type)
    }

    pub(crate) fn render(&self) -> Value {
        json!({
            "webhook_id": self.webhook_id,
            "url": self.url,
            "event_types": self.event_types,
            "secret": self.secret,
        })
    }
}
