//! Unmanaged access codes (`unmanaged_access_code`): PINs on a lock that Seam did not set,
//! such as one keyed in at the lock. A sandbox makes one with
//! `/access_codes/simulate/create_unmanaged_access_code`; it occupies its PIN on the lock, so
//! a managed code with the same PIN is refused as a duplicate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::identified;
use crate::clock::iso;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UnmanagedCode {
    pub(crate) access_code_id: String,
    pub(crate) seq: u64,
    pub(crate) device_id: String,
    pub(crate) connected_account_id: String,
    pub(crate) name: String,
    pub(crate) code: String,
    pub(crate) created_at: DateTime<Utc>,
}

identified!(
    UnmanagedCode,
    access_code_id,
    "access_code_not_found",
    "unmanaged access code"
);

impl UnmanagedCode {
    pub(crate) fn render(&self, workspace_id: &str) -> Value {
        json!({
            "access_code_id": self.access_code_id,
            "device_id": self.device_id,
            "workspace_id": workspace_id,
            "name": self.name,
            "code": self.code,
            "type": "ongoing",
            "status": "set",
            "is_managed": false,
            "created_at": iso(self.created_at),
            "errors": [],
            "warnings": [],
        })
    }
}
