//! The access matrix: the README's table of who may see and do what, read from the README and
//! tried row by row with every kind of token against a tenant with two properties.
//!
//! Each row has a probe that answers, for one token, whether it reached an object of property
//! A (the one limited tokens are limited to) and one of property B. A cell then says what must
//! come out: `yes` both, `theirs` A only, `own` both for the resident they belong to (and not
//! for another resident), `no` neither, and a partner's scopes: both (A only when limited) with
//! exactly those scopes, neither with every other scope but one of them.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{contract, spawn_app, TestApp};

const ALL_SCOPES: [&str; 5] = [
    "properties:read",
    "residents:read",
    "residents:write",
    "grants:read",
    "grants:write",
];

/// One row of the README's table.
struct Row {
    name: String,
    cells: Vec<String>,
}

const COLUMNS: [&str; 6] = [
    "manager",
    "manager, limited",
    "partner",
    "partner, limited",
    "resident",
    "operator",
];

fn readme_table() -> Vec<Row> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<!-- access-table:start -->").unwrap();
    let end = readme.find("<!-- access-table:end -->").unwrap();
    let mut lines = readme[start..end].lines().skip(1);
    let header: Vec<String> = split_row(lines.next().unwrap());
    assert_eq!(
        header[1..],
        COLUMNS.map(String::from),
        "the table's columns"
    );
    lines
        .skip(1)
        .filter(|l| l.starts_with('|'))
        .map(|line| {
            let cells = split_row(line);
            Row {
                name: cells[0].trim_matches('`').to_owned(),
                cells: cells[1..].to_vec(),
            }
        })
        .collect()
}

fn split_row(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_owned())
        .collect()
}

/// A tenant with two smart-lock properties; Jane holds an ACTIVE PIN and a REVOKED one at each,
/// Sam holds nothing.
struct Fixture {
    property_a: Value,
    property_b: Value,
    jane: Value,
    active_a: Value,
    active_b: Value,
    revoked_a: Value,
    revoked_b: Value,
    run_a: Value,
    run_b: Value,
}

impl Fixture {
    async fn build(app: &TestApp) -> Self {
        let property_a = app.import_smart_locks(&["Unit 2A Front Door"]).await;
        let property_b = app.import_smart_locks(&["Unit 2B Front Door"]).await;
        let jane = app
            .create_resident("Jane Doe", "jane@example.com", "jane")
            .await;
        app.create_resident("Sam Lee", "sam@example.com", "sam")
            .await;
        let pin = |property: &Value, lock: &'static str| {
            let (jane, property) = (jane.clone(), property.clone());
            async move {
                let grant = app
                    .grant_pin_on_locks(&jane, &property, &[lock], None)
                    .await;
                app.wait_for_grant(&grant["id"], "ACTIVE", Duration::from_secs(30))
                    .await;
                grant["id"].clone()
            }
        };
        let active_a = pin(&property_a, "Unit 2A Front Door").await;
        let active_b = pin(&property_b, "Unit 2B Front Door").await;
        let revoked_a = pin(&property_a, "Unit 2A Front Door").await;
        let revoked_b = pin(&property_b, "Unit 2B Front Door").await;
        for id in [&revoked_a, &revoked_b] {
            app.revoke(id).await;
            app.wait_for_grant(id, "REVOKED", Duration::from_secs(30))
                .await;
        }
        let run_a = app.runs_of(&active_a).await[0]["id"].clone();
        let run_b = app.runs_of(&active_b).await[0]["id"].clone();
        Self {
            property_a,
            property_b,
            jane,
            active_a,
            active_b,
            revoked_a,
            revoked_b,
            run_a,
            run_b,
        }
    }
}

/// The codes that say a caller did not reach the object.
fn refused(body: &Value) -> bool {
    body["errors"]
        .as_array()
        .and_then(|errors| errors.first())
        .is_some_and(|e| {
            matches!(
                e["extensions"]["code"].as_str(),
                Some("FORBIDDEN" | "NOT_FOUND" | "UNAUTHENTICATED")
            )
        })
}

/// For an action on an id that does not exist: anything but FORBIDDEN means the caller got past
/// the check of who may do it.
fn not_forbidden(body: &Value) -> bool {
    body["errors"]
        .as_array()
        .and_then(|errors| errors.first())
        .is_none_or(|e| e["extensions"]["code"] != "FORBIDDEN")
}

fn ids_in(value: &Value, pointer_to_list: &str, id_pointer: &str) -> Vec<Value> {
    value
        .pointer(pointer_to_list)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|item| item.pointer(id_pointer).cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// What one token reached of property A's and property B's object for one row.
async fn probe(
    row: &str,
    app: &TestApp,
    fx: &Fixture,
    token: &str,
    resident: bool,
) -> (bool, bool) {
    let gql = |query: &'static str, variables: Value| async move {
        app.graphql(token, query, variables).await
    };
    let (a, b) = (&fx.property_a["id"], &fx.property_b["id"]);
    match row {
        "seamInventory" => {
            let body = gql(contract("portal.graphql", "SeamInventory"), json!({})).await;
            let seen = body["data"]["seamInventory"].is_object();
            (seen, seen)
        }
        "properties" => {
            let body = gql(contract("portal.graphql", "Properties"), json!({})).await;
            let ids = ids_in(&body, "/data/properties/edges", "/node/id");
            (ids.contains(a), ids.contains(b))
        }
        "property" => {
            const Q: &str = "query($id: ID!) { property(id: $id) { id } }";
            let one = |id: Value| async move {
                gql(Q, json!({ "id": id })).await["data"]["property"]["id"] == id
            };
            (one(a.clone()).await, one(b.clone()).await)
        }
        "importProperty" => {
            let body = gql(
                contract("portal.graphql", "ImportProperty"),
                json!({ "input": { "seamAcsSystemId": "acs_system_that_is_not_there" } }),
            )
            .await;
            let reached = not_forbidden(&body);
            (reached, reached)
        }
        "residents" => {
            let body = gql(contract("portal.graphql", "Residents"), json!({})).await;
            let seen = ids_in(&body, "/data/residents/edges", "/node/id").contains(&fx.jane["id"]);
            (seen, seen)
        }
        "resident" => {
            const Q: &str = "query($id: ID!) { resident(id: $id) { id fullName } }";
            let body = gql(Q, json!({ "id": fx.jane["id"] })).await;
            let seen = body["data"]["resident"]["id"] == fx.jane["id"];
            (seen, seen)
        }
        "createResident" => {
            let external = Uuid::now_v7().to_string();
            let body = gql(
                contract("portal.graphql", "CreateResident"),
                json!({ "input": { "fullName": "Matrix Probe", "email": "probe@example.com",
                                   "externalId": external } }),
            )
            .await;
            let seen = body["data"]["createResident"]["resident"]["id"].is_string();
            (seen, seen)
        }
        "moveOutResident" => {
            let body = gql(
                contract("portal.graphql", "MoveOutResident"),
                json!({ "id": Uuid::now_v7() }),
            )
            .await;
            let reached = not_forbidden(&body);
            (reached, reached)
        }
        "Resident.grants" => {
            let body = if resident {
                gql(
                    "{ viewer { resident { grants { property { id } } } } }",
                    json!({}),
                )
                .await["data"]["viewer"]["resident"]
                    .clone()
            } else {
                gql(
                    "query($id: ID!) { resident(id: $id) { grants { property { id } } } }",
                    json!({ "id": fx.jane["id"] }),
                )
                .await["data"]["resident"]
                    .clone()
            };
            let ids = ids_in(&body, "/grants", "/property/id");
            (ids.contains(a), ids.contains(b))
        }
        "Credential.code" if !resident => {
            // Reached through the grant: the code needs grants:read whatever the path.
            const Q: &str = "query($id: ID!) { grant(id: $id) { credentials { code } } }";
            let one = |id: Value| async move {
                gql(Q, json!({ "id": id })).await["data"]["grant"]["credentials"][0]["code"]
                    .is_string()
            };
            (
                one(fx.active_a.clone()).await,
                one(fx.active_b.clone()).await,
            )
        }
        "Resident.credentials" | "Credential.code" => {
            let with_code = row == "Credential.code";
            let body = if resident {
                gql(
                    "{ viewer { resident { credentials(first: 50) { nodes { code property { id } } } } } }",
                    json!({}),
                )
                .await["data"]["viewer"]["resident"]
                    .clone()
            } else {
                gql(
                    "query($id: ID!) { resident(id: $id) { credentials(first: 50) { nodes { code property { id } } } } }",
                    json!({ "id": fx.jane["id"] }),
                )
                .await["data"]["resident"]
                    .clone()
            };
            let nodes = body
                .pointer("/credentials/nodes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let seen = |property: &Value| {
                nodes.iter().any(|n| {
                    &n["property"]["id"] == property && (!with_code || n["code"].is_string())
                })
            };
            (seen(a), seen(b))
        }
        "grant" => {
            let one = |id: Value| async move {
                gql(contract("portal.graphql", "Grant"), json!({ "id": id })).await["data"]["grant"]
                    ["id"]
                    == id
            };
            (
                one(fx.active_a.clone()).await,
                one(fx.active_b.clone()).await,
            )
        }
        "Grant.credentials" => {
            let codes = if resident {
                let body = gql(
                    "{ viewer { resident { grants { property { id } credentials { code } } } } }",
                    json!({}),
                )
                .await;
                let grants = body
                    .pointer("/data/viewer/resident/grants")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let has_code = |property: &Value| {
                    grants.iter().any(|g| {
                        &g["property"]["id"] == property
                            && g["credentials"]
                                .as_array()
                                .is_some_and(|c| c.iter().any(|c| c["code"].is_string()))
                    })
                };
                (has_code(a), has_code(b))
            } else {
                const Q: &str = "query($id: ID!) { grant(id: $id) { credentials { code } } }";
                let one = |id: Value| async move {
                    gql(Q, json!({ "id": id })).await["data"]["grant"]["credentials"][0]["code"]
                        .is_string()
                };
                (
                    one(fx.active_a.clone()).await,
                    one(fx.active_b.clone()).await,
                )
            };
            codes
        }
        "Grant.runs" => {
            const Q: &str = "query($id: ID!) { grant(id: $id) { runs { id } } }";
            let one = |id: Value| async move {
                gql(Q, json!({ "id": id })).await["data"]["grant"]["runs"][0]["id"].is_string()
            };
            (
                one(fx.active_a.clone()).await,
                one(fx.active_b.clone()).await,
            )
        }
        "grantAccess" => {
            // A window that ends before it starts: refused after the caller's reach is known,
            // so nothing is granted whoever asks.
            let one = |property: Value| async move {
                let body = gql(
                    contract("portal.graphql", "GrantAccess"),
                    json!({ "input": { "residentId": fx.jane["id"], "propertyId": property,
                                       "accessMethod": "PIN_CODE",
                                       "startsAt": "2030-01-02T00:00:00Z",
                                       "endsAt": "2030-01-01T00:00:00Z" } }),
                )
                .await;
                assert!(body["data"]["grantAccess"].is_null(), "{body}");
                !refused(&body)
            };
            (one(a.clone()).await, one(b.clone()).await)
        }
        "rescheduleGrant" | "revokeGrant" => {
            // On grants already REVOKED: reaching them changes nothing.
            let operation = if row == "revokeGrant" {
                "RevokeGrant"
            } else {
                "RescheduleGrant"
            };
            let one = |id: Value| async move {
                let body = gql(
                    contract("portal.graphql", operation),
                    json!({ "id": id, "startsAt": null, "endsAt": "2031-01-01T00:00:00Z" }),
                )
                .await;
                !refused(&body)
            };
            (
                one(fx.revoked_a.clone()).await,
                one(fx.revoked_b.clone()).await,
            )
        }
        "provisioningRuns" => {
            let body = gql(
                "{ provisioningRuns(first: 100) { nodes { grantId } } }",
                json!({}),
            )
            .await;
            let grants = ids_in(&body, "/data/provisioningRuns/nodes", "/grantId");
            (grants.contains(&fx.active_a), grants.contains(&fx.active_b))
        }
        "retryRun" | "cancelRun" => {
            // On a run that SUCCEEDED: reaching it is a CONFLICT, and changes nothing.
            let query = if row == "retryRun" {
                "mutation($id: ID!) { retryRun(id: $id) { id } }"
            } else {
                "mutation($id: ID!) { cancelRun(id: $id) { id } }"
            };
            let one = |id: Value| async move { !refused(&gql(query, json!({ "id": id })).await) };
            (one(fx.run_a.clone()).await, one(fx.run_b.clone()).await)
        }
        "viewer.resident" => {
            let body = gql("{ viewer { resident { id } } }", json!({})).await;
            let seen = body["data"]["viewer"]["resident"]["id"] == fx.jane["id"];
            (seen, seen)
        }
        "createMobileKeySession" => {
            let body = gql(
                contract("resident-app.graphql", "StartMobileKeySession"),
                json!({}),
            )
            .await;
            let reached = not_forbidden(&body);
            (reached, reached)
        }
        "auditEvents" => {
            let body = gql(
                "{ auditEvents(first: 100) { edges { node { propertyId } } } }",
                json!({}),
            )
            .await;
            let properties = ids_in(&body, "/data/auditEvents/edges", "/node/propertyId");
            (properties.contains(a), properties.contains(b))
        }
        "tenants" => {
            let body = gql(contract("operator.graphql", "Tenants"), json!({})).await;
            let seen = ids_in(&body, "/data/tenants/edges", "/node/id")
                .contains(&json!(app.tenant_id.to_string()));
            (seen, seen)
        }
        "createTenant" => {
            let body = gql(
                contract("operator.graphql", "CreateTenant"),
                json!({ "input": { "name": "", "seamApiKey": "seam_not_a_key" } }),
            )
            .await;
            assert!(body["data"]["createTenant"].is_null(), "{body}");
            let reached = not_forbidden(&body);
            (reached, reached)
        }
        "registerTenantWebhook" => {
            let body = gql(
                "mutation($id: ID!) { registerTenantWebhook(id: $id) { id } }",
                json!({ "id": Uuid::now_v7() }),
            )
            .await;
            let reached = not_forbidden(&body);
            (reached, reached)
        }
        "rotateTenantSeamKey" => {
            let body = gql(
                contract("operator.graphql", "RotateTenantSeamKey"),
                json!({ "id": Uuid::now_v7(), "seamApiKey": "seam_not_a_key" }),
            )
            .await;
            let reached = not_forbidden(&body);
            (reached, reached)
        }
        other => panic!("the README's access table has a row {other:?} this test cannot try"),
    }
}

/// Scopes named by a partner cell (`residents:read grants:read`, `theirs, grants:read`).
fn scopes_of(cell: &str) -> Vec<&str> {
    cell.trim_start_matches("theirs,")
        .split_whitespace()
        .filter(|s| s.contains(':'))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_the_readmes_access_table_holds_for_every_kind_of_token() {
    let app = spawn_app().await;
    let fx = Fixture::build(&app).await;
    let limited = vec![fx.property_a["id"]
        .as_str()
        .unwrap()
        .parse::<Uuid>()
        .unwrap()];
    let partner = |scopes: &[&str], properties: Option<Vec<Uuid>>| {
        app.token_with("partner", "pms", Some(&scopes.join(" ")), properties)
    };
    let mut failures = Vec::new();
    let rows = readme_table();
    assert!(rows.len() >= 20, "the table lists every operation");
    for row in &rows {
        let mut check = |who: String, got: (bool, bool), want: (bool, bool)| {
            if got != want {
                failures.push(format!(
                    "{}: {who} reached (A, B) = {got:?}, the table says {want:?}",
                    row.name
                ));
            }
        };
        let expect = |cell: &str| match cell {
            "yes" | "own" => (true, true),
            "theirs" => (true, false),
            "no" => (false, false),
            other => panic!("{}: unknown cell {other:?}", row.name),
        };
        let name = row.name.as_str();
        // Managers and operators.
        let manager = app.manager_token();
        let manager_limited = app.token_with("manager", "pm", None, Some(limited.clone()));
        let operator = app.operator_token();
        for (column, token) in [(0, &manager), (1, &manager_limited), (5, &operator)] {
            let got = probe(name, &app, &fx, token, false).await;
            check(COLUMNS[column].to_owned(), got, expect(&row.cells[column]));
        }
        // Partners: exactly the scopes of the cell reach; missing any one of them does not.
        for (column, properties) in [(2, None), (3, Some(limited.clone()))] {
            let cell = row.cells[column].as_str();
            if cell == "no" {
                let got = probe(name, &app, &fx, &partner(&ALL_SCOPES, properties), false).await;
                check(
                    format!("{} with every scope", COLUMNS[column]),
                    got,
                    (false, false),
                );
                continue;
            }
            let needed = scopes_of(cell);
            assert!(!needed.is_empty(), "{name}: partner cell {cell:?}");
            let want = if cell.starts_with("theirs") {
                (true, false)
            } else {
                (true, true)
            };
            let token = partner(&needed, properties.clone());
            let got = probe(name, &app, &fx, &token, false).await;
            check(format!("{} with {needed:?}", COLUMNS[column]), got, want);
            for missing in &needed {
                let rest: Vec<&str> = ALL_SCOPES
                    .iter()
                    .copied()
                    .filter(|s| {
                        s != missing && !(*missing == "grants:read" && *s == "grants:write")
                    })
                    .collect();
                let got = probe(name, &app, &fx, &partner(&rest, properties.clone()), false).await;
                check(
                    format!("{} without {missing}", COLUMNS[column]),
                    got,
                    (false, false),
                );
            }
        }
        // Residents: Jane reaches her own; Sam, of the same tenant, reaches none of hers.
        let cell = row.cells[4].as_str();
        let jane = app.resident_token("jane");
        let got = probe(name, &app, &fx, &jane, true).await;
        check("resident (Jane)".to_owned(), got, expect(cell));
        if cell == "own" && name != "createMobileKeySession" {
            let sam = app.resident_token("sam");
            let got = probe(name, &app, &fx, &sam, true).await;
            check("another resident (Sam)".to_owned(), got, (false, false));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    app.assert_truth().await;
}
