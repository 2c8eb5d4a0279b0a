//! The REST twins of the resident app's operations, their OpenAPI document, and `/metrics`.

use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with, Settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn residents_read_their_keys_and_start_sessions_over_rest() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    for entrance in ["Main Entrance", "Garage Door", "Unit 101"] {
        app.active_mobile_key(&resident, &property, entrance).await;
    }
    let client = reqwest::Client::new();
    let token = app.resident_token("jane");
    let page = |query: Vec<(&'static str, String)>| {
        client
            .get(format!("{}/v1/me/credentials", app.address))
            .query(&query)
            .bearer_auth(&token)
            .send()
    };

    let first: Value = page(vec![("first", "2".into())])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["totalCount"], 3);
    assert_eq!(first["credentials"].as_array().unwrap().len(), 2);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let newest = &first["credentials"][0];
    assert_eq!(newest["status"], "ACTIVE");
    assert_eq!(newest["accessMethod"], "MOBILE_KEY");
    assert_eq!(newest["entrances"][0]["name"], "Unit 101", "newest first");
    assert_eq!(newest["property"]["provider"], "LATCH");
    let cursor = first["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
    let rest: Value = page(vec![("first", "2".into()), ("after", cursor)])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["credentials"].as_array().unwrap().len(), 1);
    assert_eq!(
        rest["credentials"][0]["entrances"][0]["name"],
        "Main Entrance"
    );
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    let bad = page(vec![("first", "1000".into())]).await.unwrap();
    assert_eq!(bad.status(), 400);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(
        (
            bad["error"]["code"].as_str(),
            bad["error"]["field"].as_str()
        ),
        (Some("BAD_USER_INPUT"), Some("first"))
    );

    let session = |token: String| {
        client
            .post(format!("{}/v1/me/mobile-key-session", app.address))
            .bearer_auth(token)
            .send()
    };
    let one: Value = session(token.clone()).await.unwrap().json().await.unwrap();
    let two: Value = session(token.clone()).await.unwrap().json().await.unwrap();
    assert!(one["token"].as_str().unwrap().starts_with("seam_cst"));
    assert_eq!(one, two);

    let anonymous = client
        .get(format!("{}/v1/me/credentials", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHENTICATED");
    let manager = session(app.manager_token()).await.unwrap();
    assert_eq!(manager.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_what_the_routes_answer() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let client = reqwest::Client::new();
    let doc: Value = client
        .get(format!("{}/v1/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/v1/me/credentials"]["get"].is_object());
    assert!(doc["paths"]["/v1/me/mobile-key-session"]["post"].is_object());

    // Every field the document lists for a page and a credential is in the real answer, and
    // nothing more.
    let answer: Value = client
        .get(format!("{}/v1/me/credentials", app.address))
        .bearer_auth(app.resident_token("jane"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = |schema: &str| {
        let mut keys: Vec<String> = doc["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let actual = |v: &Value| {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys("CredentialPage"), actual(&answer));
    assert_eq!(keys("Credential"), actual(&answer["credentials"][0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_and_provisioning_steps() {
    let app = spawn_app().await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let text = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("doorway_http_requests_total{"), "{text}");
    assert!(text.contains(r#"route="/graphql""#), "{text}");
    assert!(
        text.contains(
            r#"doorway_provisioning_steps_total{step="create_acs_credential",outcome="done"}"#
        ),
        "{text}"
    );
    assert!(text.contains("doorway_provisioning_runs_due"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_their_token_when_one_is_configured() {
    let app = spawn_app_with(Settings {
        metrics_token: Some("scraper-secret".to_owned()),
        ..Settings::default()
    })
    .await;
    let url = format!("{}/metrics", app.address);
    let client = reqwest::Client::new();
    let anonymous = client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = client
        .get(&url)
        .bearer_auth("scraper-secreT")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // A resident's token is not the scraper's.
    let resident = client
        .get(&url)
        .bearer_auth(app.resident_token("ana"))
        .send()
        .await
        .unwrap();
    assert_eq!(resident.status(), 401);
    let scraper = client
        .get(&url)
        .bearer_auth("scraper-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(scraper.status(), 200);
    let text = scraper.text().await.unwrap();
    assert!(text.contains("doorway_http_requests_total{"), "{text}");
}
