//! Events, and the webhooks Seam delivers them to.

use serde_json::json;

use crate::client::WorkspaceClient;
use crate::error::{NotFoundAsNone, SeamError};
use crate::event_list::{EventList, DEFAULT_EVENT_LIMIT};
use crate::models::{Event, Webhook};
use crate::requests::{CreateWebhook, EventFilter};
use crate::transport::Endpoint;

pub(super) static LIST_EVENTS: Endpoint = Endpoint::read("/events/list", "events");
pub(super) static CREATE_WEBHOOK: Endpoint = Endpoint::create("/webhooks/create", "webhook");
pub(super) static LIST_WEBHOOKS: Endpoint = Endpoint::read("/webhooks/list", "webhooks");
pub(super) static DELETE_WEBHOOK: Endpoint = Endpoint::delete("/webhooks/delete");

impl WorkspaceClient {
    /// Events matching the filter, which needs `since` or `between`. Not paginated by Seam: a
    /// window with more events than `limit` (500 by default) is cut short, and the answer says
    /// so (`truncated`), since one more than the limit is asked for. `list_all_events` fetches
    /// a whole window.
    pub async fn list_events(&self, filter: &EventFilter) -> Result<EventList, SeamError> {
        let limit = filter.limit.unwrap_or(DEFAULT_EVENT_LIMIT);
        let one_more = EventFilter {
            limit: Some(limit.saturating_add(1)),
            ..filter.clone()
        };
        let events: Vec<Event> = self.call(&LIST_EVENTS, &one_more).await?;
        Ok(EventList::cut(events, limit))
    }

    /// Registers `request.url` for events; the answer carries the signing `secret`, which
    /// Seam does not show again. Never retried: after an ambiguous failure, look for the URL
    /// in `list_webhooks` (whose entries may lack the secret; delete and create again).
    pub async fn create_webhook(&self, request: &CreateWebhook) -> Result<Webhook, SeamError> {
        self.call(&CREATE_WEBHOOK, request).await
    }

    pub async fn list_webhooks(&self) -> Result<Vec<Webhook>, SeamError> {
        self.call(&LIST_WEBHOOKS, &json!({})).await
    }

    /// Deletes the webhook; one that is already gone counts as deleted.
    pub async fn delete_webhook(&self, webhook_id: &str) -> Result<(), SeamError> {
        let body = json!({ "webhook_id": webhook_id });
        self.call::<()>(&DELETE_WEBHOOK, &body)
            .await
            .or_not_found()
            .map(drop)
    }
}
