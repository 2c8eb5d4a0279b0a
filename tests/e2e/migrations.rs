//! Migrations are reversible: up, down, and up again on a fresh database.

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_go_down_and_up_again() {
    let mut app = spawn_app().await;
    app.stop().await;
    doorway_api::db::revert_all(&app.database).await.unwrap();
    let mut db = app.db().await;
    let tables: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.tables where table_schema = 'public' and table_name <> '_sqlx_migrations'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(tables, 0, "down leaves no table behind");
    doorway_api::db::migrate(&app.database).await.unwrap();
    app.restart().await;
    // The schema works again: a tenant can be connected and given a resident.
    let (tenant, _) = app.add_tenant("After the round trip").await;
    app.graphql_ok(
        &app.manager_token_for(tenant),
        crate::helpers::contract("portal.graphql", "CreateResident"),
        serde_json::json!({ "input": { "fullName": "Jane Doe", "email": "jane@example.com", "externalId": "jane" } }),
    )
    .await;
}
