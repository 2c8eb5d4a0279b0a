//! Tokens from an identity provider: ES256 verified against its JWKS, the algorithm pinned by
//! configuration, the audience and time claims checked as for shared-secret tokens.

use axum::routing::get;
use axum::Json;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{contract, spawn_app_with, Settings, TestApp};

const PRIVATE_KEY: &[u8] = include_bytes!("fixtures/es256-private.pem");
const JWKS: &str = include_str!("fixtures/es256-jwks.json");

/// Serves the JWKS on 127.0.0.1 like an identity provider's well-known endpoint.
async fn identity_provider() -> String {
    let jwks: Value = serde_json::from_str(JWKS).unwrap();
    let app = axum::Router::new().route(
        "/.well-known/jwks.json",
        get(move || async move { Json(jwks) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn sign(header: Header, claims: &Value) -> String {
    encode(
        &header,
        claims,
        &EncodingKey::from_ec_pem(PRIVATE_KEY).unwrap(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_signed_by_the_identity_provider_are_accepted_and_others_refused() {
    let jwks_url = identity_provider().await;
    let app = spawn_app_with(Settings {
        jwks_url: Some(jwks_url),
        ..Settings::default()
    })
    .await;
    let claims = json!({
        "iss": "doorway", "aud": "doorway", "sub": "pm", "role": "manager",
        "tenant_id": app.tenant_id, "exp": chrono::Utc::now().timestamp() + 600,
    });
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("test-es256".into());
    let good = sign(header.clone(), &claims);
    let body = app
        .graphql_ok(&good, contract("portal.graphql", "Properties"), json!({}))
        .await;
    assert_eq!(body["properties"]["totalCount"], 0);

    // The shared-secret tokens Doorway can mint are not accepted in this mode.
    let (status, _) = app
        .graphql_raw(
            Some(&app.shared_secret_manager_token()),
            contract("portal.graphql", "Properties"),
            json!({}),
        )
        .await;
    assert_eq!(status, 401);
    // Nor a token naming a key the provider does not have.
    header.kid = Some("unknown".into());
    let (status, _) = app
        .graphql_raw(
            Some(&sign(header, &claims)),
            contract("portal.graphql", "Properties"),
            json!({}),
        )
        .await;
    assert_eq!(status, 401);
    // Nor one with another audience.
    let mut foreign = claims.clone();
    foreign["aud"] = json!("someone-else");
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("test-es256".into());
    let (status, _) = app
        .graphql_raw(
            Some(&sign(header, &foreign)),
            contract("portal.graphql", "Properties"),
            json!({}),
        )
        .await;
    assert_eq!(status, 401);
}

/// A manager token of the app's tenant signed by the identity provider, `overrides` replacing
/// or adding claims.
fn provider_manager_token(app: &TestApp, overrides: Value) -> String {
    let mut claims = json!({
        "iss": "doorway", "aud": "doorway", "sub": "pm", "role": "manager",
        "tenant_id": app.tenant_id, "exp": chrono::Utc::now().timestamp() + 600,
    });
    for (name, value) in overrides.as_object().unwrap() {
        claims[name] = value.clone();
    }
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("test-es256".into());
    sign(header, &claims)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_provider_tokens_may_name_several_audiences_and_their_times_are_checked() {
    let jwks_url = identity_provider().await;
    let app = spawn_app_with(Settings {
        jwks_url: Some(jwks_url),
        ..Settings::default()
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    for (overrides, expected) in [
        (json!({ "aud": ["an-api", "doorway"] }), 200),
        (json!({ "aud": ["an-api", "another-api"] }), 401),
        (json!({ "nbf": now + 3600 }), 401),
        (json!({ "iat": now + 10 * 365 * 24 * 3600 }), 401),
        (json!({ "nbf": now - 60, "iat": now - 60 }), 200),
    ] {
        let token = provider_manager_token(&app, overrides.clone());
        let (status, body) = app
            .graphql_raw(
                Some(&token),
                contract("portal.graphql", "Properties"),
                json!({}),
            )
            .await;
        assert_eq!(status, expected, "{overrides}: {body}");
    }
}
