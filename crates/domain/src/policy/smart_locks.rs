//! Smart locks (`smart-lock-access-codes.txt`): one access code per lock, ongoing when the grant
//! has no end and time-bound otherwise, on locks that support online access codes; a chosen PIN
//! must suit every lock, otherwise Seam generates one.

use super::latch::refuse_groups;
use super::plan::{CredentialPlan, GrantPlan, Mechanism, PlanStep, StepKind};
use super::{entrances_of_property, EntranceFacts, GrantRequest, PropertyFacts};
use crate::{AccessMethod, AccessWindow, DomainError};

pub(super) fn compile(
    property: &PropertyFacts,
    request: &GrantRequest,
    window: AccessWindow,
) -> Result<GrantPlan, DomainError> {
    refuse_groups(request, "A smart lock")?;
    let locks = entrances_of_property(property, &request.entrance_ids)?;
    if let Some(lock) = locks.iter().find(|l| !l.supports_access_codes) {
        return Err(DomainError::unsupported(
            "entranceIds",
            format!("lock {} does not support online access codes", lock.id),
        ));
    }
    if let Some(code) = &request.code {
        check_code(code, &locks)?;
    }
    let credentials: Vec<CredentialPlan> = locks
        .iter()
        .map(|lock| CredentialPlan {
            access_method: AccessMethod::PinCode,
            mechanism: Mechanism::AccessCode,
            entrance_ids: vec![lock.id],
            code: request.code.clone(),
        })
        .collect();
    let steps = (0..credentials.len())
        .flat_map(|slot| {
            [
                PlanStep::for_credential(StepKind::CreateAccessCode, slot),
                PlanStep::for_credential(StepKind::AwaitAccessCodeSet, slot),
            ]
        })
        .collect();
    Ok(GrantPlan {
        window,
        entrance_ids: locks.iter().map(|l| l.id).collect(),
        access_group_ids: vec![],
        credentials,
        steps,
    })
}

/// A chosen PIN is digits only, of a length every lock accepts.
fn check_code(code: &str, locks: &[&EntranceFacts]) -> Result<(), DomainError> {
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(DomainError::invalid("code", "must be digits only"));
    }
    let length = u32::try_from(code.len()).unwrap_or(u32::MAX);
    if let Some(lock) = locks
        .iter()
        .find(|l| !l.code_lengths.is_empty() && !l.code_lengths.contains(&length))
    {
        return Err(DomainError::invalid(
            "code",
            format!(
                "lock {} accepts codes of {:?} digits, not {length}",
                lock.id, lock.code_lengths
            ),
        ));
    }
    Ok(())
}
