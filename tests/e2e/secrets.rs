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
    let ring = Cipher::with_previous(&new, &[old.clone()]);
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
