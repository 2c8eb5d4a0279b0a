//! The access-control calls: systems, entrances, access groups, user identities, ACS users
//! and credentials, each with every optional field set at least once.

use chrono::{Duration, Utc};
use seam_gateway::{
    AccessMethod, AccessSchedule, AcsCredentialFilter, AcsSystem, AcsUserFilter,
    CreateAcsCredential, CreateAcsUser, CreateUserIdentity, LaunchEnrollmentAutomation, SeamError,
    UpdateAcsCredential, UpdateAcsUser, UserIdentityFilter,
};

use crate::harness::Harness;

/// A UUID no simulator object has.
pub const ABSENT_ID: &str = "00000000-0000-4000-8000-000000000000";

pub fn system(systems: &[AcsSystem], pick: impl Fn(&AcsSystem) -> bool) -> AcsSystem {
    systems.iter().find(|s| pick(s)).cloned().unwrap()
}

/// A call made to exercise every field of a request, which the simulator may refuse: its
/// request was checked either way, and a refusal must be a clean 4xx in Seam's envelope.
pub fn refused_or_ok<T>(result: Result<T, SeamError>) {
    if let Err(err) = result {
        let status = err.status().unwrap_or_default();
        assert!((400..500).contains(&status), "{err}");
    }
}

/// Workspace, systems, entrances and access groups: the reads.
pub async fn reads(h: &Harness) {
    let seam = &h.seam;
    assert!(!seam.get_workspace().await.unwrap().workspace_id.is_empty());
    let systems = seam.list_acs_systems().await.unwrap();
    for s in &systems {
        assert_eq!(
            seam.get_acs_system(&s.acs_system_id)
                .await
                .unwrap()
                .as_ref(),
            Some(s)
        );
        seam.list_entrances(&s.acs_system_id).await.unwrap();
    }
    assert_eq!(seam.get_acs_system(ABSENT_ID).await.unwrap(), None);
    let salto = system(&systems, AcsSystem::is_salto_ks);
    let groups = seam.list_access_groups(&salto.acs_system_id).await.unwrap();
    assert!(!groups.is_empty());
    for group in &groups {
        let doors = seam
            .list_access_group_entrances(&group.acs_access_group_id)
            .await
            .unwrap();
        assert!(!doors.is_empty(), "{} opens no door", group.name);
    }
    // A refusal, so the error envelope of this endpoint is checked too.
    let err = seam
        .list_access_group_entrances(ABSENT_ID)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}

/// The Latch mobile-key flow, every optional field set.
pub async fn identities_and_credentials(h: &Harness) {
    let seam = &h.seam;
    let systems = seam.list_acs_systems().await.unwrap();
    let building = system(&systems, AcsSystem::is_latch);

    let identity = seam
        .create_user_identity(&CreateUserIdentity {
            user_identity_key: Some("contract-resident".into()),
            email_address: Some("resident@example.com".into()),
            phone_number: Some("+15555550100".into()),
            full_name: Some("Contract Resident".into()),
        })
        .await
        .unwrap();
    let id = &identity.user_identity_id;
    assert_eq!(
        seam.get_user_identity(id).await.unwrap().as_ref(),
        Some(&identity)
    );
    assert_eq!(
        seam.get_user_identity_by_key("contract-resident")
            .await
            .unwrap()
            .as_ref(),
        Some(&identity)
    );

    let managers = seam
        .list_compatible_credential_managers(&building.acs_system_id)
        .await
        .unwrap();
    let manager = managers.first().unwrap();
    seam.launch_enrollment_automation(&LaunchEnrollmentAutomation {
        user_identity_id: id.clone(),
        credential_manager_acs_system_id: manager.acs_system_id.clone(),
        create_credential_manager_user: true,
    })
    .await
    .unwrap();
    assert_eq!(seam.list_enrollment_automations(id).await.unwrap().len(), 1);
    let everyone = UserIdentityFilter {
        user_identity_ids: Some(vec![id.clone()]),
        search: Some("Contract".into()),
        credential_manager_acs_system_id: Some(manager.acs_system_id.clone()),
    };
    refused_or_ok(seam.list_user_identities(&everyone).await);
    let found = seam
        .list_user_identities(&UserIdentityFilter::default())
        .await
        .unwrap();
    assert!(found.iter().any(|i| &i.user_identity_id == id));

    let now = Utc::now();
    let user = seam
        .create_acs_user(&CreateAcsUser {
            acs_system_id: building.acs_system_id.clone(),
            user_identity_id: Some(id.clone()),
            full_name: "Contract Resident".into(),
            email_address: Some("resident@example.com".into()),
            phone_number: Some("+15555550100".into()),
            access_schedule: Some(AccessSchedule {
                starts_at: now,
                ends_at: Some(now + Duration::days(30)),
            }),
        })
        .await
        .unwrap();
    let users = AcsUserFilter {
        acs_system_id: Some(building.acs_system_id.clone()),
        user_identity_id: Some(id.clone()),
    };
    assert_eq!(seam.list_acs_users(&users).await.unwrap().len(), 1);
    let linked = seam.list_user_identity_acs_users(id).await.unwrap();
    // The launch created the identity's user on the credential manager; the other is the
    // building's.
    assert_eq!(linked.len(), 2);
    assert!(linked
        .iter()
        .any(|u| u.acs_system_id == manager.acs_system_id));
    assert!(linked.iter().any(|u| u.acs_user_id == user.acs_user_id));

    // A user made without the identity on another system, linked afterwards.
    let site = system(&systems, AcsSystem::is_salto_ks);
    let loose = seam
        .create_acs_user(&CreateAcsUser {
            acs_system_id: site.acs_system_id.clone(),
            full_name: "Contract Resident (2)".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    seam.add_acs_user_to_user_identity(id, &loose.acs_user_id)
        .await
        .unwrap();
    // The credential manager's, the building's and now the site's.
    assert_eq!(
        seam.list_user_identity_acs_users(id).await.unwrap().len(),
        3
    );

    let entrances = seam.list_entrances(&building.acs_system_id).await.unwrap();
    let key = seam
        .create_acs_credential(&CreateAcsCredential {
            acs_user_id: user.acs_user_id.clone(),
            access_method: AccessMethod::MobileKey,
            allowed_acs_entrance_ids: vec![entrances[0].acs_entrance_id.clone()],
            is_multi_phone_sync_credential: Some(true),
            starts_at: Some(now + Duration::hours(1)),
            ends_at: Some(now + Duration::days(5)),
            code: None,
            credential_manager_acs_system_id: Some(manager.acs_system_id.clone()),
        })
        .await
        .unwrap();
    h.advance_clock(5).await;
    let issued = seam
        .get_acs_credential(&key.acs_credential_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(issued.is_issued, Some(true));
    assert_eq!(seam.get_acs_credential(ABSENT_ID).await.unwrap(), None);
    let by_user = AcsCredentialFilter {
        acs_user_id: Some(user.acs_user_id.clone()),
        acs_system_id: Some(building.acs_system_id.clone()),
        ..Default::default()
    };
    assert_eq!(seam.list_acs_credentials(&by_user).await.unwrap().len(), 1);
    let by_identity = AcsCredentialFilter {
        user_identity_id: Some(id.clone()),
        ..Default::default()
    };
    assert_eq!(
        seam.list_acs_credentials(&by_identity).await.unwrap().len(),
        1
    );
    assert_eq!(
        seam.list_accessible_entrances(&key.acs_credential_id)
            .await
            .unwrap()
            .len(),
        1
    );
    let later = UpdateAcsCredential {
        acs_credential_id: key.acs_credential_id.clone(),
        code: None,
        ends_at: Some(now + Duration::days(6)),
    };
    seam.update_acs_credential(&later).await.unwrap();
    let with_code = UpdateAcsCredential {
        code: Some("1234567".into()),
        ..later
    };
    refused_or_ok(seam.update_acs_credential(&with_code).await);

    // A refusal, so an error envelope is checked too.
    let mut pin = CreateAcsCredential {
        access_method: AccessMethod::Code,
        code: Some("1234567".into()),
        ..key_request(&user.acs_user_id, &entrances[0].acs_entrance_id)
    };
    let err = seam.create_acs_credential(&pin).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    pin.code = None;
    let pin = seam.create_acs_credential(&pin).await.unwrap();
    seam.delete_acs_credential(&pin.acs_credential_id)
        .await
        .unwrap();
    seam.delete_acs_credential(&pin.acs_credential_id)
        .await
        .unwrap();

    let session = seam.get_or_create_client_session(id).await.unwrap();
    assert!(!session.token.is_empty());
    assert_eq!(
        seam.list_client_sessions(id).await.unwrap(),
        std::slice::from_ref(&session)
    );
    seam.revoke_client_session(&session.client_session_id)
        .await
        .unwrap();
    // The second answers 404, so the error envelope of this endpoint is checked too.
    seam.revoke_client_session(&session.client_session_id)
        .await
        .unwrap();
    assert!(seam.list_client_sessions(id).await.unwrap().is_empty());

    seam.delete_user_identity(id).await.unwrap();
    assert_eq!(seam.get_user_identity(id).await.unwrap(), None);
}

fn key_request(acs_user_id: &str, entrance_id: &str) -> CreateAcsCredential {
    CreateAcsCredential {
        acs_user_id: acs_user_id.to_owned(),
        access_method: AccessMethod::MobileKey,
        allowed_acs_entrance_ids: vec![entrance_id.to_owned()],
        is_multi_phone_sync_credential: None,
        starts_at: None,
        ends_at: None,
        code: None,
        credential_manager_acs_system_id: None,
    }
}

/// A Salto KS user: update, suspend, access groups, delete.
pub async fn acs_users(h: &Harness) {
    let seam = &h.seam;
    let systems = seam.list_acs_systems().await.unwrap();
    let site = system(&systems, AcsSystem::is_salto_ks);
    let now = Utc::now();
    let user = seam
        .create_acs_user(&CreateAcsUser {
            acs_system_id: site.acs_system_id.clone(),
            full_name: "Salto Resident".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = &user.acs_user_id;
    seam.update_acs_user(&UpdateAcsUser {
        acs_user_id: id.clone(),
        full_name: Some("Salto Resident Renamed".into()),
        email_address: Some("salto@example.com".into()),
        phone_number: Some("+15555550101".into()),
        access_schedule: Some(AccessSchedule {
            starts_at: now,
            ends_at: Some(now + Duration::days(10)),
        }),
    })
    .await
    .unwrap();
    let renamed = seam.get_acs_user(id).await.unwrap().unwrap();
    assert_eq!(renamed.full_name.as_deref(), Some("Salto Resident Renamed"));

    seam.suspend_acs_user(id).await.unwrap();
    assert_eq!(
        seam.get_acs_user(id).await.unwrap().unwrap().is_suspended,
        Some(true)
    );
    seam.unsuspend_acs_user(id).await.unwrap();

    let groups = seam.list_access_groups(&site.acs_system_id).await.unwrap();
    let group = &groups[0].acs_access_group_id;
    seam.add_acs_user_to_access_group(id, group).await.unwrap();
    seam.remove_acs_user_from_access_group(id, group)
        .await
        .unwrap();

    seam.delete_acs_user(id).await.unwrap();
    assert_eq!(seam.get_acs_user(id).await.unwrap(), None);
    seam.delete_acs_user(id).await.unwrap();
}
