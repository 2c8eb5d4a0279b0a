//! Client sessions, user identities and ACS credentials: the mobile-key side of Doorway, where
//! Seam's fake implements least.

use seam_gateway::{
    AccessMethod, AcsCredentialFilter, CreateAcsCredential, CreateAcsUser, CreateClientSession,
    CreateUserIdentity,
};

use crate::target::{against_both, Target};
use crate::ABSENT_ID;

async fn a_client_session_is_created_for_a_resident(t: &Target) {
    let session = t
        .seam
        .create_client_session(&CreateClientSession {
            user_identifier_key: Some("resident-0042".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!session.client_session_id.is_empty());
    assert!(!session.token.is_empty());
    assert_eq!(
        session.user_identifier_key.as_deref(),
        Some("resident-0042")
    );
    assert!(session.expires_at > session.created_at);
}
against_both!(a_client_session_is_created_for_a_resident);

async fn a_user_identity_gets_a_session_and_goes(t: &Target) {
    let request = CreateUserIdentity {
        user_identity_key: Some("resident-0043".into()),
        email_address: Some("resident43@example.com".into()),
        ..Default::default()
    };
    if !t.caps.create_user_identity {
        // The fake answers 500 "Not implemented!".
        let err = t.seam.create_user_identity(&request).await.unwrap_err();
        assert_eq!(err.status(), Some(500), "{err}");
        return;
    }
    let identity = t.seam.create_user_identity(&request).await.unwrap();
    let id = &identity.user_identity_id;
    let found = t
        .seam
        .get_user_identity_by_key("resident-0043")
        .await
        .unwrap();
    assert_eq!(found.as_ref(), Some(&identity));
    assert_eq!(t.seam.get_user_identity(ABSENT_ID).await.unwrap(), None);

    let session = t.seam.get_or_create_client_session(id).await.unwrap();
    let again = t.seam.get_or_create_client_session(id).await.unwrap();
    assert_eq!(again.client_session_id, session.client_session_id);

    t.seam.delete_user_identity(id).await.unwrap();
    assert_eq!(t.seam.get_user_identity(id).await.unwrap(), None);
}
against_both!(a_user_identity_gets_a_session_and_goes);

async fn get_or_create_needs_only_the_api_key(t: &Target) {
    let result = t.seam.get_or_create_client_session(ABSENT_ID).await;
    if t.caps.get_or_create_client_session {
        // Reaches the lookup: the identity does not exist.
        let err = result.unwrap_err();
        assert_eq!(err.status(), Some(404), "{err}");
    } else {
        // The fake refuses before looking: it wants a publishable key.
        let err = result.unwrap_err();
        assert_eq!(err.kind(), Some("publishable_key_header_required"), "{err}");
    }
}
against_both!(get_or_create_needs_only_the_api_key);

async fn credentials_exist_only_where_implemented(t: &Target) {
    let filter = AcsCredentialFilter {
        acs_system_id: Some(t.acs_system_id.clone()),
        ..Default::default()
    };
    let listed = t.seam.list_acs_credentials(&filter).await;
    if !t.caps.acs_credentials {
        let err = listed.unwrap_err();
        assert_eq!(err.status(), Some(404), "{err}");
        return;
    }
    assert!(listed.unwrap().is_empty());
    let user = t
        .seam
        .create_acs_user(&CreateAcsUser {
            acs_system_id: t.acs_system_id.clone(),
            full_name: "Key Holder".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let entrances = t.seam.list_entrances(&t.acs_system_id).await.unwrap();
    let key = t
        .seam
        .create_acs_credential(&CreateAcsCredential {
            acs_user_id: user.acs_user_id.clone(),
            access_method: AccessMethod::MobileKey,
            allowed_acs_entrance_ids: vec![entrances[0].acs_entrance_id.clone()],
            is_multi_phone_sync_credential: Some(true),
            starts_at: None,
            ends_at: None,
            code: None,
            credential_manager_acs_system_id: None,
        })
        .await
        .unwrap();
    let got = t
        .seam
        .get_acs_credential(&key.acs_credential_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.acs_user_id.as_ref(), Some(&user.acs_user_id));
    t.seam
        .delete_acs_credential(&key.acs_credential_id)
        .await
        .unwrap();
    assert_eq!(
        t.seam
            .get_acs_credential(&key.acs_credential_id)
            .await
            .unwrap(),
        None
    );
}
against_both!(credentials_exist_only_where_implemented);

/// The mobile-key endpoints Seam's fake leaves out: each works on the simulator and fails
/// on the fake, so the capability flags stay true to both.
async fn the_mobile_key_endpoints_exist_where_flagged(t: &Target) {
    let seam = &t.seam;
    let groups = seam.list_access_groups(&t.acs_system_id).await;
    let managers = seam
        .list_compatible_credential_managers(&t.acs_system_id)
        .await;
    let identity = seam.get_user_identity(ABSENT_ID).await;
    let deleted = seam.delete_user_identity(ABSENT_ID).await;
    let automations = seam.list_enrollment_automations(ABSENT_ID).await;
    if t.caps.access_groups {
        groups.unwrap();
    } else {
        assert_eq!(groups.unwrap_err().status(), Some(404));
    }
    if t.caps.identity_lookup_and_enrollment {
        assert!(!managers.unwrap().is_empty());
        assert_eq!(identity.unwrap(), None);
        deleted.unwrap();
        let err = automations.unwrap_err();
        assert!(err.is_resource_not_found(), "{err}");
    } else {
        for err in [
            managers.map(drop).unwrap_err(),
            identity.map(drop).unwrap_err(),
            deleted.unwrap_err(),
            automations.map(drop).unwrap_err(),
        ] {
            assert!(err.is_endpoint_missing(), "{err}");
        }
    }
}
against_both!(the_mobile_key_endpoints_exist_where_flagged);
