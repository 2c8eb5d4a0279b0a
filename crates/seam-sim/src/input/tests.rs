use serde_json::json;

use super::*;

fn input(body: Value) -> Input {
    Input::parse(body.to_string().as_bytes(), RequestMeta::default()).unwrap()
}

fn refusal(input: Input) -> (String, Value) {
    match input.finish() {
        Err(SimError::InvalidInput {
            message,
            validation_errors,
        }) => (message, validation_errors.unwrap()),
        other => panic!("expected invalid_input, got {other:?}"),
    }
}

#[test]
fn an_empty_body_is_an_empty_object() {
    let mut input = Input::parse(b"", RequestMeta::default()).unwrap();
    assert_eq!(input.optional("anything", string), None);
    assert!(input.finish().is_ok());
}

#[test]
fn a_missing_required_field_is_named() {
    let mut input = input(json!({ "full_name": "Jane" }));
    let id: String = input.required("acs_system_id", uuid);
    assert_eq!(id, "");
    let (message, errors) = refusal(input);
    assert_eq!(message, "acs_system_id is required");
    assert_eq!(
        errors,
        json!({ "_errors": [], "acs_system_id": { "_errors": ["Required"] } })
    );
}

#[test]
fn several_problems_are_reported_together() {
    let mut input = input(json!({ "access_method": "fax", "is_multi_phone_sync_credential": 1 }));
    input.optional("access_method", |v| one_of(v, &["code", "mobile_key"]));
    input.optional("is_multi_phone_sync_credential", boolean);
    let (message, errors) = refusal(input);
    assert!(message.starts_with("2 Input Errors: "), "{message}");
    assert_eq!(
        errors["access_method"]["_errors"][0],
        "Invalid enum value. Expected 'code' | 'mobile_key', received 'fax'"
    );
    assert_eq!(
        errors["is_multi_phone_sync_credential"]["_errors"][0],
        "Expected boolean, received number"
    );
}

#[test]
fn null_is_refused_unless_the_field_is_nullable() {
    let mut input = input(json!({ "a": null, "b": null }));
    assert_eq!(input.nullable("a", string), None);
    assert_eq!(input.optional("b", string), None);
    let (message, _) = refusal(input);
    assert_eq!(message, "Expected string, received null for \"b\"");
}

#[test]
fn nested_and_list_issues_carry_their_path() {
    let mut input = input(json!({
        "access_schedule": { "starts_at": "tomorrow" },
        "allowed_acs_entrance_ids": ["not-a-uuid"],
    }));
    let mut schedule = input.optional_object("access_schedule").unwrap();
    schedule.optional("starts_at", datetime);
    input.absorb(schedule);
    input.optional_list("allowed_acs_entrance_ids", uuid);
    let (_, errors) = refusal(input);
    assert_eq!(
        errors["access_schedule"]["starts_at"]["_errors"][0],
        "Invalid datetime"
    );
    assert_eq!(
        errors["allowed_acs_entrance_ids"]["0"]["_errors"][0],
        "Invalid uuid"
    );
}

#[test]
fn non_objects_and_bad_json_are_invalid_input() {
    let array = Input::parse(b"[1]", RequestMeta::default()).unwrap_err();
    assert_eq!(array.error_type(), "invalid_input");
    let garbage = Input::parse(b"{nope", RequestMeta::default()).unwrap_err();
    assert_eq!(garbage.error_type(), "invalid_input");
}

#[test]
fn formats_are_checked() {
    assert!(email(&json!("jane@example.com")).is_ok());
    assert!(email(&json!("jane@")).is_err());
    assert!(phone(&json!("+15555550100")).is_ok());
    assert!(phone(&json!("555-0100")).is_err());
    assert!(digits(&json!("1234")).is_ok());
    assert!(digits(&json!("12a4")).is_err());
}

#[test]
fn the_fingerprint_ignores_excluded_fields() {
    let a = input(json!({ "acs_system_id": "x", "limit": 1 }));
    let b = input(json!({ "acs_system_id": "x", "page_cursor": "c" }));
    let c = input(json!({ "acs_system_id": "y" }));
    let skip = ["limit", "page_cursor"];
    assert_eq!(a.fingerprint(&skip), b.fingerprint(&skip));
    assert_ne!(a.fingerprint(&skip), c.fingerprint(&skip));
}

#[test]
fn pins_are_four_to_twelve_digits() {
    assert_eq!(pin(&json!("1234")), Ok("1234".to_owned()));
    assert_eq!(pin(&json!("123456789012")).map(|p| p.len()), Ok(12));
    assert!(pin(&json!("123")).is_err());
    assert!(pin(&json!("1234567890123")).is_err());
    assert!(pin(&json!("12a4")).is_err());
    assert!(pin(&json!(1234)).is_err());
}

#[test]
fn webhook_urls_are_absolute_http() {
    assert!(http_url(&json!("http://127.0.0.1:8080/hook")).is_ok());
    assert!(http_url(&json!("https://example.com/seam")).is_ok());
    assert!(http_url(&json!("ftp://example.com")).is_err());
    assert!(http_url(&json!("not a url")).is_err());
}
