//! Webhook delivery, Svix-style: every event a webhook wants becomes a message with its own
//! `svix-id`, POSTed signed to the webhook's URL at least once.
//!
//! Under the workspace lock, [`DeliveryBook`] only queues messages and keeps the record of
//! what happened to them; [`sender`] does the HTTP outside the lock, in spawned tasks, so a
//! slow or dead receiver never holds up the simulator.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{json, Value};

use crate::ids::SimRng;

use crate::objects::{Event, Webhook};
use crate::options::WebhookDelivery;

mod sender;
mod settings;
pub(crate) mod signing;

pub(crate) use sender::dispatch;
pub(crate) use settings::{render as render_settings, SettingsUpdate};

/// How many delivery records a workspace keeps; older ones are forgotten so a long demo
/// does not grow without bound.
const MAX_RECORDS: usize = 2000;

/// One message on its way to one webhook.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) workspace_id: String,
    pub(crate) message_id: String,
    pub(crate) url: String,
    pub(crate) secret: String,
    pub(crate) body: String,
    /// When the message was queued on the workspace's clock (its event's `created_at`), the
    /// `svix-timestamp` of every attempt in deterministic mode.
    pub(crate) queued_at: DateTime<Utc>,
    pub(crate) settings: WebhookDelivery,
    /// Wait before the first attempt.
    pub(crate) first_wait: Duration,
    /// Whether a delivered message is sent once more, after `second_wait`.
    pub(crate) duplicate: bool,
    pub(crate) second_wait: Duration,
}

/// What happened to one message, for `/_sim/state` and `/_sim/webhooks`.
#[derive(Debug, Clone)]
struct DeliveryRecord {
    message_id: String,
    event_id: String,
    event_type: &'static str,
    webhook_id: String,
    url: String,
    attempts: u32,
    last_status: Option<u16>,
    last_error: Option<String>,
    delivered: bool,
    duplicates_sent: u32,
}

/// A workspace's delivery settings, its queue of messages not yet handed to the sender, and
/// the record of every message so far.
#[derive(Debug)]
pub(crate) struct DeliveryBook {
    pub(crate) settings: WebhookDelivery,
    outbox: Vec<Outgoing>,
    records: VecDeque<DeliveryRecord>,
}

impl DeliveryBook {
    pub(crate) fn new(settings: &WebhookDelivery) -> Self {
        Self {
            settings: settings.clone(),
            outbox: Vec::new(),
            records: VecDeque::new(),
        }
    }

    /// Queues `event` (already rendered as `body`) for `webhook`.
    /// The message's id, jitter and duplication are drawn from the workspace's `rng` now,
    /// so a seeded simulator delivers the same way every run.
    pub(crate) fn enqueue(
        &mut self,
        webhook: &Webhook,
        event: &Event,
        body: &Value,
        rng: &mut SimRng,
    ) {
        let message_id = format!("msg_{}", rng.alphanumeric(27));
        let first_wait = jitter(rng, self.settings.max_jitter);
        let duplicate = rng.chance(self.settings.duplicate_rate);
        let second_wait = jitter(rng, self.settings.max_jitter);
        self.outbox.push(Outgoing {
            first_wait,
            duplicate,
            second_wait,
            workspace_id: event_workspace(body),
            message_id: message_id.clone(),
            url: webhook.url.clone(),
            secret: webhook.secret.clone(),
            body: body.to_string(),
            queued_at: event.created_at,
            settings: self.settings.clone(),
        });
        if self.records.len() >= MAX_RECORDS {
            self.records.pop_front();
        }
        self.records.push_back(DeliveryRecord {
            message_id,
            event_id: event.event_id.clone(),
            event_type: event.event_type,
            webhook_id: webhook.webhook_id.clone(),
            url: webhook.url.clone(),
            attempts: 0,
            last_status: None,
            last_error: None,
            delivered: false,
            duplicates_sent: 0,
        });
    }

    /// The messages queued since the last call, for [`dispatch`].
    pub(crate) fn take_outbox(&mut self) -> Vec<Outgoing> {
        std::mem::take(&mut self.outbox)
    }

    /// Notes one attempt: the receiver's status, or why there was none.
    pub(crate) fn record_attempt(
        &mut self,
        message_id: &str,
        outcome: &Result<u16, String>,
        duplicate: bool,
    ) {
        let Some(record) = self.records.iter_mut().find(|r| r.message_id == message_id) else {
            return;
        };
        record.attempts += 1;
        match outcome {
            Ok(status) => {
                record.last_status = Some(*status);
                record.last_error = None;
                if (200..300).contains(status) {
                    record.delivered = true;
                    record.duplicates_sent += u32::from(duplicate);
                }
            }
            Err(error) => {
                record.last_status = None;
                record.last_error = Some(error.clone());
            }
        }
    }

    pub(crate) fn render_records(&self) -> Value {
        let records: Vec<Value> = self
            .records
            .iter()
            .map(|r| {
                json!({
                    "message_id": r.message_id,
                    "event_id": r.event_id,
                    "event_type": r.event_type,
                    "webhook_id": r.webhook_id,
                    "url": r.url,
                    "attempts": r.attempts,
                    "last_status": r.last_status,
                    "last_error": r.last_error,
                    "delivered": r.delivered,
                    "duplicates_sent": r.duplicates_sent,
                })
            })
            .collect();
        Value::Array(records)
    }
}

fn jitter(rng: &mut SimRng, max: Duration) -> Duration {
    let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    if max_ms == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(rng.rng().gen_range(0..=max_ms))
}

fn event_workspace(body: &Value) -> String {
    body["workspace_id"].as_str().unwrap_or_default().to_owned()
}

/// Wait before retry number `retry` (1 for the first retry): the initial backoff, doubled
/// each time, capped at an hour.
pub(crate) fn backoff(initial: Duration, retry: u32) -> Duration {
    let factor = 2u32.saturating_pow(retry.saturating_sub(1));
    initial
        .saturating_mul(factor)
        .min(Duration::from_secs(3600))
}
