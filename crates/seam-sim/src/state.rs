//! What the simulator remembers: isolated workspaces, each reached through its own API key,
//! each with its own clock, objects (in creation order, which is the order Seam lists them),
//! events, webhook deliveries, rate limits, faults and a record of the calls it received.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use crate::calls::CallRecord;
use crate::clock::{iso, SimClock};
use crate::delivery::DeliveryBook;
use crate::faults::FaultBook;
use crate::ids;
use crate::lifecycle::Timing;
use crate::objects::{
    AccessCode, AcsAccessGroup, AcsCredential, AcsEntrance, AcsSystem, AcsUser, ActionAttempt,
    ClientSession, Device, EnrollmentAutomation, Event, UserIdentity, Webhook,
};
use crate::options::SimOptions;
use crate::rate_limits::DeviceLimiter;

/// Every workspace, plus the clock new workspaces start from.
#[derive(Debug, Default)]
pub(crate) struct Store {
    workspaces: Vec<Workspace>,
    base_clock: SimClock,
}

impl Store {
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

    pub(crate) fn workspaces_mut(&mut self) -> impl Iterator<Item = &mut Workspace> {
        self.workspaces.iter_mut()
    }

    /// Moves every clock, including the one future workspaces will start from.
    pub(crate) fn advance_all(&mut self, by: TimeDelta) -> DateTime<Utc> {
        self.base_clock.advance(by);
        for ws in &mut self.workspaces {
            ws.clock.advance(by);
        }
        self.base_clock.now()
    }
}

/// One Seam workspace and everything in it.
#[derive(Debug)]
pub(crate) struct Workspace {
    pub(crate) workspace_id: String,
    pub(crate) name: String,
    pub(crate) api_key: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) clock: SimClock,
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
    pub(crate) devices: Vec<Device>,
    pub(crate) client_sessions: Vec<ClientSession>,
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
    pub(crate) fn empty(name: &str, clock: SimClock, options: &SimOptions) -> Self {
        Self {
            workspace_id: ids::new_id(),
            name: name.to_owned(),
            api_key: ids::api_key(),
            created_at: clock.now(),
            clock,
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
            devices: Vec::new(),
            client_sessions: Vec::new(),
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
            "is_publishable_key_auth_enabled": false,
            "connect_partner_name": null,
            "organization_id": null,
            "connect_webview_customization": {},
            "created_at": iso(self.created_at),
        })
    }
}
