//! The validator itself: it must catch what it is there to catch, on Seam's real schemas.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::openapi::{Part, Spec, Violation};

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(Spec::load)
}

const AT: &str = "2024-01-01T00:00:00.000Z";
const SYSTEM: &str = "6c4b2a8e-2f7a-4a8e-9f3c-0b1d2e3f4a5b";
const USER: &str = "0d5f9c1e-7b2a-4c3d-8e9f-1a2b3c4d5e6f";
const WORKSPACE: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";

/// A `/acs/users/get` body that Seam's description accepts.
fn acs_user_reply() -> Value {
    json!({
        "ok": true,
        "acs_user": {
            "acs_user_id": USER,
            "acs_system_id": SYSTEM,
            "workspace_id": WORKSPACE,
            "connected_account_id": SYSTEM,
            "created_at": AT,
            "display_name": "Jane Doe",
            "full_name": "Jane Doe",
            "email_address": "jane@example.com",
            "is_managed": true,
            "is_suspended": false,
            "warnings": [],
            "errors": [],
            "pending_mutations": [],
            "last_successful_sync_at": null
        }
    })
}

fn pointers(found: &[Violation]) -> Vec<&str> {
    found.iter().map(|v| v.pointer.as_str()).collect()
}

#[test]
fn a_valid_response_passes() {
    let found = spec().validate_response("/acs/users/get", &acs_user_reply());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_wrong_type_is_caught_with_its_pointer() {
    let mut reply = acs_user_reply();
    reply["acs_user"]["is_suspended"] = json!("no");
    let found = spec().validate_response("/acs/users/get", &reply);
    assert_eq!(pointers(&found), ["/acs_user/is_suspended"], "{found:#?}");
    assert_eq!(found[0].part, Part::Response);
    assert_eq!(found[0].path, "/acs/users/get");
}

#[test]
fn a_missing_required_field_is_caught() {
    let mut reply = acs_user_reply();
    reply["acs_user"]
        .as_object_mut()
        .unwrap()
        .remove("created_at");
    let found = spec().validate_response("/acs/users/get", &reply);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].pointer, "/acs_user");
    assert!(found[0].message.contains("created_at"), "{}", found[0]);

    let mut reply = acs_user_reply();
    reply.as_object_mut().unwrap().remove("acs_user");
    assert_eq!(
        spec().validate_response("/acs/users/get", &reply).len(),
        1,
        "the response key itself is required"
    );
}

#[test]
fn null_is_accepted_only_where_the_spec_says_nullable() {
    // `last_successful_sync_at` is `nullable: true`; `display_name` is not.
    let mut reply = acs_user_reply();
    reply["acs_user"]["last_successful_sync_at"] = Value::Null;
    assert!(spec()
        .validate_response("/acs/users/get", &reply)
        .is_empty());
    reply["acs_user"]["display_name"] = Value::Null;
    let found = spec().validate_response("/acs/users/get", &reply);
    assert_eq!(pointers(&found), ["/acs_user/display_name"], "{found:#?}");
}

#[test]
fn a_nullable_enum_accepts_null_and_its_values_only() {
    // Translation, checked on a schema written the OpenAPI 3.0 way.
    let spec = spec();
    let schema = spec.translate(&json!({
        "type": "string", "enum": ["a", "b"], "nullable": true, "x-undocumented": "yes",
        "discriminator": {"propertyName": "kind"}
    }));
    assert_eq!(
        schema,
        json!({"type": ["string", "null"], "enum": ["a", "b", null]})
    );
    let one_of = spec.translate(&json!({
        "nullable": true, "oneOf": [{"type": "string"}, {"type": "integer"}]
    }));
    let validator = jsonschema::validator_for(&one_of).unwrap();
    assert!(validator.is_valid(&Value::Null));
    assert!(validator.is_valid(&json!(3)));
    assert!(!validator.is_valid(&json!(true)));
}

#[test]
fn a_draft_four_exclusive_minimum_is_translated() {
    let schema = spec().translate(&json!({
        "type": "number", "minimum": 0, "exclusiveMinimum": true, "format": "float"
    }));
    assert_eq!(schema, json!({"type": "number", "exclusiveMinimum": 0}));
}

#[test]
fn ids_are_uuids_unless_the_target_says_they_are_opaque() {
    let mut reply = acs_user_reply();
    reply["acs_user"]["acs_user_id"] = json!("acs_user1");
    let found = spec().validate_response("/acs/users/get", &reply);
    assert_eq!(pointers(&found), ["/acs_user/acs_user_id"], "{found:#?}");
    let opaque = Spec::load().opaque_ids();
    assert!(opaque
        .validate_response("/acs/users/get", &reply)
        .is_empty());
}

#[test]
fn a_malformed_timestamp_is_caught() {
    let mut reply = acs_user_reply();
    reply["acs_user"]["created_at"] = json!("yesterday");
    let found = spec().validate_response("/acs/users/get", &reply);
    assert_eq!(pointers(&found), ["/acs_user/created_at"], "{found:#?}");
}

#[test]
fn a_request_with_a_wrong_type_or_without_a_required_field_is_caught() {
    let ok = json!({"acs_system_id": SYSTEM, "full_name": "Jane Doe"});
    assert!(spec().validate_request("/acs/users/create", &ok).is_empty());
    let found = spec().validate_request("/acs/users/create", &json!({"full_name": "Jane"}));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("acs_system_id"));
    let found = spec().validate_request(
        "/acs/users/create",
        &json!({"acs_system_id": SYSTEM, "full_name": 7}),
    );
    assert_eq!(pointers(&found), ["/full_name"], "{found:#?}");
}

#[test]
fn strict_mode_rejects_a_field_seam_does_not_know() {
    let body = json!({
        "acs_system_id": SYSTEM,
        "full_name": "Jane Doe",
        "nickname": "JD",
        "access_schedule": {"starts_at": AT, "ends_at": AT, "timezone": "UTC"}
    });
    let found = spec().unknown_request_fields("/acs/users/create", &body);
    assert_eq!(
        pointers(&found),
        ["/access_schedule/timezone", "/nickname"],
        "{found:#?}"
    );
    assert!(found[1].message.contains("unknown field"), "{}", found[1]);
    // `validate_request` includes the strict check.
    assert_eq!(
        spec()
            .validate_request("/acs/users/create", &body)
            .iter()
            .filter(|v| v.message.contains("unknown field"))
            .count(),
        2
    );
}

#[test]
fn an_error_body_must_be_seams_envelope() {
    let good = json!({"ok": false, "error": {"type": "not_found", "message": "gone",
        "validation_errors": {"code": {"_errors": ["too short"]}}}});
    assert!(spec().validate_error("/acs/users/get", &good).is_empty());
    let no_type = json!({"ok": false, "error": {"message": "gone"}});
    assert_eq!(spec().validate_error("/acs/users/get", &no_type).len(), 1);
    let bare = json!({"error": "gone"});
    assert!(!spec().validate_error("/acs/users/get", &bare).is_empty());
}

#[test]
fn a_path_seam_does_not_have_is_a_violation() {
    let found = spec().validate_request("/acs/users/teleport", &json!({}));
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("no POST"), "{}", found[0]);
}

#[test]
fn overlapping_union_members_are_accepted_as_seam_accepts_them() {
    // `/acs/credentials/list` is a union of {acs_user_id}, {acs_system_id}, both, and `{}`:
    // a body with both ids matches three members, which JSON Schema's `oneOf` would refuse.
    let body = json!({"acs_user_id": USER, "acs_system_id": SYSTEM, "limit": 500});
    let found = spec().validate_request("/acs/credentials/list", &body);
    assert!(found.is_empty(), "{found:#?}");
    let found = spec().validate_request("/acs/credentials/list", &json!({"limit": "many"}));
    assert_eq!(pointers(&found), ["/limit"], "{found:#?}");
}

#[test]
fn an_operation_without_a_body_takes_an_empty_object() {
    assert!(spec()
        .validate_request("/workspaces/get", &json!({}))
        .is_empty());
    let found = spec().validate_request("/workspaces/get", &json!({"workspace_id": WORKSPACE}));
    assert!(!found.is_empty());
}

#[test]
fn an_event_is_held_to_its_own_types_branch() {
    let code_event = json!({
        "event_id": USER,
        "workspace_id": WORKSPACE,
        "created_at": AT,
        "occurred_at": AT,
        "event_type": "access_code.created",
        "access_code_id": USER,
        "device_id": SYSTEM,
        "connected_account_id": SYSTEM,
    });
    assert_eq!(spec().validate_event("test", &code_event), vec![]);

    // A field of another type's branch (acs_user.* has acs_user_id) is unknown here.
    let mut foreign = code_event.clone();
    foreign["acs_user_id"] = json!(USER);
    let found = spec().validate_event("test", &foreign);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].pointer, "/acs_user_id");

    // A required field of its own branch is missing.
    let mut missing = code_event.clone();
    missing.as_object_mut().unwrap().remove("access_code_id");
    assert!(!spec().validate_event("test", &missing).is_empty());

    // In a list, each event is checked and pointed at.
    let listed = json!({ "ok": true, "events": [code_event, foreign] });
    let found = spec().validate_events_in("/events/list", &listed);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].pointer, "/events/1/acs_user_id");
}
