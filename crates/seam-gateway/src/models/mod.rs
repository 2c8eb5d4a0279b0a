//! Seam's objects, as much of them as Doorway reads.
//!
//! Written to survive Seam's growth: unknown fields are ignored, anything the spec marks
//! optional or nullable is an `Option` with a default, and value sets that grow
//! (`external_type`, `device_type`, warning codes, capabilities) are plain strings with helper
//! methods, or enums with a catch-all. A new value from Seam never fails a parse.

mod access;
mod access_code;
mod acs;
mod common;
mod device;
mod event;
mod identity;
mod pin;

pub use access::{AccessMethod, AccessSchedule, AcsCredential, AcsUser, SaltoKsUserMetadata};
pub use access_code::{
    AccessCode, AccessCodeStatus, AccessCodeType, ActionAttempt, ActionAttemptError,
    ActionAttemptStatus,
};
pub use acs::{AcsAccessGroup, AcsEntrance, AcsSystem, AcsSystemLocation};
pub use common::{ErrorItem, Warning};
pub use device::{CodeConstraint, Device, DeviceProperties};
pub use event::{Event, EventType, Webhook};
pub use identity::{ClientSession, EnrollmentAutomation, UserIdentity, Workspace};
pub use pin::Pin;
