//! The language of Doorway's business, free of HTTP, SQL and Seam's wire format.
//!
//! A *tenant* (a property-management company) imports *properties* from its Seam workspace,
//! each with *entrances* and *access groups*. A *resident* receives *grants* ("this person may
//! open these doors, this way, in this window"), and the property's credential policy compiles
//! each grant into the *provisioning steps* that produce the resident's *credentials*. Everything
//! here is pure: the `api` crate persists it and the provisioning engine executes it.

mod error;
mod ids;
mod policy;
mod resident;
mod status;
#[cfg(feature = "sqlx")]
mod storage;
mod transitions;
mod vocabulary;
mod window;

pub use error::DomainError;
pub use ids::{
    AccessGroupId, CredentialId, EntranceId, GrantId, PropertyId, ResidentId, RunId, StepId,
    TenantId,
};
pub use policy::{
    check_window_for, compile_grant, compile_reschedule, compile_revocation, compile_sign_out,
    supported_access_methods, CredentialPlan, EntranceFacts, GrantPlan, GrantRequest, Mechanism,
    PlanStep, PlannedCredential, PropertyFacts, StepKind,
};
pub use resident::{Email, ExternalId, FullName, NewResident, PhoneNumber};
pub use status::{CredentialStatus, GrantStatus, ResidentStatus, RunKind, RunStatus, StepStatus};
pub use transitions::Transition;
pub use vocabulary::{AccessMethod, Provider};
pub use window::AccessWindow;
