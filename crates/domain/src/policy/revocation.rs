//! Ending and changing access: the steps that revoke a grant (nothing of it left at Seam) and
//! those that move its window (updated in place where the provider allows, replaced otherwise).

use super::plan::{Mechanism, PlanStep, StepKind};
use crate::{AccessGroupId, AccessWindow, Provider};

/// A credential of an existing grant, as the plans need to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedCredential {
    pub slot: usize,
    pub mechanism: Mechanism,
}

/// Every credential and access code deleted ("already gone" counts as done) and, for codes,
/// seen gone from the lock; the ACS user taken out of the grant's access groups that no other
/// live grant of the resident needs; the ACS user deleted when nothing else uses it, and
/// otherwise (Salto KS) its schedule narrowed to the grants left. The same steps end access at
/// the end of a window (expiry) and undo a failed provisioning (compensation).
pub fn compile_revocation(
    provider: Provider,
    credentials: &[PlannedCredential],
    access_groups: &[AccessGroupId],
) -> Vec<PlanStep> {
    let mut steps: Vec<PlanStep> = credentials
        .iter()
        .flat_map(|c| match c.mechanism {
            Mechanism::AcsCredential => {
                vec![PlanStep::for_credential(
                    StepKind::DeleteAcsCredential,
                    c.slot,
                )]
            }
            Mechanism::AccessCode => vec![
                PlanStep::for_credential(StepKind::DeleteAccessCode, c.slot),
                PlanStep::for_credential(StepKind::AwaitAccessCodeRemoved, c.slot),
            ],
        })
        .collect();
    steps.extend(
        access_groups
            .iter()
            .map(|g| PlanStep::for_group(StepKind::RemoveFromAccessGroup, *g)),
    );
    if provider != Provider::SmartLocks {
        steps.push(PlanStep::new(StepKind::ReleaseAcsUser));
    }
    if provider == Provider::SaltoKs {
        steps.push(PlanStep::new(StepKind::UpdateAcsUserSchedule));
    }
    steps
}

/// The steps that sign a moved-out resident out of every app: their Seam client sessions
/// revoked, whatever their grants' providers (the mobile SDK needs a session to fetch keys).
pub fn compile_sign_out() -> Vec<PlanStep> {
    vec![PlanStep::new(StepKind::RevokeClientSessions)]
}

/// The steps that move a grant from window `from` to window `to`.
pub fn compile_reschedule(
    provider: Provider,
    credentials: &[PlannedCredential],
    from: AccessWindow,
    to: AccessWindow,
) -> Vec<PlanStep> {
    if from == to {
        return vec![];
    }
    match provider {
        // Salto keeps the window on the ACS user, not on the credential.
        Provider::SaltoKs => vec![PlanStep::new(StepKind::UpdateAcsUserSchedule)],
        // Seam reprograms the lock with the new window: wait until it says so again.
        Provider::SmartLocks => credentials
            .iter()
            .flat_map(|c| {
                [
                    PlanStep::for_credential(StepKind::UpdateAccessCode, c.slot),
                    PlanStep::for_credential(StepKind::AwaitAccessCodeSet, c.slot),
                ]
            })
            .collect(),
        // Seam can change an ACS credential's end, nothing else: a new start, or no end any
        // more, means a new credential. The new one is created and issued before the old one
        // is deleted, so a refused create leaves the resident with the key that worked.
        Provider::Latch | Provider::OtherAcs => {
            let in_place = from.starts_at() == to.starts_at() && to.ends_at().is_some();
            credentials
                .iter()
                .flat_map(|c| {
                    if in_place {
                        vec![PlanStep::for_credential(
                            StepKind::UpdateAcsCredential,
                            c.slot,
                        )]
                    } else {
                        vec![
                            PlanStep::for_credential(StepKind::ReplaceAcsCredential, c.slot),
                            PlanStep::for_credential(StepKind::AwaitIssuance, c.slot),
                            PlanStep::for_credential(
                                StepKind::DeleteSupersededAcsCredential,
                                c.slot,
                            ),
                        ]
                    }
                })
                .collect()
        }
    }
}
