//! What each access system allows when a credential is created, from the seed guides:
//!
//! - Latch: a PIN code (`code`) opens exactly one entrance and a mobile key one or more;
//!   Latch generates every code, so a `code` in the request is refused.
//! - Salto KS: only PIN codes, which Salto KS generates; access comes from the user's access
//!   groups, so entrances cannot be given.
//! - Credential managers take no credentials directly; they serve enrollment automations.
//!
//! Kept apart from the route so the rules read as a table and are tested without HTTP.

use crate::error::SimError;
use crate::objects::{AccessMethod, AcsEntrance, AcsSystem, SystemKind};

/// Checks a credential request against the user's access system. On success, returns the
/// length of the code the system generates, if the credential gets one.
pub(crate) fn check_credential(
    system: &AcsSystem,
    method: AccessMethod,
    entrances: &[&AcsEntrance],
    code_given: bool,
) -> Result<Option<usize>, SimError> {
    if let Some(stranger) = entrances
        .iter()
        .find(|entrance| entrance.acs_system_id != system.acs_system_id)
    {
        return Err(SimError::rejected(
            "acs_entrance_not_in_acs_system",
            format!(
                "Entrance {} does not belong to access system {}, the system of the acs user",
                stranger.acs_entrance_id, system.acs_system_id
            ),
        ));
    }
    match (system.kind, method) {
        (SystemKind::LatchBuilding, AccessMethod::Code) => {
            refuse_code(code_given, "Latch generates PIN codes itself")?;
            if entrances.len() != 1 {
                return Err(SimError::rejected(
                    "code_credential_requires_exactly_one_entrance",
                    format!(
                        "A Latch PIN code grants access to exactly one entrance, but {} were given; create one credential per entrance",
                        entrances.len()
                    ),
                ));
            }
            require_capability(entrances, method)?;
            Ok(Some(7))
        }
        (SystemKind::LatchBuilding, AccessMethod::MobileKey) => {
            refuse_code(code_given, "A Latch mobile key has no code")?;
            if entrances.is_empty() {
                return Err(SimError::rejected(
                    "credential_requires_an_entrance",
                    "A Latch mobile key must grant access to at least one entrance",
                ));
            }
            require_capability(entrances, method)?;
            Ok(None)
        }
        (SystemKind::SaltoKsSite, AccessMethod::Code) => {
            refuse_code(code_given, "Salto KS generates PIN codes itself")?;
            if !entrances.is_empty() {
                return Err(SimError::rejected(
                    "cannot_specify_acs_entrances",
                    "Salto KS grants access through access groups: add the acs user to access groups instead of giving allowed_acs_entrance_ids",
                ));
            }
            Ok(Some(6))
        }
        (kind, method) => Err(SimError::rejected(
            "access_method_not_supported",
            format!(
                "Access method {} is not supported by {} access systems",
                method.as_str(),
                kind.external_type()
                    .map_or("credential manager", |(_, display_name)| display_name)
            ),
        )),
    }
}

/// Latch issues mobile keys only as multi-phone sync credentials (the Latch guide always
/// passes `is_multi_phone_sync_credential: true`).
pub(crate) fn require_multi_phone_sync(
    system: &AcsSystem,
    method: AccessMethod,
    multi_phone_sync: bool,
) -> Result<(), SimError> {
    if system.kind == SystemKind::LatchBuilding
        && method == AccessMethod::MobileKey
        && !multi_phone_sync
    {
        return Err(crate::input::invalid_field(
            &["is_multi_phone_sync_credential"],
            "A Latch mobile key must be a multi-phone sync credential: pass is_multi_phone_sync_credential: true",
        ));
    }
    Ok(())
}

fn refuse_code(code_given: bool, why: &str) -> Result<(), SimError> {
    if code_given {
        return Err(SimError::rejected(
            "cannot_specify_pin_code",
            format!("{why}: do not pass `code`"),
        ));
    }
    Ok(())
}

fn require_capability(entrances: &[&AcsEntrance], method: AccessMethod) -> Result<(), SimError> {
    let unable = entrances.iter().find(|entrance| match method {
        AccessMethod::Code => !entrance.can_unlock_with_code,
        AccessMethod::MobileKey => !entrance.can_unlock_with_mobile_key,
        AccessMethod::Card => !entrance.can_unlock_with_card,
        AccessMethod::CloudKey => true,
    });
    match unable {
        Some(entrance) => Err(SimError::rejected(
            "acs_entrance_does_not_support_access_method",
            format!(
                "Entrance {} cannot be unlocked with access method {}",
                entrance.display_name,
                method.as_str()
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
