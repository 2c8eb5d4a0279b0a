//! Who may call what: 401 for bad tokens (time claims and audience included), FORBIDDEN for
//! roles and scopes.

use doorway_api::config::DEMO_JWT_SECRET;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{contract, spawn_app, TestApp};

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

/// A manager token of the app's tenant signed with the shared secret, `overrides` replacing or
/// adding claims.
fn hs256_manager_token(app: &TestApp, overrides: Value) -> String {
    let mut claims = json!({
        "iss": "doorway", "aud": "doorway", "sub": "pm", "role": "manager",
        "tenant_id": app.tenant_id, "exp": chrono::Utc::now().timestamp() + 600,
    });
    for (name, value) in overrides.as_object().unwrap() {
        claims[name] = value.clone();
    }
    let key = EncodingKey::from_secret(DEMO_JWT_SECRET.as_bytes());
    encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
}

/// Asks for the tenant's properties; returns the HTTP status.
async fn properties_status(app: &TestApp, token: &str) -> u16 {
    let (status, body) = app
        .graphql_raw(
            Some(token),
            contract("portal.graphql", "Properties"),
            json!({}),
        )
        .await;
    if status == 200 {
        assert_eq!(body["data"]["properties"]["totalCount"], 0, "{body}");
    }
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_not_yet_valid_or_issued_in_the_future_get_401() {
    let app = spawn_app().await;
    let now = chrono::Utc::now().timestamp();
    let ten_years = 10 * 365 * 24 * 3600;
    for (overrides, expected) in [
        (json!({ "nbf": now + 3600 }), 401),
        (json!({ "iat": now + ten_years }), 401),
        (json!({ "nbf": now - 60, "iat": now - 60 }), 200),
        // Clocks disagree a little: the leeway that applies to `exp` applies here too.
        (json!({ "nbf": now + 5, "iat": now + 5 }), 200),
        // Both claims are optional.
        (json!({}), 200),
    ] {
        let token = hs256_manager_token(&app, overrides.clone());
        assert_eq!(
            properties_status(&app, &token).await,
            expected,
            "{overrides}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audience_array_must_contain_ours() {
    let app = spawn_app().await;
    for (aud, expected) in [
        (json!(["someone-else", "doorway"]), 200),
        (json!(["doorway"]), 200),
        (json!(["someone-else", "another"]), 401),
        (json!([]), 401),
    ] {
        let token = hs256_manager_token(&app, json!({ "aud": aud }));
        assert_eq!(properties_status(&app, &token).await, expected, "{aud}");
    }
}
