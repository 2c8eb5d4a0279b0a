//! Connected accounts (`connected_account`): the provider logins (an August account, a Latch
//! building's integration) through which Seam reaches devices and access systems. The seed makes
//! one per lock manufacturer and one per access system. An account can be disconnected
//! (`/connected_accounts/simulate/disconnect`, as when its owner changes the password), which
//! cuts Seam off from every device behind it until it is connected again
//! (`/_sim/connected_accounts/reconnect`, standing in for the owner logging in again).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;
use crate::clock::iso;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ConnectedAccount {
    pub(crate) connected_account_id: String,
    pub(crate) seq: u64,
    /// Seam's `account_type`: `august`, `schlage`, `latch`, `salto_ks`, ...
    pub(crate) account_type: String,
    pub(crate) account_type_display_name: String,
    /// What the account is for, capabilities-wise: `lock` or `access_control`.
    pub(crate) capability: String,
    pub(crate) created_at: DateTime<Utc>,
    /// When the account was disconnected, while it is.
    #[serde(default)]
    pub(crate) disconnected_at: Option<DateTime<Utc>>,
}

identified!(
    ConnectedAccount,
    connected_account_id,
    "connected_account_not_found",
    "connected account"
);

impl ConnectedAccount {
    pub(crate) fn is_disconnected(&self) -> bool {
        self.disconnected_at.is_some()
    }

    /// `account_disconnected` while disconnected, as the account renders it (and as its
    /// devices repeat it, flagged as a connected-account error).
    pub(crate) fn errors(&self) -> Vec<Value> {
        self.disconnected_at
            .map(|at| {
                json!({
                    "error_code": "account_disconnected",
                    "message": "Account is disconnected: its owner must reconnect it",
                    "is_connected_account_error": true,
                    "created_at": iso(at),
                })
            })
            .into_iter()
            .collect()
    }

    pub(crate) fn render(&self) -> Value {
        json!({
            "connected_account_id": self.connected_account_id,
            "account_type": self.account_type,
            "account_type_display_name": self.account_type_display_name,
            "display_name": format!("{} account", self.account_type_display_name),
            "created_at": iso(self.created_at),
            "errors": self.errors(),
            "warnings": [],
            "custom_metadata": {},
            "automatically_manage_new_devices": true,
            "accepted_capabilities": [self.capability],
        })
    }
}
