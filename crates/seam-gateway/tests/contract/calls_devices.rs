//! The device calls: devices and locks, access codes and their action attempts, events,
//! webhooks and client sessions, each with every optional field set at least once.

use chrono::{Duration, Utc};
use seam_gateway::{
    AccessCodeFilter, AccessCodeType, CreateAccessCode, CreateClientSession, CreateWebhook, Device,
    DeviceFilter, EventFilter, EventType, UpdateAccessCode,
};
use serde_json::json;

use crate::calls_acs::{refused_or_ok, ABSENT_ID};
use crate::harness::Harness;

/// The simulator's online locks with keypads.
async fn code_locks(h: &Harness) -> Vec<Device> {
    let devices = h.seam.list_devices(&DeviceFilter::default()).await.unwrap();
    devices
        .into_iter()
        .filter(|d| d.supports_online_access_codes() && d.properties.online == Some(true))
        .collect()
}

pub async fn devices(h: &Harness) {
    let seam = &h.seam;
    let devices = seam.list_devices(&DeviceFilter::default()).await.unwrap();
    let one = DeviceFilter {
        device_ids: Some(vec![devices[0].device_id.clone()]),
    };
    assert_eq!(seam.list_devices(&one).await.unwrap().len(), 1);
    for device in &devices {
        let got = seam.get_device(&device.device_id).await.unwrap().unwrap();
        assert_eq!(got.device_id, device.device_id);
    }
    let lock = seam.get_lock(&devices[0].device_id).await.unwrap().unwrap();
    assert_eq!(lock.device_id, devices[0].device_id);
    assert_eq!(seam.get_device(ABSENT_ID).await.unwrap(), None);
    assert_eq!(seam.get_lock(ABSENT_ID).await.unwrap(), None);
}

pub async fn access_codes(h: &Harness) {
    let seam = &h.seam;
    let locks = code_locks(h).await;
    let (lock, spare) = (&locks[0].device_id, &locks[1].device_id);
    let now = Utc::now();

    // Every field, on the spare lock (an offline code on an online-only lock is refused).
    let everything = CreateAccessCode {
        device_id: spare.clone(),
        name: Some("Every field".into()),
        code: Some("2468".into()),
        starts_at: Some(now + Duration::hours(1)),
        ends_at: Some(now + Duration::days(2)),
        common_code_key: Some("stay-42".into()),
        preferred_code_length: Some(4),
        prefer_native_scheduling: Some(true),
        is_offline_access_code: Some(false),
        is_one_time_use: Some(false),
        attempt_for_offline_device: Some(true),
        allow_external_modification: Some(false),
        use_backup_access_code_pool: Some(false),
    };
    refused_or_ok(seam.create_access_code(&everything).await);
    refused_or_ok(
        seam.create_access_code(&CreateAccessCode {
            is_offline_access_code: Some(true),
            code: Some("1357".into()),
            ..everything
        })
        .await,
    );

    let code = seam
        .create_access_code(&CreateAccessCode {
            device_id: lock.clone(),
            name: Some("Guest".into()),
            code: Some("4821".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = &code.access_code_id;
    assert_eq!(
        seam.get_access_code(id).await.unwrap().map(|c| c.code),
        Some(Some("4821".into()))
    );
    assert_eq!(seam.get_access_code(ABSENT_ID).await.unwrap(), None);
    let both = AccessCodeFilter {
        device_id: Some(lock.clone()),
        access_code_ids: Some(vec![id.clone()]),
    };
    assert_eq!(seam.list_access_codes(&both).await.unwrap().len(), 1);

    let every_update = UpdateAccessCode {
        access_code_id: id.clone(),
        device_id: lock.clone(),
        name: Some("Guest, longer stay".into()),
        code: Some("4822".into()),
        starts_at: Some(now + Duration::hours(2)),
        ends_at: Some(now + Duration::days(4)),
        kind: Some(AccessCodeType::TimeBound),
        preferred_code_length: Some(4),
        prefer_native_scheduling: Some(true),
        is_offline_access_code: Some(false),
        is_one_time_use: Some(false),
        attempt_for_offline_device: Some(true),
        allow_external_modification: Some(false),
        use_backup_access_code_pool: Some(false),
    };
    refused_or_ok(seam.update_access_code(&every_update).await);
    seam.update_access_code(&UpdateAccessCode {
        access_code_id: id.clone(),
        device_id: lock.clone(),
        name: Some("Guest, renamed".into()),
        ..Default::default()
    })
    .await
    .unwrap();

    // The gateway drops the attempt an update answers with; ask Seam for it directly.
    let response = reqwest::Client::new()
        .post(format!("{}/access_codes/update", h.proxy.base_url()))
        .bearer_auth(&h.api_key)
        .json(&json!({"access_code_id": id, "name": "Guest, again"}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    let attempt_id = body["action_attempt"]["action_attempt_id"]
        .as_str()
        .unwrap();
    let attempt = seam.get_action_attempt(attempt_id).await.unwrap().unwrap();
    assert_eq!(attempt.action_attempt_id, attempt_id);
    assert_eq!(seam.get_action_attempt(ABSENT_ID).await.unwrap(), None);
    h.advance_clock(10).await;
    seam.get_action_attempt(attempt_id).await.unwrap().unwrap();

    seam.delete_access_code(lock, id).await.unwrap();
    h.advance_clock(10).await;
    assert_eq!(seam.get_access_code(id).await.unwrap(), None);
    seam.delete_access_code(lock, id).await.unwrap();
}

pub async fn events_and_webhooks(h: &Harness) {
    let seam = &h.seam;
    let since = Utc::now() - Duration::days(1);
    let events = seam.list_events(&EventFilter::since(since)).await.unwrap();
    assert!(!events.is_empty(), "the earlier calls left events");
    let code_event = events.iter().find(|e| e.access_code_id.is_some()).unwrap();
    let every_field = EventFilter {
        event_types: Some(vec![
            EventType::AccessCodeCreated,
            EventType::AcsUserDeleted,
        ]),
        device_id: code_event.device_id.clone(),
        access_code_id: code_event.access_code_id.clone(),
        acs_system_id: Some(ABSENT_ID.into()),
        acs_user_id: Some(ABSENT_ID.into()),
        acs_credential_id: Some(ABSENT_ID.into()),
        user_identity_id: Some(ABSENT_ID.into()),
        limit: Some(50),
        ..EventFilter::between(since, Utc::now() + Duration::hours(1))
    };
    refused_or_ok(seam.list_events(&every_field).await);

    let hook = seam
        .create_webhook(&CreateWebhook {
            url: "http://127.0.0.1:9/contract-hook".into(),
            event_types: Some(vec![EventType::AccessCodeSetOnDevice]),
        })
        .await
        .unwrap();
    assert!(seam
        .list_webhooks()
        .await
        .unwrap()
        .iter()
        .any(|w| w.webhook_id == hook.webhook_id));
    seam.delete_webhook(&hook.webhook_id).await.unwrap();
    seam.delete_webhook(&hook.webhook_id).await.unwrap();
}

pub async fn client_sessions(h: &Harness) {
    let seam = &h.seam;
    let every_field = CreateClientSession {
        user_identity_id: Some(ABSENT_ID.into()),
        user_identifier_key: Some("resident-7".into()),
        connected_account_ids: Some(vec![ABSENT_ID.into()]),
        connect_webview_ids: Some(vec![ABSENT_ID.into()]),
        expires_at: Some(Utc::now() + Duration::days(7)),
    };
    refused_or_ok(seam.create_client_session(&every_field).await);
    let session = seam
        .create_client_session(&CreateClientSession {
            user_identifier_key: Some("resident-7".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!session.token.is_empty());
}
