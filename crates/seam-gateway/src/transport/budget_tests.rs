//! The send budget and bounded admission as the wire shows them: what is never sent, which
//! retries are given up, and how long a call may queue.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::envelope_tests::systems_body;
use crate::test_server::{Canned, TestServer};
use crate::{CreateAccessCode, DeviceRateLimit, SeamClientConfig, SeamError, SendBudget};

/// A budget that never changes.
struct Fixed(Duration);

impl SendBudget for Fixed {
    fn remaining(&self) -> Duration {
        self.0
    }
}

/// A lease that runs out at a fixed moment, as a worker's does when no heartbeat extends it.
struct Lease(Instant);

impl Lease {
    fn lasting(duration: Duration) -> Arc<Self> {
        Arc::new(Self(Instant::now() + duration))
    }
}

impl SendBudget for Lease {
    fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }
}

/// A 1 s timeout (creates too) and a 200 ms margin: an attempt needs more than 1.2 s of
/// budget.
fn tight(config: &mut SeamClientConfig) {
    config.timeout = Duration::from_secs(1);
    config.create_timeout = Duration::from_secs(1);
    config.send_margin = Duration::from_millis(200);
}

const FLOOR: Duration = Duration::from_millis(1_200);

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

fn not_sent(err: &SeamError) -> (&str, Option<Duration>) {
    let SeamError::NotSent {
        reason,
        retry_after,
        ..
    } = err
    else {
        panic!("expected NotSent, got {err:?}");
    };
    (reason, *retry_after)
}

#[tokio::test]
async fn a_budget_too_short_sends_nothing() {
    let server = TestServer::start(vec![Canned::ok(access_code_body())]).await;
    let client = server.client_with(tight);
    // Exactly the floor is not enough: the answer could arrive just as the lease ends.
    for remaining in [Duration::ZERO, Duration::from_millis(500), FLOOR] {
        let short = client.with_budget(Arc::new(Fixed(remaining)));
        let err = short
            .create_access_code(&code_on("lock_a"))
            .await
            .unwrap_err();
        let (reason, retry_after) = not_sent(&err);
        assert!(reason.contains("send budget"), "{reason}");
        assert_eq!(retry_after, None);
        assert!(err.is_transient() && !err.is_ambiguous(), "{err:?}");
        assert_eq!(err.status(), None);
        let err = short.list_acs_systems().await.unwrap_err();
        assert!(matches!(err, SeamError::NotSent { .. }), "{err:?}");
    }
    assert_eq!(server.hits(), 0);

    let enough = client.with_budget(Arc::new(Fixed(FLOOR + Duration::from_millis(1))));
    enough.create_access_code(&code_on("lock_a")).await.unwrap();
    // The handle it was made from carries no budget and still sends.
    client.create_access_code(&code_on("lock_a")).await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_budget_that_shrinks_between_retries_stops_retrying() {
    let server = TestServer::start(vec![
        Canned::error(503, "service_unavailable", "down").after(Duration::from_millis(300))
    ])
    .await;
    let client = server.client_with(|c| {
        tight(c);
        c.max_retries = 5;
    });
    // Enough for the first attempt; after its 300 ms, less than the floor is left.
    let lease = Lease::lasting(FLOOR + Duration::from_millis(150));
    let err = client
        .with_budget(lease)
        .list_acs_systems()
        .await
        .unwrap_err();
    let (reason, retry_after) = not_sent(&err);
    assert!(reason.contains("HTTP 503"), "{reason}");
    assert!(retry_after.is_some(), "{err:?}");
    assert_eq!(err.retry_after(), retry_after);
    assert_eq!(server.hits(), 1);

    // With budget to spare the same call retries as usual.
    let err = client
        .with_budget(Arc::new(Fixed(Duration::from_secs(60))))
        .list_acs_systems()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(server.hits(), 1 + 6);
}

#[tokio::test]
async fn a_backoff_that_would_outlast_the_budget_is_not_slept() {
    let server = TestServer::start(vec![
        Canned::error(429, "rate_limited", "slow down").header("retry-after", "1"),
        Canned::ok(systems_body()),
    ])
    .await;
    let client = server.client_with(|c| {
        tight(c);
        c.backoff_max = Duration::from_secs(5);
    });
    // Enough to send now, not enough to wait 1 s and send again.
    let lease = Lease::lasting(FLOOR + Duration::from_millis(800));
    let started = Instant::now();
    let err = client
        .with_budget(lease)
        .list_acs_systems()
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "slept the backoff"
    );
    assert_eq!(not_sent(&err).1, Some(Duration::from_secs(1)));
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_call_that_cannot_get_a_slot_in_time_is_not_sent() {
    let server = TestServer::start(vec![
        Canned::ok(systems_body()).after(Duration::from_millis(600))
    ])
    .await;
    let client = server.client_with(|c| {
        c.max_concurrent_per_workspace = 1;
        c.max_admission_wait = Duration::from_millis(100);
    });
    // A budget handle shares the workspace's bound with the handle it came from.
    let budgeted = client.with_budget(Arc::new(Fixed(Duration::from_secs(60))));
    let (held, queued) = tokio::join!(client.list_acs_systems(), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        (budgeted.list_acs_systems().await, started.elapsed())
    });
    held.unwrap();
    let (result, waited) = queued;
    let err = result.unwrap_err();
    let (reason, retry_after) = not_sent(&err);
    assert!(reason.contains("request slots"), "{reason}");
    assert_eq!(retry_after, None);
    assert!(waited >= Duration::from_millis(100), "{waited:?}");
    assert!(waited < Duration::from_millis(500), "{waited:?}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn queueing_stops_when_the_budget_would_be_too_short_to_send() {
    let server = TestServer::start(vec![
        Canned::ok(systems_body()).after(Duration::from_millis(800))
    ])
    .await;
    let client = server.client_with(|c| {
        tight(c);
        c.max_concurrent_per_workspace = 1;
        c.max_admission_wait = Duration::from_secs(30);
    });
    // 200 ms of the lease may be spent queueing; the slot frees after about 750 ms.
    let budgeted = client.with_budget(Lease::lasting(FLOOR + Duration::from_millis(250)));
    let (held, queued) = tokio::join!(client.list_acs_systems(), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        (budgeted.list_acs_systems().await, started.elapsed())
    });
    held.unwrap();
    let (result, waited) = queued;
    assert!(
        matches!(result, Err(SeamError::NotSent { .. })),
        "{result:?}"
    );
    assert!(waited < Duration::from_millis(600), "{waited:?}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_device_without_room_in_time_is_not_sent_and_says_when() {
    let server = TestServer::start(vec![Canned::ok(access_code_body())]).await;
    let client = server.client_with(|c| {
        c.access_code_write_limit = Some(DeviceRateLimit::new(1, Duration::from_secs(600)));
    });
    client.create_access_code(&code_on("lock_a")).await.unwrap();
    let started = Instant::now();
    let err = client
        .create_access_code(&code_on("lock_a"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(200));
    let (reason, retry_after) = not_sent(&err);
    assert!(
        reason.contains("lock_a") && reason.contains("write"),
        "{reason}"
    );
    let retry_after = retry_after.unwrap();
    assert!(retry_after > Duration::from_secs(600), "{retry_after:?}");
    assert_eq!(server.hits(), 1);
    // Other devices are not held up.
    client.create_access_code(&code_on("lock_b")).await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn device_limits_left_to_the_caller_never_wait() {
    let server = TestServer::start(vec![Canned::ok(access_code_body())]).await;
    let client = server.client_with(|c| {
        c.access_code_write_limit = None;
        c.access_code_delete_limit = None;
        c.max_admission_wait = Duration::ZERO;
    });
    let started = Instant::now();
    for _ in 0..25 {
        client.create_access_code(&code_on("lock_a")).await.unwrap();
        client.delete_access_code("lock_a", "ac_1").await.unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.hits(), 50);

    // The default limit would have stopped the eleventh create on that lock.
    let limited = server.client_with(|c| c.max_admission_wait = Duration::ZERO);
    for _ in 0..10 {
        limited
            .create_access_code(&code_on("lock_a"))
            .await
            .unwrap();
    }
    let err = limited
        .create_access_code(&code_on("lock_a"))
        .await
        .unwrap_err();
    assert!(err.retry_after() > Some(Duration::from_secs(55)), "{err:?}");
    assert_eq!(server.hits(), 60);
}
