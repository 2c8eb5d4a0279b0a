//! Access codes on a lock, and the action attempts behind them.

use chrono::{Duration, Timelike, Utc};
use seam_gateway::{
    AccessCode, AccessCodeFilter, AccessCodeStatus, AccessCodeType, ActionAttemptStatus,
    CreateAccessCode, SeamError, UpdateAccessCode,
};
use serde_json::json;

use crate::target::{against_both, Target};
use crate::ABSENT_ID;

async fn an_access_code_is_created_read_changed_and_deleted(t: &Target) {
    let seam = &t.seam;
    let created = seam
        .create_access_code(&CreateAccessCode {
            device_id: t.device_id.clone(),
            name: Some("Guest 4821".into()),
            code: Some("4821".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = created.access_code_id.clone();
    assert_eq!(created.device_id, t.device_id);
    assert_eq!(created.name.as_deref(), Some("Guest 4821"));
    assert_eq!(
        created.code.as_ref().map(seam_gateway::Pin::expose),
        Some("4821")
    );
    assert_eq!(created.kind, AccessCodeType::Ongoing);
    assert_eq!(created.status, AccessCodeStatus::Setting);

    let got = seam.get_access_code(&id).await.unwrap().unwrap();
    assert_eq!(got.access_code_id, id);
    assert_eq!(
        got.code.as_ref().map(seam_gateway::Pin::expose),
        Some("4821")
    );
    assert_absent(t, seam.get_access_code(ABSENT_ID).await);
    let theirs = t.other.get_access_code(&id).await;
    if t.caps.access_codes_and_events_isolated {
        assert_eq!(theirs.unwrap(), None);
    } else {
        // The fake shows another workspace's code.
        assert_eq!(theirs.unwrap().map(|c| c.access_code_id), Some(id.clone()));
    }

    let on_device = AccessCodeFilter {
        device_id: Some(t.device_id.clone()),
        ..Default::default()
    };
    let listed = seam.list_access_codes(&on_device).await.unwrap();
    assert!(listed.iter().any(|c| c.access_code_id == id));
    assert!(listed.iter().all(|c| c.device_id == t.device_id));
    let by_id = AccessCodeFilter {
        access_code_ids: Some(vec![id.clone()]),
        ..Default::default()
    };
    let one = seam.list_access_codes(&by_id).await.unwrap();
    assert_eq!(
        one.iter().map(|c| &c.access_code_id).collect::<Vec<_>>(),
        [&id]
    );

    if t.caps.access_code_status_advances {
        t.advance_clock(10).await;
        let set = seam.get_access_code(&id).await.unwrap().unwrap();
        assert_eq!(set.status, AccessCodeStatus::Set);
    } else {
        // The fake's codes stay `setting` for ever.
        let still = seam.get_access_code(&id).await.unwrap().unwrap();
        assert_eq!(still.status, AccessCodeStatus::Setting);
    }

    seam.update_access_code(&UpdateAccessCode {
        access_code_id: id.clone(),
        device_id: t.device_id.clone(),
        name: Some("Guest 4821 (renamed)".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let renamed = seam.get_access_code(&id).await.unwrap().unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Guest 4821 (renamed)"));
    assert_eq!(
        renamed.code.as_ref().map(seam_gateway::Pin::expose),
        Some("4821"),
        "the PIN is kept"
    );

    seam.delete_access_code(&t.device_id, &id).await.unwrap();
    if t.caps.clock {
        // Removal from the lock takes a moment, as on Seam.
        t.advance_clock(10).await;
    }
    assert_absent(t, seam.get_access_code(&id).await);
    assert!(seam
        .list_access_codes(&on_device)
        .await
        .unwrap()
        .iter()
        .all(|c| c.access_code_id != id));
    seam.delete_access_code(&t.device_id, &id).await.unwrap();
}
against_both!(an_access_code_is_created_read_changed_and_deleted);

/// A code that does not exist: `None` where the target says so in a way the gateway
/// understands, else the fake's untyped 404.
fn assert_absent(t: &Target, got: Result<Option<AccessCode>, SeamError>) {
    if t.caps.typed_access_code_not_found {
        assert_eq!(got.unwrap(), None);
    } else {
        let err = got.unwrap_err();
        assert_eq!(
            (err.status(), err.kind()),
            (Some(404), Some("not_found")),
            "{err}"
        );
    }
}

async fn a_time_bound_code_keeps_its_window(t: &Target) {
    // Whole seconds, so every target renders the instants alike.
    let starts_at = (Utc::now() + Duration::days(1)).with_nanosecond(0).unwrap();
    let ends_at = starts_at + Duration::days(3);
    let created = t
        .seam
        .create_access_code(&CreateAccessCode {
            device_id: t.device_id.clone(),
            name: Some("Stay 2024-07".into()),
            code: Some("7310".into()),
            starts_at: Some(starts_at),
            ends_at: Some(ends_at),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.kind, AccessCodeType::TimeBound);
    let got = t
        .seam
        .get_access_code(&created.access_code_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.starts_at, got.ends_at),
        (Some(starts_at), Some(ends_at))
    );
}
against_both!(a_time_bound_code_keeps_its_window);

async fn a_duplicate_code_on_one_lock_is_refused(t: &Target) {
    let request = CreateAccessCode {
        device_id: t.device_id.clone(),
        name: Some("First".into()),
        code: Some("5550".into()),
        ..Default::default()
    };
    t.seam.create_access_code(&request).await.unwrap();
    let again = CreateAccessCode {
        name: Some("Second".into()),
        ..request
    };
    let err = t.seam.create_access_code(&again).await.unwrap_err();
    assert_eq!(err.kind(), Some("duplicate_access_code"), "{err}");
    assert_eq!(err.status(), Some(t.caps.duplicate_code_status), "{err}");
    assert!(!err.is_transient() && !err.is_ambiguous(), "{err}");
}
against_both!(a_duplicate_code_on_one_lock_is_refused);

async fn an_action_attempt_is_read_back(t: &Target) {
    let created = t
        .seam
        .create_access_code(&CreateAccessCode {
            device_id: t.device_id.clone(),
            code: Some("9072".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    // The gateway drops the attempt an update answers with; ask Seam for it directly.
    let (status, body) = t
        .raw(
            "/access_codes/update",
            json!({"access_code_id": created.access_code_id, "name": "Renamed"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let attempt_id = body["action_attempt"]["action_attempt_id"]
        .as_str()
        .unwrap();
    let attempt = t
        .seam
        .get_action_attempt(attempt_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(attempt.action_attempt_id, attempt_id);
    assert_eq!(attempt.action_type, "UPDATE_ACCESS_CODE");
    assert!(matches!(
        attempt.status,
        ActionAttemptStatus::Pending | ActionAttemptStatus::Success
    ));
    assert_eq!(t.seam.get_action_attempt(ABSENT_ID).await.unwrap(), None);
}
against_both!(an_action_attempt_is_read_back);
