//! The gateway against the Seam simulator over real HTTP: the Latch mobile-key flow of
//! `shared/seeds/latch-mobile-credentials.txt`, step by step, and what the gateway promises
//! around it (not-found as `None`, no retried creates, retried reads, isolated workspaces).

#![expect(
    clippy::unwrap_used,
    reason = "the helpers set tests up; a failed step should fail the test where it happened"
)]

use chrono::{DateTime, Duration, Utc};
use seam_gateway::{
    AccessCodeFilter, AccessCodeStatus, AccessCodeType, AccessMethod, AcsCredential,
    AcsCredentialFilter, AcsSystem, AcsUser, AcsUserFilter, ActionAttemptStatus, CreateAccessCode,
    CreateAcsCredential, CreateAcsUser, CreateClientSession, CreateUserIdentity, CreateWebhook,
    DeviceFilter, EventFilter, EventType, LaunchEnrollmentAutomation, SeamClient, SeamClientConfig,
    SeamError, UpdateAccessCode, UpdateAcsUser, UserIdentity, UserIdentityFilter, WorkspaceClient,
};
use seam_sim::{RunningSim, SimOptions};
use serde_json::{json, Value};

/// A UUID that no simulator object has.
const ABSENT_ID: &str = "00000000-0000-4000-8000-000000000000";

/// One simulator, one seeded workspace, and the gateway pointed at it.
struct Sim {
    running: RunningSim,
    api_key: String,
    seam: WorkspaceClient,
}

async fn spawn_sim() -> Sim {
    let running = seam_sim::spawn(([127, 0, 0, 1], 0).into(), SimOptions::default())
        .await
        .unwrap();
    let api_key = running
        .simulator()
        .create_workspace("Gateway tests")
        .api_key;
    let seam = gateway(&running).workspace(api_key.clone().into());
    Sim {
        running,
        api_key,
        seam,
    }
}

fn gateway(running: &RunningSim) -> SeamClient {
    let mut config = SeamClientConfig::new(running.base_url().parse().unwrap());
    config.backoff_base = std::time::Duration::from_millis(5);
    SeamClient::new(config).unwrap()
}

impl Sim {
    /// A second, unrelated workspace on the same simulator.
    fn other_workspace(&self) -> WorkspaceClient {
        let other = self.running.simulator().create_workspace("Someone else");
        gateway(&self.running).workspace(other.api_key.into())
    }

    /// Calls the simulator's `/_sim/*` control surface as this workspace.
    async fn control(&self, path: &str, body: Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/_sim/{path}", self.running.base_url()))
            .bearer_auth(&self.api_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }

    async fn advance_clock(&self, seconds: u64) {
        self.control("clock/advance", json!({ "seconds": seconds }))
            .await;
    }

    async fn inject_fault(&self, fault: Value) {
        self.control("faults", fault).await;
    }

    async fn latch_building(&self) -> AcsSystem {
        let systems = self.seam.list_acs_systems().await.unwrap();
        systems.into_iter().find(AcsSystem::is_latch).unwrap()
    }

    /// Steps 1 to 4 of the guide: identity, credential manager, enrollment, ACS user.
    async fn enrol_jane(&self, building: &AcsSystem) -> (UserIdentity, AcsUser) {
        let identity = self
            .seam
            .create_user_identity(&CreateUserIdentity {
                user_identity_key: Some("resident-jane".into()),
                email_address: Some("jane@example.com".into()),
                ..Default::default()
            })
            .await
            .unwrap();

        let managers = self
            .seam
            .list_compatible_credential_managers(&building.acs_system_id)
            .await
            .unwrap();
        let manager = managers.first().unwrap();
        assert!(manager.is_credential_manager);

        let automation = self
            .seam
            .launch_enrollment_automation(&LaunchEnrollmentAutomation {
                user_identity_id: identity.user_identity_id.clone(),
                credential_manager_acs_system_id: manager.acs_system_id.clone(),
                create_credential_manager_user: true,
            })
            .await
            .unwrap();
        let automations = self
            .seam
            .list_enrollment_automations(&identity.user_identity_id)
            .await
            .unwrap();
        assert_eq!(automations, vec![automation]);

        let resident = self
            .seam
            .create_acs_user(&CreateAcsUser {
                acs_system_id: building.acs_system_id.clone(),
                user_identity_id: Some(identity.user_identity_id.clone()),
                full_name: "Jane Doe".into(),
                email_address: Some("jane@example.com".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        (identity, resident)
    }
}

fn mobile_key(
    resident: &AcsUser,
    entrance_ids: &[&str],
    starts_at: DateTime<Utc>,
) -> CreateAcsCredential {
    CreateAcsCredential {
        acs_user_id: resident.acs_user_id.clone(),
        access_method: AccessMethod::MobileKey,
        allowed_acs_entrance_ids: entrance_ids.iter().map(|id| id.to_string()).collect(),
        is_multi_phone_sync_credential: Some(true),
        starts_at: Some(starts_at),
        ends_at: Some(starts_at + Duration::days(5)),
        code: None,
        credential_manager_acs_system_id: None,
    }
}

fn at_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap()
}

#[tokio::test]
async fn the_latch_mobile_key_flow_runs_end_to_end() {
    let sim = spawn_sim().await;
    let seam = &sim.seam;
    let building = sim.latch_building().await;
    let (identity, resident) = sim.enrol_jane(&building).await;
    assert_eq!(
        resident.user_identity_id.as_ref(),
        Some(&identity.user_identity_id)
    );
    assert_eq!(resident.acs_system_id, building.acs_system_id);

    // Step 5: one mobile key for two entrances.
    let entrances = seam.list_entrances(&building.acs_system_id).await.unwrap();
    assert_eq!(entrances.len(), 3);
    let chosen = [
        entrances[0].acs_entrance_id.as_str(),
        entrances[2].acs_entrance_id.as_str(),
    ];
    let starts_at = at_millis(Utc::now() + Duration::hours(1));
    let key: AcsCredential = seam
        .create_acs_credential(&mobile_key(&resident, &chosen, starts_at))
        .await
        .unwrap();
    assert_eq!(key.access_method, AccessMethod::MobileKey);
    assert_eq!(key.acs_user_id.as_ref(), Some(&resident.acs_user_id));
    assert_eq!(key.is_multi_phone_sync_credential, Some(true));
    assert_eq!(key.code, None, "a Latch mobile key has no code");
    assert_eq!(key.starts_at, Some(starts_at));
    assert_eq!(key.ends_at, Some(starts_at + Duration::days(5)));

    let mut opened: Vec<String> = seam
        .list_accessible_entrances(&key.acs_credential_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.acs_entrance_id)
        .collect();
    opened.sort();
    let mut expected: Vec<String> = chosen.iter().map(|id| id.to_string()).collect();
    expected.sort();
    assert_eq!(opened, expected);

    // Issued a little later, as Latch does it.
    let fresh = seam
        .get_acs_credential(&key.acs_credential_id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(fresh.is_issued, Some(true));
    assert!(fresh.has_warning("waiting_to_be_issued"));
    sim.advance_clock(5).await;
    let issued = seam
        .get_acs_credential(&key.acs_credential_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(issued.is_issued, Some(true));
    assert!(issued.issued_at.is_some());

    // What the API crate reads back: the resident's users, credentials, and phone session.
    // The identity has two ACS users: the building's, and the credential manager's that the
    // enrollment automation created; the API crate asks per system.
    let by_identity = AcsUserFilter {
        user_identity_id: Some(identity.user_identity_id.clone()),
        ..Default::default()
    };
    let users = seam.list_acs_users(&by_identity).await.unwrap();
    assert_eq!(users.len(), 2, "{users:?}");
    let on_building = AcsUserFilter {
        acs_system_id: Some(building.acs_system_id.clone()),
        ..by_identity
    };
    let users = seam.list_acs_users(&on_building).await.unwrap();
    assert_eq!(
        users.iter().map(|u| &u.acs_user_id).collect::<Vec<_>>(),
        [&resident.acs_user_id]
    );
    let by_user = AcsCredentialFilter {
        acs_user_id: Some(resident.acs_user_id.clone()),
        ..Default::default()
    };
    let credentials = seam.list_acs_credentials(&by_user).await.unwrap();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0].acs_credential_id, key.acs_credential_id);

    let session = seam
        .get_or_create_client_session(&identity.user_identity_id)
        .await
        .unwrap();
    assert!(!session.token.is_empty());
    let again = seam
        .get_or_create_client_session(&identity.user_identity_id)
        .await
        .unwrap();
    assert_eq!(again.client_session_id, session.client_session_id);
    sim.running.shutdown().await;
}

#[tokio::test]
async fn a_mobile_key_with_a_code_is_rejected_with_seams_reason() {
    let sim = spawn_sim().await;
    let building = sim.latch_building().await;
    let (_, resident) = sim.enrol_jane(&building).await;
    let entrances = sim
        .seam
        .list_entrances(&building.acs_system_id)
        .await
        .unwrap();
    let mut request = mobile_key(&resident, &[&entrances[0].acs_entrance_id], Utc::now());
    request.code = Some("123456".into());

    let err = sim.seam.create_acs_credential(&request).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(err.kind(), Some("cannot_specify_pin_code"), "{err}");
    assert!(err.request_id().is_some());
    assert!(!err.is_transient() && !err.is_ambiguous());
}

#[tokio::test]
async fn an_ambiguous_create_is_reported_once_and_can_be_settled_by_listing() {
    let sim = spawn_sim().await;
    let building = sim.latch_building().await;
    let (_, resident) = sim.enrol_jane(&building).await;
    let entrances = sim
        .seam
        .list_entrances(&building.acs_system_id)
        .await
        .unwrap();
    sim.inject_fault(
        json!({"endpoint": "/acs/credentials/create", "ambiguous_rate": 1, "times": 1}),
    )
    .await;

    let request = mobile_key(&resident, &[&entrances[0].acs_entrance_id], Utc::now());
    let err = sim.seam.create_acs_credential(&request).await.unwrap_err();
    assert!(err.is_ambiguous(), "{err}");

    // Seam did the work; the gateway did not repeat it.
    let by_user = AcsCredentialFilter {
        acs_user_id: Some(resident.acs_user_id.clone()),
        ..Default::default()
    };
    let credentials = sim.seam.list_acs_credentials(&by_user).await.unwrap();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0].access_method, AccessMethod::MobileKey);
}

#[tokio::test]
async fn reads_ride_out_transient_failures_and_creates_do_not_retry_them() {
    let sim = spawn_sim().await;
    sim.inject_fault(
        json!({"endpoint": "/acs/systems/list", "error_rate": 1, "status": 503, "times": 2}),
    )
    .await;
    assert!(!sim.seam.list_acs_systems().await.unwrap().is_empty());

    sim.inject_fault(json!({"endpoint": "/user_identities/create", "rate_limit_per_minute": 1}))
        .await;
    let identity = CreateUserIdentity {
        email_address: Some("first@example.com".into()),
        ..Default::default()
    };
    sim.seam.create_user_identity(&identity).await.unwrap();
    let second = CreateUserIdentity {
        email_address: Some("second@example.com".into()),
        ..Default::default()
    };
    let err = sim.seam.create_user_identity(&second).await.unwrap_err();
    assert!(err.is_transient(), "a 429 means nothing was done: {err}");
    assert_eq!(err.status(), Some(429));
}

#[tokio::test]
async fn missing_objects_are_none_and_deleting_twice_is_fine() {
    let sim = spawn_sim().await;
    let seam = &sim.seam;
    assert_eq!(seam.get_user_identity(ABSENT_ID).await.unwrap(), None);
    assert_eq!(seam.get_acs_user(ABSENT_ID).await.unwrap(), None);
    assert_eq!(seam.get_acs_credential(ABSENT_ID).await.unwrap(), None);
    assert_eq!(seam.get_acs_system(ABSENT_ID).await.unwrap(), None);
    assert_eq!(seam.get_user_identity_by_key("nobody").await.unwrap(), None);

    let created = seam
        .create_user_identity(&CreateUserIdentity {
            user_identity_key: Some("resident-42".into()),
            full_name: Some("Resident Forty-Two".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let found = seam.get_user_identity_by_key("resident-42").await.unwrap();
    assert_eq!(found.as_ref(), Some(&created));
    seam.delete_user_identity(&created.user_identity_id)
        .await
        .unwrap();
    assert_eq!(
        seam.get_user_identity(&created.user_identity_id)
            .await
            .unwrap(),
        None
    );
    seam.delete_user_identity(&created.user_identity_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn workspaces_are_isolated_and_a_bad_key_is_rejected() {
    let sim = spawn_sim().await;
    let building = sim.latch_building().await;
    let (identity, _) = sim.enrol_jane(&building).await;
    let other = sim.other_workspace();
    assert_eq!(
        other
            .get_user_identity(&identity.user_identity_id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        other.get_acs_system(&building.acs_system_id).await.unwrap(),
        None
    );

    let stranger = gateway(&sim.running).workspace("seam_not_a_key".to_owned().into());
    let err = stranger.get_workspace().await.unwrap_err();
    assert!(
        matches!(err, SeamError::Rejected { status: 401, .. }),
        "{err}"
    );
    assert!(!err.to_string().contains("seam_not_a_key"));
    assert!(!sim
        .seam
        .get_workspace()
        .await
        .unwrap()
        .workspace_id
        .is_empty());
}

#[tokio::test]
async fn the_salto_site_and_the_smart_locks_are_readable() {
    let sim = spawn_sim().await;
    let seam = &sim.seam;
    let systems = seam.list_acs_systems().await.unwrap();
    let salto = systems.iter().find(|s| s.is_salto_ks()).unwrap();
    let groups = seam.list_access_groups(&salto.acs_system_id).await.unwrap();
    let doors = seam.list_entrances(&salto.acs_system_id).await.unwrap();
    assert_eq!(doors.len(), 3);
    let group = |name: &str| {
        groups
            .iter()
            .find(|g| g.name == name)
            .unwrap()
            .acs_access_group_id
            .clone()
    };
    // The seeded site: residents open every door, the gym group only the fitness center.
    // A read, so a passing outage is ridden out.
    sim.inject_fault(json!({
        "endpoint": "/acs/access_groups/list_accessible_entrances",
        "error_rate": 1, "status": 503, "times": 2,
    }))
    .await;
    let residents = seam
        .list_access_group_entrances(&group("Residents"))
        .await
        .unwrap();
    assert_eq!(residents, doors);
    let gym = seam
        .list_access_group_entrances(&group("Gym"))
        .await
        .unwrap();
    assert_eq!(gym, [doors[1].clone()]);
    assert_eq!(gym[0].display_name, "Fitness Center");

    let devices = seam.list_devices(&DeviceFilter::default()).await.unwrap();
    assert!(devices.iter().any(|d| d.supports_online_access_codes()));
    let one = DeviceFilter {
        device_ids: Some(vec![devices[0].device_id.clone()]),
    };
    let only = seam.list_devices(&one).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].device_id, devices[0].device_id);
}

#[tokio::test]
async fn the_smart_lock_access_code_flow_runs_end_to_end() {
    let sim = spawn_sim().await;
    let seam = &sim.seam;
    let since = Utc::now() - Duration::hours(1);
    let devices = seam.list_devices(&DeviceFilter::default()).await.unwrap();
    let lock = devices
        .iter()
        .find(|d| d.supports_online_access_codes() && d.properties.online == Some(true))
        .unwrap();
    let device = seam.get_device(&lock.device_id).await.unwrap().unwrap();
    assert!(device.has_capability("access_code"));
    let as_lock = seam.get_lock(&lock.device_id).await.unwrap().unwrap();
    assert_eq!(as_lock.device_id, lock.device_id);
    assert_eq!(seam.get_device(ABSENT_ID).await.unwrap(), None);

    // A time-bound code, as the guide's second half programs it.
    let starts_at = at_millis(Utc::now() + Duration::hours(1));
    let created = seam
        .create_access_code(&CreateAccessCode {
            device_id: lock.device_id.clone(),
            name: Some("Guest 4B".into()),
            code: Some("4821".into()),
            starts_at: Some(starts_at),
            ends_at: Some(starts_at + Duration::days(2)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.kind, AccessCodeType::TimeBound);
    assert_eq!(
        created.code.as_ref().map(seam_gateway::Pin::expose),
        Some("4821")
    );
    assert_eq!(created.starts_at, Some(starts_at));

    let update = UpdateAccessCode {
        access_code_id: created.access_code_id.clone(),
        device_id: lock.device_id.clone(),
        name: Some("Guest 4B (late checkout)".into()),
        ends_at: Some(starts_at + Duration::days(3)),
        ..Default::default()
    };
    let attempt = seam.update_access_code(&update).await.unwrap().unwrap();
    assert_eq!(attempt.action_type, "UPDATE_ACCESS_CODE");
    let fetched = seam
        .get_access_code(&created.access_code_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetched.name.as_deref(), Some("Guest 4B (late checkout)"));
    assert_eq!(fetched.ends_at, Some(starts_at + Duration::days(3)));

    // An ongoing code is set on the lock a little later.
    let ongoing = seam
        .create_access_code(&CreateAccessCode {
            device_id: lock.device_id.clone(),
            name: Some("Cleaner".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ongoing.kind, AccessCodeType::Ongoing);
    sim.advance_clock(5).await;
    let set = seam
        .get_access_code(&ongoing.access_code_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(set.status, AccessCodeStatus::Set);
    let settled = seam
        .get_action_attempt(&attempt.action_attempt_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(settled.status, ActionAttemptStatus::Success);
    assert_eq!(seam.get_action_attempt(ABSENT_ID).await.unwrap(), None);

    let on_lock = AccessCodeFilter {
        device_id: Some(lock.device_id.clone()),
        ..Default::default()
    };
    let mut ids: Vec<String> = seam
        .list_access_codes(&on_lock)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.access_code_id)
        .collect();
    ids.sort();
    let mut expected = vec![
        created.access_code_id.clone(),
        ongoing.access_code_id.clone(),
    ];
    expected.sort();
    assert_eq!(ids, expected);

    let events = seam
        .list_events(&EventFilter {
            access_code_id: Some(ongoing.access_code_id.clone()),
            ..EventFilter::since(since)
        })
        .await
        .unwrap();
    let types: Vec<&EventType> = events.iter().map(|e| &e.event_type).collect();
    assert!(types.contains(&&EventType::AccessCodeCreated), "{types:?}");
    assert!(
        types.contains(&&EventType::AccessCodeSetOnDevice),
        "{types:?}"
    );

    // Deleting twice is fine: the second finds the code gone (the lock took a moment).
    let removal = seam
        .delete_access_code(&lock.device_id, &created.access_code_id)
        .await
        .unwrap();
    assert_eq!(removal.unwrap().action_type, "DELETE_ACCESS_CODE");
    sim.advance_clock(5).await;
    let again = seam
        .delete_access_code(&lock.device_id, &created.access_code_id)
        .await
        .unwrap();
    assert_eq!(again, None);
    assert_eq!(
        seam.get_access_code(&created.access_code_id).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn acs_users_identities_webhooks_and_sessions_are_managed() {
    let sim = spawn_sim().await;
    let seam = &sim.seam;
    let systems = seam.list_acs_systems().await.unwrap();
    let salto = systems.iter().find(|s| s.is_salto_ks()).unwrap();
    let group = seam
        .list_access_groups(&salto.acs_system_id)
        .await
        .unwrap()
        .remove(0);
    let identity = seam
        .create_user_identity(&CreateUserIdentity {
            user_identity_key: Some("resident-7".into()),
            full_name: Some("Resident Seven".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let user = seam
        .create_acs_user(&CreateAcsUser {
            acs_system_id: salto.acs_system_id.clone(),
            full_name: "Resident Seven".into(),
            ..Default::default()
        })
        .await
        .unwrap();

    seam.add_acs_user_to_user_identity(&identity.user_identity_id, &user.acs_user_id)
        .await
        .unwrap();
    let linked = seam
        .list_user_identity_acs_users(&identity.user_identity_id)
        .await
        .unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].acs_user_id, user.acs_user_id);
    let found = seam
        .list_user_identities(&UserIdentityFilter {
            user_identity_ids: Some(vec![identity.user_identity_id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    seam.update_acs_user(&UpdateAcsUser {
        acs_user_id: user.acs_user_id.clone(),
        full_name: Some("Resident 7".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    seam.add_acs_user_to_access_group(&user.acs_user_id, &group.acs_access_group_id)
        .await
        .unwrap();
    seam.remove_acs_user_from_access_group(&user.acs_user_id, &group.acs_access_group_id)
        .await
        .unwrap();
    seam.suspend_acs_user(&user.acs_user_id).await.unwrap();
    let suspended = seam.get_acs_user(&user.acs_user_id).await.unwrap().unwrap();
    assert_eq!(suspended.is_suspended, Some(true));
    assert_eq!(suspended.full_name.as_deref(), Some("Resident 7"));
    seam.unsuspend_acs_user(&user.acs_user_id).await.unwrap();
    seam.delete_acs_user(&user.acs_user_id).await.unwrap();
    seam.delete_acs_user(&user.acs_user_id).await.unwrap();
    assert_eq!(seam.get_acs_user(&user.acs_user_id).await.unwrap(), None);

    let session = seam
        .create_client_session(&CreateClientSession {
            user_identity_id: Some(identity.user_identity_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!session.token.is_empty());

    let webhook = seam
        .create_webhook(&CreateWebhook {
            url: "https://doorway.example/hooks/seam".into(),
            event_types: Some(vec![EventType::AccessCodeSetOnDevice]),
        })
        .await
        .unwrap();
    let secret = webhook.secret.clone().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert!(!format!("{webhook:?}").contains(&secret));
    let listed = seam.list_webhooks().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].url, webhook.url);
    seam.delete_webhook(&webhook.webhook_id).await.unwrap();
    seam.delete_webhook(&webhook.webhook_id).await.unwrap();
    assert!(seam.list_webhooks().await.unwrap().is_empty());
}

#[tokio::test]
async fn client_sessions_are_listed_per_identity_and_revoked_for_good() {
    let sim = spawn_sim().await;
    let seam = &sim.seam;
    let resident = |key: &str| CreateUserIdentity {
        user_identity_key: Some(key.into()),
        ..Default::default()
    };
    let leaving = seam
        .create_user_identity(&resident("resident-9"))
        .await
        .unwrap();
    let staying = seam
        .create_user_identity(&resident("resident-10"))
        .await
        .unwrap();
    let id = &leaving.user_identity_id;
    assert!(seam.list_client_sessions(id).await.unwrap().is_empty());
    let phone = seam.get_or_create_client_session(id).await.unwrap();
    let tablet = seam
        .create_client_session(&CreateClientSession {
            user_identity_id: Some(id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let neighbour = seam
        .get_or_create_client_session(&staying.user_identity_id)
        .await
        .unwrap();
    assert_eq!(
        seam.list_client_sessions(id).await.unwrap(),
        [phone.clone(), tablet.clone()]
    );

    // Another workspace neither sees them nor can revoke them.
    let other = sim.other_workspace();
    assert!(other.list_client_sessions(id).await.unwrap().is_empty());
    other
        .revoke_client_session(&phone.client_session_id)
        .await
        .unwrap();
    assert_eq!(seam.list_client_sessions(id).await.unwrap().len(), 2);

    // The list is a read and rides out transient failures.
    sim.inject_fault(
        json!({"endpoint": "/client_sessions/list", "error_rate": 1, "status": 503, "times": 2}),
    )
    .await;
    assert_eq!(seam.list_client_sessions(id).await.unwrap().len(), 2);

    // A revoke whose answer is lost after the work is repeated, and the repeat's 404 counts
    // as done; so does revoking again later.
    sim.inject_fault(
        json!({"endpoint": "/client_sessions/revoke", "ambiguous_rate": 1, "times": 1}),
    )
    .await;
    seam.revoke_client_session(&phone.client_session_id)
        .await
        .unwrap();
    assert_eq!(
        seam.list_client_sessions(id).await.unwrap(),
        std::slice::from_ref(&tablet)
    );
    seam.revoke_client_session(&phone.client_session_id)
        .await
        .unwrap();
    seam.revoke_client_session(&tablet.client_session_id)
        .await
        .unwrap();
    assert!(seam.list_client_sessions(id).await.unwrap().is_empty());
    assert_eq!(
        seam.list_client_sessions(&staying.user_identity_id)
            .await
            .unwrap(),
        [neighbour]
    );

    // Asking for a session afterwards makes a new one; the revoked token is not handed out.
    let fresh = seam.get_or_create_client_session(id).await.unwrap();
    assert_ne!(fresh.client_session_id, phone.client_session_id);
    assert_ne!(fresh.token, phone.token);
}
