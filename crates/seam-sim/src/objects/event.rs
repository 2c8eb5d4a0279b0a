//! Events (`event`): what happened in a workspace, listed by `/events/list` and delivered to
//! webhooks. Each carries the ids its type names in Seam's spec (an access code event: the
//! code, its device and the device's connected account).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::identified;
use crate::clock::iso;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Event {
    pub(crate) event_id: String,
    pub(crate) seq: u64,
    #[serde(deserialize_with = "crate::event_types::deserialize")]
    pub(crate) event_type: crate::event_types::EventType,
    /// When it happened, which for the simulator is also when it was recorded: a lifecycle
    /// step that falls inside a clock advance is dated when it was due, as if the ticker had
    /// been running all along.
    pub(crate) occurred_at: DateTime<Utc>,
    /// When the simulator generated it (`created_at`): later than `occurred_at` for a step
    /// that fell due inside a clock jump. `/events/list` filters `since` and `between` on it,
    /// as Seam does, so a client polling from its last `created_at` misses nothing.
    pub(crate) created_at: DateTime<Utc>,
    /// The ids and details of this event type (`access_code_id`, `device_id`, `code`...).
    pub(crate) fields: Map<String, Value>,
}

identified!(Event, event_id, "event_not_found", "event");

impl Event {
    /// A field of the event as a string, for filters (`device_id`, `acs_user_id`...).
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    pub(crate) fn render(&self, workspace_id: &str) -> Value {
        let mut event = self.fields.clone();
        for (key, value) in [
            ("event_id", json!(self.event_id)),
            ("event_type", json!(self.event_type)),
            ("workspace_id", json!(workspace_id)),
            ("created_at", json!(iso(self.created_at))),
            ("occurred_at", json!(iso(self.occurred_at))),
        ] {
            event.insert(key.to_owned(), value);
        }
        Value::Object(event)
    }
}
