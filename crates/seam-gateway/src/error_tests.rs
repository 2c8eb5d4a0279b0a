//! What each error says about retrying, and that no text leaks the key.

use super::*;

fn rejected(status: u16, kind: &str) -> SeamError {
    SeamError::Rejected {
        endpoint: "/acs/users/get",
        status,
        kind: kind.to_owned(),
        message: "nope".to_owned(),
        request_id: Some("req_1".to_owned()),
        validation_errors: BTreeMap::new(),
    }
}

#[test]
fn only_the_matching_variant_answers_not_found_or_endpoint_missing() {
    let not_found = SeamError::NotFound {
        endpoint: "/acs/users/get",
        kind: "acs_user_not_found".to_owned(),
        message: "gone".to_owned(),
        request_id: None,
    };
    let removed = SeamError::EndpointRemoved {
        endpoint: "/acs/users/get",
        status: 410,
        kind: String::new(),
        message: "Gone".to_owned(),
        request_id: Some("req_9".to_owned()),
    };
    assert!(not_found.is_resource_not_found() && !not_found.is_endpoint_missing());
    assert!(removed.is_endpoint_missing() && !removed.is_resource_not_found());
    assert_eq!(
        (not_found.status(), not_found.kind()),
        (Some(404), Some("acs_user_not_found"))
    );
    assert_eq!((removed.status(), removed.kind()), (Some(410), None));
    assert_eq!(removed.request_id(), Some("req_9"));
    for err in [&not_found, &removed, &rejected(404, "acs_user_not_found")] {
        assert!(!err.is_transient() && !err.is_ambiguous(), "{err}");
    }
    // A `Rejected` is neither, whatever its status: classifying is the envelope's job.
    assert!(!rejected(404, "acs_user_not_found").is_resource_not_found());
    assert!(!rejected(404, "").is_endpoint_missing());
    assert!(removed.to_string().contains("has no endpoint"), "{removed}");
}

#[test]
fn display_names_the_endpoint_kind_and_request_id() {
    let text = rejected(400, "invalid_input").to_string();
    assert!(text.contains("/acs/users/get"), "{text}");
    assert!(text.contains("invalid_input"), "{text}");
    assert!(text.contains("req_1"), "{text}");
    assert_eq!(rejected(400, "invalid_input").kind(), Some("invalid_input"));
    assert_eq!(rejected(400, "").kind(), None);
}

#[test]
fn unavailable_and_not_sent_are_transient() {
    let unavailable = SeamError::Unavailable {
        endpoint: "/acs/users/list",
        status: Some(503),
        request_id: None,
        retry_after: None,
        detail: "x".to_owned(),
    };
    let ambiguous = SeamError::Ambiguous {
        endpoint: "/acs/users/create",
        status: None,
        request_id: None,
        detail: "x".to_owned(),
    };
    let not_sent = SeamError::NotSent {
        endpoint: "/access_codes/create",
        reason: "x".to_owned(),
        retry_after: Some(Duration::from_secs(3)),
    };
    assert!(unavailable.is_transient() && !unavailable.is_ambiguous());
    assert!(not_sent.is_transient() && !not_sent.is_ambiguous());
    assert!(ambiguous.is_ambiguous() && !ambiguous.is_transient());
    assert!(!rejected(500, "").is_transient());
    assert_eq!(not_sent.retry_after(), Some(Duration::from_secs(3)));
    assert_eq!(not_sent.status(), None);
    assert_eq!(not_sent.request_id(), None);
    assert_eq!(unavailable.retry_after(), None);
    assert_eq!(ambiguous.retry_after(), None);
}

#[test]
fn a_refused_key_and_a_429_are_named() {
    assert!(rejected(401, "unauthorized").is_unauthorized());
    assert!(rejected(403, "forbidden").is_unauthorized());
    assert!(!rejected(400, "invalid_input").is_unauthorized());
    assert!(!rejected(404, "").is_unauthorized());
    let limited = |status| SeamError::Unavailable {
        endpoint: "/access_codes/create",
        status,
        request_id: None,
        retry_after: Some(Duration::from_secs(7)),
        detail: "slow down".to_owned(),
    };
    assert!(limited(Some(429)).is_rate_limited());
    assert_eq!(
        limited(Some(429)).retry_after(),
        Some(Duration::from_secs(7))
    );
    assert!(!limited(Some(503)).is_rate_limited());
    assert!(!limited(None).is_rate_limited());
    assert!(!limited(Some(429)).is_unauthorized());
    assert!(!rejected(429, "").is_rate_limited());
}

#[test]
fn a_reason_is_scrubbed_of_the_key() {
    let err = SeamError::NotSent {
        endpoint: "/acs/users/list",
        reason: "after seam_key_1 echoed".to_owned(),
        retry_after: None,
    }
    .scrubbed("seam_key_1");
    assert!(!err.to_string().contains("seam_key_1"), "{err}");
    assert_eq!(err.outcome(), "not_sent");
}

#[test]
fn pins_quoted_in_seams_messages_are_redacted_but_ids_are_not() {
    assert_eq!(
        super::redact_pins("code 4821 is already in use on device 7f3a-1234-aa, retry in 30 s"),
        "code [pin] is already in use on device 7f3a-1234-aa, retry in 30 s"
    );
    assert_eq!(
        super::redact_pins("\"code\":\"123456\""),
        "\"code\":\"[pin]\""
    );
    assert_eq!(
        super::redact_pins("access_code_9912 x"),
        "access_code_9912 x"
    );
}
