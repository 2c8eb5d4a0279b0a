//! What the simulator remembers: isolated workspaces, each reached through its own API key,
//! each with its own clock, objects (in creation order, which is the order Seam lists them),
//! events, webhook deliveries, rate limits, faults and a record of the calls it received.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::calls::CallRecord;
use crate::clock::{iso, SimClock};
use crate::delivery::DeliveryBook;
use crate::faults::FaultBook;
use crate::ids::SimRng;
use crate::lifecycle::Timing;
use crate::objects::{
    AccessCode, AcsAccessGroup, AcsCredential, AcsEntrance, AcsSystem, AcsUser, ActionAttempt,
    ClientSession, ConnectedAccount, Device, EnrollmentAutomation, Event, Phone, UnmanagedCode,
    UserIdentity, Webhook,
};
use crate::options::SimOptions;
use crate::rate_limits::DeviceLimiter;

/// Every workspace, plus the clock new workspaces start from and the source their own
/// random sequences are derived from (in creation order; see [`crate::ids`]).
#[derive(Debug)]
pub(crate) struct Store {
    workspaces: Vec<Workspace>,
    base_clock: SimClock,
    rng: SimRng,
    /// Draws `seam-request-id`s, apart from `rng` so that answers never shift workspace ids.
    request_ids: SimRng,
}

impl Store {
    /// The store of a simulator that has just started: no workspace, clocks at the start.
    pub(crate) fn new(options: &SimOptions) -> Self {
        let mut rng = match options.seed {
            Some(seed) => SimRng::seeded(seed),
            None => SimRng::from_entropy(),
        };
        let request_ids = rng.derive();
        Self {
            workspaces: Vec::new(),
            base_clock: SimClock::starting(options.clock_start, options.clock_frozen),
            rng,
            request_ids,
        }
    }

    /// The random source of the next workspace created.
    pub(crate) fn next_workspace_rng(&mut self) -> SimRng {
        self.rng.derive()
    }

    /// A `seam-request-id`.
    pub(crate) fn request_id(&mut self) -> String {
        self.request_ids.new_id()
    }

    /// Replaces the workspace with the same id, or adds it; refused (with the id of the
    /// holder) when its API key opens another workspace.
    pub(crate) fn put(&mut self, workspace: Workspace) -> Result<(), String> {
        if let Some(other) = self
            .workspaces
            .iter()
            .find(|ws| ws.api_key == workspace.api_key && ws.workspace_id != workspace.workspace_id)
        {
            return Err(other.workspace_id.clone());
        }
        match self.workspace_mut(&workspace.workspace_id) {
            Some(existing) => *existing = workspace,
            None => self.workspaces.push(workspace),
        }
        Ok(())
    }

    /// Every workspace, to apply a change to each clock.
    pub(crate) fn clocks_mut(&mut self) -> impl Iterator<Item = &mut SimClock> {
        std::iter::once(&mut self.base_clock)
            .chain(self.workspaces.iter_mut().map(|ws| &mut ws.clock))
    }
    /// The clock a new workspace starts with, so a global advance also holds for workspaces
    /// created afterwards.
    pub(crate) fn base_clock(&self) -> SimClock {
        self.base_clock
    }

    pub(crate) fn add(&mut self, workspace: Workspace) {
        self.workspaces.push(workspace);
    }

    pub(crate) fn workspace_id_for_key(&self, api_key: &str) -> Option<String> {
        self.workspaces
            .iter()
            .find(|ws| ws.api_key == api_key)
            .map(|ws| ws.workspace_id.clone())
    }

    pub(crate) fn workspace_mut(&mut self, workspace_id: &str) -> Option<&mut Workspace> {
        self.workspaces
            .iter_mut()
            .find(|ws| ws.workspace_id == workspace_id)
    }

    pub(crate) fn workspaces(&self) -> impl Iterator<Item = &Workspace> {
        self.workspaces.iter()
    }

    pub(crate) fn workspaces_mut(&mut self) -> impl Iterator<Item = &mut Workspace> {
        self.workspaces.iter_mut()
    }
}

/// One Seam workspace and everything in it.
#[derive(Debug)]
pub(crate) struct Workspace {
    pub(crate) workspace_id: String,
    pub(crate) name: String,
    pub(crate) api_key: String,
    /// Opens the workspace to client session tokens from apps (`seam-publishable-key`).
    pub(crate) publishable_key: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) clock: SimClock,
    /// Every random choice made for this workspace; see [`crate::ids`].
    pub(crate) rng: SimRng,
    /// The random source as it was at creation, and what the workspace was seeded with, so
    /// `/_sim/reset` can make it again as it was.
    pub(crate) initial_rng: SimRng,
    pub(crate) seed: crate::seed::SeedSpec,
    /// How long after creation a credential counts as issued.
    pub(crate) issue_delay: TimeDelta,
    /// How long access codes take to move between statuses.
    pub(crate) timing: Timing,
    next_seq: u64,
    pub(crate) acs_systems: Vec<AcsSystem>,
    pub(crate) acs_entrances: Vec<AcsEntrance>,
    pub(crate) acs_access_groups: Vec<AcsAccessGroup>,
    pub(crate) acs_users: Vec<AcsUser>,
    pub(crate) acs_credentials: Vec<AcsCredential>,
    pub(crate) user_identities: Vec<UserIdentity>,
    pub(crate) enrollment_automations: Vec<EnrollmentAutomation>,
    pub(crate) connected_accounts: Vec<ConnectedAccount>,
    pub(crate) devices: Vec<Device>,
    pub(crate) client_sessions: Vec<ClientSession>,
    pub(crate) phones: Vec<Phone>,
    pub(crate) unmanaged_codes: Vec<UnmanagedCode>,
    pub(crate) access_codes: Vec<AccessCode>,
    pub(crate) action_attempts: Vec<ActionAttempt>,
    /// In the order they were recorded; see [`crate::events`].
    pub(crate) events: Vec<Event>,
    pub(crate) webhooks: Vec<Webhook>,
    pub(crate) deliveries: DeliveryBook,
    pub(crate) device_limits: DeviceLimiter,
    pub(crate) faults: FaultBook,
    /// Seam calls received, counted and logged, for `/_sim/calls`.
    pub(crate) calls: CallRecord,
}

impl Workspace {
    /// An empty workspace; [`crate::seed`] fills it.
    pub(crate) fn empty(name: &str, clock: SimClock, options: &SimOptions, rng: SimRng) -> Self {
        let initial_rng = rng.clone();
        let mut rng = rng;
        Self {
            workspace_id: rng.new_id(),
            name: name.to_owned(),
            api_key: rng.api_key(),
            publishable_key: rng.publishable_key(),
            created_at: clock.now(),
            clock,
            rng,
            initial_rng,
            seed: crate::seed::SeedSpec::default(),
            issue_delay: TimeDelta::from_std(options.credential_issue_delay)
                .unwrap_or(TimeDelta::MAX),
            timing: Timing::new(&options.access_codes),
            next_seq: 0,
            acs_systems: Vec::new(),
            acs_entrances: Vec::new(),
            acs_access_groups: Vec::new(),
            acs_users: Vec::new(),
            acs_credentials: Vec::new(),
            user_identities: Vec::new(),
            enrollment_automations: Vec::new(),
            connected_accounts: Vec::new(),
            devices: Vec::new(),
            client_sessions: Vec::new(),
            phones: Vec::new(),
            unmanaged_codes: Vec::new(),
            access_codes: Vec::new(),
            action_attempts: Vec::new(),
            events: Vec::new(),
            webhooks: Vec::new(),
            deliveries: DeliveryBook::new(&options.webhooks),
            device_limits: DeviceLimiter::new(options.device_rate_limits.clone()),
            faults: FaultBook::default(),
            calls: CallRecord::new(),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The last creation sequence number handed out, for dumps.
    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq
    }

    pub(crate) fn set_last_seq(&mut self, seq: u64) {
        self.next_seq = seq;
    }

    /// The next creation sequence number; page cursors are positions in this sequence.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub(crate) fn render(&self) -> Value {
        json!({
            "workspace_id": self.workspace_id,
            "name": self.name,
            "company_name": self.name,
            "is_sandbox": true,
            "is_suspended": false,
            "is_publishable_key_auth_enabled": true,
            "publishable_key": self.publishable_key,
            "connect_partner_name": null,
            "organization_id": null,
            "connect_webview_customization": {},
            "created_at": iso(self.created_at),
        })
    }
}
