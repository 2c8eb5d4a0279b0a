//! GraphiQL as a developer meets it: in headless Chromium that can reach nothing but Doorway,
//! the page appears, its headers editor holds the demo's resident token, the app's `MyAccess`
//! runs through the UI and shows the resident's credential, and the token select switches
//! roles. Over plain HTTP: the page and its files come from Doorway alone, under a strict
//! content-security policy, and no token is offered outside the demo.

use std::time::Duration;

use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::{contract, spawn_app};

/// Records every content-security-policy violation of the page, for the test to read.
const RECORD_CSP_VIOLATIONS: &str = "window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));";

const QUERY_EDITOR: &str =
    "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror";
const HEADERS_EDITOR: &str =
    "document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').CodeMirror";
const RESPONSE: &str = "document.querySelector('.result-window .CodeMirror').CodeMirror";
const UNTIL_READY: Duration = Duration::from_secs(30);

/// Puts `operation` (named `name`) in the query editor, presses the execute button once
/// GraphiQL has read the operation's name (as it does after each edit), and returns the
/// response pane's JSON once it contains `expected`.
async fn run_in_graphiql(
    browser: &mut Browser,
    operation: &str,
    name: &str,
    expected: &str,
) -> Value {
    let operation = serde_json::to_string(operation).unwrap();
    browser
        .eval(&format!("{QUERY_EDITOR}.setValue({operation})"))
        .await;
    browser
        .wait_for(
            &format!(
                "{QUERY_EDITOR}.operationName === {}",
                serde_json::to_string(name).unwrap()
            ),
            UNTIL_READY,
            &format!("{QUERY_EDITOR}.operationName"),
        )
        .await;
    browser
        .eval("document.querySelector('.graphiql-execute-button').click()")
        .await;
    let expected = serde_json::to_string(expected).unwrap();
    let shown = browser
        .wait_for(
            &format!("(() => {{ const v = {RESPONSE}.getValue(); return v.includes({expected}) ? v : null; }})()"),
            UNTIL_READY,
            &format!("{RESPONSE}.getValue()"),
        )
        .await;
    serde_json::from_str(shown.as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_my_access_offline_with_the_demo_resident_token() {
    let mut app = spawn_app().await;
    let (property, jane) = app.jane_at_the_latch_building().await;
    app.active_mobile_key(&jane, &property, "Main Entrance")
        .await;
    let (resident, manager) = (app.resident_token("jane"), app.manager_token());
    app.restart_offering_tokens_in_graphiql(vec![
        ("resident (jane)", resident.clone()),
        ("manager", manager.clone()),
    ])
    .await;

    let mut browser = Browser::launch().await;
    browser
        .open(&format!("{}/graphql", app.address), RECORD_CSP_VIOLATIONS)
        .await;
    browser
        .wait_for(
            "document.querySelector('.graphiql-execute-button') !== null",
            UNTIL_READY,
            "document.body.innerText",
        )
        .await;
    let headers = browser.eval(&format!("{HEADERS_EDITOR}.getValue()")).await;
    assert!(
        headers
            .as_str()
            .unwrap()
            .contains(&format!("Bearer {resident}")),
        "the headers editor does not hold the resident's token: {headers}"
    );

    // The schema arrived (GraphiQL's own introspection query): the documentation explorer
    // shows the root types.
    browser
        .eval("document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click()")
        .await;
    browser
        .wait_for(
            "document.querySelector('.graphiql-doc-explorer')?.innerText.includes('mutation: Mutation')",
            UNTIL_READY,
            "[document.querySelector('.graphiql-plugin')?.innerText, document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()]",
        )
        .await;

    let shown = run_in_graphiql(
        &mut browser,
        contract("resident-app.graphql", "MyAccess"),
        "MyAccess",
        "\"credentials\"",
    )
    .await;
    assert!(shown.get("errors").is_none(), "{shown:#}");
    let viewer = &shown["data"]["viewer"];
    assert_eq!(viewer["role"], "RESIDENT");
    assert_eq!(viewer["resident"]["fullName"], "Jane Doe");
    let credentials = &viewer["resident"]["credentials"];
    assert_eq!(credentials["totalCount"], 1, "{shown:#}");
    let credential = &credentials["edges"][0]["node"];
    assert_eq!(credential["accessMethod"], "MOBILE_KEY");
    assert_eq!(credential["status"], "ACTIVE");
    assert_eq!(credential["property"]["name"], property["name"]);
    assert_eq!(credential["entrances"][0]["name"], "Main Entrance");

    // The select above GraphiQL puts another role's token in the headers editor.
    browser
        .eval(
            "(() => { const s = document.getElementById('doorway-token'); s.value = '1'; \
             s.dispatchEvent(new Event('change')); })()",
        )
        .await;
    browser
        .wait_for(
            &format!(
                "{HEADERS_EDITOR}.getValue().includes({})",
                serde_json::to_string(&format!("Bearer {manager}")).unwrap()
            ),
            UNTIL_READY,
            &format!("{HEADERS_EDITOR}.getValue()"),
        )
        .await;
    let shown = run_in_graphiql(
        &mut browser,
        "query Role { viewer { role } }",
        "Role",
        "MANAGER",
    )
    .await;
    assert_eq!(shown["data"]["viewer"]["role"], "MANAGER", "{shown:#}");

    let violations = browser.eval("window.__violations").await;
    assert_eq!(
        violations,
        serde_json::json!([]),
        "the page broke its own policy"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_comes_from_doorway_alone_and_offers_no_token_outside_the_demo() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(format!("{}/graphql", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'self';"), "{policy}");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(
        !policy.contains("unsafe") && !policy.contains("http"),
        "{policy}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"{"tokens":[]}"#), "{html}");
    assert!(!html.contains("Bearer"), "{html}");
    assert!(!html.contains("<script>"), "inline script in {html}");

    // Every file the page loads is Doorway's own, typed, and cached by its version.
    let linked: Vec<&str> = html
        .split(['"'])
        .filter(|part| part.ends_with(".js") || part.ends_with(".css"))
        .collect();
    assert_eq!(linked.len(), 6, "{linked:?}");
    for path in linked {
        assert!(path.starts_with("/graphiql/"), "{path} is not Doorway's");
        let file = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), 200, "{path}");
        let kind = if path.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert_eq!(
            file.headers()["content-type"],
            format!("{kind}; charset=utf-8"),
            "{path}"
        );
        let cache = file.headers()["cache-control"].to_str().unwrap().to_owned();
        if path.starts_with("/graphiql/vendor/") {
            assert!(cache.contains("immutable"), "{path}: {cache}");
        } else {
            assert_eq!(cache, "no-cache", "{path}");
        }
        assert!(!file.bytes().await.unwrap().is_empty(), "{path}");
    }
    let missing = app
        .client
        .get(format!(
            "{}/graphiql/vendor/graphiql-3.9.0/LICENSE.js",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
