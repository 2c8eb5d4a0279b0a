//! The credential policy engine: one place that turns "give this resident access" into the
//! provisioning steps a property's provider needs, following the Seam guides.
//!
//! The engine is pure. It refuses requests the provider cannot honour before anything is stored
//! or sent to Seam, and it decides how many credentials a grant becomes (a Latch mobile key is
//! one multi-phone-sync credential over every entrance; a Latch PIN is one credential per
//! entrance, because Latch accepts a single entrance per code).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::{AccessGroupId, AccessMethod, AccessWindow, DomainError, EntranceId, Provider};

/// What the engine needs to know about the property a grant is for.
#[derive(Debug, Clone)]
pub struct PropertyFacts {
    pub provider: Provider,
    pub entrance_ids: Vec<EntranceId>,
    pub access_group_ids: Vec<AccessGroupId>,
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

/// The kinds of step a provisioning run is made of. Their names are stored and shown to the
/// portal, so they never change once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// Find or create the resident's Seam user identity (`user_identity_key` = resident id).
    EnsureUserIdentity,
    /// Find the credential manager compatible with the property's ACS system.
    FindCredentialManager,
    /// Enable mobile keys for the user identity on that credential manager.
    LaunchEnrollmentAutomation,
    /// Find or create the resident's ACS user on the property's ACS system.
    EnsureAcsUser,
    /// Find or create one ACS credential.
    CreateAcsCredential,
    /// Record the entrances Seam says the credential opens.
    ListAccessibleEntrances,
    /// Wait until Seam reports the credential issued.
    AwaitIssuance,
}

impl StepKind {
    pub const ALL: &'static [Self] = &[
        Self::EnsureUserIdentity,
        Self::FindCredentialManager,
        Self::LaunchEnrollmentAutomation,
        Self::EnsureAcsUser,
        Self::CreateAcsCredential,
        Self::ListAccessibleEntrances,
        Self::AwaitIssuance,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::EnsureUserIdentity => "ensure_user_identity",
            Self::FindCredentialManager => "find_credential_manager",
            Self::LaunchEnrollmentAutomation => "launch_enrollment_automation",
            Self::EnsureAcsUser => "ensure_acs_user",
            Self::CreateAcsCredential => "create_acs_credential",
            Self::ListAccessibleEntrances => "list_accessible_entrances",
            Self::AwaitIssuance => "await_issuance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// One step of the plan; steps about a credential name its slot in [`GrantPlan::credentials`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanStep {
    pub kind: StepKind,
    pub credential_slot: Option<usize>,
}

/// One credential the grant becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialPlan {
    pub access_method: AccessMethod,
    pub entrance_ids: Vec<EntranceId>,
}

/// Everything a grant becomes: its window, its credentials and the ordered steps to make them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantPlan {
    pub window: AccessWindow,
    pub entrance_ids: Vec<EntranceId>,
    pub credentials: Vec<CredentialPlan>,
    pub steps: Vec<PlanStep>,
}

/// The access methods Doorway can provision on a property of this provider.
pub fn supported_access_methods(provider: Provider) -> &'static [AccessMethod] {
    match provider {
        Provider::Latch => &[AccessMethod::MobileKey, AccessMethod::PinCode],
        Provider::SaltoKs | Provider::SmartLocks | Provider::OtherAcs => &[],
    }
}

/// Compile a grant request for a property into its plan, or say which field is at fault.
pub fn compile_grant(
    property: &PropertyFacts,
    request: &GrantRequest,
    now: DateTime<Utc>,
) -> Result<GrantPlan, DomainError> {
    if !supported_access_methods(property.provider).contains(&request.access_method) {
        return Err(DomainError::unsupported(
            "accessMethod",
            format!(
                "Doorway cannot provision {} credentials on {} properties",
                request.access_method.as_str(),
                property.provider.display_name()
            ),
        ));
    }
    let window = AccessWindow::new(request.starts_at, request.ends_at, now)?;
    match property.provider {
        Provider::Latch => compile_latch(property, request, window),
        Provider::SaltoKs | Provider::SmartLocks | Provider::OtherAcs => Err(
            DomainError::unsupported("accessMethod", "this provider is not supported yet"),
        ),
    }
}

fn compile_latch(
    property: &PropertyFacts,
    request: &GrantRequest,
    window: AccessWindow,
) -> Result<GrantPlan, DomainError> {
    if request.code.is_some() {
        return Err(DomainError::unsupported(
            "code",
            "Latch generates PIN codes itself; a code cannot be chosen",
        ));
    }
    if !request.access_group_ids.is_empty() {
        return Err(DomainError::unsupported(
            "accessGroupIds",
            "Latch grants access per entrance, not through access groups",
        ));
    }
    let entrance_ids = entrances_of_property(property, &request.entrance_ids)?;
    let step = |kind, credential_slot| PlanStep {
        kind,
        credential_slot,
    };
    let mut steps = vec![step(StepKind::EnsureUserIdentity, None)];
    let credentials = match request.access_method {
        AccessMethod::MobileKey => {
            steps.push(step(StepKind::FindCredentialManager, None));
            steps.push(step(StepKind::LaunchEnrollmentAutomation, None));
            vec![CredentialPlan {
                access_method: AccessMethod::MobileKey,
                entrance_ids: entrance_ids.clone(),
            }]
        }
        AccessMethod::PinCode => entrance_ids
            .iter()
            .map(|entrance| CredentialPlan {
                access_method: AccessMethod::PinCode,
                entrance_ids: vec![*entrance],
            })
            .collect(),
    };
    steps.push(step(StepKind::EnsureAcsUser, None));
    for slot in 0..credentials.len() {
        steps.push(step(StepKind::CreateAcsCredential, Some(slot)));
        steps.push(step(StepKind::ListAccessibleEntrances, Some(slot)));
        steps.push(step(StepKind::AwaitIssuance, Some(slot)));
    }
    Ok(GrantPlan {
        window,
        entrance_ids,
        credentials,
        steps,
    })
}

/// The requested entrances, without repeats, each checked to belong to the property.
fn entrances_of_property(
    property: &PropertyFacts,
    requested: &[EntranceId],
) -> Result<Vec<EntranceId>, DomainError> {
    if requested.is_empty() {
        return Err(DomainError::invalid(
            "entranceIds",
            "at least one entrance is required",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut entrances = Vec::with_capacity(requested.len());
    for id in requested {
        if !property.entrance_ids.contains(id) {
            return Err(DomainError::invalid(
                "entranceIds",
                format!("entrance {id} does not belong to this property"),
            ));
        }
        if seen.insert(*id) {
            entrances.push(*id);
        }
    }
    Ok(entrances)
}

#[cfg(test)]
mod tests;
