//! The engine's promises under concurrency (`ENGINE.md` §6): a fenced lease, Seam's per-lock
//! limits held across processes, and claims that are fair across tenants. These tests drive
//! the queue through Doorway's own database functions where the point is the queue itself.

use std::time::Duration;

use doorway_api::db::{self, queue, runs::Fence};
use serde_json::{json, Value};
use sqlx::postgres::PgPool;
use uuid::Uuid;

use crate::helpers::{entrance_named, spawn_app, spawn_app_with, Settings, TestApp};
use crate::lifecycle_helpers::wait_until;

/// The service's own pool on this test's database (it queries as `doorway_app`).
async fn service_pool(app: &TestApp) -> PgPool {
    db::connect(&app.service_database, 4).await.unwrap()
}

async fn claim(pool: &PgPool, holder: &str) -> Option<queue::ClaimedRun> {
    queue::claim_due(pool, holder, Duration::from_secs(60))
        .await
        .unwrap()
}

/// Expires every resident lease, as if its holder had stalled past it: the lease and the leased
/// run's next attempt (which a claim and every heartbeat set to the lease's end) both passed.
async fn expire_leases(app: &TestApp) {
    let mut db = app.db().await;
    sqlx::query(
        "with expired as (
             update resident_leases set locked_until = now() - interval '1 second'
             returning run_id, locked_until)
         update provisioning_runs r set next_attempt_at = least(r.next_attempt_at, e.locked_until)
         from expired e where r.run_id = e.run_id",
    )
    .execute(&mut db)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reclaimed_run_refuses_every_write_of_the_old_claim() {
    let mut app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    // The first worker sends a create that Seam holds for a long time, and the process dies.
    app.inject_fault(
        json!({ "endpoint": "/user_identities/create", "hang_ms": 20_000, "times": 1 }),
    )
    .await;
    let grant = app
        .grant_mobile_key(
            &resident,
            &property,
            &[entrance_named(&property, "Main Entrance")],
        )
        .await;
    wait_until(Duration::from_secs(10), "the create sent", || async {
        match app.sim_call_count("/user_identities/create").await {
            0 => Err("not yet".to_owned()),
            _ => Ok(()),
        }
    })
    .await;
    app.crash().await;

    // Two claims by one process (sibling workers share its name), each after the lease
    // before it expired.
    let pool = service_pool(&app).await;
    expire_leases(&app).await;
    let first = claim(&pool, "one-process").await.expect("the run is due");
    expire_leases(&app).await;
    let second = claim(&pool, "one-process").await.expect("taken over");
    assert_eq!(first.fence.run_id, second.fence.run_id);
    assert!(second.taken_over, "the lease was not given back");
    assert!(second.fence.token > first.fence.token);

    // Every write of the older claims changes nothing: heartbeat, step start, defer, complete.
    let stale = [
        first.fence,
        Fence {
            token: first.fence.token - 1,
            ..first.fence
        },
    ];
    for fence in stale {
        let mut tx = db::begin_tenant(&pool, second.tenant_id).await.unwrap();
        assert_eq!(db::runs::guard(&mut tx, fence).await.unwrap(), None);
        assert_eq!(
            queue::heartbeat(&mut tx, fence, second.resident_id, Duration::from_secs(60))
                .await
                .unwrap(),
            None
        );
        assert!(!db::runs::defer(&mut tx, fence, chrono::Utc::now(), None)
            .await
            .unwrap());
        assert!(
            !db::runs::complete(&mut tx, fence, doorway_domain::RunStatus::Succeeded)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
    }
    // The run is still the newest claim's, running, with its lease.
    let mut owner = app.db().await;
    let (fence, status): (i64, String) =
        sqlx::query_as("select fence, status from provisioning_runs where run_id = $1")
            .bind(second.fence.run_id.as_uuid())
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!((fence, status.as_str()), (second.fence.token, "RUNNING"));
    let leased: Uuid = sqlx::query_scalar("select run_id from resident_leases")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(leased, second.fence.run_id.as_uuid());
    let mut tx = db::begin_tenant(&pool, second.tenant_id).await.unwrap();
    assert_eq!(
        queue::heartbeat(
            &mut tx,
            second.fence,
            second.resident_id,
            Duration::from_secs(60)
        )
        .await
        .unwrap(),
        Some(false),
        "the newest claim still holds it"
    );
    tx.commit().await.unwrap();
    // The run in hand is not due to anyone else: its next attempt is its lease's end, moved
    // with the lease by the heartbeat, and no other claim takes it.
    let (next_attempt, lease_end): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as(
            "select r.next_attempt_at, l.locked_until
             from provisioning_runs r join resident_leases l using (run_id) where r.run_id = $1",
        )
        .bind(second.fence.run_id.as_uuid())
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(next_attempt, lease_end);
    assert!(lease_end > chrono::Utc::now() + chrono::TimeDelta::seconds(50));
    assert!(claim(&pool, "another-process").await.is_none());
    let _ = grant;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_never_send_one_lock_more_writes_than_seam_allows() {
    const WINDOW_MS: u64 = 3_000;
    const RESIDENTS: usize = 30;
    let app = spawn_app_with(Settings {
        lease_seconds: 3.0,
        seam_timeout_seconds: Some(1.0),
        device_window_seconds: Some(WINDOW_MS / 1000),
        ..Default::default()
    })
    .await;
    let (_sibling, stop_sibling, sibling) = app.spawn_sibling().await;
    let locks = app.import_smart_locks(&["Unit 2A Front Door"]).await;
    let mut grants = Vec::new();
    for i in 0..RESIDENTS {
        let resident = app
            .create_resident(
                &format!("Resident {i}"),
                &format!("r{i}@example.com"),
                &format!("r{i}"),
            )
            .await;
        grants.push(
            app.grant_pin_on_locks(&resident, &locks, &["Unit 2A Front Door"], None)
                .await,
        );
    }
    for grant in &grants {
        app.wait_for_grant(&grant["id"], "ACTIVE", Duration::from_secs(60))
            .await;
    }
    let log = sim_call_log(&app).await;
    let writes: Vec<u64> = log
        .iter()
        .filter(|c| c["endpoint"] == "/access_codes/create")
        .map(|c| {
            assert_ne!(c["status"], 429, "Seam refused a write: {c}");
            c["at_ms"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(writes.len(), RESIDENTS, "one create per grant");
    for (i, start) in writes.iter().enumerate() {
        let in_window = writes[i..]
            .iter()
            .take_while(|at| **at < start + WINDOW_MS)
            .count();
        assert!(
            in_window <= 10,
            "{in_window} writes within {WINDOW_MS} ms from {start}: {writes:?}"
        );
    }
    stop_sibling.cancel();
    sibling.await.unwrap().unwrap();
    app.assert_truth().await;
}

/// Every Seam call this test's workspace received, in order (`GET /_sim/calls?log=true`).
async fn sim_call_log(app: &TestApp) -> Vec<Value> {
    let log: Value = reqwest::Client::new()
        .get(format!("{}/_sim/calls?log=true", app.sim.base_url()))
        .bearer_auth(&app.sim_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["log"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_with_one_due_run_is_served_before_another_tenants_thousand() {
    let mut app = spawn_app().await;
    let busy = app.tenant_id;
    let (quiet, _) = app.add_tenant("Quiet Homes").await;
    let busy_property = app.import_latch_building().await;
    let quiet_property = app
        .import_acs_system_of_type(&app.manager_token_for(quiet), "latch_building")
        .await;
    app.stop().await;
    // The busy tenant's bulk import: a thousand residents, each with a run due for an hour.
    let mut owner = app.db().await;
    let bulk = |tenant: Uuid, property: &Value, residents: i32, due: &str| {
        format!(
            "with r as (
                 insert into residents (resident_id, tenant_id, full_name, email, external_id)
                 select gen_random_uuid(), '{tenant}', 'R ' || i, 'r' || i || '@example.com', 'r' || i
                 from generate_series(1, {residents}) i returning resident_id),
             g as (
                 insert into grants (grant_id, tenant_id, resident_id, property_id, access_method, status)
                 select gen_random_uuid(), '{tenant}', resident_id, '{property}', 'MOBILE_KEY', 'PROVISIONING'
                 from r returning grant_id, resident_id)
             insert into provisioning_runs (run_id, tenant_id, grant_id, resident_id, kind, status, next_attempt_at)
             select gen_random_uuid(), '{tenant}', grant_id, resident_id, 'PROVISION', 'PENDING', {due}
             from g",
            property = property["id"].as_str().unwrap()
        )
    };
    for sql in [
        bulk(busy, &busy_property, 1000, "now() - interval '1 hour'"),
        bulk(quiet, &quiet_property, 1, "now()"),
    ] {
        sqlx::query(&sql).execute(&mut owner).await.unwrap();
    }
    let pool = service_pool(&app).await;
    let mut claims = 0;
    loop {
        let run = claim(&pool, "fairness").await.expect("runs are due");
        claims += 1;
        if run.tenant_id.as_uuid() == quiet {
            break;
        }
        assert!(
            claims < 3,
            "the quiet tenant waited behind {claims} of the busy tenant's runs"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_service_does_not_poll_its_run_queue() {
    let app = spawn_app().await;
    let (property, jane) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&jane, &property, "Main Entrance")
        .await;
    // The grant is done: nothing is due, nothing waits. Give the last wake-ups time to settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = app.queue_looks();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let idle = app.queue_looks() - before;
    // Eight workers polling every two seconds looked about 20 times in five seconds; waiting
    // on notifications, with the timekeeper's alarm (every 30 s at most) as the fallback,
    // they look at most once.
    assert!(
        idle <= 1,
        "{idle} looks at the run queue in five idle seconds"
    );
    // And a new grant is still picked up at once: the notification wakes a worker.
    let grant = app
        .grant_mobile_key(
            &jane,
            &property,
            &[entrance_named(&property, "Garage Door")],
        )
        .await;
    app.wait_for_grant(&grant["id"], "ACTIVE", Duration::from_secs(10))
        .await;
}
