//! What a new workspace contains. By default the demo properties ([`demo`], `demo.json`), so
//! that every flow of the seed guides can run at once: a Latch building with a compatible
//! credential manager (PIN codes and mobile keys), a Salto KS site with access groups (PIN
//! codes through groups), and smart locks for access codes, one of them offline, one without
//! a keypad, and two (the Schlage and the offline Yale) that schedule time-bound codes
//! natively. A client can seed its own instead ([`SeedSpec`]).

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::SimClock;
use crate::ids::SimRng;
use crate::objects::{
    AcsAccessGroup, AcsEntrance, AcsSystem, ConnectedAccount, Device, SystemKind,
};
use crate::options::SimOptions;
use crate::state::Workspace;

mod models;
mod spec;

pub(crate) use spec::{SeedSpec, SeedSystemKind};

/// The demo properties every workspace gets unless its creator seeds it otherwise.
pub(crate) fn demo() -> SeedSpec {
    // The file is part of the crate and checked by a test, so it always parses.
    serde_json::from_str(include_str!("demo.json")).unwrap_or_default()
}

/// A new workspace holding what `spec` describes.
pub(crate) fn seeded_workspace(
    name: &str,
    clock: SimClock,
    options: &SimOptions,
    rng: SimRng,
    spec: &SeedSpec,
) -> Workspace {
    let mut ws = Workspace::empty(name, clock, options, rng);
    ws.seed = spec.clone();
    fill(&mut ws, spec);
    ws
}

/// Adds what `spec` describes to `ws`. Seeded objects predate the workspace's first call,
/// like objects synced from providers.
pub(crate) fn fill(ws: &mut Workspace, spec: &SeedSpec) {
    let synced_at = ws.now() - TimeDelta::days(30);
    for system in &spec.acs_systems {
        seed_system(ws, system, synced_at);
    }
    let mut accounts: Vec<(String, String)> = Vec::new();
    for lock in &spec.locks {
        let Some(mut model) = models::preset(&lock.model) else {
            continue;
        };
        if let Some(lengths) = &lock.supported_code_lengths {
            model.supported_code_lengths.clone_from(lengths);
        }
        if let Some(max) = lock.max_active_codes_supported {
            model.max_active_codes_supported = max;
        }
        if let Some(native) = lock.supports_native_scheduling {
            model.supports_native_scheduling = native;
        }
        model.code_constraints.clone_from(&lock.code_constraints);
        let account = match accounts
            .iter()
            .find(|(maker, _)| *maker == model.manufacturer)
        {
            Some((_, account)) => account.clone(),
            None => {
                let account = new_account(
                    ws,
                    &model.manufacturer,
                    &model.manufacturer_display_name,
                    "lock",
                    synced_at,
                );
                accounts.push((model.manufacturer.clone(), account.clone()));
                account
            }
        };
        let seq = ws.next_seq();
        ws.devices.push(Device {
            device_id: ws.rng.new_id(),
            seq,
            display_name: lock.name.clone(),
            model,
            connected_account_id: account,
            online: lock.online,
            online_changed_at: synced_at,
            hub_disconnected_at: None,
            subscription_expired_at: None,
            reach_changed_at: None,
            locked: true,
            battery_level: lock.battery_level,
            location_name: lock
                .location_name
                .clone()
                .unwrap_or_else(|| lock.name.clone()),
            time_zone: lock.time_zone.clone(),
            created_at: synced_at,
        });
    }
}

/// A connected account of `account_type`, created at `created_at`; answers its id.
fn new_account(
    ws: &mut Workspace,
    account_type: &str,
    display_name: &str,
    capability: &str,
    created_at: DateTime<Utc>,
) -> String {
    let account = ConnectedAccount {
        connected_account_id: ws.rng.new_id(),
        seq: ws.next_seq(),
        account_type: account_type.to_owned(),
        account_type_display_name: display_name.to_owned(),
        capability: capability.to_owned(),
        created_at,
        disconnected_at: None,
    };
    let id = account.connected_account_id.clone();
    ws.connected_accounts.push(account);
    id
}

fn seed_system(ws: &mut Workspace, spec: &spec::SystemSpec, created_at: DateTime<Utc>) {
    let kind = match spec.kind {
        SeedSystemKind::LatchBuilding => SystemKind::LatchBuilding,
        SeedSystemKind::SaltoKsSite => SystemKind::SaltoKsSite,
    };
    let (account_type, display_name) = match kind {
        SystemKind::SaltoKsSite => ("salto_ks", "Salto KS"),
        _ => ("latch", "Latch"),
    };
    let account = new_account(ws, account_type, display_name, "access_control", created_at);
    let mut site = system(ws, kind, &spec.name, &account, &spec.time_zone, created_at);
    let manager = (kind == SystemKind::LatchBuilding).then(|| {
        system(
            ws,
            SystemKind::LatchCredentialManager,
            "Latch Mobile Access",
            &account,
            &spec.time_zone,
            created_at,
        )
    });
    let latch = kind == SystemKind::LatchBuilding;
    let mut doors: Vec<(String, String)> = Vec::new();
    for door in &spec.entrances {
        let default_type = if latch { "unit_door" } else { "wall_reader" };
        let entrance = AcsEntrance {
            acs_entrance_id: ws.rng.new_id(),
            seq: ws.next_seq(),
            acs_system_id: site.acs_system_id.clone(),
            connected_account_id: account.clone(),
            display_name: door.name.clone(),
            created_at,
            kind,
            can_unlock_with_code: true,
            can_unlock_with_mobile_key: door.can_unlock_with_mobile_key.unwrap_or(latch),
            can_unlock_with_card: door.can_unlock_with_card.unwrap_or(!latch),
            door_type: door
                .door_type
                .clone()
                .unwrap_or_else(|| default_type.to_owned()),
        };
        doors.push((door.name.clone(), entrance.acs_entrance_id.clone()));
        ws.acs_entrances.push(entrance);
    }
    for group in &spec.access_groups {
        let members = group
            .entrances
            .iter()
            .filter_map(|name| doors.iter().find(|(door, _)| door == name))
            .map(|(_, id)| id.clone())
            .collect();
        ws.acs_access_groups.push(AcsAccessGroup {
            acs_access_group_id: ws.rng.new_id(),
            acs_system_id: site.acs_system_id.clone(),
            connected_account_id: account.clone(),
            name: group.name.clone(),
            created_at,
            acs_entrance_ids: members,
        });
    }
    if let Some(manager) = manager {
        site.credential_manager_ids
            .push(manager.acs_system_id.clone());
        ws.acs_systems.push(site);
        ws.acs_systems.push(manager);
    } else {
        ws.acs_systems.push(site);
    }
}

fn system(
    ws: &mut Workspace,
    kind: SystemKind,
    name: &str,
    account: &str,
    time_zone: &str,
    created_at: DateTime<Utc>,
) -> AcsSystem {
    AcsSystem {
        acs_system_id: ws.rng.new_id(),
        kind,
        name: name.to_owned(),
        connected_account_id: account.to_owned(),
        created_at,
        time_zone: time_zone.to_owned(),
        credential_manager_ids: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_seed_parses_and_is_sound() {
        let demo: SeedSpec = serde_json::from_str(include_str!("demo.json")).unwrap();
        assert_eq!(demo.acs_systems.len(), 2);
        assert_eq!(demo.locks.len(), 4);
        assert!(demo.problems().is_empty(), "{:?}", demo.problems());
    }
}
