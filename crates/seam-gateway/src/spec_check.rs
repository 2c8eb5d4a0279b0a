//! Checks this crate's names against Seam's OpenAPI description (the repository's copy,
//! `seam-api/openapi.json`): every path and response key, every field we send, every field we
//! read. Skipped, loudly, where that file is not present.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::models::*;
use crate::requests::*;
use crate::test_server::{Canned, TestServer};

fn spec() -> Option<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../seam-api/openapi.json");
    match std::fs::read_to_string(path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(_) => {
            eprintln!("skipping: no OpenAPI description at {path}");
            None
        }
    }
}

/// Every property name anywhere in a schema, through `allOf`/`oneOf`/nesting.
fn property_names(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            map.values().for_each(|v| property_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| property_names(v, out)),
        _ => {}
    }
}

/// Every object key anywhere in a JSON value.
fn keys(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            out.extend(map.keys().cloned());
            map.values().for_each(|v| keys(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

fn unknown_keys(value: &Value, schema: &Value) -> BTreeSet<String> {
    let (mut sent, mut known) = (BTreeSet::new(), BTreeSet::new());
    keys(value, &mut sent);
    property_names(schema, &mut known);
    sent.difference(&known).cloned().collect()
}

#[test]
fn every_endpoint_exists_with_its_response_key() {
    let Some(spec) = spec() else { return };
    for endpoint in crate::endpoints::all() {
        let operation = &spec["paths"][endpoint.path]["post"];
        assert!(
            operation.is_object(),
            "{} is not in the spec",
            endpoint.path
        );
        let key = operation.get("x-response-key").and_then(Value::as_str);
        assert_eq!(
            key, endpoint.response_key,
            "response key of {}",
            endpoint.path
        );
    }
}

#[tokio::test]
async fn every_request_body_uses_only_fields_the_spec_knows() {
    let Some(spec) = spec() else { return };
    let server = TestServer::start(vec![Canned::error(400, "invalid_input", "x")]).await;
    let c = server.client();
    let time: chrono::DateTime<chrono::Utc> = "2024-07-13T16:50:42.072Z".parse().unwrap();
    let at = Some(time);
    let some = |s: &str| Some(s.to_owned());
    // Every method, with every optional field set; the server refuses all of them.
    let _ = c.get_workspace().await;
    let _ = c.list_acs_systems().await;
    let _ = c.get_acs_system("s").await;
    let _ = c.list_compatible_credential_managers("s").await;
    let _ = c.list_entrances("s").await;
    let _ = c.list_access_groups("s").await;
    let _ = c.list_access_group_entrances("g").await;
    let identity = CreateUserIdentity {
        user_identity_key: some("k"),
        email_address: some("e"),
        phone_number: some("p"),
        full_name: some("f"),
    };
    let _ = c.create_user_identity(&identity).await;
    let _ = c.get_user_identity("u").await;
    let _ = c.get_user_identity_by_key("k").await;
    let _ = c.delete_user_identity("u").await;
    let launch = LaunchEnrollmentAutomation {
        user_identity_id: "u".into(),
        credential_manager_acs_system_id: "s".into(),
        create_credential_manager_user: true,
    };
    let _ = c.launch_enrollment_automation(&launch).await;
    let _ = c.list_enrollment_automations("u").await;
    let user = CreateAcsUser {
        acs_system_id: "s".into(),
        user_identity_id: some("u"),
        full_name: "f".into(),
        email_address: some("e"),
        phone_number: some("p"),
        access_schedule: Some(AccessSchedule {
            starts_at: time,
            ends_at: at,
        }),
    };
    let _ = c.create_acs_user(&user).await;
    let _ = c.get_acs_user("a").await;
    let users = AcsUserFilter {
        acs_system_id: some("s"),
        user_identity_id: some("u"),
    };
    let _ = c.list_acs_users(&users).await;
    let credential = CreateAcsCredential {
        acs_user_id: "a".into(),
        access_method: AccessMethod::Code,
        allowed_acs_entrance_ids: vec!["e".into()],
        is_multi_phone_sync_credential: Some(false),
        starts_at: at,
        ends_at: at,
        code: Some(crate::models::Pin::from("1234")),
        credential_manager_acs_system_id: some("s"),
    };
    let _ = c.create_acs_credential(&credential).await;
    let _ = c.get_acs_credential("c").await;
    let credentials = AcsCredentialFilter {
        acs_user_id: some("a"),
        acs_system_id: some("s"),
        user_identity_id: some("u"),
    };
    let _ = c.list_acs_credentials(&credentials).await;
    let _ = c.list_accessible_entrances("c").await;
    let _ = c
        .list_devices(&DeviceFilter {
            device_ids: Some(vec!["d".into()]),
        })
        .await;
    let _ = c.get_or_create_client_session("u").await;
    let _ = c.list_client_sessions("u").await;
    let _ = c.revoke_client_session("c").await;
    all_new_calls(&c).await;

    let seen = server.seen();
    assert_eq!(
        seen.len(),
        crate::endpoints::all().len() + 1,
        "get_user_identity twice"
    );
    for request in seen {
        let schema = &spec["paths"][&request.path]["post"]["requestBody"];
        let unknown = unknown_keys(&request.body, schema);
        assert!(
            unknown.is_empty(),
            "{} sends unknown fields {unknown:?}",
            request.path
        );
    }
}

/// The calls added for issue 3, every optional field set.
async fn all_new_calls(c: &crate::WorkspaceClient) {
    let time: chrono::DateTime<chrono::Utc> = "2024-07-13T16:50:42.072Z".parse().unwrap();
    let at = Some(time);
    let some = |s: &str| Some(s.to_owned());
    let ids = Some(vec!["i".to_owned()]);
    let _ = c.get_device("d").await;
    let _ = c.get_lock("d").await;
    let identities = UserIdentityFilter {
        user_identity_ids: ids.clone(),
        search: some("s"),
        credential_manager_acs_system_id: some("s"),
    };
    let _ = c.list_user_identities(&identities).await;
    let _ = c.list_user_identity_acs_users("u").await;
    let _ = c.add_acs_user_to_user_identity("u", "a").await;
    let session = CreateClientSession {
        user_identity_id: some("u"),
        user_identifier_key: some("k"),
        connected_account_ids: ids.clone(),
        connect_webview_ids: ids.clone(),
        expires_at: at,
    };
    let _ = c.create_client_session(&session).await;
    let user = UpdateAcsUser {
        acs_user_id: "a".into(),
        full_name: some("f"),
        email_address: some("e"),
        phone_number: some("p"),
        access_schedule: Some(AccessSchedule {
            starts_at: time,
            ends_at: at,
        }),
    };
    let _ = c.update_acs_user(&user).await;
    let _ = c.delete_acs_user("a").await;
    let _ = c.add_acs_user_to_access_group("a", "g").await;
    let _ = c.remove_acs_user_from_access_group("a", "g").await;
    let _ = c.suspend_acs_user("a").await;
    let _ = c.unsuspend_acs_user("a").await;
    let credential = UpdateAcsCredential {
        acs_credential_id: "c".into(),
        code: Some(crate::models::Pin::from("1234")),
        ends_at: at,
    };
    let _ = c.update_acs_credential(&credential).await;
    let _ = c.delete_acs_credential("c").await;
    // Two devices, so that the per-device limit does not space these two calls out.
    let code = CreateAccessCode {
        device_id: "d1".into(),
        name: some("n"),
        code: Some(crate::models::Pin::from("1234")),
        starts_at: at,
        ends_at: at,
        common_code_key: some("k"),
        preferred_code_length: Some(4),
        prefer_native_scheduling: Some(true),
        is_offline_access_code: Some(false),
        is_one_time_use: Some(false),
        attempt_for_offline_device: Some(true),
        allow_external_modification: Some(true),
        use_backup_access_code_pool: Some(true),
    };
    let _ = c.create_access_code(&code).await;
    let _ = c.get_access_code("ac").await;
    let codes = AccessCodeFilter {
        device_id: some("d"),
        access_code_ids: ids.clone(),
    };
    let _ = c.list_access_codes(&codes).await;
    let update = UpdateAccessCode {
        access_code_id: "ac".into(),
        device_id: "d2".into(),
        name: some("n"),
        code: Some(crate::models::Pin::from("1234")),
        starts_at: at,
        ends_at: at,
        kind: Some(AccessCodeType::TimeBound),
        preferred_code_length: Some(4),
        prefer_native_scheduling: Some(true),
        is_offline_access_code: Some(false),
        is_one_time_use: Some(false),
        attempt_for_offline_device: Some(true),
        allow_external_modification: Some(true),
        use_backup_access_code_pool: Some(true),
    };
    let _ = c.update_access_code(&update).await;
    let _ = c.delete_access_code("d", "ac").await;
    let _ = c.get_action_attempt("aa").await;
    let events = EventFilter {
        since: at,
        between: Some((time, time)),
        event_types: Some(vec![EventType::AccessCodeSetOnDevice]),
        device_id: some("d"),
        access_code_id: some("ac"),
        acs_system_id: some("s"),
        acs_user_id: some("a"),
        acs_credential_id: some("c"),
        user_identity_id: some("u"),
        limit: Some(10),
    };
    let _ = c.list_events(&events).await;
    let webhook = CreateWebhook {
        url: "https://x".into(),
        event_types: Some(vec![EventType::AccessCodeSetOnDevice]),
    };
    let _ = c.create_webhook(&webhook).await;
    let _ = c.list_webhooks().await;
    let _ = c.delete_webhook("w").await;
}

/// Values our enums know that the spec does not: a typo there would never match Seam.
#[test]
fn every_known_enum_value_is_in_the_spec() {
    let Some(spec) = spec() else { return };
    let schemas = &spec["components"]["schemas"];
    let enum_values = |schema: &Value, field: &str| -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        collect_enum(schema, field, &mut out);
        out
    };
    let event_types = enum_values(
        &spec["paths"]["/events/list"]["post"]["requestBody"],
        "event_type",
    );
    for (name, known, values) in [
        (
            "access_code.status",
            AccessCodeStatus::KNOWN,
            enum_values(&schemas["access_code"], "status"),
        ),
        (
            "access_code.type",
            AccessCodeType::KNOWN,
            enum_values(&schemas["access_code"], "type"),
        ),
        (
            "action_attempt.status",
            ActionAttemptStatus::KNOWN,
            enum_values(&schemas["action_attempt"], "status"),
        ),
        (
            "acs_credential.access_method",
            AccessMethod::KNOWN,
            enum_values(&schemas["acs_credential"], "access_method"),
        ),
        ("event_type", EventType::KNOWN, event_types),
    ] {
        let missing: Vec<_> = known.iter().filter(|v| !values.contains(**v)).collect();
        assert!(missing.is_empty(), "{name}: {missing:?} not in {values:?}");
    }
}

/// Every `enum` value of a property called `field`, anywhere in a schema.
fn collect_enum(schema: &Value, field: &str, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                if let Some(Value::Array(values)) = props.get(field).and_then(|p| p.get("enum")) {
                    out.extend(values.iter().filter_map(Value::as_str).map(str::to_owned));
                }
            }
            map.values().for_each(|v| collect_enum(v, field, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_enum(v, field, out)),
        _ => {}
    }
}

/// Parses a minimal body, writes it back with every field, and checks the names.
fn check_model<T: DeserializeOwned + Serialize>(spec: &Value, schema: &str, minimal: Value) {
    let model: T = serde_json::from_value(minimal).unwrap();
    let written = serde_json::to_value(&model).unwrap();
    let unknown = unknown_keys(&written, &spec["components"]["schemas"][schema]);
    assert!(
        unknown.is_empty(),
        "{schema} model reads unknown fields {unknown:?}"
    );
}

#[test]
fn every_model_field_is_in_the_spec() {
    let Some(spec) = spec() else { return };
    let at = "2024-01-01T00:00:00Z";
    let warnings = json!([{"warning_code": "w", "message": "m", "created_at": at}]);
    let errors = json!([{"error_code": "e", "message": "m", "created_at": at}]);
    let schedule = json!({"starts_at": at, "ends_at": at});
    let s = &spec;
    check_model::<Workspace>(s, "workspace", json!({"workspace_id": "w", "name": "n"}));
    check_model::<AcsSystem>(
        s,
        "acs_system",
        json!({"acs_system_id": "s", "name": "n",
        "created_at": at, "location": {"time_zone": "UTC"}, "warnings": warnings, "errors": errors}),
    );
    check_model::<AcsEntrance>(
        s,
        "acs_entrance",
        json!({"acs_entrance_id": "e",
        "acs_system_id": "s", "created_at": at, "warnings": warnings, "errors": errors}),
    );
    check_model::<AcsAccessGroup>(
        s,
        "acs_access_group",
        json!({"acs_access_group_id": "g",
        "acs_system_id": "s", "created_at": at, "access_schedule": schedule}),
    );
    check_model::<UserIdentity>(
        s,
        "user_identity",
        json!({"user_identity_id": "u",
        "created_at": at, "warnings": warnings, "errors": errors}),
    );
    check_model::<EnrollmentAutomation>(
        s,
        "enrollment_automation",
        json!({
        "enrollment_automation_id": "a", "user_identity_id": "u",
        "credential_manager_acs_system_id": "s", "created_at": at}),
    );
    check_model::<AcsUser>(
        s,
        "acs_user",
        json!({"acs_user_id": "a", "acs_system_id": "s",
        "created_at": at, "access_schedule": schedule, "salto_ks_metadata": {}}),
    );
    check_model::<AcsCredential>(
        s,
        "acs_credential",
        json!({"acs_credential_id": "c",
        "acs_system_id": "s", "access_method": "code", "created_at": at,
        "warnings": warnings, "errors": errors}),
    );
    check_model::<Device>(
        s,
        "device",
        json!({"device_id": "d", "device_type": "august_lock",
        "created_at": at, "properties": {"code_constraints": [{"constraint_type": "no_zeros"}]},
        "warnings": warnings, "errors": errors}),
    );
    check_model::<AccessCode>(
        s,
        "access_code",
        json!({"access_code_id": "ac", "device_id": "d", "type": "ongoing",
        "status": "set", "created_at": at, "warnings": warnings, "errors": errors}),
    );
    check_model::<ActionAttempt>(
        s,
        "action_attempt",
        json!({"action_attempt_id": "aa", "action_type": "UNLOCK_DOOR", "status": "error",
        "error": {"type": "t", "message": "m"}}),
    );
    check_model::<Event>(
        s,
        "event",
        json!({"event_id": "e", "event_type": "lock.unlocked", "workspace_id": "w",
        "created_at": at, "occurred_at": at}),
    );
    check_model::<Webhook>(
        s,
        "webhook",
        json!({"webhook_id": "w", "url": "https://x", "event_types": ["lock.unlocked"],
        "secret": "whsec_x"}),
    );
    check_model::<ClientSession>(
        s,
        "client_session",
        json!({"client_session_id": "c",
        "token": "t", "created_at": at, "expires_at": at}),
    );
}
