//! The audit trail: every mutation recorded with who, what, when and how it ended; read by
//! managers (filtered by resident, property or grant) and operators (across tenants); and
//! nobody, not even the database's owner, can change or delete it.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{contract, spawn_app, TestApp};

const AUDIT: &str = "query Audit($residentId: ID, $propertyId: ID, $grantId: ID, $tenantId: ID) {
  auditEvents(first: 50, residentId: $residentId, propertyId: $propertyId, grantId: $grantId,
              tenantId: $tenantId) {
    edges { node { id tenantId subject role requestId operation objectType objectId
                   residentId propertyId grantId outcome createdAt } }
  }
}";

async fn events(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let data = app.graphql_ok(token, AUDIT, filter).await;
    data["auditEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn operations(events: &[Value]) -> Vec<(&str, &str)> {
    events
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutation_is_recorded_with_who_what_and_how_it_ended() {
    let app = spawn_app().await;
    let (property, jane) = app.jane_at_the_latch_building().await;
    let grant = app
        .active_mobile_key(&jane, &property, "Main Entrance")
        .await;
    app.revoke(&grant["id"]).await;
    app.wait_for_grant(&grant["id"], "REVOKED", Duration::from_secs(20))
        .await;
    // A partner without residents:write is refused, and the refusal is recorded too.
    let refused = app
        .graphql(
            &app.partner_token("grants:read"),
            contract("portal.graphql", "MoveOutResident"),
            json!({ "id": jane["id"] }),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");

    let manager = app.manager_token();
    let of_jane = events(&app, &manager, json!({ "residentId": jane["id"] })).await;
    assert_eq!(
        operations(&of_jane),
        [
            ("moveOutResident", "FORBIDDEN"),
            ("revokeGrant", "OK"),
            ("grantAccess", "OK"),
            ("createResident", "OK"),
        ],
        "{of_jane:#?}"
    );
    let revoke = &of_jane[1];
    assert_eq!(revoke["grantId"], grant["id"]);
    assert_eq!(
        revoke["propertyId"], property["id"],
        "filled from the grant"
    );
    assert_eq!(revoke["role"], "manager");
    assert_eq!(revoke["subject"], "pm");
    assert_eq!(revoke["tenantId"], json!(app.tenant_id.to_string()));
    assert!(!revoke["requestId"].as_str().unwrap().is_empty());
    assert_eq!(of_jane[0]["role"], "partner");

    let of_grant = events(&app, &manager, json!({ "grantId": grant["id"] })).await;
    assert_eq!(
        operations(&of_grant),
        [("revokeGrant", "OK"), ("grantAccess", "OK")]
    );
    let of_property = events(&app, &manager, json!({ "propertyId": property["id"] })).await;
    assert_eq!(
        operations(&of_property),
        [
            ("revokeGrant", "OK"),
            ("grantAccess", "OK"),
            ("importProperty", "OK")
        ]
    );

    // Operators read across tenants; the other tenant's manager sees none of this tenant's.
    let (other, _) = app.add_tenant("Other Co").await;
    let other_manager = app.manager_token_for(other);
    app.graphql_ok(
        &other_manager,
        contract("portal.graphql", "CreateResident"),
        json!({ "input": { "fullName": "Olga Other", "email": "olga@example.com", "externalId": "olga" } }),
    )
    .await;
    let theirs = events(&app, &other_manager, json!({})).await;
    assert_eq!(
        operations(&theirs),
        [("createResident", "OK"), ("createTenant", "OK")]
    );
    let operator = app.operator_token();
    let everyone = events(&app, &operator, json!({})).await;
    let tenants: std::collections::HashSet<&Value> =
        everyone.iter().map(|e| &e["tenantId"]).collect();
    assert!(tenants.contains(&json!(other.to_string())));
    assert!(tenants.contains(&json!(app.tenant_id.to_string())));
    let one = events(&app, &operator, json!({ "tenantId": other })).await;
    assert!(
        operations(&one).contains(&("createResident", "OK")),
        "{one:#?}"
    );
    assert!(one
        .iter()
        .all(|e| e["tenantId"] == json!(other.to_string())));

    // Partners and residents do not read the trail.
    for token in [
        app.partner_token("grants:read residents:read"),
        app.resident_token("jane"),
    ] {
        let body = app.graphql(&token, AUDIT, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
    }
    app.assert_truth().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_can_change_or_delete_the_audit_trail() {
    let app = spawn_app().await;
    app.create_resident("Jane Doe", "jane@example.com", "jane")
        .await;
    let service = doorway_api::db::connect(&app.service_database, 1)
        .await
        .unwrap();
    let mut tx = doorway_api::db::begin_tenant(&service, app.tenant_id.into())
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("select count(*) from audit_events")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    // The tenant's creation and Jane's.
    assert_eq!(seen, 2);
    tx.commit().await.unwrap();
    for statement in [
        "update audit_events set outcome = 'OK'",
        "delete from audit_events",
        "insert into audit_events (audit_id, tenant_id, subject, role, request_id, operation, outcome) \
         values (gen_random_uuid(), doorway_current_tenant(), 'x', 'manager', '', 'forged', 'OK')",
    ] {
        let mut conn = service.acquire().await.unwrap();
        let result = sqlx::query(statement).execute(&mut *conn).await;
        assert!(result.is_err(), "the service ran {statement}");
    }
    // Not even the owner.
    let mut owner = app.db().await;
    for statement in [
        "update audit_events set outcome = 'OK'",
        "delete from audit_events",
        "truncate audit_events",
    ] {
        let result = sqlx::query(statement).execute(&mut owner).await;
        assert!(result.is_err(), "the owner ran {statement}");
    }
    let kept: i64 = sqlx::query_scalar("select count(*) from audit_events")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(kept, seen);
}
