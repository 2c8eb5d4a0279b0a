//! A workspace as JSON (`GET /_sim/dump`, `POST /_sim/load`): every object in the
//! simulator's own terms (not as Seam renders them, which loses what lifecycles need), its
//! clock, and where its random sequence stands, so a loaded workspace carries on exactly as
//! the dumped one would have. Faults, call counts, rate-limit windows and webhook deliveries
//! in flight are not part of a workspace's state and start empty.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::{iso_serde, ClockReading, SimClock};
use crate::ids::{RngState, SimRng};
use crate::objects::{
    AccessCode, AcsAccessGroup, AcsCredential, AcsEntrance, AcsSystem, AcsUser, ActionAttempt,
    ClientSession, ConnectedAccount, Device, EnrollmentAutomation, Event, Phone, UnmanagedCode,
    UserIdentity, Webhook,
};
use crate::options::SimOptions;
use crate::seed::SeedSpec;
use crate::state::Workspace;

/// Names the layout, so a dump from an incompatible simulator is refused, not misread.
pub(crate) const FORMAT: &str = "seam-sim/workspace/v1";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkspaceDump {
    format: String,
    workspace_id: String,
    name: String,
    api_key: String,
    publishable_key: String,
    #[serde(with = "iso_serde")]
    created_at: DateTime<Utc>,
    clock: ClockReading,
    rng: RngState,
    initial_rng: RngState,
    seed: SeedSpec,
    next_seq: u64,
    #[serde(default)]
    acs_systems: Vec<AcsSystem>,
    #[serde(default)]
    acs_entrances: Vec<AcsEntrance>,
    #[serde(default)]
    acs_access_groups: Vec<AcsAccessGroup>,
    #[serde(default)]
    acs_users: Vec<AcsUser>,
    #[serde(default)]
    acs_credentials: Vec<AcsCredential>,
    #[serde(default)]
    user_identities: Vec<UserIdentity>,
    #[serde(default)]
    enrollment_automations: Vec<EnrollmentAutomation>,
    #[serde(default)]
    connected_accounts: Vec<ConnectedAccount>,
    #[serde(default)]
    devices: Vec<Device>,
    #[serde(default)]
    client_sessions: Vec<ClientSession>,
    #[serde(default)]
    phones: Vec<Phone>,
    #[serde(default)]
    unmanaged_codes: Vec<UnmanagedCode>,
    #[serde(default)]
    access_codes: Vec<AccessCode>,
    #[serde(default)]
    action_attempts: Vec<ActionAttempt>,
    #[serde(default)]
    events: Vec<Event>,
    #[serde(default)]
    webhooks: Vec<Webhook>,
}

impl Workspace {
    pub(crate) fn dump(&self) -> WorkspaceDump {
        WorkspaceDump {
            format: FORMAT.to_owned(),
            workspace_id: self.workspace_id.clone(),
            name: self.name.clone(),
            api_key: self.api_key.clone(),
            publishable_key: self.publishable_key.clone(),
            created_at: self.created_at,
            clock: self.clock.reading(),
            rng: self.rng.state(),
            initial_rng: self.initial_rng.state(),
            seed: self.seed.clone(),
            next_seq: self.last_seq(),
            acs_systems: self.acs_systems.clone(),
            acs_entrances: self.acs_entrances.clone(),
            acs_access_groups: self.acs_access_groups.clone(),
            acs_users: self.acs_users.clone(),
            acs_credentials: self.acs_credentials.clone(),
            user_identities: self.user_identities.clone(),
            enrollment_automations: self.enrollment_automations.clone(),
            connected_accounts: self.connected_accounts.clone(),
            devices: self.devices.clone(),
            client_sessions: self.client_sessions.clone(),
            phones: self.phones.clone(),
            unmanaged_codes: self.unmanaged_codes.clone(),
            access_codes: self.access_codes.clone(),
            action_attempts: self.action_attempts.clone(),
            events: self.events.clone(),
            webhooks: self.webhooks.clone(),
        }
    }

    /// The workspace a dump describes, its clock showing the dumped time (running on from
    /// there unless it was frozen); the timings come from this simulator's `options`.
    pub(crate) fn load(dump: WorkspaceDump, options: &SimOptions) -> Result<Self, String> {
        if dump.format != FORMAT {
            return Err(format!(
                "format is {:?}; this simulator reads {FORMAT:?}",
                dump.format
            ));
        }
        let rng = SimRng::restore(&dump.rng).ok_or("rng is not a valid generator state")?;
        let initial_rng = SimRng::restore(&dump.initial_rng)
            .ok_or("initial_rng is not a valid generator state")?;
        // `empty` draws an id and keys, which the dump replaces: from a scratch source, so
        // the restored one resumes exactly where it was.
        let clock = SimClock::from_reading(dump.clock);
        let mut ws = Workspace::empty(&dump.name, clock, options, SimRng::seeded(0));
        ws.rng = rng;
        ws.initial_rng = initial_rng;
        ws.workspace_id = dump.workspace_id;
        ws.api_key = dump.api_key;
        ws.publishable_key = dump.publishable_key;
        ws.created_at = dump.created_at;
        ws.seed = dump.seed;
        ws.set_last_seq(dump.next_seq);
        ws.acs_systems = dump.acs_systems;
        ws.acs_entrances = dump.acs_entrances;
        ws.acs_access_groups = dump.acs_access_groups;
        ws.acs_users = dump.acs_users;
        ws.acs_credentials = dump.acs_credentials;
        ws.user_identities = dump.user_identities;
        ws.enrollment_automations = dump.enrollment_automations;
        ws.connected_accounts = dump.connected_accounts;
        ws.devices = dump.devices;
        ws.client_sessions = dump.client_sessions;
        ws.phones = dump.phones;
        ws.unmanaged_codes = dump.unmanaged_codes;
        ws.access_codes = dump.access_codes;
        ws.action_attempts = dump.action_attempts;
        ws.events = dump.events;
        ws.webhooks = dump.webhooks;
        Ok(ws)
    }

    /// The workspace as it was created: same id, keys, seed and random sequence, on the clock
    /// as it stands now (time does not run backwards), with its faults and counts cleared.
    pub(crate) fn reset(&self, options: &SimOptions) -> Self {
        let clock = self.clock;
        let mut fresh = crate::seed::seeded_workspace(
            &self.name,
            clock,
            options,
            self.initial_rng.clone(),
            &self.seed,
        );
        // Seeded objects are dated from the workspace's creation, as the first time.
        let shift = self.created_at - fresh.created_at;
        if shift != TimeDelta::zero() {
            fresh.shift_seeded(shift);
        }
        fresh
    }
}

impl Workspace {
    /// Moves the creation dates of everything seeded by `by` (a reset workspace keeps the
    /// dates it was first seeded with).
    fn shift_seeded(&mut self, by: TimeDelta) {
        self.created_at += by;
        for s in &mut self.acs_systems {
            s.created_at += by;
        }
        for e in &mut self.acs_entrances {
            e.created_at += by;
        }
        for g in &mut self.acs_access_groups {
            g.created_at += by;
        }
        for a in &mut self.connected_accounts {
            a.created_at += by;
        }
        for d in &mut self.devices {
            d.created_at += by;
            d.online_changed_at += by;
        }
    }
}
