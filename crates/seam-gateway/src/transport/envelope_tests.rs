//! Reading Seam's answers against canned responses: the error envelope, not-found, bodies
//! that grew, and what the request carries and the logs show.

use serde_json::json;

use crate::test_server::{Canned, TestServer, API_KEY};
use crate::{AccessMethod, CreateAcsUser, SeamError};

pub(super) fn systems_body() -> serde_json::Value {
    json!({"ok": true, "acs_systems": [{
        "acs_system_id": "sys_1",
        "name": "Building A",
        "external_type": "latch_building",
        "is_credential_manager": false,
        "created_at": "2024-01-01T00:00:00Z"
    }]})
}

pub(super) fn acs_user_request() -> CreateAcsUser {
    CreateAcsUser {
        acs_system_id: "sys_1".into(),
        user_identity_id: Some("ui_1".into()),
        full_name: "Jane Doe".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_error_envelope_becomes_a_rejection_with_validation_errors_and_request_id() {
    let body = json!({"ok": false, "error": {
        "type": "invalid_input",
        "message": "Invalid input",
        "validation_errors": {
            "_errors": [],
            "full_name": {"_errors": ["Required"]},
            "access_schedule": {"_errors": [], "ends_at": {"_errors": ["Must be after starts_at"]}}
        }
    }});
    let server = TestServer::start(vec![Canned::json(400, body)]).await;
    let err = server
        .client()
        .create_acs_user(&acs_user_request())
        .await
        .unwrap_err();

    let SeamError::Rejected {
        endpoint,
        status,
        kind,
        message,
        request_id,
        validation_errors,
    } = &err
    else {
        panic!("expected Rejected, got {err:?}");
    };
    assert_eq!((*endpoint, *status), ("/acs/users/create", 400));
    assert_eq!(
        (kind.as_str(), message.as_str()),
        ("invalid_input", "Invalid input")
    );
    assert_eq!(request_id.as_deref(), Some("req_400"));
    assert_eq!(validation_errors["full_name"], vec!["Required"]);
    assert_eq!(
        validation_errors["access_schedule.ends_at"],
        vec!["Must be after starts_at"]
    );
    assert_eq!(validation_errors.len(), 2);
    assert_eq!(err.kind(), Some("invalid_input"));
    assert!(!err.is_transient() && !err.is_ambiguous());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_missing_object_is_none_and_a_missing_route_is_an_error() {
    let server = TestServer::start(vec![
        Canned::error(404, "acs_user_not_found", "ACS user not found"),
        Canned::error(404, "endpoint_not_found", "no such endpoint"),
        Canned::text(404, "Not Found"),
    ])
    .await;
    let client = server.client();
    assert_eq!(client.get_acs_user("gone").await.unwrap(), None);
    let missing_route = client.get_acs_user("x").await.unwrap_err();
    assert!(
        matches!(
            missing_route,
            SeamError::EndpointRemoved { status: 404, .. }
        ),
        "{missing_route:?}"
    );
    let bare_404 = client.get_acs_user("x").await.unwrap_err();
    assert!(
        matches!(bare_404, SeamError::EndpointRemoved { ref kind, .. } if kind.is_empty()),
        "{bare_404:?}"
    );
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn deleting_through_a_removed_endpoint_is_an_error_not_done() {
    let server = TestServer::start(vec![
        Canned::error(404, "not_found", "Not Found"),
        Canned::text(410, "Gone"),
        Canned::error(404, "user_identity_not_found", "gone"),
    ])
    .await;
    let client = server.client();
    let err = client.delete_user_identity("ui_1").await.unwrap_err();
    assert!(err.is_endpoint_missing(), "{err:?}");
    let err = client.delete_user_identity("ui_1").await.unwrap_err();
    assert!(
        matches!(err, SeamError::EndpointRemoved { status: 410, .. }),
        "{err:?}"
    );
    client.delete_user_identity("ui_1").await.unwrap();
    assert_eq!(server.hits(), 3, "a refusal is not retried");
}

#[test]
fn a_refusal_is_about_the_route_the_object_or_the_request() {
    use super::envelope::Refusal;
    for kind in ["", "not_found", "endpoint_not_found", "route_not_found"] {
        assert_eq!(Refusal::of(404, kind), Refusal::EndpointRemoved, "{kind:?}");
    }
    assert_eq!(
        Refusal::of(410, "acs_user_not_found"),
        Refusal::EndpointRemoved
    );
    for kind in [
        "acs_user_not_found",
        "access_code_not_found",
        "device_not_found",
    ] {
        assert_eq!(Refusal::of(404, kind), Refusal::NotFound, "{kind}");
    }
    assert_eq!(Refusal::of(404, "something_else"), Refusal::Rejected);
    assert_eq!(Refusal::of(400, "acs_user_not_found"), Refusal::Rejected);
    assert_eq!(Refusal::of(400, "invalid_input"), Refusal::Rejected);
}

#[tokio::test]
async fn deleting_what_is_already_gone_is_done() {
    let server = TestServer::start(vec![
        Canned::error(404, "user_identity_not_found", "gone"),
        Canned::ok(json!({"ok": true})),
    ])
    .await;
    let client = server.client();
    client.delete_user_identity("ui_1").await.unwrap();
    client.delete_user_identity("ui_1").await.unwrap();
    assert_eq!(server.seen()[0].path, "/user_identities/delete");
    assert_eq!(server.seen()[0].body, json!({"user_identity_id": "ui_1"}));
}

#[tokio::test]
async fn unknown_values_and_fields_parse_through_the_whole_path() {
    let server = TestServer::start(vec![Canned::ok(json!({
        "ok": true,
        "acs_credential": {
            "acs_credential_id": "cred_1",
            "acs_system_id": "sys_1",
            "access_method": "telepathy",
            "created_at": "2024-01-01T00:00:00Z",
            "warnings": [{"warning_code": "invented_tomorrow", "message": "?"}],
            "a_field_from_the_future": {"x": 1}
        },
        "another_top_level_field": true
    }))])
    .await;
    let credential = server
        .client()
        .get_acs_credential("cred_1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        credential.access_method,
        AccessMethod::Unknown("telepathy".into())
    );
    assert!(credential.has_warning("invented_tomorrow"));
}

#[tokio::test]
async fn a_success_body_without_the_response_key_is_a_decode_error() {
    let server = TestServer::start(vec![Canned::ok(json!({"ok": true}))]).await;
    let err = server.client().get_workspace().await.unwrap_err();
    assert!(matches!(err, SeamError::Decode { .. }), "{err:?}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_create_answered_with_success_we_cannot_read_is_ambiguous() {
    let server = TestServer::start(vec![
        Canned::ok(json!({"ok": true})),
        Canned::ok(json!({"ok": true, "acs_user": {"acs_user_id": 42}})),
        Canned::text(200, "<html>proxy says hi</html>"),
        Canned::json(201, json!({"ok": false})),
    ])
    .await;
    let client = server.client();
    for expected in [
        "no `acs_user`",
        "invalid type",
        "not a JSON object",
        "`ok: false`",
    ] {
        let err = client
            .create_acs_user(&acs_user_request())
            .await
            .unwrap_err();
        let SeamError::Ambiguous { detail, .. } = &err else {
            panic!("expected Ambiguous, got {err:?}");
        };
        assert!(detail.contains(expected), "{expected}: {detail}");
        assert!(err.is_ambiguous() && !err.is_transient());
    }
    // Each was sent once: a create is never repeated.
    assert_eq!(server.hits(), 4);
}

#[tokio::test]
async fn requests_carry_the_key_and_default_headers_and_nothing_else_shows_it() {
    let echo = format!("Invalid API key {API_KEY}");
    let server = TestServer::start(vec![Canned::error(401, "unauthorized", &echo)]).await;
    let client = server.client();
    let err = client.get_workspace().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");

    let seen = &server.seen()[0];
    assert_eq!(seen.path, "/workspaces/get");
    assert_eq!(
        seen.headers["authorization"],
        format!("Bearer {API_KEY}").as_str()
    );
    assert_eq!(seen.headers["accept"], "application/json");
    assert_eq!(seen.headers["content-type"], "application/json");
    assert!(seen.headers["user-agent"]
        .to_str()
        .unwrap()
        .starts_with("doorway-seam-gateway/"));

    for text in [format!("{err}"), format!("{err:?}"), format!("{client:?}")] {
        assert!(!text.contains(API_KEY), "key leaked: {text}");
    }
    assert!(format!("{err}").contains("[redacted]"));
}

#[tokio::test]
async fn each_call_is_one_span_with_its_outcome_and_never_the_key() {
    use std::sync::{Arc, Mutex};

    use tracing::instrument::WithSubscriber;
    use tracing_subscriber::fmt::format::FmtSpan;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let server = TestServer::start(vec![
        Canned::error(502, "bad_gateway", &format!("upstream saw {API_KEY}")),
        Canned::ok(systems_body()),
    ])
    .await;
    // With a single dispatcher, tracing computes a callsite's interest from the default of
    // whichever thread first reaches it: another test's thread, with no subscriber. A second
    // live dispatcher makes it consult every registered dispatcher, this one included.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_span_events(FmtSpan::CLOSE)
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    server
        .client()
        .list_acs_systems()
        .with_subscriber(subscriber)
        .await
        .unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let closed = log
        .lines()
        .find(|l| l.contains("close"))
        .unwrap_or_else(|| panic!("{log}"));
    for field in [
        "seam.call",
        "/acs/systems/list",
        "status=200",
        "attempts=2",
        "queued_ms=",
        "duration_ms=",
        "seam_request_id=\"req_200\"",
        "outcome=\"ok\"",
    ] {
        assert!(closed.contains(field), "{field} missing from {closed}");
    }
    assert!(log.contains("retrying"), "{log}");
    assert!(!log.contains(API_KEY), "{log}");
}
