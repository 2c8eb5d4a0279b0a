//! What we send about events and webhooks.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::models::EventType;

/// `/events/list` filter. Seam needs `since` or `between`; start from [`EventFilter::since`]
/// or [`EventFilter::between`]. Not paginated: Seam returns at most `limit` events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub between: Option<(DateTime<Utc>, DateTime<Utc>)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<EventType>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_code_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acs_system_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acs_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acs_credential_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_identity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl EventFilter {
    /// Every event since `at`; narrow it with the other fields.
    pub fn since(at: DateTime<Utc>) -> Self {
        Self {
            since: Some(at),
            ..Self::default()
        }
    }

    /// Every event from `from` to `to`; narrow it with the other fields.
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            between: Some((from, to)),
            ..Self::default()
        }
    }
}

/// `/webhooks/create`. Without `event_types`, Seam sends every event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateWebhook {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<EventType>>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_event_window_is_written_as_seam_reads_it() {
        let from: DateTime<Utc> = "2024-07-13T16:50:42.072Z".parse().unwrap();
        let to: DateTime<Utc> = "2024-07-14T16:50:42.072Z".parse().unwrap();
        let filter = EventFilter {
            event_types: Some(vec![EventType::AccessCodeSetOnDevice, "x.new".into()]),
            ..EventFilter::between(from, to)
        };
        assert_eq!(
            serde_json::to_value(&filter).unwrap(),
            json!({
                "between": ["2024-07-13T16:50:42.072Z", "2024-07-14T16:50:42.072Z"],
                "event_types": ["access_code.set_on_device", "x.new"]
            })
        );
        assert_eq!(
            serde_json::to_value(EventFilter::since(from)).unwrap(),
            json!({"since": "2024-07-13T16:50:42.072Z"})
        );
    }
}
