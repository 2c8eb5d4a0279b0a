//! Tenant isolation, enforced by PostgreSQL itself and visible at the API as NOT_FOUND.

use doorway_domain::TenantId;
use serde_json::json;

use crate::helpers::{contract, entrance_named, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_without_any_tenant_filter_sees_only_the_current_tenant() {
    let app = spawn_app().await;
    let (other_tenant, _) = app.add_tenant("Other Co").await;
    app.create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    app.create_resident("Sam Lee", "sam@example.com", "sam")
        .await;
    let other_manager = app.manager_token_for(other_tenant);
    app.graphql_ok(
        &other_manager,
        contract("portal.graphql", "CreateResident"),
        json!({ "input": { "fullName": "Olga Other", "email": "olga@example.com", "externalId": "olga" } }),
    )
    .await;

    // The service's own pool (role doorway_app), with no `where tenant_id` at all.
    let pool = doorway_api::db::connect(&app.service_database, 2)
        .await
        .unwrap();
    let count = |tenant| {
        let pool = pool.clone();
        async move {
            let mut tx = doorway_api::db::begin_tenant(&pool, tenant).await.unwrap();
            let n: i64 = sqlx::query_scalar("select count(*) from residents")
                .fetch_one(tx.conn())
                .await
                .unwrap();
            n
        }
    };
    assert_eq!(count(TenantId::from(app.tenant_id)).await, 2);
    assert_eq!(count(TenantId::from(other_tenant)).await, 1);

    // No tenant set: nothing at all, in every tenant table.
    let mut conn = pool.acquire().await.unwrap();
    for table in [
        "tenants",
        "residents",
        "properties",
        "grants",
        "credentials",
        "provisioning_runs",
        "provisioning_steps",
    ] {
        let n = rows_in(&mut conn, table).await;
        assert_eq!(n, 0, "{table} leaked rows without a tenant");
    }
    // And the service's role can neither bypass nor switch off row-level security.
    let bypass: bool = sqlx::query_scalar(
        "select rolbypassrls or rolsuper from pg_roles where rolname = current_user",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert!(!bypass);
    let disabled = sqlx::query("alter table residents disable row level security")
        .execute(&mut *conn)
        .await;
    assert!(
        disabled.is_err(),
        "the service role must not own the tables"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neither_reset_role_nor_set_config_widens_what_the_service_sees() {
    let app = spawn_app().await;
    app.add_tenant("Other Co").await;
    app.create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    let pool = doorway_api::db::connect(&app.service_database, 1)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    // What a query smuggled into the service could try.
    sqlx::query("reset role").execute(&mut *conn).await.unwrap();
    for scope in ["operator", "worker"] {
        sqlx::query("select set_config('doorway.scope', $1, false)")
            .bind(scope)
            .execute(&mut *conn)
            .await
            .unwrap();
        for table in [
            "tenants",
            "residents",
            "provisioning_runs",
            "resident_leases",
        ] {
            let n = rows_in(&mut conn, table).await;
            assert_eq!(n, 0, "scope {scope} widened {table}");
        }
    }
    let switched = sqlx::query("set role postgres").execute(&mut *conn).await;
    assert!(switched.is_err(), "the service's role can become the owner");
    // What spans tenants comes only through the narrow functions, and holds no secret.
    let tenants: i64 = sqlx::query_scalar("select doorway_tenant_count()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(tenants, 2);
    let listed: Vec<(String,)> = sqlx::query_as("select name from doorway_tenants(10, null, null)")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_manager_gets_not_found_for_resident_grant_and_property() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let grant = app
        .active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let (other_tenant, _) = app.add_tenant("Other Co").await;
    let intruder = app.manager_token_for(other_tenant);
    let resident_q = app
        .graphql(
            &intruder,
            contract("portal.graphql", "Resident"),
            json!({ "id": resident["id"] }),
        )
        .await;
    assert_eq!(
        resident_q["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{resident_q}"
    );
    let grant_q = app
        .graphql(
            &intruder,
            contract("portal.graphql", "Grant"),
            json!({ "id": grant["id"] }),
        )
        .await;
    assert_eq!(
        grant_q["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{grant_q}"
    );
    let property_q = app
        .graphql(
            &intruder,
            "query($id: ID!) { property(id: $id) { id name } }",
            json!({ "id": property["id"] }),
        )
        .await;
    assert_eq!(
        property_q["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{property_q}"
    );
    // Nor can it grant access to the first tenant's resident on the first tenant's property.
    let grant_attempt = app
        .graphql(
            &intruder,
            contract("portal.graphql", "GrantAccess"),
            json!({ "input": { "residentId": resident["id"], "propertyId": property["id"], "accessMethod": "MOBILE_KEY",
                               "entranceIds": [entrance_named(&property, "Main Entrance")] } }),
        )
        .await;
    assert_eq!(
        grant_attempt["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{grant_attempt}"
    );
    // Lists are empty, not filtered after the fact.
    let residents = app
        .graphql_ok(
            &intruder,
            contract("portal.graphql", "Residents"),
            json!({}),
        )
        .await;
    assert_eq!(residents["residents"]["totalCount"], 0);
    let properties = app
        .graphql_ok(
            &intruder,
            contract("portal.graphql", "Properties"),
            json!({}),
        )
        .await;
    assert_eq!(properties["properties"]["totalCount"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_limited_to_some_properties_sees_nothing_of_the_others() {
    let app = spawn_app().await;
    let latch = app.import_latch_building().await;
    let salto = app
        .import_acs_system_of_type(&app.manager_token(), "salto_ks_site")
        .await;
    let limited = app.issuer_token_with_properties(&[salto["id"].as_str().unwrap()]);
    let properties = app
        .graphql_ok(
            &limited,
            contract("portal.graphql", "Properties"),
            json!({}),
        )
        .await;
    assert_eq!(properties["properties"]["totalCount"], 1);
    assert_eq!(
        properties["properties"]["edges"][0]["node"]["id"],
        salto["id"]
    );
    let hidden = app
        .graphql(
            &limited,
            "query($id: ID!) { property(id: $id) { id } }",
            json!({ "id": latch["id"] }),
        )
        .await;
    assert_eq!(hidden["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callers_visibility_narrows_queries_that_filter_nothing() {
    use doorway_api::db::{begin, Visibility};
    use doorway_domain::PropertyId;

    let app = spawn_app().await;
    let lock_a = app.import_smart_locks(&["Unit 2A Front Door"]).await;
    let lock_b = app.import_smart_locks(&["Unit 2B Front Door"]).await;
    let jane = app
        .create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    app.create_resident("Sam Lee", "sam@example.com", "sam")
        .await;
    for (property, lock) in [
        (&lock_a, "Unit 2A Front Door"),
        (&lock_b, "Unit 2B Front Door"),
    ] {
        app.grant_pin_on_locks(&jane, property, &[lock], None).await;
    }
    let pool = doorway_api::db::connect(&app.service_database, 1)
        .await
        .unwrap();
    let tenant = TenantId::from(app.tenant_id);
    let counts = |visibility: Visibility| {
        let pool = pool.clone();
        async move {
            let mut tx = begin(&pool, &visibility).await.unwrap();
            let mut counts = Vec::new();
            for table in [
                "properties",
                "entrances",
                "residents",
                "grants",
                "credentials",
                "provisioning_runs",
                "provisioning_steps",
            ] {
                let n = rows_in(tx.conn(), table).await;
                counts.push(n);
            }
            counts
        }
    };
    let a: PropertyId = lock_a["id"].as_str().unwrap().parse().unwrap();
    let everything = counts(Visibility::system(tenant)).await;
    assert_eq!(everything[..5], [2, 2, 2, 2, 2], "{everything:?}");
    // Limited to property A: half of everything that hangs off a property.
    let limited = counts(Visibility::staff(tenant, Some(vec![a]), true)).await;
    assert_eq!(limited[..5], [1, 1, 2, 1, 1], "{limited:?}");
    assert_eq!(limited[5] * 2, everything[5]);
    // Without grants:read: properties and residents, but no grant, PIN or run.
    let no_grants = counts(Visibility::staff(tenant, None, false)).await;
    assert_eq!(no_grants, [2, 2, 2, 0, 0, 0, 0], "{no_grants:?}");
    // A resident: themselves and what is theirs.
    let jane_sees = counts(Visibility::resident(tenant, "jane")).await;
    assert_eq!(jane_sees[2..5], [1, 2, 2], "{jane_sees:?}");
    let sam_sees = counts(Visibility::resident(tenant, "sam")).await;
    assert_eq!(sam_sees[2..], [1, 0, 0, 0, 0], "{sam_sees:?}");
    // A subject is outside text: quoting it cannot widen what the transaction sees.
    let forged = counts(Visibility::resident(tenant, "jane' or '1'='1")).await;
    assert_eq!(forged[2..], [0, 0, 0, 0, 0], "{forged:?}");
    app.assert_truth().await;
}

/// What belongs to a grant carries its grant's property and resident so that visibility is one
/// expression per row (migration 014). The copy is the database's: no writer can make a
/// credential look as if it were in another property or of another resident, and no tenant can
/// hang a row off another tenant's grant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_belongs_to_a_grant_keeps_its_grants_property_and_resident() {
    use doorway_api::db::{begin, begin_tenant, Visibility};
    use doorway_domain::PropertyId;
    use uuid::Uuid;

    let app = spawn_app().await;
    let lock_a = app.import_smart_locks(&["Unit 2A Front Door"]).await;
    let lock_b = app.import_smart_locks(&["Unit 2B Front Door"]).await;
    let jane = app
        .create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    let sam = app
        .create_resident("Sam Lee", "sam@example.com", "sam")
        .await;
    app.grant_pin_on_locks(&jane, &lock_a, &["Unit 2A Front Door"], None)
        .await;
    let id = |value: &serde_json::Value| -> Uuid { value["id"].as_str().unwrap().parse().unwrap() };
    let (property_a, property_b, jane_id, sam_id) = (id(&lock_a), id(&lock_b), id(&jane), id(&sam));
    let pool = doorway_api::db::connect(&app.service_database, 1)
        .await
        .unwrap();
    let tenant = TenantId::from(app.tenant_id);

    // A writer that sees the whole tenant tries to move Jane's credential and its entrances to
    // property B and to Sam: the rows keep their grant's property and resident.
    let mut tx = begin_tenant(&pool, tenant).await.unwrap();
    for table in ["credentials", "credential_entrances", "provisioning_steps"] {
        sqlx::query(&format!(
            "update {table} set property_id = $1, resident_id = $2"
        ))
        .bind(property_b)
        .bind(sam_id)
        .execute(tx.conn())
        .await
        .unwrap();
        let owners: Vec<(Uuid, Uuid)> = sqlx::query_as(&format!(
            "select distinct property_id, resident_id from {table}"
        ))
        .fetch_all(tx.conn())
        .await
        .unwrap();
        assert_eq!(owners, [(property_a, jane_id)], "{table}");
    }
    let grant: Uuid = sqlx::query_scalar("select grant_id from grants")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let entrance: Uuid = sqlx::query_scalar("select entrance_id from entrances limit 1")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // So a manager of property B still sees nothing of it, and Sam none of it.
    let b = PropertyId::from(property_b);
    for visibility in [
        Visibility::staff(tenant, Some(vec![b]), true),
        Visibility::resident(tenant, "sam"),
    ] {
        let mut tx = begin(&pool, &visibility).await.unwrap();
        for table in [
            "credentials",
            "credential_entrances",
            "grant_entrances",
            "provisioning_steps",
        ] {
            let n = rows_in(tx.conn(), table).await;
            assert_eq!(n, 0, "{table}");
        }
    }

    // Another tenant cannot attach an entrance to this tenant's grant.
    let (other, _) = app.add_tenant("Other Co").await;
    let mut tx = begin_tenant(&pool, TenantId::from(other)).await.unwrap();
    let refused = sqlx::query(
        "insert into grant_entrances (grant_id, entrance_id, tenant_id) values ($1, $2, $3)",
    )
    .bind(grant)
    .bind(entrance)
    .bind(other)
    .execute(tx.conn())
    .await
    .unwrap_err();
    let code = refused
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("23503"), "{refused}");
    drop(tx);
    app.assert_truth().await;
}

/// How many rows of `table` the connection's transaction sees: the counts these tests compare
/// with what each caller may see (no `where` at all, so only the policies narrow them).
async fn rows_in(conn: &mut sqlx::PgConnection, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(conn)
        .await
        .unwrap()
}
