//! What a new workspace contains, so that every flow of the seed guides can run at once: a
//! Latch building with a compatible credential manager (PIN codes and mobile keys), a Salto KS
//! site with access groups (PIN codes through groups), and smart locks for access codes, one
//! of them offline, one without a keypad, and two (the Schlage and the offline Yale) that
//! schedule time-bound codes natively.

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::SimClock;
use crate::ids::new_id;
use crate::objects::{AcsAccessGroup, AcsEntrance, AcsSystem, Device, DeviceModel, SystemKind};
use crate::options::SimOptions;
use crate::state::Workspace;

static AUGUST: DeviceModel = DeviceModel {
    device_type: "august_lock",
    manufacturer: "august",
    manufacturer_display_name: "August",
    model_display_name: "Wi-Fi Smart Lock with Keypad",
    has_keypad: true,
    supported_code_lengths: &[4, 5, 6, 7, 8],
    max_active_codes_supported: 250,
    supports_native_scheduling: false,
};

static SCHLAGE: DeviceModel = DeviceModel {
    device_type: "schlage_lock",
    manufacturer: "schlage",
    manufacturer_display_name: "Schlage",
    model_display_name: "Encode Plus Smart WiFi Deadbolt",
    has_keypad: true,
    supported_code_lengths: &[4, 5, 6, 7, 8],
    max_active_codes_supported: 100,
    supports_native_scheduling: true,
};

static YALE: DeviceModel = DeviceModel {
    device_type: "yale_lock",
    manufacturer: "yale",
    manufacturer_display_name: "Yale",
    model_display_name: "Assure Lock 2 Keypad",
    has_keypad: true,
    supported_code_lengths: &[4, 5, 6, 7, 8],
    max_active_codes_supported: 250,
    supports_native_scheduling: true,
};

static NUKI: DeviceModel = DeviceModel {
    device_type: "nuki_lock",
    manufacturer: "nuki",
    manufacturer_display_name: "Nuki",
    model_display_name: "Smart Lock Pro",
    has_keypad: false,
    supported_code_lengths: &[],
    max_active_codes_supported: 0,
    supports_native_scheduling: false,
};

/// A new workspace with the demo properties in it.
pub(crate) fn seeded_workspace(name: &str, clock: SimClock, options: &SimOptions) -> Workspace {
    let mut ws = Workspace::empty(name, clock, options);
    // Seeded objects predate the workspace's first call, like objects synced from providers.
    let synced_at = ws.now() - TimeDelta::days(30);
    seed_latch(&mut ws, synced_at);
    seed_salto(&mut ws, synced_at);
    seed_locks(&mut ws, synced_at);
    ws
}

fn seed_latch(ws: &mut Workspace, created_at: DateTime<Utc>) {
    let account = new_id();
    let manager = system(
        SystemKind::LatchCredentialManager,
        "Latch Mobile Access",
        &account,
        "America/New_York",
        created_at,
    );
    let mut building = system(
        SystemKind::LatchBuilding,
        "Maple Court Apartments",
        &account,
        "America/New_York",
        created_at,
    );
    building
        .credential_manager_ids
        .push(manager.acs_system_id.clone());
    for (door, door_type) in [
        ("Main Entrance", "building_entrance"),
        ("Garage Door", "garage"),
        ("Unit 101", "unit_door"),
    ] {
        let entrance = entrance(ws, &building, door, door_type, true, false, created_at);
        ws.acs_entrances.push(entrance);
    }
    ws.acs_systems.push(building);
    ws.acs_systems.push(manager);
}

fn seed_salto(ws: &mut Workspace, created_at: DateTime<Utc>) {
    let site = system(
        SystemKind::SaltoKsSite,
        "Harbor View Lofts",
        &new_id(),
        "America/Los_Angeles",
        created_at,
    );
    let mut doors = Vec::new();
    for (door, lock_type) in [
        ("Lobby Door", "wall_reader"),
        ("Fitness Center", "escutcheon"),
        ("Rooftop Terrace", "cylinder"),
    ] {
        let entrance = entrance(ws, &site, door, lock_type, false, true, created_at);
        doors.push(entrance.acs_entrance_id.clone());
        ws.acs_entrances.push(entrance);
    }
    for (group, members) in [
        ("Residents", doors.clone()),
        ("Gym", vec![doors[1].clone()]),
    ] {
        ws.acs_access_groups.push(AcsAccessGroup {
            acs_access_group_id: new_id(),
            acs_system_id: site.acs_system_id.clone(),
            connected_account_id: site.connected_account_id.clone(),
            name: group.to_owned(),
            created_at,
            acs_entrance_ids: members,
        });
    }
    ws.acs_systems.push(site);
}

fn seed_locks(ws: &mut Workspace, created_at: DateTime<Utc>) {
    let locks: [(&str, &'static DeviceModel, bool, f64, &'static str); 4] = [
        (
            "Unit 2A Front Door",
            &AUGUST,
            true,
            0.92,
            "Cedar House, Unit 2A",
        ),
        (
            "Unit 2B Front Door",
            &SCHLAGE,
            true,
            0.78,
            "Cedar House, Unit 2B",
        ),
        (
            "Unit 3A Front Door",
            &YALE,
            false,
            0.31,
            "Cedar House, Unit 3A",
        ),
        (
            "Bike Storage Room",
            &NUKI,
            true,
            0.64,
            "Cedar House, Basement",
        ),
    ];
    let mut accounts: Vec<(&str, String)> = Vec::new();
    for (display_name, model, online, battery_level, location_name) in locks {
        let account = match accounts
            .iter()
            .find(|(maker, _)| *maker == model.manufacturer)
        {
            Some((_, account)) => account.clone(),
            None => {
                let account = new_id();
                accounts.push((model.manufacturer, account.clone()));
                account
            }
        };
        let seq = ws.next_seq();
        ws.devices.push(Device {
            device_id: new_id(),
            seq,
            display_name: display_name.to_owned(),
            model,
            connected_account_id: account,
            online,
            online_changed_at: created_at,
            locked: true,
            battery_level,
            location_name,
            time_zone: "America/Chicago",
            created_at,
        });
    }
}

fn system(
    kind: SystemKind,
    name: &str,
    account: &str,
    time_zone: &'static str,
    created_at: DateTime<Utc>,
) -> AcsSystem {
    AcsSystem {
        acs_system_id: new_id(),
        kind,
        name: name.to_owned(),
        connected_account_id: account.to_owned(),
        created_at,
        time_zone,
        credential_manager_ids: Vec::new(),
    }
}

fn entrance(
    ws: &mut Workspace,
    system: &AcsSystem,
    display_name: &str,
    door_type: &'static str,
    mobile_key: bool,
    card: bool,
    created_at: DateTime<Utc>,
) -> AcsEntrance {
    AcsEntrance {
        acs_entrance_id: new_id(),
        seq: ws.next_seq(),
        acs_system_id: system.acs_system_id.clone(),
        connected_account_id: system.connected_account_id.clone(),
        display_name: display_name.to_owned(),
        created_at,
        kind: system.kind,
        can_unlock_with_code: true,
        can_unlock_with_mobile_key: mobile_key,
        can_unlock_with_card: card,
        door_type,
    }
}
