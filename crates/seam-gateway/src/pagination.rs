//! Seam's cursor pagination, walked in one place for every paginated list.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::WorkspaceClient;
use crate::error::SeamError;
use crate::transport::Endpoint;

/// Page size we ask for; the spec's defaults are 500 to 900 depending on the list.
const PAGE_LIMIT: u32 = 500;

#[derive(Deserialize)]
struct Pagination {
    #[serde(default)]
    has_next_page: bool,
    #[serde(default)]
    next_page_cursor: Option<String>,
}

impl WorkspaceClient {
    /// Every item of a paginated list. Each page is its own call, so a transient failure
    /// repeats one page, not the walk.
    pub(crate) async fn list_all<T: DeserializeOwned>(
        &self,
        endpoint: &'static Endpoint,
        filter: &impl Serialize,
    ) -> Result<Vec<T>, SeamError> {
        let mut body = match serde_json::to_value(filter) {
            Ok(Value::Object(fields)) => fields,
            Ok(_) | Err(_) => {
                let detail = format!("filter for {} is not a JSON object", endpoint.path);
                return Err(SeamError::Config(detail));
            }
        };
        body.insert("limit".to_owned(), PAGE_LIMIT.into());

        let mut items = Vec::new();
        let mut seen_cursors = HashSet::new();
        loop {
            let mut reply = self.send(endpoint, &body).await?;
            items.extend(reply.take::<Vec<T>>(endpoint)?);
            let next = reply
                .take_optional::<Pagination>(endpoint, "pagination")?
                .filter(|page| page.has_next_page)
                .and_then(|page| page.next_page_cursor);
            let Some(cursor) = next else {
                return Ok(items);
            };
            // A server that ignores the cursor would otherwise keep us here forever.
            if !seen_cursors.insert(cursor.clone()) {
                let detail = format!("page cursor {cursor:?} repeated");
                return Err(reply.decode_error(endpoint, detail));
            }
            body.insert("page_cursor".to_owned(), Value::String(cursor));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::error::SeamError;
    use crate::test_server::{Canned, TestServer};

    fn page(ids: &[&str], next: Option<&str>) -> Canned {
        let entrances: Vec<_> = ids
            .iter()
            .map(|id| {
                json!({"acs_entrance_id": id, "acs_system_id": "sys_1",
                "display_name": id, "created_at": "2024-01-01T00:00:00Z"})
            })
            .collect();
        Canned::ok(json!({
            "ok": true,
            "acs_entrances": entrances,
            "pagination": {"has_next_page": next.is_some(), "next_page_cursor": next,
                "next_page_url": null}
        }))
    }

    fn ids(entrances: &[crate::AcsEntrance]) -> Vec<&str> {
        entrances
            .iter()
            .map(|e| e.acs_entrance_id.as_str())
            .collect()
    }

    #[tokio::test]
    async fn every_page_is_fetched_with_the_cursor_seam_gave() {
        let server = TestServer::start(vec![
            page(&["e1", "e2"], Some("cursor_2")),
            Canned::error(503, "service_unavailable", "blip"),
            page(&["e3"], None),
        ])
        .await;
        let entrances = server.client().list_entrances("sys_1").await.unwrap();
        assert_eq!(ids(&entrances), ["e1", "e2", "e3"]);

        let seen = server.seen();
        assert_eq!(seen.len(), 3, "the failed page is retried, not the walk");
        assert_eq!(
            seen[0].body,
            json!({"acs_system_id": "sys_1", "limit": 500})
        );
        let second = json!({"acs_system_id": "sys_1", "limit": 500, "page_cursor": "cursor_2"});
        assert_eq!((&seen[1].body, &seen[2].body), (&second, &second));
    }

    #[tokio::test]
    async fn a_list_without_pagination_is_one_page() {
        let server =
            TestServer::start(vec![Canned::ok(json!({"ok": true, "acs_entrances": []}))]).await;
        assert!(server
            .client()
            .list_entrances("sys_1")
            .await
            .unwrap()
            .is_empty());
        assert_eq!(server.hits(), 1);
    }

    #[tokio::test]
    async fn a_cursor_that_repeats_ends_the_walk_with_an_error() {
        let server = TestServer::start(vec![page(&["e1"], Some("same"))]).await;
        let err = server.client().list_entrances("sys_1").await.unwrap_err();
        assert!(matches!(err, SeamError::Decode { .. }), "{err:?}");
        assert_eq!(server.hits(), 2);
    }
}
