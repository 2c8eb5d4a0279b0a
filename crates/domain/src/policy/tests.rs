use chrono::Duration;

use super::*;

fn latch(entrances: usize) -> PropertyFacts {
    PropertyFacts {
        provider: Provider::Latch,
        entrance_ids: (0..entrances).map(|_| EntranceId::new()).collect(),
        access_group_ids: vec![],
    }
}

fn request(method: AccessMethod, entrance_ids: Vec<EntranceId>) -> GrantRequest {
    GrantRequest {
        access_method: method,
        entrance_ids,
        access_group_ids: vec![],
        starts_at: None,
        ends_at: None,
        code: None,
    }
}

fn kinds(plan: &GrantPlan) -> Vec<(&'static str, Option<usize>)> {
    plan.steps
        .iter()
        .map(|s| (s.kind.as_str(), s.credential_slot))
        .collect()
}

#[test]
fn a_latch_mobile_key_is_one_credential_over_every_entrance() {
    let property = latch(3);
    let wanted = vec![property.entrance_ids[0], property.entrance_ids[2]];
    let plan = compile_grant(
        &property,
        &request(AccessMethod::MobileKey, wanted.clone()),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(
        plan.credentials,
        vec![CredentialPlan {
            access_method: AccessMethod::MobileKey,
            entrance_ids: wanted
        }]
    );
    assert_eq!(
        kinds(&plan),
        vec![
            ("ensure_user_identity", None),
            ("find_credential_manager", None),
            ("launch_enrollment_automation", None),
            ("ensure_acs_user", None),
            ("create_acs_credential", Some(0)),
            ("list_accessible_entrances", Some(0)),
            ("await_issuance", Some(0)),
        ]
    );
}

#[test]
fn a_latch_pin_is_one_credential_per_entrance_without_enrollment() {
    let property = latch(3);
    let plan = compile_grant(
        &property,
        &request(AccessMethod::PinCode, property.entrance_ids.clone()),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(plan.credentials.len(), 3);
    assert!(plan.credentials.iter().all(|c| c.entrance_ids.len() == 1));
    assert!(!plan
        .steps
        .iter()
        .any(|s| s.kind == StepKind::LaunchEnrollmentAutomation));
    assert_eq!(
        plan.steps
            .iter()
            .filter(|s| s.kind == StepKind::CreateAcsCredential)
            .count(),
        3
    );
}

#[test]
fn repeated_entrances_count_once() {
    let property = latch(2);
    let e = property.entrance_ids[0];
    let plan = compile_grant(
        &property,
        &request(AccessMethod::PinCode, vec![e, e]),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(plan.entrance_ids, vec![e]);
    assert_eq!(plan.credentials.len(), 1);
}

#[test]
fn entrances_are_required_and_must_belong_to_the_property() {
    let property = latch(2);
    let none = compile_grant(
        &property,
        &request(AccessMethod::MobileKey, vec![]),
        Utc::now(),
    );
    assert_eq!(none.unwrap_err().field(), "entranceIds");
    let foreign = request(AccessMethod::MobileKey, vec![EntranceId::new()]);
    assert_eq!(
        compile_grant(&property, &foreign, Utc::now())
            .unwrap_err()
            .field(),
        "entranceIds"
    );
}

#[test]
fn latch_refuses_a_chosen_code_and_access_groups() {
    let property = latch(1);
    let mut with_code = request(AccessMethod::PinCode, property.entrance_ids.clone());
    with_code.code = Some("1234".into());
    let err = compile_grant(&property, &with_code, Utc::now()).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Unsupported { field: "code", .. }
    ));

    let mut with_groups = request(AccessMethod::MobileKey, property.entrance_ids.clone());
    with_groups.access_group_ids = vec![AccessGroupId::new()];
    let err = compile_grant(&property, &with_groups, Utc::now()).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Unsupported {
            field: "accessGroupIds",
            ..
        }
    ));
}

#[test]
fn windows_are_checked_before_anything_else_is_planned() {
    let property = latch(1);
    let now = Utc::now();
    let mut backwards = request(AccessMethod::MobileKey, property.entrance_ids.clone());
    backwards.starts_at = Some(now + Duration::days(2));
    backwards.ends_at = Some(now + Duration::days(1));
    assert_eq!(
        compile_grant(&property, &backwards, now)
            .unwrap_err()
            .field(),
        "endsAt"
    );
}

#[test]
fn providers_doorway_cannot_serve_yet_are_refused_naming_the_method() {
    for provider in [Provider::SaltoKs, Provider::SmartLocks, Provider::OtherAcs] {
        let property = PropertyFacts {
            provider,
            entrance_ids: vec![EntranceId::new()],
            access_group_ids: vec![],
        };
        let req = request(AccessMethod::PinCode, property.entrance_ids.clone());
        let err = compile_grant(&property, &req, Utc::now()).unwrap_err();
        assert!(
            matches!(
                err,
                DomainError::Unsupported {
                    field: "accessMethod",
                    ..
                }
            ),
            "{provider:?}"
        );
        assert!(supported_access_methods(provider).is_empty());
    }
}

#[test]
fn step_names_round_trip() {
    for kind in StepKind::ALL {
        assert_eq!(StepKind::parse(kind.as_str()), Some(*kind));
    }
}
