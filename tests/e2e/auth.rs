//! Who may call what: 401 for bad tokens, FORBIDDEN for roles and scopes.

use serde_json::json;

use crate::helpers::{contract, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_malformed_expired_and_forged_tokens_get_401_and_no_data() {
    let app = spawn_app().await;
    let query = contract("portal.graphql", "Properties");
    let expired = app.issuer_expired_token();
    let forged = app.forged_manager_token();
    for token in [
        None,
        Some("not-a-jwt"),
        Some(expired.as_str()),
        Some(forged.as_str()),
    ] {
        let (status, body) = app.graphql_raw(token, query, json!({})).await;
        assert_eq!(status, 401, "{token:?}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        assert!(body.get("data").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_scopes_are_enforced() {
    let app = spawn_app().await;
    let forbidden = |body: serde_json::Value| {
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
    };
    let resident = app.resident_token("jane");
    forbidden(
        app.graphql(
            &resident,
            contract("portal.graphql", "Properties"),
            json!({}),
        )
        .await,
    );
    forbidden(
        app.graphql(
            &resident,
            contract("operator.graphql", "Tenants"),
            json!({}),
        )
        .await,
    );
    forbidden(
        app.graphql(
            &app.manager_token(),
            contract("operator.graphql", "Tenants"),
            json!({}),
        )
        .await,
    );
    forbidden(
        app.graphql(
            &app.operator_token(),
            contract("portal.graphql", "Residents"),
            json!({}),
        )
        .await,
    );

    let reader = app.partner_token("residents:read");
    app.graphql_ok(&reader, contract("portal.graphql", "Residents"), json!({}))
        .await;
    forbidden(
        app.graphql(
            &reader,
            contract("portal.graphql", "CreateResident"),
            json!({ "input": { "fullName": "A", "email": "a@example.com", "externalId": "a" } }),
        )
        .await,
    );
    forbidden(
        app.graphql(&reader, contract("portal.graphql", "Properties"), json!({}))
            .await,
    );
    let writer = app.partner_token("residents:write residents:read");
    app.graphql_ok(
        &writer,
        contract("portal.graphql", "CreateResident"),
        json!({ "input": { "fullName": "A", "email": "a@example.com", "externalId": "a" } }),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_sees_only_themselves() {
    let app = spawn_app().await;
    app.create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    let me = app.my_access("jane").await;
    assert_eq!(me["viewer"]["resident"]["fullName"], "Jane Doe");
    assert_eq!(me["viewer"]["tenant"]["name"], "Acme Residential");
    let stranger = app.my_access("someone-else").await;
    assert_eq!(stranger["viewer"]["resident"], serde_json::Value::Null);
}
