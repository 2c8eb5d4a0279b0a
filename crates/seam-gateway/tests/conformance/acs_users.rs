//! ACS users through their whole life: create, read, list, update, suspend, delete.

use seam_gateway::{AcsUserFilter, CreateAcsUser, UpdateAcsUser};

use crate::target::{against_both, Target};
use crate::ABSENT_ID;

async fn an_acs_user_lives_and_dies(t: &Target) {
    let seam = &t.seam;
    let created = seam
        .create_acs_user(&CreateAcsUser {
            acs_system_id: t.acs_system_id.clone(),
            full_name: "Jane Doe".into(),
            email_address: Some("jane@example.com".into()),
            phone_number: Some("+15555550100".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = created.acs_user_id.clone();
    assert_eq!(created.acs_system_id, t.acs_system_id);
    assert_eq!(created.full_name.as_deref(), Some("Jane Doe"));
    assert_eq!(created.email_address.as_deref(), Some("jane@example.com"));

    let got = seam.get_acs_user(&id).await.unwrap().unwrap();
    assert_eq!(got.acs_user_id, id);
    assert_eq!(got.full_name.as_deref(), Some("Jane Doe"));
    assert_eq!(seam.get_acs_user(ABSENT_ID).await.unwrap(), None);
    assert_eq!(t.other.get_acs_user(&id).await.unwrap(), None);

    let on_system = AcsUserFilter {
        acs_system_id: Some(t.acs_system_id.clone()),
        ..Default::default()
    };
    let listed = seam.list_acs_users(&on_system).await.unwrap();
    assert!(listed.iter().any(|u| u.acs_user_id == id));
    assert!(listed.iter().all(|u| u.acs_system_id == t.acs_system_id));

    seam.update_acs_user(&UpdateAcsUser {
        acs_user_id: id.clone(),
        full_name: Some("Jane Q. Doe".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let renamed = seam.get_acs_user(&id).await.unwrap().unwrap();
    assert_eq!(renamed.full_name.as_deref(), Some("Jane Q. Doe"));

    seam.suspend_acs_user(&id).await.unwrap();
    let suspended = seam.get_acs_user(&id).await.unwrap().unwrap();
    assert_eq!(suspended.is_suspended, Some(true));
    seam.unsuspend_acs_user(&id).await.unwrap();
    let back = seam.get_acs_user(&id).await.unwrap().unwrap();
    assert_eq!(back.is_suspended, Some(false));

    seam.delete_acs_user(&id).await.unwrap();
    assert_eq!(seam.get_acs_user(&id).await.unwrap(), None);
    assert!(seam
        .list_acs_users(&on_system)
        .await
        .unwrap()
        .iter()
        .all(|u| u.acs_user_id != id));
    // Deleting what is gone is not an error.
    seam.delete_acs_user(&id).await.unwrap();
}
against_both!(an_acs_user_lives_and_dies);

async fn a_refused_acs_user_says_why(t: &Target) {
    let err = t
        .seam
        .create_acs_user(&CreateAcsUser {
            acs_system_id: ABSENT_ID.into(),
            full_name: "Nobody".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(!err.is_transient() && !err.is_ambiguous(), "{err}");
    assert!(err.kind().is_some(), "Seam's error type is kept: {err}");
}
against_both!(a_refused_acs_user_says_why);
