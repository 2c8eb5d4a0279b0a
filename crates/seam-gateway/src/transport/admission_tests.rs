//! The rate limits and the retry classes as requests on the wire show them: how many are in
//! flight, which device waits, what is repeated.

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::json;

use super::envelope_tests::systems_body;
use crate::test_server::{seam_for, Canned, TestServer, API_KEY};
use crate::{CreateAccessCode, DeviceRateLimit, UpdateAcsUser};

fn access_code_body() -> serde_json::Value {
    json!({"ok": true, "access_code": {
        "access_code_id": "ac_1", "device_id": "lock_a", "type": "ongoing",
        "status": "setting", "created_at": "2024-01-01T00:00:00Z"
    }})
}

fn code_on(device_id: &str) -> CreateAccessCode {
    CreateAccessCode {
        device_id: device_id.into(),
        name: Some("guest".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn every_handle_for_one_key_shares_one_concurrency_bound() {
    let server = TestServer::start(vec![
        Canned::ok(systems_body()).after(Duration::from_millis(100))
    ])
    .await;
    let seam = seam_for(server.url.clone(), |c| c.max_concurrent_per_workspace = 2);
    // The API crate makes a handle per use case; the bound must hold across them.
    let handles: Vec<_> = (0..3)
        .map(|_| seam.workspace(API_KEY.to_owned().into()))
        .collect();
    let calls = handles
        .iter()
        .flat_map(|handle| [handle.list_acs_systems(), handle.list_acs_systems()]);
    for result in join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(server.hits(), 6);
    assert_eq!(server.peak_in_flight(), 2);
}

#[tokio::test]
async fn other_workspaces_have_their_own_bound() {
    let server = TestServer::start(vec![
        Canned::ok(systems_body()).after(Duration::from_millis(100))
    ])
    .await;
    let seam = seam_for(server.url.clone(), |c| c.max_concurrent_per_workspace = 1);
    let first = seam.workspace("seam_key_first".to_owned().into());
    let second = seam.workspace("seam_key_second".to_owned().into());
    let (a, b) = tokio::join!(first.list_acs_systems(), second.list_acs_systems());
    a.unwrap();
    b.unwrap();
    assert_eq!(server.peak_in_flight(), 2);
}

#[tokio::test]
async fn a_device_over_its_limit_waits_while_other_devices_go_ahead() {
    let server = TestServer::start(vec![Canned::ok(access_code_body())]).await;
    let window = Duration::from_millis(400);
    let client =
        server.client_with(|c| c.access_code_write_limit = Some(DeviceRateLimit::new(2, window)));
    let started = Instant::now();
    client.create_access_code(&code_on("lock_a")).await.unwrap();
    client.create_access_code(&code_on("lock_a")).await.unwrap();
    let (third, other) = tokio::join!(
        async {
            client.create_access_code(&code_on("lock_a")).await.unwrap();
            started.elapsed()
        },
        async {
            client.create_access_code(&code_on("lock_b")).await.unwrap();
            started.elapsed()
        }
    );
    assert!(
        third >= window,
        "lock_a's third create went early: {third:?}"
    );
    assert!(
        other < third,
        "lock_b waited for lock_a: {other:?} vs {third:?}"
    );
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn updates_are_retried_like_reads() {
    let server = TestServer::start(vec![
        Canned::error(503, "service_unavailable", "blip"),
        Canned::ok(json!({"ok": true})),
    ])
    .await;
    let update = UpdateAcsUser {
        acs_user_id: "user_1".into(),
        full_name: Some("Jane Roe".into()),
        ..Default::default()
    };
    server.client().update_acs_user(&update).await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn an_access_code_create_that_fails_after_sending_is_ambiguous_and_sent_once() {
    for status in [500, 502, 503, 504, 408] {
        let server = TestServer::start(vec![
            Canned::error(status, "boom", "boom"),
            Canned::ok(access_code_body()),
        ])
        .await;
        let err = server
            .client()
            .create_access_code(&code_on("lock_a"))
            .await
            .unwrap_err();
        assert!(err.is_ambiguous(), "{status}: {err:?}");
        assert_eq!(server.hits(), 1, "{status}");
    }
}

#[tokio::test]
async fn deleting_a_code_that_is_already_gone_is_done() {
    let server = TestServer::start(vec![Canned::error(404, "access_code_not_found", "gone")]).await;
    let client = server.client();
    assert_eq!(
        client.delete_access_code("lock_a", "ac_1").await.unwrap(),
        None
    );
    assert_eq!(server.hits(), 1);
    assert_eq!(
        server.seen()[0].body,
        json!({"device_id": "lock_a", "access_code_id": "ac_1"})
    );
    assert_eq!(client.get_access_code("ac_1").await.unwrap(), None);
}
