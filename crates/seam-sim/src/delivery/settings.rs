//! `POST /_sim/webhooks`: a workspace's delivery settings, changed field by field, so a test
//! can make delivery orderly (no jitter, no duplicates) or as unruly as it likes.

use std::time::Duration;

use serde_json::{json, Value};

use crate::envelope::FromInput;
use crate::input::{self, Input};
use crate::options::WebhookDelivery;

/// The fields a request changes; absent ones stay as they are.
#[derive(Debug, Default)]
pub(crate) struct SettingsUpdate {
    duplicate_rate: Option<f64>,
    max_jitter: Option<Duration>,
    max_attempts: Option<u32>,
    initial_backoff: Option<Duration>,
    timeout: Option<Duration>,
}

impl SettingsUpdate {
    pub(crate) fn apply(self, settings: &mut WebhookDelivery) {
        if let Some(rate) = self.duplicate_rate {
            settings.duplicate_rate = rate;
        }
        if let Some(jitter) = self.max_jitter {
            settings.max_jitter = jitter;
        }
        if let Some(attempts) = self.max_attempts {
            settings.max_attempts = attempts;
        }
        if let Some(backoff) = self.initial_backoff {
            settings.initial_backoff = backoff;
        }
        if let Some(timeout) = self.timeout {
            settings.timeout = timeout;
        }
    }
}

/// The settings as `/_sim/webhooks` shows them, in the units it accepts.
pub(crate) fn render(settings: &WebhookDelivery) -> Value {
    json!({
        "duplicate_rate": settings.duplicate_rate,
        "max_jitter_ms": settings.max_jitter.as_millis() as u64,
        "max_attempts": settings.max_attempts,
        "retry_backoff_ms": settings.initial_backoff.as_millis() as u64,
        "timeout_ms": settings.timeout.as_millis() as u64,
    })
}

impl FromInput for SettingsUpdate {
    fn from_input(input: &mut Input) -> Self {
        let duplicate_rate = input.optional("duplicate_rate", input::number);
        if duplicate_rate.is_some_and(|rate| !(0.0..=1.0).contains(&rate)) {
            input.issue("duplicate_rate", "Must be between 0 and 1");
        }
        let millis = |input: &mut Input, name: &str, min: f64| {
            whole(input, name, min, 3_600_000.0).map(Duration::from_millis)
        };
        Self {
            duplicate_rate,
            max_jitter: millis(input, "max_jitter_ms", 0.0),
            max_attempts: whole(input, "max_attempts", 1.0, 100.0).map(|n| n as u32),
            initial_backoff: millis(input, "retry_backoff_ms", 0.0),
            timeout: millis(input, "timeout_ms", 1.0),
        }
    }
}

fn whole(input: &mut Input, name: &str, min: f64, max: f64) -> Option<u64> {
    let value = input.optional(name, input::number)?;
    if value.fract() != 0.0 || value < min || value > max {
        input.issue(name, format!("Must be a whole number from {min} to {max}"));
        return None;
    }
    Some(value as u64)
}
