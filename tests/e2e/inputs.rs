//! Bad input gets a clear error naming the field, and leaves nothing behind; idempotency keys
//! make retries of mutations safe.

use serde_json::{json, Value};

use crate::helpers::{contract, entrance_named, spawn_app, TestApp};

fn error_of(body: &Value) -> (&str, Option<&str>) {
    let ext = &body["errors"][0]["extensions"];
    (
        ext["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error in {body}")),
        ext["field"].as_str(),
    )
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    let mut db = app.db().await;
    let mut counted = Vec::new();
    for table in ["grants", "credentials", "provisioning_runs"] {
        let q = format!("select count(*) from {table}");
        counted.push(
            sqlx::query_scalar::<_, i64>(&q)
                .fetch_one(&mut db)
                .await
                .unwrap(),
        );
    }
    (counted[0], counted[1], counted[2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_grants_are_refused_naming_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let latch = app.import_latch_building().await;
    let salto = app
        .import_acs_system_of_type(&app.manager_token(), "salto_ks_site")
        .await;
    let resident = app
        .create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    let main = entrance_named(&latch, "Main Entrance");
    let base = json!({ "residentId": resident["id"], "propertyId": latch["id"], "accessMethod": "MOBILE_KEY", "entranceIds": [main] });
    let with = |patch: Value| {
        let mut input = base.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(patch.as_object().unwrap().clone());
        input
    };
    let cases = [
        (
            with(json!({ "entranceIds": [] })),
            ("BAD_USER_INPUT", Some("entranceIds")),
        ),
        (
            with(json!({ "entranceIds": [entrance_named(&salto, "Lobby Door")] })),
            ("BAD_USER_INPUT", Some("entranceIds")),
        ),
        (
            with(json!({ "entranceIds": ["not-an-id"] })),
            ("BAD_USER_INPUT", Some("entranceIds")),
        ),
        (
            with(json!({ "startsAt": "2031-01-02T00:00:00Z", "endsAt": "2031-01-01T00:00:00Z" })),
            ("BAD_USER_INPUT", Some("endsAt")),
        ),
        (
            with(json!({ "endsAt": "2020-01-01T00:00:00Z" })),
            ("BAD_USER_INPUT", Some("endsAt")),
        ),
        (
            with(json!({ "accessMethod": "PIN_CODE", "code": "1234" })),
            ("UNSUPPORTED_BY_PROVIDER", Some("code")),
        ),
        (
            with(
                json!({ "propertyId": salto["id"], "entranceIds": [entrance_named(&salto, "Lobby Door")] }),
            ),
            ("UNSUPPORTED_BY_PROVIDER", Some("accessMethod")),
        ),
        (
            with(json!({ "residentId": uuid::Uuid::now_v7().to_string() })),
            ("NOT_FOUND", None),
        ),
        (
            with(json!({ "idempotencyKey": "k".repeat(201) })),
            ("BAD_USER_INPUT", Some("idempotencyKey")),
        ),
    ];
    for (input, expected) in cases {
        let body = app.grant_access(input.clone()).await;
        assert_eq!(error_of(&body), expected, "{input} -> {body}");
        assert!(!body["errors"][0]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        counts(&app).await,
        (0, 0, 0),
        "refused grants leave nothing behind"
    );
    assert!(app.sim_state().await["user_identities"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_residents_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let token = app.manager_token();
    let cases = [
        (
            json!({ "fullName": "  ", "email": "a@example.com", "externalId": "a" }),
            "fullName",
        ),
        (
            json!({ "fullName": "A", "email": "not-an-email", "externalId": "a" }),
            "email",
        ),
        (
            json!({ "fullName": "A", "email": "a@example.com", "phone": "12", "externalId": "a" }),
            "phone",
        ),
        (
            json!({ "fullName": "A", "email": "a@example.com", "externalId": "" }),
            "externalId",
        ),
    ];
    for (input, field) in cases {
        let body = app
            .graphql(
                &token,
                contract("portal.graphql", "CreateResident"),
                json!({ "input": input }),
            )
            .await;
        assert_eq!(error_of(&body), ("BAD_USER_INPUT", Some(field)), "{body}");
    }
    app.create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    let duplicate = app
        .graphql(&token, contract("portal.graphql", "CreateResident"),
            json!({ "input": { "fullName": "Jane Again", "email": "j2@example.com", "externalId": "jane" } }))
        .await;
    assert_eq!(error_of(&duplicate).0, "CONFLICT");
    let residents = app
        .graphql_ok(&token, contract("portal.graphql", "Residents"), json!({}))
        .await;
    assert_eq!(residents["residents"]["totalCount"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_mutation_with_its_idempotency_key_creates_nothing_new() {
    let app = spawn_app().await;
    let token = app.manager_token();
    let input = json!({ "fullName": "Jane Doe", "email": "jane@example.com", "externalId": "jane", "idempotencyKey": "r-1" });
    let first = app
        .graphql_ok(
            &token,
            contract("portal.graphql", "CreateResident"),
            json!({ "input": input }),
        )
        .await;
    let again = app
        .graphql_ok(
            &token,
            contract("portal.graphql", "CreateResident"),
            json!({ "input": input }),
        )
        .await;
    assert_eq!(first, again);
    let mut changed = input.clone();
    changed["fullName"] = json!("Someone Else");
    let conflict = app
        .graphql(
            &token,
            contract("portal.graphql", "CreateResident"),
            json!({ "input": changed }),
        )
        .await;
    assert_eq!(error_of(&conflict).0, "CONFLICT");

    let property = app.import_latch_building().await;
    let grant = json!({ "residentId": first["createResident"]["resident"]["id"], "propertyId": property["id"],
                        "accessMethod": "MOBILE_KEY", "entranceIds": [entrance_named(&property, "Main Entrance")],
                        "idempotencyKey": "g-1" });
    let one = app.grant_access(grant.clone()).await;
    let two = app.grant_access(grant.clone()).await;
    assert_eq!(
        one["data"]["grantAccess"]["grant"]["id"],
        two["data"]["grantAccess"]["grant"]["id"]
    );
    assert_eq!(counts(&app).await, (1, 1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_created_once_per_key_and_bad_seam_keys_are_refused() {
    let app = spawn_app().await;
    let operator = app.operator_token();
    let workspace = app.sim.simulator().create_workspace("Second");
    let input =
        json!({ "name": "Second Co", "seamApiKey": workspace.api_key, "idempotencyKey": "t-1" });
    let first = app
        .graphql_ok(
            &operator,
            contract("operator.graphql", "CreateTenant"),
            json!({ "input": input }),
        )
        .await;
    let again = app
        .graphql_ok(
            &operator,
            contract("operator.graphql", "CreateTenant"),
            json!({ "input": input }),
        )
        .await;
    assert_eq!(
        first["createTenant"]["tenant"]["id"],
        again["createTenant"]["tenant"]["id"]
    );
    assert_eq!(
        first["createTenant"]["tenant"]["seamWorkspaceId"],
        workspace.workspace_id
    );

    let bad = app
        .graphql(
            &operator,
            contract("operator.graphql", "CreateTenant"),
            json!({ "input": { "name": "Bad Co", "seamApiKey": "seam_sim_wrong" } }),
        )
        .await;
    assert_eq!(
        error_of(&bad),
        ("BAD_USER_INPUT", Some("seamApiKey")),
        "{bad}"
    );
    assert!(
        !bad.to_string().contains("seam_sim_wrong"),
        "the key is never echoed: {bad}"
    );
    let tenants = app
        .graphql_ok(
            &operator,
            contract("operator.graphql", "Tenants"),
            json!({}),
        )
        .await;
    assert_eq!(tenants["tenants"]["totalCount"], 2);

    // The key is stored sealed: its text appears nowhere in the table.
    let mut db = app.db().await;
    let leaked: i64 = sqlx::query_scalar(
        "select count(*) from tenants where position($1::bytea in seam_api_key_ciphertext) > 0",
    )
    .bind(workspace.api_key.as_bytes())
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(leaked, 0);
}
