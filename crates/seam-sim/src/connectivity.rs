//! Whether Seam can reach a lock, and the changes to it: the lock's own connection, its hub's,
//! its connected account's, and (not cutting it off) its subscription's. Seam reaches a lock
//! only while all three links are up; the device then reports `online: true`.
//!
//! Only a change of that is announced, as Seam describes `device.connected` and
//! `device.disconnected` (the `online` property changing): `device.disconnected` names the link
//! that cut it (`error_code`), and asking for a state a link is already in announces nothing.
//! Each change also moves [`Device::reach_changed_at`], from which [`crate::lifecycle`]
//! restarts the codes an unreachable lock held up, whichever link held them up.

use serde_json::{json, Value};

use crate::error::SimError;
use crate::events::issues;
use crate::objects::{not_found, ConnectedAccount, Device};
use crate::state::Workspace;

/// A link between Seam and a lock that a device-level switch can cut or restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// The lock's own connection (`/devices/simulate/{connect,disconnect}`).
    Device,
    /// Its hub (`/devices/simulate/{connect_to_hub,disconnect_from_hub}`).
    Hub,
}

impl Link {
    /// The `error_code` of the `device.disconnected` this link causes.
    fn error_code(self) -> &'static str {
        match self {
            Self::Device => "device_disconnected",
            Self::Hub => "hub_disconnected",
        }
    }
}

impl Workspace {
    /// The connected account `id`, if the workspace has it (a workspace loaded from a dump
    /// made before connected accounts were kept has none).
    pub(crate) fn account(&self, id: &str) -> Option<&ConnectedAccount> {
        self.connected_accounts
            .iter()
            .find(|a| a.connected_account_id == id)
    }

    fn account_down(&self, device: &Device) -> bool {
        self.account(&device.connected_account_id)
            .is_some_and(ConnectedAccount::is_disconnected)
    }

    /// Whether Seam can reach `device` now (its lock, hub and account all connected).
    pub(crate) fn is_reachable(&self, device: &Device) -> bool {
        device.reachable(self.account_down(device))
    }

    /// The device as Seam renders it, with its account's errors.
    pub(crate) fn render_device(&self, device: &Device) -> Value {
        device.render(
            &self.workspace_id,
            self.account(&device.connected_account_id),
        )
    }

    /// The errors and warnings of a device and of its account, as the events about its
    /// trouble carry them.
    pub(crate) fn device_issues(&self, device: &Device) -> Value {
        let account_errors = self
            .account(&device.connected_account_id)
            .map(ConnectedAccount::errors)
            .unwrap_or_default();
        json!({
            "device_errors": issues(Value::from(device.own_errors())),
            "device_warnings": [],
            "connected_account_errors": issues(Value::from(account_errors)),
            "connected_account_warnings": [],
        })
    }

    /// Cuts (`up: false`) or restores one link of a lock; see the module docs.
    pub(crate) fn set_link(
        &mut self,
        device_id: &str,
        link: Link,
        up: bool,
    ) -> Result<(), SimError> {
        let now = self.now();
        let index = self
            .devices
            .iter()
            .position(|d| d.device_id == device_id)
            .ok_or_else(|| not_found::<Device>(device_id))?;
        let account_down = self.account_down(&self.devices[index]);
        let device = &mut self.devices[index];
        let (was, since) = (device.reachable(account_down), device.reach_since());
        match link {
            Link::Device if device.online != up => {
                device.online = up;
                device.online_changed_at = now;
            }
            Link::Hub if device.hub_disconnected_at.is_none() != up => {
                device.hub_disconnected_at = (!up).then_some(now);
            }
            _ => return Ok(()),
        }
        let is = device.reachable(account_down);
        device.reach_changed_at = Some(if was == is { since } else { now });
        if was != is {
            let device = device.clone();
            self.announce_reach(&device, link.error_code());
        }
        Ok(())
    }

    /// Disconnects a connected account or connects it again: `connected_account.disconnected`
    /// (with its `account_disconnected` error) or `connected_account.connected`, then the
    /// change of each of its devices that this cut off or brought back.
    pub(crate) fn set_account_connected(
        &mut self,
        account_id: &str,
        connected: bool,
    ) -> Result<(), SimError> {
        let now = self.now();
        let account = self
            .connected_accounts
            .iter_mut()
            .find(|a| a.connected_account_id == account_id)
            .ok_or_else(|| not_found::<ConnectedAccount>(account_id))?;
        if account.is_disconnected() != connected {
            return Ok(());
        }
        account.disconnected_at = (!connected).then_some(now);
        let account = account.clone();
        if connected {
            let fields = json!({ "connected_account_id": account_id });
            self.emit("connected_account.connected", now, fields);
        } else {
            let fields = json!({
                "connected_account_id": account_id,
                "connected_account_errors": issues(Value::from(account.errors())),
                "connected_account_warnings": [],
            });
            self.emit("connected_account.disconnected", now, fields);
        }
        let mut flipped = Vec::new();
        for device in &mut self.devices {
            if device.connected_account_id != account_id {
                continue;
            }
            let since = device.reach_since();
            let (was, is) = (device.reachable(connected), device.reachable(!connected));
            device.reach_changed_at = Some(if was == is { since } else { now });
            if was != is {
                flipped.push(device.clone());
            }
        }
        for device in &flipped {
            self.announce_reach(device, "account_disconnected");
        }
        Ok(())
    }

    /// Lets a lock's subscription expire (`device.error.subscription_required`, and a
    /// `subscription_required` error on the device) or renews it
    /// (`device.error.subscription_required.resolved`). Seam keeps reaching the lock.
    pub(crate) fn set_subscription_expired(
        &mut self,
        device_id: &str,
        expired: bool,
    ) -> Result<(), SimError> {
        let now = self.now();
        let device = self
            .devices
            .iter_mut()
            .find(|d| d.device_id == device_id)
            .ok_or_else(|| not_found::<Device>(device_id))?;
        if device.subscription_expired_at.is_some() == expired {
            return Ok(());
        }
        device.subscription_expired_at = expired.then_some(now);
        let device = device.clone();
        if expired {
            let extra = self.device_issues(&device);
            self.emit_for_device("device.error.subscription_required", now, &device, extra);
        } else {
            let event_type = "device.error.subscription_required.resolved";
            self.emit_for_device(event_type, now, &device, json!({}));
        }
        Ok(())
    }

    /// `device.connected` for a lock Seam reaches again, `device.disconnected` naming
    /// `error_code` (what cut it off) for one it lost.
    fn announce_reach(&mut self, device: &Device, error_code: &'static str) {
        let now = self.now();
        if self.is_reachable(device) {
            self.emit_for_device("device.connected", now, device, json!({}));
            return;
        }
        let mut extra = self.device_issues(device);
        extra["error_code"] = json!(error_code);
        self.emit_for_device("device.disconnected", now, device, extra);
    }
}
