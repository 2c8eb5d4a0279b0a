use super::*;
use crate::clock::SimClock;
use crate::options::SimOptions;
use crate::seed::seeded_workspace;
use crate::state::Workspace;

fn workspace() -> Workspace {
    seeded_workspace(
        "rules",
        SimClock::default(),
        &SimOptions::default(),
        crate::ids::SimRng::seeded(1),
        &crate::seed::demo(),
    )
}

fn system(ws: &Workspace, kind: SystemKind) -> &AcsSystem {
    ws.acs_systems.iter().find(|s| s.kind == kind).unwrap()
}

fn entrances_of<'a>(ws: &'a Workspace, system: &AcsSystem) -> Vec<&'a AcsEntrance> {
    ws.acs_entrances
        .iter()
        .filter(|e| e.acs_system_id == system.acs_system_id)
        .collect()
}

fn refusal(result: Result<Option<usize>, SimError>) -> &'static str {
    result.unwrap_err().error_type()
}

#[test]
fn latch_pin_codes_open_exactly_one_entrance_and_are_generated() {
    let ws = workspace();
    let latch = system(&ws, SystemKind::LatchBuilding);
    let doors = entrances_of(&ws, latch);
    assert_eq!(
        check_credential(latch, AccessMethod::Code, &doors[..1], false).unwrap(),
        Some(7)
    );
    assert_eq!(
        refusal(check_credential(
            latch,
            AccessMethod::Code,
            &doors[..2],
            false
        )),
        "code_credential_requires_exactly_one_entrance"
    );
    assert_eq!(
        refusal(check_credential(latch, AccessMethod::Code, &[], false)),
        "code_credential_requires_exactly_one_entrance"
    );
    assert_eq!(
        refusal(check_credential(
            latch,
            AccessMethod::Code,
            &doors[..1],
            true
        )),
        "cannot_specify_pin_code"
    );
}

#[test]
fn latch_mobile_keys_open_one_or_more_entrances_without_a_code() {
    let ws = workspace();
    let latch = system(&ws, SystemKind::LatchBuilding);
    let doors = entrances_of(&ws, latch);
    assert_eq!(
        check_credential(latch, AccessMethod::MobileKey, &doors, false).unwrap(),
        None
    );
    assert_eq!(
        refusal(check_credential(latch, AccessMethod::MobileKey, &[], false)),
        "credential_requires_an_entrance"
    );
    assert_eq!(
        refusal(check_credential(
            latch,
            AccessMethod::MobileKey,
            &doors,
            true
        )),
        "cannot_specify_pin_code"
    );
    assert_eq!(
        refusal(check_credential(
            latch,
            AccessMethod::Card,
            &doors[..1],
            false
        )),
        "access_method_not_supported"
    );
}

#[test]
fn salto_codes_come_through_access_groups() {
    let ws = workspace();
    let salto = system(&ws, SystemKind::SaltoKsSite);
    let doors = entrances_of(&ws, salto);
    assert_eq!(
        check_credential(salto, AccessMethod::Code, &[], false).unwrap(),
        Some(6)
    );
    assert_eq!(
        refusal(check_credential(
            salto,
            AccessMethod::Code,
            &doors[..1],
            false
        )),
        "cannot_specify_acs_entrances"
    );
    assert_eq!(
        refusal(check_credential(salto, AccessMethod::MobileKey, &[], false)),
        "access_method_not_supported"
    );
}

#[test]
fn entrances_must_belong_to_the_users_system() {
    let ws = workspace();
    let latch = system(&ws, SystemKind::LatchBuilding);
    let salto = system(&ws, SystemKind::SaltoKsSite);
    let salto_doors = entrances_of(&ws, salto);
    assert_eq!(
        refusal(check_credential(
            latch,
            AccessMethod::Code,
            &salto_doors[..1],
            false
        )),
        "acs_entrance_not_in_acs_system"
    );
}
