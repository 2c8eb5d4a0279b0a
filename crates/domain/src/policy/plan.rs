//! What a compiled grant is made of: its credentials and the ordered steps that make them.

use crate::{AccessGroupId, AccessMethod, AccessWindow, EntranceId};

/// The kinds of step a run is made of. Their names are stored and shown to the portal, so they
/// never change once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// Find or create the resident's Seam user identity (`user_identity_key` = resident id).
    EnsureUserIdentity,
    /// Find the credential manager compatible with the property's ACS system.
    FindCredentialManager,
    /// Enable mobile keys for the user identity on that credential manager.
    LaunchEnrollmentAutomation,
    /// Find or create the resident's ACS user on the property's ACS system (with the grant's
    /// access schedule where the provider keeps schedules on users).
    EnsureAcsUser,
    /// Make the ACS user a member of one access group.
    AddToAccessGroup,
    /// Find or create one ACS credential.
    CreateAcsCredential,
    /// Record the entrances Seam says the credential opens.
    ListAccessibleEntrances,
    /// Wait until Seam reports the credential issued.
    AwaitIssuance,
    /// Find or create one access code on one lock.
    CreateAccessCode,
    /// Wait until Seam reports the code set on the lock (or scheduled, for a future window).
    AwaitAccessCodeSet,
    /// Delete one ACS credential ("already gone" is done).
    DeleteAcsCredential,
    /// Delete one access code ("already gone" is done).
    DeleteAccessCode,
    /// Take the ACS user out of one access group.
    RemoveFromAccessGroup,
    /// Delete the resident's ACS user when no other live grant uses it.
    ReleaseAcsUser,
    /// Change an ACS credential's end.
    UpdateAcsCredential,
    /// Change an access code's window.
    UpdateAccessCode,
    /// Make the ACS user's access schedule cover every live grant of the resident on its
    /// system (Salto KS keeps the window on the user, not on the credential).
    UpdateAcsUserSchedule,
    /// Wait until Seam no longer lists a deleted access code (it stays `removing` until the
    /// lock confirms): only then is the code gone from the door.
    AwaitAccessCodeRemoved,
    /// Create an ACS credential for the grant's new window while the old one keeps working;
    /// the old one is deleted once the new one is issued.
    ReplaceAcsCredential,
    /// Delete the ACS credential a replacement superseded.
    DeleteSupersededAcsCredential,
    /// Revoke every Seam client session of a moved-out resident's user identity.
    RevokeClientSessions,
}

impl StepKind {
    pub const ALL: &'static [Self] = &[
        Self::EnsureUserIdentity,
        Self::FindCredentialManager,
        Self::LaunchEnrollmentAutomation,
        Self::EnsureAcsUser,
        Self::AddToAccessGroup,
        Self::CreateAcsCredential,
        Self::ListAccessibleEntrances,
        Self::AwaitIssuance,
        Self::CreateAccessCode,
        Self::AwaitAccessCodeSet,
        Self::DeleteAcsCredential,
        Self::DeleteAccessCode,
        Self::RemoveFromAccessGroup,
        Self::ReleaseAcsUser,
        Self::UpdateAcsCredential,
        Self::UpdateAccessCode,
        Self::UpdateAcsUserSchedule,
        Self::AwaitAccessCodeRemoved,
        Self::ReplaceAcsCredential,
        Self::DeleteSupersededAcsCredential,
        Self::RevokeClientSessions,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::EnsureUserIdentity => "ensure_user_identity",
            Self::FindCredentialManager => "find_credential_manager",
            Self::LaunchEnrollmentAutomation => "launch_enrollment_automation",
            Self::EnsureAcsUser => "ensure_acs_user",
            Self::AddToAccessGroup => "add_to_access_group",
            Self::CreateAcsCredential => "create_acs_credential",
            Self::ListAccessibleEntrances => "list_accessible_entrances",
            Self::AwaitIssuance => "await_issuance",
            Self::CreateAccessCode => "create_access_code",
            Self::AwaitAccessCodeSet => "await_access_code_set",
            Self::DeleteAcsCredential => "delete_acs_credential",
            Self::DeleteAccessCode => "delete_access_code",
            Self::RemoveFromAccessGroup => "remove_from_access_group",
            Self::ReleaseAcsUser => "release_acs_user",
            Self::UpdateAcsCredential => "update_acs_credential",
            Self::UpdateAccessCode => "update_access_code",
            Self::UpdateAcsUserSchedule => "update_acs_user_schedule",
            Self::AwaitAccessCodeRemoved => "await_access_code_removed",
            Self::ReplaceAcsCredential => "replace_acs_credential",
            Self::DeleteSupersededAcsCredential => "delete_superseded_acs_credential",
            Self::RevokeClientSessions => "revoke_client_sessions",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// The step asks Seam to create something. Seam has no idempotency keys, so a repeat of
    /// such a step after an attempt whose outcome is unknown must look before it creates.
    pub fn creates(&self) -> bool {
        matches!(
            self,
            Self::EnsureUserIdentity
                | Self::LaunchEnrollmentAutomation
                | Self::EnsureAcsUser
                | Self::CreateAcsCredential
                | Self::CreateAccessCode
                | Self::ReplaceAcsCredential
        )
    }
}

/// One step of a plan. Steps about a credential name its slot in [`GrantPlan::credentials`];
/// steps about an access group name the group.
///
/// The order of a plan is a dependency order with independent chains: a step about one
/// credential (or one access group) waits only for the earlier steps of its own chain and for
/// the earlier steps that concern no credential and no group (the resident's identity, its ACS
/// user), which wait for everything before them. So codes on ten locks are created without
/// waiting for the first lock to report its code set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanStep {
    pub kind: StepKind,
    pub credential_slot: Option<usize>,
    pub access_group: Option<AccessGroupId>,
}

impl PlanStep {
    pub fn new(kind: StepKind) -> Self {
        Self {
            kind,
            credential_slot: None,
            access_group: None,
        }
    }

    pub fn for_credential(kind: StepKind, slot: usize) -> Self {
        Self {
            kind,
            credential_slot: Some(slot),
            access_group: None,
        }
    }

    pub fn for_group(kind: StepKind, group: AccessGroupId) -> Self {
        Self {
            kind,
            credential_slot: None,
            access_group: Some(group),
        }
    }
}

/// How a credential exists at Seam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// An ACS credential of an ACS user (`/acs/credentials/*`).
    AcsCredential,
    /// An access code on one smart lock (`/access_codes/*`).
    AccessCode,
}

impl Mechanism {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::AcsCredential => "ACS_CREDENTIAL",
            Self::AccessCode => "ACCESS_CODE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::AcsCredential, Self::AccessCode]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// One credential the grant becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialPlan {
    pub access_method: AccessMethod,
    pub mechanism: Mechanism,
    /// The entrances it opens; for Salto KS, none (access comes through the groups).
    pub entrance_ids: Vec<EntranceId>,
    /// A PIN chosen by the portal, where the provider allows one.
    pub code: Option<String>,
}

/// Everything a grant becomes: its window, entrances, access groups, credentials and steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantPlan {
    pub window: AccessWindow,
    pub entrance_ids: Vec<EntranceId>,
    pub access_group_ids: Vec<AccessGroupId>,
    pub credentials: Vec<CredentialPlan>,
    pub steps: Vec<PlanStep>,
}
