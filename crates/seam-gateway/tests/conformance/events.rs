//! Events, and the webhooks that would carry them.

use chrono::{Duration, Utc};
use seam_gateway::{CreateAccessCode, CreateWebhook, EventFilter, EventType};

use crate::target::{against_both, Target};

async fn an_access_code_leaves_an_event(t: &Target) {
    let before = Utc::now() - Duration::minutes(5);
    let code = t
        .seam
        .create_access_code(&CreateAccessCode {
            device_id: t.device_id.clone(),
            name: Some("Evented".into()),
            code: Some("6034".into()),
            ..Default::default()
        })
        .await
        .unwrap();

    let everything = t
        .seam
        .list_events(&EventFilter::since(before))
        .await
        .unwrap();
    let created = everything
        .iter()
        .find(|e| {
            e.event_type == EventType::AccessCodeCreated
                && e.access_code_id.as_deref() == Some(&code.access_code_id)
        })
        .unwrap();
    assert_eq!(created.device_id.as_deref(), Some(t.device_id.as_str()));

    let narrowed = EventFilter {
        device_id: Some(t.device_id.clone()),
        event_types: Some(vec![EventType::AccessCodeCreated]),
        ..EventFilter::since(before)
    };
    let only = t.seam.list_events(&narrowed).await.unwrap();
    assert!(only.iter().any(|e| e.event_id == created.event_id));
    assert!(only
        .iter()
        .all(|e| e.event_type == EventType::AccessCodeCreated
            && e.device_id.as_deref() == Some(t.device_id.as_str())));

    let window = EventFilter::between(before, Utc::now() + Duration::minutes(5));
    let between = t.seam.list_events(&window).await.unwrap();
    assert!(between.iter().any(|e| e.event_id == created.event_id));

    // Nothing of ours in another workspace (the fake lists every workspace's events).
    let theirs = t
        .other
        .list_events(&EventFilter::since(before))
        .await
        .unwrap();
    let leaked = theirs.iter().any(|e| e.event_id == created.event_id);
    assert_eq!(leaked, !t.caps.access_codes_and_events_isolated);
}
against_both!(an_access_code_leaves_an_event);

async fn a_webhook_is_registered_listed_and_removed(t: &Target) {
    // Nothing listens there; Seam's fake stores webhooks without delivering.
    let url = "http://127.0.0.1:9/doorway/seam-webhook";
    let created = t
        .seam
        .create_webhook(&CreateWebhook {
            url: url.into(),
            event_types: Some(vec![EventType::AccessCodeSetOnDevice]),
        })
        .await
        .unwrap();
    assert_eq!(created.url, url);
    assert!(created.secret.as_deref().is_some_and(|s| !s.is_empty()));

    let listed = t.seam.list_webhooks().await.unwrap();
    let ours = listed
        .iter()
        .find(|w| w.webhook_id == created.webhook_id)
        .unwrap();
    assert_eq!(ours.url, url);
    assert!(t
        .other
        .list_webhooks()
        .await
        .unwrap()
        .iter()
        .all(|w| w.webhook_id != created.webhook_id));

    t.seam.delete_webhook(&created.webhook_id).await.unwrap();
    assert!(t
        .seam
        .list_webhooks()
        .await
        .unwrap()
        .iter()
        .all(|w| w.webhook_id != created.webhook_id));
    t.seam.delete_webhook(&created.webhook_id).await.unwrap();
}
against_both!(a_webhook_is_registered_listed_and_removed);
