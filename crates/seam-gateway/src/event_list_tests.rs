//! A cut event list is reported, and a whole window is fetched by halving it.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::test_server::{Canned, TestServer};
use crate::{EventFilter, SeamError};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn events(ids_and_times: &[(&str, &str)]) -> Canned {
    let events: Vec<Value> = ids_and_times
        .iter()
        .map(|(id, time)| {
            json!({"event_id": id, "event_type": "access_code.created", "workspace_id": "ws",
                "created_at": time, "occurred_at": time})
        })
        .collect();
    Canned::ok(json!({"ok": true, "events": events}))
}

#[tokio::test]
async fn one_more_than_the_limit_is_asked_for_and_its_arrival_reported() {
    let server = TestServer::start(vec![
        events(&[
            ("e1", "2024-01-01T00:00:01Z"),
            ("e2", "2024-01-01T00:00:02Z"),
        ]),
        events(&[("e1", "2024-01-01T00:00:01Z")]),
    ])
    .await;
    let client = server.client();
    let filter = EventFilter {
        limit: Some(1),
        ..EventFilter::since(at("2024-01-01T00:00:00Z"))
    };
    let cut = client.list_events(&filter).await.unwrap();
    assert!(cut.truncated);
    assert_eq!(cut.len(), 1, "no more than the caller's limit");
    assert_eq!(cut[0].event_id, "e1");
    let whole = client.list_events(&filter).await.unwrap();
    assert!(!whole.truncated);
    assert_eq!(server.seen()[0].body["limit"], 2);

    // Without a limit, Seam's default of 500 is the caller's.
    let server = TestServer::start(vec![events(&[])]).await;
    let none = server
        .client()
        .list_events(&EventFilter::since(at("2024-01-01T00:00:00Z")))
        .await
        .unwrap();
    assert!(none.is_empty() && !none.truncated);
    assert_eq!(server.seen()[0].body["limit"], 501);
}

#[tokio::test]
async fn a_cut_window_is_halved_until_every_half_is_whole() {
    let (from, to) = (at("2024-01-01T00:00:00Z"), at("2024-01-01T00:00:04Z"));
    let server = TestServer::start(vec![
        // The whole window: three events, limit two.
        events(&[
            ("e1", "2024-01-01T00:00:01Z"),
            ("e2", "2024-01-01T00:00:02Z"),
            ("e3", "2024-01-01T00:00:03Z"),
        ]),
        // The first half, which overlaps the second by a millisecond either side of 00:00:02.
        events(&[
            ("e2", "2024-01-01T00:00:02Z"),
            ("e1", "2024-01-01T00:00:01Z"),
        ]),
        // The second half.
        events(&[
            ("e2", "2024-01-01T00:00:02Z"),
            ("e3", "2024-01-01T00:00:03Z"),
        ]),
    ])
    .await;
    let filter = EventFilter {
        limit: Some(2),
        device_id: Some("lock_1".into()),
        ..EventFilter::since(from)
    };
    let all = server
        .client()
        .list_all_events(&filter, from, to)
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, ["e1", "e2", "e3"], "oldest first, each once");

    let seen = server.seen();
    let windows: Vec<&Value> = seen.iter().map(|s| &s.body["between"]).collect();
    assert_eq!(
        windows,
        [
            &json!(["2024-01-01T00:00:00Z", "2024-01-01T00:00:04Z"]),
            &json!(["2024-01-01T00:00:00Z", "2024-01-01T00:00:02.001Z"]),
            &json!(["2024-01-01T00:00:01.999Z", "2024-01-01T00:00:04Z"]),
        ]
    );
    for request in &seen {
        assert_eq!(request.body["device_id"], "lock_1", "the filter is kept");
        assert!(
            request.body.get("since").is_none(),
            "the window replaces `since`"
        );
    }
}

#[tokio::test]
async fn more_events_in_an_instant_than_the_limit_is_an_error_not_a_cut() {
    let time = "2024-01-01T00:00:01Z";
    let server = TestServer::start(vec![events(&[("e1", time), ("e2", time)])]).await;
    let filter = EventFilter {
        limit: Some(1),
        ..EventFilter::default()
    };
    let (from, to) = (at("2024-01-01T00:00:00Z"), at("2024-01-01T00:00:02Z"));
    let err = server
        .client()
        .list_all_events(&filter, from, to)
        .await
        .unwrap_err();
    assert!(matches!(err, SeamError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("raise the limit"), "{err}");
    // Halved from 2 s down to about 2 ms, then given up: bounded, not endless.
    assert!(server.hits() < 40, "{}", server.hits());
}
