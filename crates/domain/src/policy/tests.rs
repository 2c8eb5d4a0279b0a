use chrono::{Duration, Utc};

use super::*;
use crate::AccessGroupId;

fn entrance(supports_access_codes: bool, code_lengths: &[u32]) -> EntranceFacts {
    EntranceFacts {
        id: EntranceId::new(),
        supports_access_codes,
        code_lengths: code_lengths.to_vec(),
    }
}

fn property(provider: Provider, entrances: usize, groups: usize) -> PropertyFacts {
    PropertyFacts {
        provider,
        external_type: None,
        entrances: (0..entrances).map(|_| entrance(true, &[4, 6])).collect(),
        access_group_ids: (0..groups).map(|_| AccessGroupId::new()).collect(),
    }
}

fn ids(p: &PropertyFacts) -> Vec<EntranceId> {
    p.entrances.iter().map(|e| e.id).collect()
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

fn kinds(steps: &[PlanStep]) -> Vec<(&'static str, Option<usize>)> {
    steps
        .iter()
        .map(|s| (s.kind.as_str(), s.credential_slot))
        .collect()
}

fn field(err: DomainError) -> (&'static str, bool) {
    (err.field(), matches!(err, DomainError::Unsupported { .. }))
}

#[test]
fn a_latch_mobile_key_is_one_credential_over_every_entrance() {
    let p = property(Provider::Latch, 3, 0);
    let wanted = vec![ids(&p)[0], ids(&p)[2]];
    let plan = compile_grant(
        &p,
        &request(AccessMethod::MobileKey, wanted.clone()),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(plan.credentials.len(), 1);
    assert_eq!(plan.credentials[0].entrance_ids, wanted);
    assert_eq!(plan.credentials[0].mechanism, Mechanism::AcsCredential);
    assert_eq!(
        kinds(&plan.steps),
        vec![
            ("ensure_user_identity", None),
            ("find_credential_manager", None),
            ("launch_enrollment_automation", None),
            ("ensure_acs_user", None),
            ("create_acs_credential", Some(0)),
            ("await_issuance", Some(0)),
        ]
    );
}

#[test]
fn a_latch_pin_is_one_credential_per_entrance_without_enrollment() {
    let p = property(Provider::Latch, 3, 0);
    let plan = compile_grant(&p, &request(AccessMethod::PinCode, ids(&p)), Utc::now()).unwrap();
    assert_eq!(plan.credentials.len(), 3);
    assert!(plan.credentials.iter().all(|c| c.entrance_ids.len() == 1));
    assert!(!plan
        .steps
        .iter()
        .any(|s| s.kind == StepKind::LaunchEnrollmentAutomation));
}

#[test]
fn latch_refuses_a_chosen_code_access_groups_and_foreign_entrances() {
    let p = property(Provider::Latch, 1, 1);
    let mut with_code = request(AccessMethod::PinCode, ids(&p));
    with_code.code = Some("1234".into());
    assert_eq!(
        field(compile_grant(&p, &with_code, Utc::now()).unwrap_err()),
        ("code", true)
    );
    let mut with_groups = request(AccessMethod::MobileKey, ids(&p));
    with_groups.access_group_ids = p.access_group_ids.clone();
    assert_eq!(
        field(compile_grant(&p, &with_groups, Utc::now()).unwrap_err()),
        ("accessGroupIds", true)
    );
    let foreign = request(AccessMethod::MobileKey, vec![EntranceId::new()]);
    assert_eq!(
        field(compile_grant(&p, &foreign, Utc::now()).unwrap_err()),
        ("entranceIds", false)
    );
    let none = request(AccessMethod::MobileKey, vec![]);
    assert_eq!(
        field(compile_grant(&p, &none, Utc::now()).unwrap_err()),
        ("entranceIds", false)
    );
}

#[test]
fn a_salto_pin_is_a_scheduled_user_in_groups_with_one_entranceless_credential() {
    let p = property(Provider::SaltoKs, 3, 2);
    let mut req = request(AccessMethod::PinCode, vec![]);
    req.access_group_ids = p.access_group_ids.clone();
    req.starts_at = Some(Utc::now() + Duration::days(1));
    req.ends_at = Some(Utc::now() + Duration::days(5));
    let plan = compile_grant(&p, &req, Utc::now()).unwrap();
    assert_eq!(plan.access_group_ids, p.access_group_ids);
    assert_eq!(plan.credentials.len(), 1);
    assert!(plan.credentials[0].entrance_ids.is_empty());
    let names: Vec<_> = plan.steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        names,
        [
            "ensure_user_identity",
            "ensure_acs_user",
            "update_acs_user_schedule",
            "add_to_access_group",
            "add_to_access_group",
            "create_acs_credential",
            "await_issuance"
        ]
    );
    assert_eq!(plan.steps[3].access_group, Some(p.access_group_ids[0]));
}

#[test]
fn salto_requires_its_own_access_groups_and_refuses_entrances_and_mobile_keys() {
    let p = property(Provider::SaltoKs, 2, 1);
    let no_groups = request(AccessMethod::PinCode, vec![]);
    assert_eq!(
        field(compile_grant(&p, &no_groups, Utc::now()).unwrap_err()),
        ("accessGroupIds", false)
    );
    let mut foreign = request(AccessMethod::PinCode, vec![]);
    foreign.access_group_ids = vec![AccessGroupId::new()];
    assert_eq!(
        field(compile_grant(&p, &foreign, Utc::now()).unwrap_err()),
        ("accessGroupIds", false)
    );
    let mut entrances = request(AccessMethod::PinCode, ids(&p));
    entrances.access_group_ids = p.access_group_ids.clone();
    assert_eq!(
        field(compile_grant(&p, &entrances, Utc::now()).unwrap_err()),
        ("entranceIds", true)
    );
    let mut mobile = request(AccessMethod::MobileKey, vec![]);
    mobile.access_group_ids = p.access_group_ids.clone();
    assert_eq!(
        field(compile_grant(&p, &mobile, Utc::now()).unwrap_err()),
        ("accessMethod", true)
    );
}

#[test]
fn smart_locks_get_one_access_code_each_and_a_chosen_code_must_suit_them_all() {
    let mut p = property(Provider::SmartLocks, 2, 0);
    let mut req = request(AccessMethod::PinCode, ids(&p));
    req.code = Some("1234".into());
    let plan = compile_grant(&p, &req, Utc::now()).unwrap();
    assert_eq!(plan.credentials.len(), 2);
    assert!(plan
        .credentials
        .iter()
        .all(|c| c.mechanism == Mechanism::AccessCode && c.code.as_deref() == Some("1234")));
    assert_eq!(
        kinds(&plan.steps)[..2],
        [
            ("create_access_code", Some(0)),
            ("await_access_code_set", Some(0))
        ]
    );

    req.code = Some("12345".into());
    assert_eq!(
        field(compile_grant(&p, &req, Utc::now()).unwrap_err()),
        ("code", false)
    );
    req.code = Some("12a4".into());
    assert_eq!(
        field(compile_grant(&p, &req, Utc::now()).unwrap_err()),
        ("code", false)
    );
    req.code = None;
    p.entrances[1].supports_access_codes = false;
    let req = request(AccessMethod::PinCode, ids(&p));
    assert_eq!(
        field(compile_grant(&p, &req, Utc::now()).unwrap_err()),
        ("entranceIds", true)
    );
}

#[test]
fn a_smart_lock_code_that_starts_later_needs_an_end() {
    let p = property(Provider::SmartLocks, 1, 0);
    let mut req = request(AccessMethod::PinCode, ids(&p));
    req.starts_at = Some(Utc::now() + Duration::days(1));
    assert_eq!(
        field(compile_grant(&p, &req, Utc::now()).unwrap_err()),
        ("endsAt", true)
    );
    req.ends_at = Some(Utc::now() + Duration::days(2));
    assert!(compile_grant(&p, &req, Utc::now()).is_ok());
}

#[test]
fn card_only_systems_are_refused_clearly_and_others_use_the_generic_flow() {
    let mut p = property(Provider::OtherAcs, 2, 0);
    let plan = compile_grant(&p, &request(AccessMethod::PinCode, ids(&p)), Utc::now()).unwrap();
    assert_eq!(plan.credentials.len(), 1);
    assert_eq!(plan.credentials[0].entrance_ids.len(), 2);
    p.external_type = Some("visionline_system".into());
    let err = compile_grant(&p, &request(AccessMethod::PinCode, ids(&p)), Utc::now()).unwrap_err();
    assert!(err.to_string().contains("encoders"), "{err}");
    assert!(supported_access_methods(Provider::OtherAcs, Some("visionline_system")).is_empty());
}

#[test]
fn windows_are_checked_before_anything_is_planned() {
    let p = property(Provider::Latch, 1, 0);
    let now = Utc::now();
    let mut backwards = request(AccessMethod::MobileKey, ids(&p));
    backwards.starts_at = Some(now + Duration::days(2));
    backwards.ends_at = Some(now + Duration::days(1));
    assert_eq!(
        compile_grant(&p, &backwards, now).unwrap_err().field(),
        "endsAt"
    );
}

#[test]
fn revocation_deletes_everything_and_releases_the_acs_user() {
    let creds = [
        PlannedCredential {
            slot: 0,
            mechanism: Mechanism::AcsCredential,
        },
        PlannedCredential {
            slot: 1,
            mechanism: Mechanism::AcsCredential,
        },
    ];
    assert_eq!(
        kinds(&compile_revocation(Provider::Latch, &creds, &[])),
        vec![
            ("delete_acs_credential", Some(0)),
            ("delete_acs_credential", Some(1)),
            ("release_acs_user", None)
        ]
    );
    let group = AccessGroupId::new();
    let salto = compile_revocation(Provider::SaltoKs, &creds[..1], &[group]);
    assert_eq!(salto[1].kind, StepKind::RemoveFromAccessGroup);
    assert_eq!(salto[1].access_group, Some(group));
    // What is left of the resident's schedule is applied after the user is released (or not).
    assert_eq!(
        kinds(&salto[2..]),
        vec![
            ("release_acs_user", None),
            ("update_acs_user_schedule", None)
        ]
    );
    let codes = [PlannedCredential {
        slot: 0,
        mechanism: Mechanism::AccessCode,
    }];
    assert_eq!(
        kinds(&compile_revocation(Provider::SmartLocks, &codes, &[])),
        vec![
            ("delete_access_code", Some(0)),
            ("await_access_code_removed", Some(0))
        ]
    );
}

#[test]
fn rescheduling_updates_in_place_where_seam_allows_and_replaces_otherwise() {
    let now = Utc::now();
    let w = |s: Option<i64>, e: Option<i64>| {
        AccessWindow::new(
            s.map(|d| now + Duration::days(d)),
            e.map(|d| now + Duration::days(d)),
            now,
        )
        .unwrap()
    };
    let acs = [PlannedCredential {
        slot: 0,
        mechanism: Mechanism::AcsCredential,
    }];
    let later_end = compile_reschedule(
        Provider::Latch,
        &acs,
        w(Some(1), Some(5)),
        w(Some(1), Some(9)),
    );
    assert_eq!(kinds(&later_end), vec![("update_acs_credential", Some(0))]);
    let new_start = compile_reschedule(
        Provider::Latch,
        &acs,
        w(Some(1), Some(5)),
        w(Some(2), Some(5)),
    );
    // The new credential is created and issued before the old one is deleted.
    assert_eq!(
        kinds(&new_start),
        vec![
            ("replace_acs_credential", Some(0)),
            ("await_issuance", Some(0)),
            ("delete_superseded_acs_credential", Some(0)),
        ]
    );
    let salto = compile_reschedule(Provider::SaltoKs, &acs, w(None, Some(5)), w(None, Some(6)));
    assert_eq!(kinds(&salto), vec![("update_acs_user_schedule", None)]);
    let codes = [PlannedCredential {
        slot: 0,
        mechanism: Mechanism::AccessCode,
    }];
    let locks = compile_reschedule(
        Provider::SmartLocks,
        &codes,
        w(None, None),
        w(None, Some(3)),
    );
    assert_eq!(
        kinds(&locks),
        vec![
            ("update_access_code", Some(0)),
            ("await_access_code_set", Some(0))
        ]
    );
    assert!(
        compile_reschedule(Provider::Latch, &acs, w(None, Some(3)), w(None, Some(3))).is_empty()
    );
}

#[test]
fn step_names_round_trip() {
    for kind in StepKind::ALL {
        assert_eq!(StepKind::parse(kind.as_str()), Some(*kind));
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn provider() -> impl Strategy<Value = Provider> {
        prop_oneof![
            Just(Provider::Latch),
            Just(Provider::SaltoKs),
            Just(Provider::SmartLocks),
            Just(Provider::OtherAcs)
        ]
    }

    fn method() -> impl Strategy<Value = AccessMethod> {
        prop_oneof![Just(AccessMethod::MobileKey), Just(AccessMethod::PinCode)]
    }

    proptest! {
        /// Whatever is asked, the engine either refuses naming a field of the contract, or plans
        /// a credential per slot whose entrances and groups all belong to the property, with
        /// every step pointing at an existing slot or group.
        #[test]
        fn every_plan_is_consistent_or_refused_with_a_field(
            provider in provider(),
            method in method(),
            entrances in 0usize..4,
            groups in 0usize..3,
            picks in proptest::collection::vec(0usize..6, 0..5),
            group_picks in proptest::collection::vec(0usize..4, 0..3),
            code in proptest::option::of("[0-9a]{0,7}"),
            start_days in proptest::option::of(-3i64..5),
            length_days in proptest::option::of(-2i64..10),
        ) {
            let p = property(provider, entrances, groups);
            let now = Utc::now();
            let pick = |i: usize| p.entrances.get(i).map_or_else(EntranceId::new, |e| e.id);
            let req = GrantRequest {
                access_method: method,
                entrance_ids: picks.iter().map(|i| pick(*i)).collect(),
                access_group_ids: group_picks.iter().map(|i| p.access_group_ids.get(*i).copied().unwrap_or_else(AccessGroupId::new)).collect(),
                starts_at: start_days.map(|d| now + Duration::days(d)),
                ends_at: length_days.map(|d| now + Duration::days(start_days.unwrap_or(0) + d)),
                code,
            };
            match compile_grant(&p, &req, now) {
                Err(err) => prop_assert!(
                    ["accessMethod", "entranceIds", "accessGroupIds", "code", "endsAt"].contains(&err.field()),
                    "unexpected field {}", err.field()
                ),
                Ok(plan) => {
                    prop_assert!(!plan.credentials.is_empty());
                    for c in &plan.credentials {
                        prop_assert!(c.entrance_ids.iter().all(|e| p.entrances.iter().any(|pe| pe.id == *e)));
                    }
                    prop_assert!(plan.access_group_ids.iter().all(|g| p.access_group_ids.contains(g)));
                    for step in &plan.steps {
                        if let Some(slot) = step.credential_slot {
                            prop_assert!(slot < plan.credentials.len());
                        }
                        if let Some(group) = step.access_group {
                            prop_assert!(plan.access_group_ids.contains(&group));
                        }
                    }
                    // Every credential is created exactly once.
                    for slot in 0..plan.credentials.len() {
                        let creates = plan.steps.iter().filter(|s| s.credential_slot == Some(slot)
                            && matches!(s.kind, StepKind::CreateAcsCredential | StepKind::CreateAccessCode)).count();
                        prop_assert_eq!(creates, 1);
                    }
                    if let (Some(s), Some(e)) = (plan.window.starts_at(), plan.window.ends_at()) {
                        prop_assert!(e > s);
                    }
                }
            }
        }

        /// Revocation deletes every credential once, whatever the grant was made of.
        #[test]
        fn revocation_deletes_every_credential_once(provider in provider(), n in 0usize..5, groups in 0usize..3) {
            let mechanism = if provider == Provider::SmartLocks { Mechanism::AccessCode } else { Mechanism::AcsCredential };
            let creds: Vec<_> = (0..n).map(|slot| PlannedCredential { slot, mechanism }).collect();
            let group_ids: Vec<_> = (0..groups).map(|_| AccessGroupId::new()).collect();
            let steps = compile_revocation(provider, &creds, &group_ids);
            for slot in 0..n {
                let deletes = steps.iter().filter(|s| s.credential_slot == Some(slot)
                    && matches!(s.kind, StepKind::DeleteAcsCredential | StepKind::DeleteAccessCode)).count();
                prop_assert_eq!(deletes, 1);
                // A code counts as gone only once the lock has let go of it.
                let awaits = steps.iter().filter(|s| s.credential_slot == Some(slot)
                    && s.kind == StepKind::AwaitAccessCodeRemoved).count();
                prop_assert_eq!(awaits, usize::from(mechanism == Mechanism::AccessCode));
            }
            prop_assert_eq!(steps.iter().filter(|s| s.kind == StepKind::RemoveFromAccessGroup).count(), groups);
        }
    }
}
