//! Identifiers of Doorway's own records. Each is a distinct type so that a resident id can never
//! be passed where a grant id is expected; Seam's ids stay opaque strings elsewhere.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! define_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh id; v7 so that ids sort by creation time and index well.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

define_id!(
    /// A property-management company, mapped to one Seam workspace.
    TenantId
);
define_id!(
    /// A building or site imported from Seam.
    PropertyId
);
define_id!(
    /// An ACS entrance, or a smart lock of a smart-lock property.
    EntranceId
);
define_id!(
    /// An ACS access group.
    AccessGroupId
);
define_id!(
    /// A person with an app account.
    ResidentId
);
define_id!(
    /// "This resident may open these doors, this way, in this window."
    GrantId
);
define_id!(
    /// What a resident holds: a mobile key or a PIN.
    CredentialId
);
define_id!(
    /// The durable record of the steps that provision or revoke a grant.
    RunId
);
define_id!(
    /// One step of a provisioning run.
    StepId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_text_form() {
        let id = GrantId::new();
        assert_eq!(id.to_string().parse::<GrantId>(), Ok(id));
    }

    #[test]
    fn malformed_ids_are_refused() {
        assert!("not-a-uuid".parse::<ResidentId>().is_err());
    }

    #[test]
    fn new_ids_sort_by_creation() {
        let first = RunId::new();
        let second = RunId::new();
        assert!(first < second);
    }
}
