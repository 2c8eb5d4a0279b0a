//! Any other ACS system Seam connects: the generic credential flow (user identity, ACS user, one
//! credential over the grant's entrances) where the system is credential-based, refused clearly
//! for systems that issue only cards through encoders.

use super::latch::{acs_credential_steps, refuse_groups};
use super::plan::{CredentialPlan, GrantPlan, Mechanism};
use super::{entrances_of_property, refuse_code, GrantRequest, PropertyFacts};
use crate::{AccessMethod, AccessWindow, DomainError};

/// ACS systems whose credentials are cards encoded on site: nothing Doorway can hand a resident.
const CARD_ONLY: &[&str] = &[
    "visionline_system",
    "assa_abloy_vostio",
    "assa_abloy_vostio_credential_service",
];

pub(super) fn supported(external_type: Option<&str>) -> &'static [AccessMethod] {
    match external_type {
        Some(kind) if CARD_ONLY.contains(&kind) => &[],
        _ => &[AccessMethod::PinCode, AccessMethod::MobileKey],
    }
}

/// Why an access method is refused, appended to the refusal.
pub(super) fn refusal(external_type: Option<&str>) -> String {
    match external_type {
        Some(kind) if CARD_ONLY.contains(&kind) => {
            format!(" ({kind} issues key cards through on-site encoders)")
        }
        _ => String::new(),
    }
}

pub(super) fn compile(
    property: &PropertyFacts,
    request: &GrantRequest,
    window: AccessWindow,
) -> Result<GrantPlan, DomainError> {
    refuse_code(request, "This access-control system")?;
    refuse_groups(request, "Doorway")?;
    let entrance_ids: Vec<_> = entrances_of_property(property, &request.entrance_ids)?
        .iter()
        .map(|e| e.id)
        .collect();
    let credentials = vec![CredentialPlan {
        access_method: request.access_method,
        mechanism: Mechanism::AcsCredential,
        entrance_ids: entrance_ids.clone(),
        code: None,
    }];
    let steps = acs_credential_steps(request.access_method, 1);
    Ok(GrantPlan {
        window,
        entrance_ids,
        access_group_ids: vec![],
        credentials,
        steps,
    })
}
