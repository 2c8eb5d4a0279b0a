//! Everything the steps of a run need, loaded once per claim and kept up to date in memory as
//! steps are recorded, and the rule that says which steps may go now.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use doorway_domain::{
    AccessGroupId, CredentialId, CredentialStatus, GrantId, Provider, ResidentId, RunId, RunKind,
    StepId, TenantId,
};
use seam_gateway::WorkspaceClient;
use secrecy::SecretString;

use super::outcome::Produced;
use super::Engine;
use crate::db::credentials::CredentialRow;
use crate::db::grants::GrantRow;
use crate::db::properties::{AccessGroupRow, EntranceRow, PropertyRow};
use crate::db::queue::ClaimedRun;
use crate::db::residents::{AcsUserRow, ResidentRow};
use crate::db::runs::StepRow;
use crate::db::{self, TenantTx};

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("run {0} refers to records that no longer exist")]
    Missing(RunId),
    #[error(transparent)]
    Secret(#[from] crate::crypto::DecryptError),
}

pub struct RunContext {
    pub claim: ClaimedRun,
    /// The tenant's Seam workspace, allowed to send only while the lease lasts.
    pub seam: WorkspaceClient,
    pub resident: ResidentRow,
    pub property: PropertyRow,
    pub provider: Provider,
    pub grant: GrantRow,
    pub credentials: Vec<CredentialRow>,
    pub credential_entrances: HashMap<CredentialId, Vec<EntranceRow>>,
    pub acs_user: Option<AcsUserRow>,
    /// The access groups the grant gives (Salto KS), with their Seam ids.
    pub access_groups: Vec<AccessGroupRow>,
    pub steps: Vec<StepRow>,
    /// Credentials a create of which (in any run of the grant) may have taken effect at Seam
    /// without being recorded: removing them means looking for them first.
    pub uncertain_creates: HashSet<CredentialId>,
    /// A cancellation was requested before the claim.
    pub cancel_requested: bool,
    /// The trace of the operation that created the run, which the run's span continues.
    pub trace_context: Option<serde_json::Value>,
    /// The tenant's runs were paused (Seam refused its key); this claim is the one let through
    /// to try again.
    pub paused: bool,
    /// Seam sends the tenant's events to Doorway: waiting steps hear of progress from them and
    /// poll only as a slow fallback.
    pub webhooks: bool,
    /// Seals the PINs the run records, and opens a chosen one to send it to Seam.
    pub cipher: crate::crypto::Cipher,
}

impl RunContext {
    pub fn kind(&self) -> RunKind {
        self.claim.kind
    }

    pub fn tenant(&self) -> TenantId {
        self.claim.tenant_id
    }

    pub fn grant_id(&self) -> GrantId {
        self.grant.grant_id
    }

    pub fn resident_id(&self) -> ResidentId {
        self.resident.resident_id
    }

    pub fn acs_user_id(&self) -> Option<&str> {
        self.acs_user.as_ref().map(|u| u.seam_acs_user_id.as_str())
    }

    pub fn credential(&self, id: Option<CredentialId>) -> Option<&CredentialRow> {
        id.and_then(|id| self.credentials.iter().find(|c| c.credential_id == id))
    }

    /// The lock an access-code credential is on, with its name.
    pub fn lock_of(&self, credential: CredentialId) -> Option<&EntranceRow> {
        self.credential_entrances
            .get(&credential)?
            .iter()
            .find(|e| e.seam_device_id.is_some())
    }

    /// The Seam id of one of the grant's access groups.
    pub fn seam_group(&self, group: Option<AccessGroupId>) -> Option<&str> {
        let group = group?;
        self.access_groups
            .iter()
            .find(|g| g.access_group_id == group)
            .map(|g| g.seam_acs_access_group_id.as_str())
    }

    /// The name that marks an access code as this grant's, so that a look after an uncertain
    /// create can find it at Seam.
    pub fn access_code_name(&self) -> String {
        format!("Doorway grant {}", self.grant.grant_id)
    }

    /// The steps that may be attempted at `now`: not finished, not waiting, and not behind an
    /// unfinished step they depend on (see [`doorway_domain::PlanStep`]: a step waits for the
    /// earlier steps of its own chain and for earlier steps shared by every chain).
    pub fn ready_steps(&self, now: DateTime<Utc>) -> Vec<StepRow> {
        self.unblocked()
            .filter(|s| s.not_before.is_none_or(|at| at <= now))
            .cloned()
            .collect()
    }

    /// When the earliest waiting step that nothing blocks may go; `None` when every step is
    /// finished.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.unblocked()
            .map(|s| s.not_before.unwrap_or_else(Utc::now))
            .min()
    }

    fn unblocked(&self) -> impl Iterator<Item = &StepRow> {
        self.steps.iter().enumerate().filter_map(|(i, step)| {
            if finished(step) {
                return None;
            }
            let chain = chain_of(step);
            let blocked = self.steps[..i].iter().any(|earlier| {
                !finished(earlier)
                    && (chain.is_none()
                        || chain_of(earlier).is_none()
                        || chain_of(earlier) == chain)
            });
            (!blocked).then_some(step)
        })
    }

    /// The step, as it now stands.
    pub fn step_mut(&mut self, id: StepId) -> Option<&mut StepRow> {
        self.steps.iter_mut().find(|s| s.step_id == id)
    }

    /// Mirrors in memory what recording `produced` wrote to the database.
    pub fn apply(&mut self, produced: &Produced) {
        match produced {
            Produced::UserIdentity(id) => self.resident.seam_user_identity_id = Some(id.clone()),
            Produced::CredentialManager(id) => {
                self.grant.seam_credential_manager_acs_system_id = Some(id.clone());
            }
            Produced::AcsUser {
                acs_user_id,
                schedule,
                ..
            } => {
                self.acs_user = Some(AcsUserRow {
                    seam_acs_user_id: acs_user_id.clone(),
                    schedule: *schedule,
                });
            }
            Produced::AcsUserSchedule { schedule, .. } => {
                if let Some(user) = &mut self.acs_user {
                    user.schedule = Some(*schedule);
                }
            }
            Produced::AcsUserReleased { .. } => self.acs_user = None,
            Produced::AcsCredential {
                credential_id,
                acs_credential_id,
                ..
            } => self.with_credential(*credential_id, |c| {
                c.seam_acs_credential_id = Some(acs_credential_id.clone());
                if c.status == CredentialStatus::Pending {
                    c.status = CredentialStatus::Issuing;
                }
            }),
            Produced::Replacement {
                credential_id,
                acs_credential_id,
                ..
            } => self.with_credential(*credential_id, |c| {
                if c.superseded_seam_acs_credential_id.is_none() {
                    c.superseded_seam_acs_credential_id = c.seam_acs_credential_id.take();
                }
                c.seam_acs_credential_id = Some(acs_credential_id.clone());
                c.issued_at = None;
            }),
            Produced::AccessCode {
                credential_id,
                access_code_id,
                ..
            } => self.with_credential(*credential_id, |c| {
                c.seam_access_code_id = Some(access_code_id.clone());
                if c.status == CredentialStatus::Pending {
                    c.status = CredentialStatus::Issuing;
                }
            }),
            Produced::Issued {
                credential_id,
                status,
                ..
            } => self.with_credential(*credential_id, |c| {
                c.status = *status;
                if *status == CredentialStatus::Active {
                    c.issued_at.get_or_insert_with(Utc::now);
                }
            }),
            Produced::Gone { credential_id, .. } => self.with_credential(*credential_id, |c| {
                c.seam_acs_credential_id = None;
                c.seam_access_code_id = None;
                c.superseded_seam_acs_credential_id = None;
            }),
            Produced::Rescheduled { credential_id, .. } => {
                self.with_credential(*credential_id, |c| c.issued_at = None);
            }
            Produced::Removing {
                credential_id,
                access_code_id,
            } => self.with_credential(*credential_id, |c| {
                c.seam_access_code_id
                    .get_or_insert_with(|| access_code_id.clone());
            }),
            Produced::SupersededGone { credential_id, .. } => {
                self.with_credential(*credential_id, |c| {
                    c.superseded_seam_acs_credential_id = None;
                });
            }
            Produced::AccessibleEntrances { .. }
            | Produced::EnrollmentAutomation(_)
            | Produced::Changed(_) => {}
        }
    }

    fn with_credential(&mut self, id: CredentialId, change: impl FnOnce(&mut CredentialRow)) {
        if let Some(credential) = self.credentials.iter_mut().find(|c| c.credential_id == id) {
            change(credential);
        }
    }
}

fn finished(step: &StepRow) -> bool {
    step.status.is_terminal()
}

/// The chain a step belongs to: its credential, or its access group; `None` for a step every
/// chain shares.
fn chain_of(step: &StepRow) -> Option<Chain> {
    step.credential_id
        .map(Chain::Credential)
        .or(step.access_group_id.map(Chain::AccessGroup))
}

/// The steps of one credential, or of one access group, go one after the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chain {
    Credential(CredentialId),
    AccessGroup(AccessGroupId),
}

impl Engine {
    /// Loads the run's context once per claim.
    pub(super) async fn load_context(
        &self,
        claim: &ClaimedRun,
        seam_budget: std::sync::Arc<dyn seam_gateway::SendBudget>,
    ) -> Result<RunContext, ContextError> {
        let mut db = db::begin_tenant(&self.inner.pool, claim.tenant_id).await?;
        let context = self.read_context(&mut db, claim, seam_budget).await?;
        db.commit().await?;
        Ok(context)
    }

    async fn read_context(
        &self,
        db: &mut TenantTx,
        claim: &ClaimedRun,
        seam_budget: std::sync::Arc<dyn seam_gateway::SendBudget>,
    ) -> Result<RunContext, ContextError> {
        let run_id = claim.fence.run_id;
        let missing = || ContextError::Missing(run_id);
        let facts = db::runs::claim_facts(db, run_id)
            .await?
            .ok_or_else(missing)?;
        let api_key = self.inner.cipher.open_string(
            &facts.seam_api_key_ciphertext,
            &crate::services::api_key_context(claim.tenant_id),
        )?;
        let grant = db::grants::find(db, claim.grant_id)
            .await?
            .ok_or_else(missing)?;
        let resident = db::residents::find(db, grant.resident_id)
            .await?
            .ok_or_else(missing)?;
        let property = db::properties::find(db, grant.property_id)
            .await?
            .ok_or_else(missing)?;
        let credentials = db::credentials::of_grant(db, grant.grant_id).await?;
        let mut credential_entrances: HashMap<CredentialId, Vec<EntranceRow>> = HashMap::new();
        for (credential_id, entrance) in
            db::credentials::entrances_of_grant(db, grant.grant_id).await?
        {
            credential_entrances
                .entry(credential_id)
                .or_default()
                .push(entrance);
        }
        let acs_user = match &property.seam_acs_system_id {
            Some(system) => db::residents::acs_user(db, resident.resident_id, system).await?,
            None => None,
        };
        let steps = db::runs::steps_of_run(db, run_id).await?;
        let access_groups = db::grants::access_groups_of(db, grant.grant_id).await?;
        let uncertain_creates = db::runs::uncertain_creates(db, grant.grant_id)
            .await?
            .into_iter()
            .collect();
        let seam = self
            .inner
            .seam
            .workspace(SecretString::from(api_key))
            .with_budget(seam_budget);
        Ok(RunContext {
            cipher: self.inner.cipher.clone(),
            claim: claim.clone(),
            seam,
            provider: property.provider,
            resident,
            property,
            grant,
            credentials,
            credential_entrances,
            acs_user,
            access_groups,
            steps,
            uncertain_creates,
            cancel_requested: facts.cancel_requested,
            trace_context: facts.trace_context,
            webhooks: facts.webhook_registered,
            paused: facts.paused,
        })
    }
}
