//! Per-endpoint timeouts and the whole call's deadline, against canned responses.

use std::time::{Duration, Instant};

use serde_json::json;

use super::envelope_tests::systems_body;
use crate::test_server::{Canned, TestServer};
use crate::{CreateUserIdentity, SeamError};

fn identity_body() -> serde_json::Value {
    json!({"ok": true, "user_identity": {
        "user_identity_id": "ui_1", "workspace_id": "ws_1",
        "created_at": "2024-01-01T00:00:00Z"
    }})
}

#[tokio::test]
async fn a_create_waits_its_own_longer_timeout_where_a_read_gives_up() {
    let slow = Duration::from_millis(400);
    let server = TestServer::start(vec![
        Canned::ok(identity_body()).after(slow),
        Canned::ok(systems_body()).after(slow),
    ])
    .await;
    let client = server.client_with(|c| {
        c.timeout = Duration::from_millis(100);
        c.create_timeout = Duration::from_secs(3);
        c.max_retries = 0;
    });
    let created = client
        .create_user_identity(&CreateUserIdentity::default())
        .await
        .unwrap();
    assert_eq!(created.user_identity_id, "ui_1");
    let err = client.list_acs_systems().await.unwrap_err();
    assert!(
        matches!(err, SeamError::Unavailable { status: None, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn the_deadline_stops_retries_that_would_not_finish_in_time() {
    // Every attempt hangs past its 200 ms timeout. Without a deadline the read would be tried
    // three times; 500 ms leave room for two whole attempts only.
    let server = TestServer::start(vec![
        Canned::ok(systems_body()).after(Duration::from_secs(2))
    ])
    .await;
    let client = server.client_with(|c| {
        c.timeout = Duration::from_millis(200);
        c.create_timeout = Duration::from_millis(200);
        c.call_deadline = Duration::from_millis(500);
    });
    let err = client.list_acs_systems().await.unwrap_err();
    assert!(matches!(err, SeamError::Unavailable { .. }), "{err:?}");
    assert!(
        err.to_string().contains("timed out"),
        "the last attempt's error: {err}"
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_is_handed_back_at_once() {
    let server = TestServer::start(vec![
        Canned::error(503, "service_unavailable", "later").header("retry-after", "1"),
        Canned::ok(systems_body()),
    ])
    .await;
    let client = server.client_with(|c| {
        c.backoff_max = Duration::from_secs(5);
        c.timeout = Duration::from_millis(500);
        c.create_timeout = Duration::from_millis(500);
        c.call_deadline = Duration::from_millis(1_200);
    });
    let started = Instant::now();
    let err = client.list_acs_systems().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)), "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.hits(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "it slept the Retry-After"
    );

    // With room for the wait and one more attempt, the same answer is waited out.
    let server = TestServer::start(vec![
        Canned::error(503, "service_unavailable", "later").header("retry-after", "1"),
        Canned::ok(systems_body()),
    ])
    .await;
    let client = server.client_with(|c| {
        c.backoff_max = Duration::from_secs(5);
        c.call_deadline = Duration::from_secs(4);
    });
    assert_eq!(client.list_acs_systems().await.unwrap().len(), 1);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn retry_after_in_the_obsolete_asctime_form_is_read() {
    let server = TestServer::start(vec![
        Canned::error(503, "service_unavailable", "back now")
            .header("retry-after", "Sun Nov  6 08:49:37 1994"),
        Canned::ok(systems_body()),
    ])
    .await;
    // Long past: retried at once, although backoff_max here is only 20 ms.
    server.client().list_acs_systems().await.unwrap();
    assert_eq!(server.hits(), 2);
}
