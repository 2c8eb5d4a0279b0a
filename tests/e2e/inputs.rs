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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_wildcards_and_impossible_dates_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let latch = app.import_latch_building().await;
    let jane = app
        .create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    let manager = app.manager_token();
    let create = contract("portal.graphql", "CreateResident");
    for (field, input) in [
        (
            "fullName",
            json!({ "fullName": "Sam\u{0}Lee", "email": "sam@example.com", "externalId": "sam" }),
        ),
        (
            "email",
            json!({ "fullName": "Sam Lee", "email": "sam\u{0}@example.com", "externalId": "sam" }),
        ),
        (
            "externalId",
            json!({ "fullName": "Sam Lee", "email": "sam@example.com", "externalId": "sam\u{7}" }),
        ),
    ] {
        let body = app
            .graphql(&manager, create, json!({ "input": input }))
            .await;
        assert_eq!(error_of(&body), ("BAD_USER_INPUT", Some(field)), "{body}");
    }
    // In a literal of the query text too, and in a search string.
    let body = app
        .graphql(
            &manager,
            "{ residents(search: \"ja\\u0000ne\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_of(&body),
        ("BAD_USER_INPUT", Some("search")),
        "{body}"
    );
    // Wildcards in a search match themselves: "%" and "_" find nobody here.
    let residents = contract("portal.graphql", "Residents");
    for search in ["%", "_", "J%", "\\"] {
        let data = app
            .graphql_ok(&manager, residents, json!({ "search": search }))
            .await;
        assert_eq!(
            data["residents"]["totalCount"], 0,
            "search {search:?}: {data}"
        );
    }
    let data = app
        .graphql_ok(&manager, residents, json!({ "search": "ane D" }))
        .await;
    assert_eq!(data["residents"]["totalCount"], 1);
    // A window in 1900, or a century ahead.
    let main = entrance_named(&latch, "Main Entrance");
    for (field, window) in [
        ("startsAt", json!({ "startsAt": "1900-01-01T00:00:00Z" })),
        ("endsAt", json!({ "endsAt": "2199-01-01T00:00:00Z" })),
    ] {
        let mut input = json!({ "residentId": jane["id"], "propertyId": latch["id"],
                                "accessMethod": "MOBILE_KEY", "entranceIds": [main] });
        input
            .as_object_mut()
            .unwrap()
            .extend(window.as_object().unwrap().clone());
        let body = app.grant_access(input).await;
        assert_eq!(error_of(&body), ("BAD_USER_INPUT", Some(field)), "{body}");
    }
    assert_eq!(counts(&app).await, (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_the_schema_cannot_parse_carries_a_code_and_names_its_field() {
    let app = spawn_app().await;
    let manager = app.manager_token();
    let reschedule = contract("portal.graphql", "RescheduleGrant");
    let body = app
        .graphql(
            &manager,
            reschedule,
            json!({ "id": uuid::Uuid::now_v7(), "startsAt": "next tuesday" }),
        )
        .await;
    assert_eq!(
        error_of(&body),
        ("BAD_USER_INPUT", Some("startsAt")),
        "{body}"
    );
    let body = app
        .graphql(
            &manager,
            contract("portal.graphql", "GrantAccess"),
            json!({ "input": { "residentId": uuid::Uuid::now_v7(), "propertyId": uuid::Uuid::now_v7(),
                               "accessMethod": "TELEPATHY" } }),
        )
        .await;
    assert_eq!(error_of(&body).0, "BAD_USER_INPUT", "{body}");
    let body = app.graphql(&manager, "{ nope }", json!({})).await;
    assert_eq!(error_of(&body).0, "GRAPHQL_VALIDATION_FAILED", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_413_as_json_whether_announced_or_chunked() {
    let app = spawn_app().await;
    let padding = "x".repeat(2 * 1024 * 1024);
    let body = serde_json::to_vec(
        &json!({ "query": "{ viewer { role } }", "variables": { "pad": padding } }),
    )
    .unwrap();
    let client = reqwest::Client::new();
    let announced = client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(app.manager_token())
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    // Chunked, the server learns the size only by reading: it refuses once it has read past the
    // 1 MiB limit and closes. The body goes just past the limit, so that what the server leaves
    // unread fits in the sockets' buffers; a client still writing megabytes would instead see the
    // connection closed under it (a broken pipe) before the answer, as with any server.
    let just_over = serde_json::to_vec(
        &json!({ "query": "{ viewer { role } }", "variables": { "pad": "x".repeat(1024 * 1024 + 16 * 1024) } }),
    )
    .unwrap();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = just_over
        .chunks(16 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let chunked = client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(app.manager_token())
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    for response in [announced, chunked] {
        assert_eq!(response.status(), 413);
        let json: Value = response.json().await.unwrap();
        assert_eq!(
            json["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE",
            "{json}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_whose_fragments_double_at_each_level_is_refused_at_once() {
    let app = spawn_app().await;
    let mut query = String::from("query Bomb { ...F0 }\n");
    for level in 0..30 {
        query.push_str(&format!(
            "fragment F{level} on Query {{ ...F{next} ...F{next} }}\n",
            next = level + 1
        ));
    }
    query.push_str("fragment F30 on Query { viewer { role } }\n");
    assert!(query.len() < 2048);
    let body = app.graphql(&app.manager_token(), &query, json!({})).await;
    assert_eq!(error_of(&body).0, "QUERY_TOO_COMPLEX", "{body}");
    // Aliases multiply the same way: 400 of them spreading one fragment are 2,800 fields.
    let aliases: String = (0..400)
        .map(|i| format!("a{i}: viewer {{ ...V }} "))
        .collect();
    let query = format!(
        "{{ {aliases} }} fragment V on Viewer {{ role tenant {{ id name }} resident {{ id email }} }}"
    );
    assert!(query.len() < 16 * 1024);
    let body = app.graphql(&app.manager_token(), &query, json!({})).await;
    assert_eq!(error_of(&body).0, "QUERY_TOO_COMPLEX", "{body}");
    // A document longer than any app's is refused before it is parsed.
    let long = format!("{{ viewer {{ role }} }} # {}", "x".repeat(64 * 1024));
    let body = app.graphql(&app.manager_token(), &long, json!({})).await;
    assert_eq!(error_of(&body).0, "QUERY_TOO_COMPLEX", "{body}");
    // And a normal query still works.
    app.graphql_ok(&app.manager_token(), "{ viewer { role } }", json!({}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_trusted_documents_resident_tokens_send_only_the_apps_operations() {
    let app = crate::helpers::spawn_app_with(crate::helpers::Settings {
        trusted_documents: true,
        ..crate::helpers::Settings::default()
    })
    .await;
    let (property, jane) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&jane, &property, "Main Entrance")
        .await;
    let resident = app.resident_token("jane");
    // The app's own operations, as the contract gives them.
    let mine = app.my_access("jane").await;
    assert_eq!(
        mine["viewer"]["resident"]["credentials"]["totalCount"], 1,
        "{mine}"
    );
    app.graphql_ok(
        &resident,
        contract("resident-app.graphql", "StartMobileKeySession"),
        json!({}),
    )
    .await;
    // Anything else, however harmless, is refused for a resident token.
    for query in [
        "{ viewer { role } }",
        "{ __schema { types { name } } }",
        "{ viewer { resident { grants { runs { id } } } } }",
    ] {
        let body = app.graphql(&resident, query, json!({})).await;
        assert_eq!(error_of(&body).0, "UNTRUSTED_DOCUMENT", "{body}");
    }
    // Staff keep the full schema.
    app.graphql_ok(&app.manager_token(), "{ viewer { role } }", json!({}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_lists_are_pages_that_cost_what_they_may_return() {
    let app = spawn_app().await;
    let manager = app.manager_token();
    let property = app.import_latch_building().await;
    let id = property["id"].clone();
    let everything = app
        .graphql_ok(
            &manager,
            "query($id: ID!) { property(id: $id) { entrances { id name } } }",
            json!({ "id": id }),
        )
        .await;
    let all: Vec<Value> = everything["property"]["entrances"]
        .as_array()
        .unwrap()
        .clone();
    assert!(all.len() >= 2, "{everything}");
    // Page by page, one entrance at a time: each once, in the list's order, then an empty page.
    let page = "query($id: ID!, $after: ID) { property(id: $id) { entrances(first: 1, after: $after) { id name } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .graphql_ok(&manager, page, json!({ "id": id, "after": after }))
            .await;
        let items = data["property"]["entrances"].as_array().unwrap().clone();
        assert!(items.len() <= 1, "{data}");
        let Some(item) = items.first() else { break };
        after = item["id"].clone();
        seen.push(item.clone());
    }
    assert_eq!(seen, all);
    // An `after` that is no entrance of the list, or a `first` out of bounds, names the argument.
    for (first, after) in [
        (1, json!(uuid::Uuid::now_v7())),
        (501, Value::Null),
        (-1, Value::Null),
    ] {
        let body = app
            .graphql(
                &manager,
                "query($id: ID!, $first: Int, $after: ID) { property(id: $id) { entrances(first: $first, after: $after) { id } } }",
                json!({ "id": id, "first": first, "after": after }),
            )
            .await;
        let field = if first == 1 { "after" } else { "first" };
        assert_eq!(error_of(&body), ("BAD_USER_INPUT", Some(field)), "{body}");
    }
    // Lists nested in a page of properties cost their items times `first`: asking for up to
    // 100 properties x 500 groups x 500 entrances each is refused before anything runs.
    let greedy = "{ properties(first: 100) { edges { node { accessGroups(first: 500) { entrances(first: 500) { id } } } } } }";
    let body = app.graphql(&manager, greedy, json!({})).await;
    assert_eq!(error_of(&body).0, "QUERY_TOO_COMPLEX", "{body}");
    // The same shape asking for what a portal shows is fine.
    let modest = "{ properties(first: 10) { edges { node { accessGroups(first: 20) { entrances(first: 20) { id } } } } } }";
    app.graphql_ok(&manager, modest, json!({})).await;
}
