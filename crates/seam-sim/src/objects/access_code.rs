//! Access codes (`access_code`): PINs programmed on a smart lock, ongoing or time-bound.
//!
//! Unlike ACS credentials, whose state is derived at read time, an access code carries an
//! explicit [`Phase`] that [`crate::lifecycle`] moves along on the workspace clock, because
//! every move must also be announced by an event at the moment it happens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;
use crate::clock::iso;

/// Where a code is between Seam and the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Phase {
    /// Time-bound and not started: `unset` (even when preloaded on a natively scheduling lock).
    Unset,
    /// Being programmed on the lock since the instant given.
    Setting { since: DateTime<Utc> },
    /// On the lock and usable.
    Set,
    /// Being taken off the lock since the instant given (remembering whether the lock had
    /// it, which decides whether `removed_from_device` is announced); gone afterwards.
    /// `needs_lock`: the lock has the code or was being given it, so the removal waits for
    /// the lock to be online; a code that never left Seam (`unset`, not preloaded) is not
    /// held up by an offline lock.
    Removing {
        since: DateTime<Utc>,
        was_on_device: bool,
        needs_lock: bool,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AccessCode {
    pub(crate) access_code_id: String,
    pub(crate) seq: u64,
    pub(crate) device_id: String,
    pub(crate) connected_account_id: String,
    pub(crate) name: Option<String>,
    pub(crate) code: String,
    pub(crate) common_code_key: Option<String>,
    /// Both set for a time-bound code, neither for an ongoing one.
    pub(crate) starts_at: Option<DateTime<Utc>>,
    pub(crate) ends_at: Option<DateTime<Utc>>,
    pub(crate) is_external_modification_allowed: bool,
    /// Whether the client let Seam use the lock's own scheduling (`prefer_native_scheduling`).
    pub(crate) prefer_native_scheduling: bool,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) phase: Phase,
    /// Preloaded on a natively scheduling lock ahead of `starts_at`.
    pub(crate) is_scheduled_on_device: bool,
    /// When an offline lock made Seam warn of a delay in the current move (setting, or
    /// removing when the phase is `Removing`), and when it gave up.
    pub(crate) delay_warned_at: Option<DateTime<Utc>>,
    pub(crate) failed_at: Option<DateTime<Utc>>,
}

identified!(
    AccessCode,
    access_code_id,
    "access_code_not_found",
    "access code"
);

impl AccessCode {
    pub(crate) fn is_time_bound(&self) -> bool {
        self.ends_at.is_some()
    }

    /// Whether the lock holds the code (set, or preloaded for later).
    pub(crate) fn is_on_device(&self) -> bool {
        self.phase == Phase::Set || self.is_scheduled_on_device
    }

    pub(crate) fn status(&self) -> &'static str {
        match self.phase {
            Phase::Unset => "unset",
            Phase::Setting { .. } => "setting",
            Phase::Set => "set",
            Phase::Removing { .. } => "removing",
        }
    }

    fn is_removing(&self) -> bool {
        matches!(self.phase, Phase::Removing { .. })
    }

    /// Set once Seam has given up programming the code on an offline lock, or taking it off.
    pub(crate) fn errors(&self) -> Vec<Value> {
        let Some(at) = self.failed_at else {
            return Vec::new();
        };
        let (error_code, message) = if self.is_removing() {
            (
                "failed_to_remove_from_device",
                "Failed to remove code from device: the device is offline. Seam will keep trying in case the problem is temporary.",
            )
        } else {
            (
                "failed_to_set_on_device",
                "Failed to set code on device: the device is offline. Seam will keep trying in case the problem is temporary.",
            )
        };
        vec![json!({
            "error_code": error_code,
            "is_access_code_error": true,
            "message": message,
            "created_at": iso(at),
        })]
    }

    pub(crate) fn warnings(&self) -> Vec<Value> {
        let mut warnings = Vec::new();
        if let Phase::Removing { since, .. } = self.phase {
            warnings.push(json!({
                "warning_code": "being_deleted",
                "message": "Access code is being deleted.",
                "created_at": iso(since),
            }));
        }
        if let Some(at) = self.delay_warned_at {
            let (warning_code, message) = if self.is_removing() {
                (
                    "delay_in_removing_from_device",
                    "Delay in removing code from device: the device is offline.",
                )
            } else {
                (
                    "delay_in_setting_on_device",
                    "Delay in setting code on device: the device is offline.",
                )
            };
            warnings.push(json!({
                "warning_code": warning_code,
                "message": message,
                "created_at": iso(at),
            }));
        }
        warnings
    }

    fn pending_mutations(&self) -> Value {
        match self.phase {
            Phase::Setting { since } => json!([{
                "mutation_code": "creating",
                "message": "Programming the code on the device.",
                "created_at": iso(since),
            }]),
            Phase::Unset if !self.is_scheduled_on_device => json!([{
                "mutation_code": "deferring_creation",
                "message": "The code will be programmed on the device when its time frame starts.",
                "created_at": iso(self.created_at),
                "scheduled_at": iso(self.starts_at.unwrap_or(self.created_at)),
            }]),
            Phase::Removing { since, .. } => json!([{
                "mutation_code": "deleting",
                "message": "Removing the code from the device.",
                "created_at": iso(since),
            }]),
            Phase::Unset | Phase::Set => json!([]),
        }
    }

    pub(crate) fn render(&self, workspace_id: &str) -> Value {
        let mut code = json!({
            "access_code_id": self.access_code_id,
            "device_id": self.device_id,
            "workspace_id": workspace_id,
            "name": self.name,
            "code": self.code,
            "common_code_key": self.common_code_key,
            "type": if self.is_time_bound() { "time_bound" } else { "ongoing" },
            "status": self.status(),
            "starts_at": self.starts_at.map(iso),
            "ends_at": self.ends_at.map(iso),
            "created_at": iso(self.created_at),
            "errors": self.errors(),
            "warnings": self.warnings(),
            "is_managed": true,
            "is_backup": false,
            "is_backup_access_code_available": false,
            "pulled_backup_access_code_id": null,
            "is_external_modification_allowed": self.is_external_modification_allowed,
            "is_one_time_use": false,
            "is_offline_access_code": false,
            "is_waiting_for_code_assignment": false,
            "pending_mutations": self.pending_mutations(),
        });
        if self.is_time_bound() {
            code["is_scheduled_on_device"] = json!(self.is_scheduled_on_device);
        }
        code
    }
}
