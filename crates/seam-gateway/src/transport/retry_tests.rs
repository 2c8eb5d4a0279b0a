//! Retries and creates against canned answers: what is repeated, how often, after how long,
//! and what a failed create reports.

use std::time::{Duration, Instant};

use serde_json::json;

use super::envelope_tests::{acs_user_request, systems_body};
use crate::test_server::{client_for, Canned, TestServer};
use crate::{CreateUserIdentity, SeamError};

#[tokio::test]
async fn a_read_is_retried_through_500_503_and_429_then_succeeds() {
    let server = TestServer::start(vec![
        Canned::error(500, "internal_server_error", "boom"),
        Canned::text(503, "<html>upstream down</html>"),
        Canned::error(429, "rate_limited", "slow down"),
        Canned::ok(systems_body()),
    ])
    .await;
    let client = server.client_with(|c| c.max_retries = 3);
    let systems = client.list_acs_systems().await.unwrap();
    assert_eq!(systems.len(), 1);
    assert!(systems[0].is_latch());
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn a_read_gives_up_after_max_retries_as_unavailable() {
    let server = TestServer::start(vec![Canned::error(503, "service_unavailable", "down")]).await;
    let err = server.client().list_acs_systems().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.request_id(), Some("req_503"));
    assert_eq!(server.hits(), 3, "one attempt and max_retries = 2 retries");
}

#[tokio::test]
async fn retry_after_is_waited_out_when_short() {
    let server = TestServer::start(vec![
        Canned::error(429, "rate_limited", "slow down").header("retry-after", "1"),
        Canned::ok(systems_body()),
    ])
    .await;
    let client = server.client_with(|c| c.backoff_max = Duration::from_secs(5));
    let started = Instant::now();
    client.list_acs_systems().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn retry_after_longer_than_backoff_max_is_handed_to_the_caller() {
    let server = TestServer::start(vec![
        Canned::error(429, "rate_limited", "slow down").header("retry-after", "60")
    ])
    .await;
    let err = server.client().list_acs_systems().await.unwrap_err();
    let SeamError::Unavailable {
        retry_after,
        status,
        ..
    } = &err
    else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert_eq!(
        (*retry_after, *status),
        (Some(Duration::from_secs(60)), Some(429))
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_create_answered_with_500_is_ambiguous_and_sent_once() {
    let server = TestServer::start(vec![
        Canned::error(500, "internal_server_error", "boom"),
        Canned::ok(json!({"ok": true})),
    ])
    .await;
    let err = server
        .client()
        .create_acs_user(&acs_user_request())
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_create_that_times_out_is_ambiguous_and_sent_once() {
    let server = TestServer::start(vec![
        Canned::ok(json!({"ok": true})).after(Duration::from_secs(2))
    ])
    .await;
    let client = server.client_with(|c| c.create_timeout = Duration::from_millis(150));
    let err = client
        .create_user_identity(&CreateUserIdentity::default())
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_create_refused_with_429_is_unavailable_and_sent_once() {
    let server = TestServer::start(vec![Canned::error(429, "rate_limited", "slow down")]).await;
    let err = server
        .client()
        .create_acs_user(&acs_user_request())
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_create_that_cannot_connect_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = url::Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let err = client_for(url, |_| {})
        .create_acs_user(&acs_user_request())
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn a_read_that_times_out_is_retried_then_unavailable() {
    let server = TestServer::start(vec![
        Canned::ok(systems_body()).after(Duration::from_secs(2))
    ])
    .await;
    let client = server.client_with(|c| c.timeout = Duration::from_millis(100));
    let err = client.list_acs_systems().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_400_is_not_retried_even_on_a_read() {
    let server = TestServer::start(vec![Canned::error(400, "invalid_input", "bad")]).await;
    let err = server.client().get_acs_system("sys_1").await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_the_time_until_then() {
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let server = TestServer::start(vec![
        Canned::error(429, "rate_limited", "slow down").header("retry-after", &date)
    ])
    .await;
    // Longer than backoff_max (20 ms here): handed to the caller rather than waited out.
    let err = server.client().list_acs_systems().await.unwrap_err();
    assert!(err.is_rate_limited() && err.is_transient(), "{err:?}");
    let wait = err.retry_after().unwrap();
    // The date has whole seconds: between 2 and 3 s from when it was written.
    assert!(
        wait > Duration::from_secs(1) && wait <= Duration::from_secs(3),
        "{wait:?}"
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_past_http_date_is_retried_at_once() {
    let server = TestServer::start(vec![
        Canned::error(503, "service_unavailable", "back now")
            .header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
        Canned::ok(systems_body()),
    ])
    .await;
    server.client().list_acs_systems().await.unwrap();
    assert_eq!(server.hits(), 2);
}
