//! What operators and tools rely on: health and readiness, request ids, GraphiQL and GraphQL
//! over GET, and the `doorway` commands.

use serde_json::{json, Value};

use crate::helpers::{contract, spawn_app, TestApp};
use crate::serve_process::doorway_command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_request_ids() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let ready: Value = client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");

    let page = client
        .get(format!("{}/graphql", app.address))
        .send()
        .await
        .unwrap();
    assert!(page
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("graphiql"));

    // GraphQL over GET runs queries and refuses mutations.
    let token = app.manager_token();
    let get = |query: &str| {
        client
            .get(format!("{}/graphql", app.address))
            .query(&[("query", query)])
            .bearer_auth(&token)
            .send()
    };
    let viewer: Value = get("{ viewer { role } }")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(viewer["data"]["viewer"]["role"], "MANAGER");
    let mutation = get("mutation { createMobileKeySession { token } }")
        .await
        .unwrap();
    assert_eq!(mutation.status(), 405);
}

/// Runs the `doorway` binary against this test's database and simulator.
async fn doorway(app: &TestApp, args: &[&str], secrets: bool) -> std::process::Output {
    doorway_command(app, args, secrets).output().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_bootstrap_tenants_and_mint_tokens_from_the_command_line() {
    let app = spawn_app().await;
    let workspace = app.sim.simulator().create_workspace("From the CLI");
    let created = doorway(
        &app,
        &[
            "tenant",
            "create",
            "--name",
            "CLI Co",
            "--seam-api-key",
            &workspace.api_key,
        ],
        true,
    )
    .await;
    let stdout = String::from_utf8_lossy(&created.stdout);
    assert!(
        created.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(stdout.contains(&workspace.workspace_id), "{stdout}");
    assert!(
        !stdout.contains(&workspace.api_key),
        "the key is never printed"
    );

    let minted = doorway(&app, &["token", "--role", "operator", "--sub", "cli"], true).await;
    let token = String::from_utf8(minted.stdout).unwrap();
    let tenants = app
        .graphql_ok(
            token.trim(),
            contract("operator.graphql", "Tenants"),
            json!({}),
        )
        .await;
    let names: Vec<&str> = tenants["tenants"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Residential", "CLI Co"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_start_without_its_secrets_naming_them() {
    let app = spawn_app().await;
    let refused = doorway(&app, &["serve"], false).await;
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("DOORWAY_SECRET_KEY") && stderr.contains("DOORWAY_JWT_HS256_SECRET"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_needs_a_database_url_and_a_role_that_cannot_bypass_tenancy() {
    let app = spawn_app().await;
    // No DATABASE_URL: refused, naming it (no throwaway database of its own).
    let refused = doorway_command(&app, &["serve"], true)
        .env_remove("DATABASE_URL")
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");

    // Logged in as the owner (a superuser here): refused, saying how to log in.
    let refused = doorway_command(&app, &["serve"], true)
        .env("DATABASE_URL", app.database_url(true))
        .env("DOORWAY_LISTEN", "127.0.0.1:0")
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("doorway_app") && stderr.contains("DOORWAY_MIGRATE_DATABASE_URL"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_with_their_own_credentials() {
    let app = spawn_app().await;
    // The service's role has no right to change the schema.
    let mut service = sqlx::ConnectOptions::connect(&app.service_database)
        .await
        .unwrap();
    let created = sqlx::query("create table intruder (id int)")
        .execute(&mut service)
        .await;
    assert!(created.is_err(), "the service's role can create tables");
    // With the owner's URL, migrate succeeds.
    let migrated = doorway_command(&app, &["migrate"], false)
        .env("DOORWAY_MIGRATE_DATABASE_URL", app.database_url(true))
        .output()
        .await
        .unwrap();
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
}
