//! The credential policy engine: one place that turns "give this resident access", "end it" and
//! "change its window" into the provisioning steps the property's provider needs, following the
//! Seam guides.
//!
//! The engine is pure. It refuses what the provider cannot honour before anything is stored or
//! sent to Seam, naming the input field at fault, and it decides how many credentials a grant
//! becomes: a Latch mobile key is one multi-phone-sync credential over every entrance; a Latch
//! PIN is one credential per entrance (Latch takes one entrance per code); a Salto KS PIN is one
//! credential with no entrances, access coming through access groups; a smart-lock PIN is one
//! access code per lock.

mod latch;
mod other_acs;
mod plan;
mod revocation;
mod salto;
mod smart_locks;

use chrono::{DateTime, Utc};

pub use plan::{CredentialPlan, GrantPlan, Mechanism, PlanStep, StepKind};
pub use revocation::{compile_reschedule, compile_revocation, compile_sign_out, PlannedCredential};

use crate::{AccessGroupId, AccessMethod, AccessWindow, DomainError, EntranceId, Provider};

/// What the engine needs to know about the property a grant is for.
#[derive(Debug, Clone)]
pub struct PropertyFacts {
    pub provider: Provider,
    /// Seam's `external_type` of the ACS system (for `OTHER_ACS`, what kind it really is).
    pub external_type: Option<String>,
    pub entrances: Vec<EntranceFacts>,
    pub access_group_ids: Vec<AccessGroupId>,
}

/// An entrance as imported; for smart locks, what the lock can do with access codes.
#[derive(Debug, Clone)]
pub struct EntranceFacts {
    pub id: EntranceId,
    pub supports_access_codes: bool,
    /// PIN lengths the lock accepts; empty when Seam does not say.
    pub code_lengths: Vec<u32>,
}

/// A grant as the portal asks for it, before any rule is applied.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    pub access_method: AccessMethod,
    pub entrance_ids: Vec<EntranceId>,
    pub access_group_ids: Vec<AccessGroupId>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub code: Option<String>,
}

/// The access methods Doorway can provision on a property of this provider.
pub fn supported_access_methods(
    provider: Provider,
    external_type: Option<&str>,
) -> &'static [AccessMethod] {
    match provider {
        Provider::Latch => &[AccessMethod::MobileKey, AccessMethod::PinCode],
        Provider::SaltoKs | Provider::SmartLocks => &[AccessMethod::PinCode],
        Provider::OtherAcs => other_acs::supported(external_type),
    }
}

/// Compile a grant request for a property into its plan, or say which field is at fault.
pub fn compile_grant(
    property: &PropertyFacts,
    request: &GrantRequest,
    now: DateTime<Utc>,
) -> Result<GrantPlan, DomainError> {
    let supported = supported_access_methods(property.provider, property.external_type.as_deref());
    if !supported.contains(&request.access_method) {
        let why = match property.provider {
            Provider::OtherAcs => other_acs::refusal(property.external_type.as_deref()),
            _ => String::new(),
        };
        return Err(DomainError::unsupported(
            "accessMethod",
            format!(
                "{} cannot provision {} credentials{why}",
                property.provider.display_name(),
                request.access_method.as_str()
            ),
        ));
    }
    let window = AccessWindow::new(request.starts_at, request.ends_at, now)?;
    check_window_for(property.provider, window, now)?;
    match property.provider {
        Provider::Latch => latch::compile(property, request, window),
        Provider::SaltoKs => salto::compile(property, request, window),
        Provider::SmartLocks => smart_locks::compile(property, request, window),
        Provider::OtherAcs => other_acs::compile(property, request, window),
    }
}

/// Provider limits on windows: Seam schedules an access code only with both a start and an
/// end, so a smart-lock grant that starts later must also end.
pub fn check_window_for(
    provider: Provider,
    window: AccessWindow,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let starts_later = window.starts_at().is_some_and(|start| start > now);
    if provider == Provider::SmartLocks && starts_later && window.ends_at().is_none() {
        return Err(DomainError::unsupported(
            "endsAt",
            "smart-lock codes that start later need an end: Seam schedules codes only with both",
        ));
    }
    Ok(())
}

/// The requested entrances, without repeats, each checked to belong to the property.
fn entrances_of_property<'a>(
    property: &'a PropertyFacts,
    requested: &[EntranceId],
) -> Result<Vec<&'a EntranceFacts>, DomainError> {
    if requested.is_empty() {
        return Err(DomainError::invalid(
            "entranceIds",
            "at least one entrance is required",
        ));
    }
    let mut entrances: Vec<&EntranceFacts> = Vec::with_capacity(requested.len());
    for id in requested {
        let entrance = property
            .entrances
            .iter()
            .find(|e| e.id == *id)
            .ok_or_else(|| {
                DomainError::invalid(
                    "entranceIds",
                    format!("entrance {id} does not belong to this property"),
                )
            })?;
        if !entrances.iter().any(|e| e.id == *id) {
            entrances.push(entrance);
        }
    }
    Ok(entrances)
}

/// Refuses a chosen PIN where the provider generates its own.
fn refuse_code(request: &GrantRequest, provider: &str) -> Result<(), DomainError> {
    match request.code {
        Some(_) => Err(DomainError::unsupported(
            "code",
            format!("{provider} generates PIN codes itself; a code cannot be chosen"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
