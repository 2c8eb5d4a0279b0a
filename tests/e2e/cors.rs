//! CORS for browser portals (`DOORWAY_CORS_ALLOWED_ORIGINS`): a preflight from an allowed
//! origin is answered with that origin, and the real request's answer carries it; another
//! origin is never named in `Access-Control-Allow-Origin`, so its page can neither send the
//! request nor read Doorway's answers; without the variable nothing about CORS is added.

use reqwest::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
};
use reqwest::{Method, Response};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, Settings, TestApp};

const PORTAL: &str = "https://portal.example.com";

async fn preflight(app: &TestApp, origin: &str) -> Response {
    app.client
        .request(Method::OPTIONS, format!("{}/graphql", app.address))
        .header(ORIGIN, origin)
        .header(ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(ACCESS_CONTROL_REQUEST_HEADERS, "authorization,content-type")
        .send()
        .await
        .unwrap()
}

async fn query_from(app: &TestApp, origin: &str) -> Response {
    app.client
        .post(format!("{}/graphql", app.address))
        .header(ORIGIN, origin)
        .bearer_auth(app.manager_token())
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap()
}

fn header<'r>(response: &'r Response, name: &reqwest::header::HeaderName) -> Option<&'r str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_origin_may_call_from_a_browser_and_another_may_not() {
    let app = spawn_app_with(Settings {
        cors_allowed_origins: Some(format!("{PORTAL}, http://localhost:5173")),
        ..Settings::default()
    })
    .await;

    let allowed = preflight(&app, PORTAL).await;
    assert!(allowed.status().is_success(), "{allowed:?}");
    assert_eq!(header(&allowed, &ACCESS_CONTROL_ALLOW_ORIGIN), Some(PORTAL));
    let methods = header(&allowed, &ACCESS_CONTROL_ALLOW_METHODS)
        .unwrap()
        .to_lowercase();
    assert!(methods.contains("post"), "{methods}");
    let headers = header(&allowed, &ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap()
        .to_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    let answered = query_from(&app, PORTAL).await;
    assert_eq!(answered.status(), 200);
    assert_eq!(
        header(&answered, &ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(PORTAL)
    );

    for stranger in [
        "https://evil.example.com",
        "https://portal.example.com.evil.example",
    ] {
        let refused = preflight(&app, stranger).await;
        assert_eq!(
            header(&refused, &ACCESS_CONTROL_ALLOW_ORIGIN),
            None,
            "{stranger}"
        );
        assert_eq!(
            header(&refused, &ACCESS_CONTROL_ALLOW_METHODS),
            None,
            "{stranger}"
        );
        let answered = query_from(&app, stranger).await;
        assert_eq!(
            header(&answered, &ACCESS_CONTROL_ALLOW_ORIGIN),
            None,
            "{stranger}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_allow_list_no_origin_gets_cors_headers() {
    let app = spawn_app().await;
    let preflight = preflight(&app, PORTAL).await;
    assert_eq!(header(&preflight, &ACCESS_CONTROL_ALLOW_ORIGIN), None);
    assert_eq!(header(&preflight, &ACCESS_CONTROL_ALLOW_METHODS), None);
    let answered = query_from(&app, PORTAL).await;
    assert_eq!(answered.status(), 200);
    assert_eq!(header(&answered, &ACCESS_CONTROL_ALLOW_ORIGIN), None);
}
