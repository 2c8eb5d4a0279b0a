//! The limits alone: one set per key, device logs, and what waits for what.

use std::time::Instant;

use url::Url;

use super::*;

/// Patience that never runs out: admission waits as long as it takes.
fn forever() -> Duration {
    Duration::MAX
}

fn config(tweak: impl FnOnce(&mut SeamClientConfig)) -> SeamClientConfig {
    let mut config = SeamClientConfig::new(Url::parse("http://127.0.0.1:1").unwrap());
    tweak(&mut config);
    config
}

#[test]
fn one_key_gets_one_set_of_limits_and_the_key_is_not_stored() {
    let registry = Registry::new();
    let config = config(|_| {});
    let first = registry.for_key("seam_key_a", &config);
    assert!(Arc::ptr_eq(
        &first,
        &registry.for_key("seam_key_a", &config)
    ));
    assert!(!Arc::ptr_eq(
        &first,
        &registry.for_key("seam_key_b", &config)
    ));
    // Another client salts differently: its fingerprints say nothing about this one's.
    let other = Registry::new();
    let fingerprints =
        |r: &Registry| -> Vec<[u8; 32]> { r.workspaces.lock().unwrap().keys().copied().collect() };
    other.for_key("seam_key_a", &config);
    assert!(!fingerprints(&registry).contains(&fingerprints(&other)[0]));
    for fingerprint in fingerprints(&registry) {
        let text = String::from_utf8_lossy(&fingerprint);
        assert!(!text.contains("seam_key"));
    }
}

#[test]
fn a_device_limiter_allows_a_burst_then_waits_for_the_oldest_call_to_age_out() {
    let limiter = DeviceLimiter::new(DeviceRateLimit::new(3, Duration::from_secs(10)));
    let start = Instant::now();
    let at = |ms| start + Duration::from_millis(ms);
    for ms in [0, 1_000, 2_000] {
        assert_eq!(limiter.try_take("lock_a", at(ms)), Ok(()));
    }
    let waits = |result: Result<(), Duration>, ms: u64| {
        let wait = result.unwrap_err();
        assert!(
            wait.abs_diff(Duration::from_millis(ms)) < Duration::from_millis(2),
            "{wait:?}"
        );
    };
    // Window 10 s plus 2% slack: the call at 0 ages out at 10.2 s.
    waits(limiter.try_take("lock_a", at(4_000)), 6_200);
    assert_eq!(limiter.try_take("lock_b", at(4_000)), Ok(()));
    assert_eq!(limiter.try_take("lock_a", at(10_201)), Ok(()));
    waits(limiter.try_take("lock_a", at(10_300)), 900);
}

#[test]
fn idle_devices_are_swept_out() {
    let limiter = DeviceLimiter::new(DeviceRateLimit::new(1, Duration::from_secs(1)));
    let start = Instant::now();
    for device in 0..=SWEEP_ABOVE {
        limiter.try_take(&device.to_string(), start).unwrap();
    }
    let later = start + Duration::from_secs(2);
    limiter.try_take("fresh", later).unwrap();
    assert_eq!(limiter.logs.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn no_window_holds_more_than_the_limit() {
    let per = Duration::from_millis(200);
    let limits = WorkspaceLimits::new(&config(|c| {
        c.access_code_write_limit = Some(DeviceRateLimit::new(4, per));
    }));
    let mut sent = Vec::new();
    for _ in 0..9 {
        drop(
            limits
                .admit(Some((DeviceBucket::AccessCodeWrite, "lock_a")), forever)
                .await
                .unwrap(),
        );
        sent.push(Instant::now());
    }
    // A burst of 4, then each call waits for one to age out: any 5 consecutive calls
    // span at least a whole window.
    assert!(sent[3] - sent[0] < per / 2, "{:?}", sent[3] - sent[0]);
    for five in sent.windows(5) {
        assert!(five[4] - five[0] >= per, "{:?}", five[4] - five[0]);
    }
}

#[tokio::test]
async fn waiting_for_a_device_does_not_hold_the_workspace_permit() {
    let limits = Arc::new(WorkspaceLimits::new(&config(|c| {
        c.max_concurrent_per_workspace = 1;
        c.access_code_delete_limit = Some(DeviceRateLimit::new(1, Duration::from_secs(600)));
    })));
    let busy = Some((DeviceBucket::AccessCodeDelete, "lock_a"));
    drop(limits.admit(busy, forever).await.unwrap());
    let waiting = tokio::spawn({
        let limits = Arc::clone(&limits);
        async move { drop(limits.admit(busy, forever).await.unwrap()) }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let other = Some((DeviceBucket::AccessCodeDelete, "lock_b"));
    let admitted = tokio::time::timeout(Duration::from_secs(2), async {
        drop(limits.admit(other, forever).await.unwrap());
        drop(limits.admit(None, forever).await.unwrap());
    })
    .await;
    assert!(admitted.is_ok(), "lock_b waited behind lock_a");
    assert!(!waiting.is_finished());
    waiting.abort();
}

#[tokio::test]
async fn the_concurrency_bound_queues_callers() {
    let limits = WorkspaceLimits::new(&config(|c| c.max_concurrent_per_workspace = 2));
    let first = limits.admit(None, forever).await.unwrap();
    let _second = limits.admit(None, forever).await.unwrap();
    let third = tokio::time::timeout(Duration::from_millis(50), limits.admit(None, forever)).await;
    assert!(third.is_err(), "a third call went through");
    drop(first);
    let third = tokio::time::timeout(Duration::from_secs(1), limits.admit(None, forever)).await;
    assert!(third.is_ok());
}

/// Patience that lasts `wait` from now.
fn for_(wait: Duration) -> impl Fn() -> Duration {
    let until = Instant::now() + wait;
    move || until.saturating_duration_since(Instant::now())
}

#[tokio::test]
async fn a_free_slot_is_taken_even_with_no_patience_left() {
    let limits = WorkspaceLimits::new(&config(|_| {}));
    let device = Some((DeviceBucket::AccessCodeWrite, "lock_a"));
    assert!(limits.admit(device, || Duration::ZERO).await.is_ok());
}

#[tokio::test]
async fn waiting_for_a_slot_ends_when_the_patience_does() {
    let limits = WorkspaceLimits::new(&config(|c| c.max_concurrent_per_workspace = 1));
    let _held = limits.admit(None, forever).await.unwrap();
    let started = Instant::now();
    let refused = limits.admit(None, for_(Duration::from_millis(100))).await;
    let waited = started.elapsed();
    assert_eq!(refused.err(), Some(Refusal::Busy));
    assert!(waited >= Duration::from_millis(100), "{waited:?}");
    assert!(waited < Duration::from_secs(1), "{waited:?}");
}

#[tokio::test]
async fn a_patience_cut_short_is_noticed_while_waiting() {
    use std::sync::atomic::{AtomicBool, Ordering};

    let limits = WorkspaceLimits::new(&config(|c| c.max_concurrent_per_workspace = 1));
    let _held = limits.admit(None, forever).await.unwrap();
    let lost = Arc::new(AtomicBool::new(false));
    let patience = {
        let lost = Arc::clone(&lost);
        move || {
            if lost.load(Ordering::SeqCst) {
                Duration::ZERO
            } else {
                Duration::from_secs(30)
            }
        }
    };
    let started = Instant::now();
    let (refused, ()) = tokio::join!(limits.admit(None, patience), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        lost.store(true, Ordering::SeqCst);
    });
    assert_eq!(refused.err(), Some(Refusal::Busy));
    assert!(started.elapsed() < RECHECK * 3, "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_device_without_room_in_time_is_refused_at_once_with_its_wait() {
    let limits = WorkspaceLimits::new(&config(|c| {
        c.access_code_delete_limit = Some(DeviceRateLimit::new(1, Duration::from_secs(600)));
    }));
    let device = Some((DeviceBucket::AccessCodeDelete, "lock_a"));
    drop(limits.admit(device, forever).await.unwrap());
    let started = Instant::now();
    let refused = limits.admit(device, for_(Duration::from_secs(30))).await;
    assert!(started.elapsed() < Duration::from_millis(100));
    let Err(Refusal::DeviceFull(wait)) = refused else {
        panic!("expected DeviceFull, got {:?}", refused.map(|_| ()));
    };
    // 600 s plus 2% slack, less the moment that passed.
    assert!(wait > Duration::from_secs(611) && wait <= Duration::from_secs(612));
    // The refusal gave the slot back: another device goes ahead.
    let other = Some((DeviceBucket::AccessCodeDelete, "lock_b"));
    assert!(limits.admit(other, || Duration::ZERO).await.is_ok());
}

#[tokio::test]
async fn device_limits_set_to_none_never_wait() {
    let limits = WorkspaceLimits::new(&config(|c| {
        c.access_code_write_limit = None;
        c.access_code_delete_limit = None;
    }));
    let started = Instant::now();
    for bucket in [
        DeviceBucket::AccessCodeWrite,
        DeviceBucket::AccessCodeDelete,
    ] {
        for _ in 0..100 {
            let admitted = limits
                .admit(Some((bucket, "lock_a")), || Duration::ZERO)
                .await;
            assert!(admitted.is_ok());
        }
    }
    assert!(started.elapsed() < Duration::from_millis(100));
    assert!(limits.access_code_writes.is_none() && limits.access_code_deletes.is_none());
}
