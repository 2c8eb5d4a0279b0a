//! What the resident app's home screen gets back: the same bytes for the same request, keys in
//! the order the query asks for them, sequentially and under concurrency.

use serde_json::json;

use crate::helpers::{contract, entrance_named, spawn_app, TestApp};

async fn my_access_bytes(app: &TestApp, token: &str) -> Vec<u8> {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .json(&json!({ "query": contract("resident-app.graphql", "MyAccess"), "variables": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

/// Where `key` first appears as a key in `text`.
fn position(text: &str, key: &str) -> usize {
    text.find(&format!("\"{key}\":"))
        .unwrap_or_else(|| panic!("no {key} in {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_requests_get_identical_bytes_in_the_order_the_query_asks() {
    let app = spawn_app().await;
    let (property, jane) = app.jane_at_the_latch_building().await;
    for entrance in ["Main Entrance", "Garage Door"] {
        let grant = app
            .grant_mobile_key(&jane, &property, &[entrance_named(&property, entrance)])
            .await;
        app.wait_for_grant(&grant["id"], "ACTIVE", std::time::Duration::from_secs(20))
            .await;
    }
    let token = app.resident_token("jane");
    let first = my_access_bytes(&app, &token).await;
    let text = String::from_utf8(first.clone()).unwrap();
    assert!(!text.contains("\"errors\""), "{text}");
    // The selection's order: viewer { role tenant resident }, and in each credential
    // `property` before `entrances` (both resolved by loaders, finishing in any order).
    assert!(
        position(&text, "role") < position(&text, "tenant"),
        "{text}"
    );
    assert!(
        position(&text, "tenant") < position(&text, "resident"),
        "{text}"
    );
    assert!(
        position(&text, "totalCount") < position(&text, "pageInfo"),
        "{text}"
    );
    for node in text.split("\"node\":").skip(1) {
        assert!(
            position(node, "id") < position(node, "accessMethod"),
            "{node}"
        );
        assert!(
            position(node, "property") < position(node, "entrances"),
            "{node}"
        );
    }
    for _ in 0..150 {
        assert_eq!(my_access_bytes(&app, &token).await, first);
    }
    for _ in 0..10 {
        let round = futures::future::join_all((0..25).map(|_| my_access_bytes(&app, &token))).await;
        for bytes in round {
            assert_eq!(bytes, first);
        }
    }
}
