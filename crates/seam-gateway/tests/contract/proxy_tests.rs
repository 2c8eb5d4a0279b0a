//! The proxy itself: it must report what it is there to report, and pass control calls on.

use std::sync::Arc;

use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::harness::spec;
use crate::openapi::Part;
use crate::proxy::Proxy;

/// A stand-in that gets everything wrong.
async fn broken_upstream() -> String {
    let app = Router::new()
        .route(
            "/acs/users/get",
            post(|| async { Json(json!({"ok": true, "acs_user": {"acs_user_id": 5}})) }),
        )
        .route(
            "/acs/systems/get",
            post(|| async {
                let body = Json(json!({"error": "gone"}));
                (axum::http::StatusCode::NOT_FOUND, body)
            }),
        )
        .route(
            "/_sim/state",
            post(|| async { Json(json!({"anything": "goes"})) }),
        );
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn post_json(base: &str, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("seam-request-id", "test")
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_proxy_forwards_and_reports_every_kind_of_violation() {
    let upstream = broken_upstream().await;
    let proxy = Proxy::start(Arc::clone(&spec()), &upstream).await;
    let base = proxy.base_url();

    let (status, body) = post_json(
        &base,
        "/acs/users/get",
        json!({"acs_user_id": "00000000-0000-4000-8000-000000000000", "shoe_size": 9}),
    )
    .await;
    assert_eq!((status, &body["acs_user"]["acs_user_id"]), (200, &json!(5)));
    let (status, _) = post_json(&base, "/acs/systems/get", json!({})).await;
    assert_eq!(status, 404);
    let (status, body) = post_json(&base, "/_sim/state", json!({"not": "checked"})).await;
    assert_eq!((status, body), (200, json!({"anything": "goes"})));

    let found = proxy.record().violations();
    let unknown = found
        .iter()
        .find(|v| v.part == Part::Request && v.pointer == "/shoe_size");
    assert!(unknown.is_some(), "{found:#?}");
    let wrong_type = found
        .iter()
        .find(|v| v.part == Part::Response && v.pointer == "/acs_user/acs_user_id");
    assert!(wrong_type.is_some(), "{found:#?}");
    let missing = found
        .iter()
        .find(|v| v.part == Part::Response && v.message.contains("created_at"));
    assert!(missing.is_some(), "{found:#?}");
    let envelope = found
        .iter()
        .filter(|v| v.part == Part::ErrorResponse && v.path == "/acs/systems/get");
    assert!(envelope.count() >= 1, "{found:#?}");
    assert!(found.iter().all(|v| !v.path.starts_with("/_sim")));

    let called = proxy.record().paths_called();
    assert_eq!(
        called.into_iter().collect::<Vec<_>>(),
        ["/acs/systems/get", "/acs/users/get"]
    );
    assert_eq!(
        proxy
            .record()
            .paths_succeeded()
            .into_iter()
            .collect::<Vec<_>>(),
        ["/acs/users/get"]
    );
}
