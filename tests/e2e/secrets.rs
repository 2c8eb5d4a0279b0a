//! Secrets at rest: the key that seals them can be rotated, and no PIN, key or token of a full
//! flow reaches the logs.

use doorway_api::crypto::{Cipher, SecretKey};
use doorway_domain::{ResidentId, TenantId};
use serde_json::json;
use sqlx::Row;

use crate::helpers::{contract, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_the_secret_key_reseals_every_stored_secret_and_the_old_key_opens_none() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let session = app
        .graphql_ok(
            &app.resident_token("jane"),
            contract("resident-app.graphql", "StartMobileKeySession"),
            json!({}),
        )
        .await;
    let token = session["createMobileKeySession"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    // The demo key sealed everything; the new key takes over, the demo key stays in the ring.
    let old = SecretKey::demo();
    let new = SecretKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
    let ring = Cipher::with_previous(&new, std::slice::from_ref(&old));
    let pool = doorway_api::db::connect(&app.service_database, 2)
        .await
        .unwrap();
    let rotated = doorway_api::secrets::rotate(&pool, &ring).await.unwrap();
    assert_eq!(
        (rotated.tenants, rotated.resealed, rotated.current),
        (1, 2, 0),
        "{rotated:?}"
    );
    // Again: nothing left to do.
    let again = doorway_api::secrets::rotate(&pool, &ring).await.unwrap();
    assert_eq!((again.resealed, again.current), (0, 2));

    // The new key alone opens every stored secret; the old key none.
    let (new_only, old_only) = (Cipher::new(&new), Cipher::new(&old));
    let tenant = TenantId::from(app.tenant_id);
    let mut db = app.db().await;
    let key: Vec<u8> =
        sqlx::query("select seam_api_key_ciphertext from tenants where tenant_id = $1")
            .bind(app.tenant_id)
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get(0);
    let context = doorway_api::services::api_key_context(tenant);
    assert_eq!(new_only.open_string(&key, &context).unwrap(), app.sim_key);
    assert!(old_only.open(&key, &context).is_err());
    let row = sqlx::query("select resident_id, token_ciphertext from resident_client_sessions")
        .fetch_one(&mut db)
        .await
        .unwrap();
    let resident_id: uuid::Uuid = row.get(0);
    let sealed: Vec<u8> = row.get(1);
    let context = doorway_api::services::access::session_context(ResidentId::from(resident_id));
    assert_eq!(new_only.open_string(&sealed, &context).unwrap(), token);
    assert!(old_only.open(&sealed, &context).is_err());
}

/// A PIN unlikely to appear in a log by chance (no timing or id contains it).
const PIN: &str = "73019482";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_flow_through_a_doorway_process_logs_no_pin_key_or_token_and_stores_no_clear_pin() {
    let mut app = spawn_app().await;
    // A `doorway serve` process takes the in-process app's place, its logs captured.
    let process = app
        .serve_as_process(&[("DOORWAY_LOG_FORMAT", "json"), ("RUST_LOG", "debug")])
        .await;

    // A chosen PIN on a smart lock, a Latch mobile key with a client session, a revocation.
    let locks = app.import_smart_locks(&["Unit 2A Front Door"]).await;
    let ana = app
        .create_resident("Ana Ruiz", "ana@example.com", "ana")
        .await;
    let pin = app
        .grant_pin_on_locks(&ana, &locks, &["Unit 2A Front Door"], Some(PIN))
        .await;
    app.wait_for_grant(&pin["id"], "ACTIVE", std::time::Duration::from_secs(30))
        .await;
    let shown = app.grant_with_reasons(&pin["id"]).await;
    assert_eq!(
        shown["credentials"][0]["code"], PIN,
        "the manager still sees it"
    );
    let (property, jane) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&jane, &property, "Main Entrance")
        .await;
    let manager = app.manager_token();
    let resident = app.resident_token("jane");
    let session = app
        .graphql_ok(
            &resident,
            contract("resident-app.graphql", "StartMobileKeySession"),
            json!({}),
        )
        .await["createMobileKeySession"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.revoke(&pin["id"]).await;
    app.wait_for_grant(&pin["id"], "REVOKED", std::time::Duration::from_secs(30))
        .await;

    // Nothing in clear at rest.
    let mut db = app.db().await;
    let clear: i64 = sqlx::query_scalar(
        "select count(*) from credentials where code is not null or requested_code is not null",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(clear, 0);
    let sealed: Vec<Vec<u8>> = sqlx::query_scalar(
        "select coalesce(code_sealed, '') || coalesce(requested_code_sealed, '') from credentials",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(
        sealed.iter().any(|s| !s.is_empty()),
        "the PIN is stored, sealed"
    );
    assert!(!sealed
        .iter()
        .any(|s| s.windows(PIN.len()).any(|w| w == PIN.as_bytes())));

    // And nothing secret in the logs.
    let logs = process.stop().await;
    assert!(
        logs.contains("grant"),
        "the logs were captured: {logs:.2000}"
    );
    for (what, secret) in [
        ("the PIN", PIN),
        ("the Seam API key", app.sim_key.as_str()),
        ("the client session token", session.as_str()),
        ("the manager's token", manager.as_str()),
        ("the resident's token", resident.as_str()),
    ] {
        assert!(!logs.contains(secret), "{what} appears in the logs");
    }
}
