//! The objects a workspace holds, one module per Seam resource. Each keeps only what the
//! simulator needs to decide things; everything Seam derives (counts, lifecycle flags,
//! warnings) is computed when the object is rendered, from the workspace's current time, so a
//! clock advance shows at once. Access codes are the exception: their status is a state that
//! [`crate::lifecycle`] moves, because each move is also an event.

mod access_code;
mod acs_access_group;
mod acs_credential;
mod acs_entrance;
mod acs_system;
mod acs_user;
mod action_attempt;
mod client_session;
mod connected_account;
mod device;
mod event;
mod phone;
mod unmanaged_code;
mod user_identity;
mod webhook;

pub(crate) use access_code::{AccessCode, Phase};
pub(crate) use acs_access_group::AcsAccessGroup;
pub(crate) use acs_credential::{AccessMethod, AcsCredential};
pub(crate) use acs_entrance::AcsEntrance;
pub(crate) use acs_system::{AcsSystem, SystemKind};
pub(crate) use acs_user::{refuse_second_user, AccessSchedule, AcsUser};
pub(crate) use action_attempt::{ActionAttempt, ActionType, AttemptStatus};
pub(crate) use client_session::ClientSession;
pub(crate) use connected_account::ConnectedAccount;
pub(crate) use device::{CodeConstraint, Device, DeviceModel};
pub(crate) use event::Event;
pub(crate) use phone::Phone;
pub(crate) use unmanaged_code::UnmanagedCode;
pub(crate) use user_identity::{EnrollmentAutomation, UserIdentity};
pub(crate) use webhook::Webhook;

use crate::error::SimError;

/// A Seam object addressed by id, with the error Seam gives when the id names nothing.
pub(crate) trait Identified {
    /// The `error.type` for a missing object, such as `acs_user_not_found`.
    const NOT_FOUND: &'static str;
    /// How the object is called in messages.
    const NOUN: &'static str;

    fn id(&self) -> &str;
}

/// Finds the object with `id`, or answers Seam's "not found" for its kind.
pub(crate) fn find<'a, T: Identified>(items: &'a [T], id: &str) -> Result<&'a T, SimError> {
    items
        .iter()
        .find(|item| item.id() == id)
        .ok_or_else(|| not_found::<T>(id))
}

pub(crate) fn not_found<T: Identified>(id: &str) -> SimError {
    SimError::not_found(
        T::NOT_FOUND,
        format!("Could not find {} with id {id}", T::NOUN),
    )
}

macro_rules! identified {
    ($type:ty, $field:ident, $not_found:literal, $noun:literal) => {
        impl $crate::objects::Identified for $type {
            const NOT_FOUND: &'static str = $not_found;
            const NOUN: &'static str = $noun;

            fn id(&self) -> &str {
                &self.$field
            }
        }
    };
}
pub(crate) use identified;
