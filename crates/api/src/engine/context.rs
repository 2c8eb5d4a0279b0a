//! Everything a step needs to know about its run, read fresh before each step so that a step
//! always sees what the previous ones recorded (and what another worker recorded before a
//! takeover).

use std::collections::HashMap;

use doorway_domain::{
    GrantId, ResidentId, RunKind, RunStatus, StepId, StepKind, StepStatus, TenantId,
};
use seam_gateway::WorkspaceClient;
use secrecy::SecretString;
use uuid::Uuid;

use super::Engine;
use crate::db::credentials::CredentialRow;
use crate::db::grants::GrantRow;
use crate::db::properties::{AccessGroupRow, EntranceRow, PropertyRow};
use crate::db::residents::ResidentRow;
use crate::db::runs::{ClaimedRun, StepRow};
use crate::db::{self, TenantTx};

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("run {0} refers to records that no longer exist")]
    Missing(Uuid),
    #[error(transparent)]
    Secret(#[from] crate::crypto::DecryptError),
}

pub struct RunContext {
    pub tenant: TenantId,
    pub kind: RunKind,
    /// A revocation superseded this run.
    pub cancelled: bool,
    pub seam: WorkspaceClient,
    pub resident: ResidentRow,
    pub property: PropertyRow,
    pub grant: GrantRow,
    pub credentials: Vec<CredentialRow>,
    pub credential_entrances: HashMap<Uuid, Vec<EntranceRow>>,
    pub property_entrances: Vec<EntranceRow>,
    pub acs_user_id: Option<String>,
    /// The access groups the grant gives (Salto KS), with their Seam ids.
    pub access_groups: Vec<AccessGroupRow>,
    pub steps: Vec<StepRow>,
}

/// The next step to run, parsed.
#[derive(Debug, Clone)]
pub struct NextStep {
    pub step_id: StepId,
    /// `None` for a step name this version does not know (a run recorded by a newer one).
    pub kind: Option<StepKind>,
    pub name: String,
    pub credential_id: Option<Uuid>,
    pub access_group_id: Option<Uuid>,
    pub attempts: i32,
}

impl RunContext {
    pub fn next_step(&self) -> Option<NextStep> {
        self.steps
            .iter()
            .find(|s| StepStatus::parse(&s.status).is_none_or(|status| !status.is_terminal()))
            .map(|s| NextStep {
                step_id: s.step_id.into(),
                kind: StepKind::parse(&s.name),
                name: s.name.clone(),
                credential_id: s.credential_id,
                access_group_id: s.access_group_id,
                attempts: s.attempts,
            })
    }

    pub fn credential(&self, id: Option<Uuid>) -> Option<&CredentialRow> {
        id.and_then(|id| self.credentials.iter().find(|c| c.credential_id == id))
    }

    /// The lock an access-code credential is on.
    pub fn device_of(&self, credential: Uuid) -> Option<&str> {
        self.credential_entrances
            .get(&credential)?
            .iter()
            .find_map(|e| e.seam_device_id.as_deref())
    }

    /// The Seam id of one of the grant's access groups.
    pub fn seam_group(&self, group: Option<Uuid>) -> Option<&str> {
        let group = group?;
        self.access_groups
            .iter()
            .find(|g| g.access_group_id == group)
            .map(|g| g.seam_acs_access_group_id.as_str())
    }

    /// The name that marks an access code as this grant's, so a retry can find it at Seam.
    pub fn access_code_name(&self) -> String {
        format!("Doorway grant {}", self.grant.grant_id)
    }

    pub fn grant_id(&self) -> GrantId {
        self.grant.grant_id.into()
    }

    pub fn resident_id(&self) -> ResidentId {
        self.resident.resident_id.into()
    }
}

impl Engine {
    pub(super) async fn load_context(&self, run: &ClaimedRun) -> Result<RunContext, ContextError> {
        let mut db = db::begin_tenant(&self.inner.pool, run.tenant_id).await?;
        let context = self.read_context(&mut db, run).await?;
        db.commit().await?;
        Ok(context)
    }

    async fn read_context(
        &self,
        db: &mut TenantTx,
        run: &ClaimedRun,
    ) -> Result<RunContext, ContextError> {
        let missing = || ContextError::Missing(run.run_id.as_uuid());
        let tenant = db::tenants::current(db).await?.ok_or_else(missing)?;
        let context = format!("{}/seam_api_key", tenant.tenant_id);
        let api_key = self
            .inner
            .cipher
            .open_string(&tenant.seam_api_key_ciphertext, context.as_bytes())?;
        let grant = db::grants::find(db, run.grant_id)
            .await?
            .ok_or_else(missing)?;
        let resident = db::residents::find(db, grant.resident_id.into())
            .await?
            .ok_or_else(missing)?;
        let property = db::properties::find(db, grant.property_id.into())
            .await?
            .ok_or_else(missing)?;
        let credentials = db::credentials::of_grants(db, &[grant.grant_id]).await?;
        let credential_ids: Vec<Uuid> = credentials.iter().map(|c| c.credential_id).collect();
        let mut credential_entrances: HashMap<Uuid, Vec<EntranceRow>> = HashMap::new();
        for (credential_id, entrance) in db::credentials::entrances_of(db, &credential_ids).await? {
            credential_entrances
                .entry(credential_id)
                .or_default()
                .push(entrance);
        }
        let property_entrances = db::properties::entrances_of(db, &[property.property_id]).await?;
        let acs_user_id = match &property.seam_acs_system_id {
            Some(system) => {
                db::residents::acs_user(db, resident.resident_id.into(), system).await?
            }
            None => None,
        };
        let steps = db::runs::steps_of(db, &[run.run_id.as_uuid()]).await?;
        let access_groups = db::grants::access_groups_of(db, grant.grant_id.into()).await?;
        let cancelled = db::runs::status_of(db, run.run_id).await?.as_deref()
            == Some(RunStatus::Cancelled.as_str());
        Ok(RunContext {
            tenant: run.tenant_id,
            kind: RunKind::parse(&run.kind).unwrap_or(RunKind::Provision),
            cancelled,
            seam: self.inner.seam.workspace(SecretString::from(api_key)),
            resident,
            property,
            grant,
            credentials,
            credential_entrances,
            property_entrances,
            acs_user_id,
            access_groups,
            steps,
        })
    }
}
