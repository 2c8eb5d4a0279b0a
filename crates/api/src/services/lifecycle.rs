//! Ending and changing access: revocation, move-out and rescheduling, each recorded as a durable
//! run like provisioning. Nothing here calls Seam.

use chrono::{DateTime, Utc};
use doorway_domain::{
    check_window_for, compile_reschedule, compile_revocation, AccessWindow, CredentialStatus,
    GrantId, GrantStatus, Mechanism, PlannedCredential, Provider, ResidentId, ResidentStatus,
    RunKind, TenantId,
};
use uuid::Uuid;

use super::grants::insert_run;
use super::Services;
use crate::auth::AuthContext;
use crate::db::{self, grants::GrantRow, TenantTx};
use crate::error::ApiError;

impl Services {
    /// Revokes a grant: every credential and access code it produced is deleted at Seam (and the
    /// ACS user when nothing else uses it), durably. Revoking twice is harmless.
    pub async fn revoke_grant(
        &self,
        caller: &AuthContext,
        tenant: TenantId,
        id: GrantId,
    ) -> Result<GrantRow, ApiError> {
        let mut db = db::begin_tenant(&self.pool, tenant).await?;
        let grant = visible_grant(&mut db, caller, id).await?;
        revoke(&mut db, &grant).await?;
        let grant = db::grants::find(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("grant"))?;
        db.commit().await?;
        self.engine.wake();
        Ok(grant)
    }

    /// Move-out: the resident is marked moved out and every grant of theirs, across every
    /// property, is revoked durably.
    pub async fn move_out(
        &self,
        tenant: TenantId,
        id: ResidentId,
    ) -> Result<Vec<GrantRow>, ApiError> {
        let mut db = db::begin_tenant(&self.pool, tenant).await?;
        db::residents::find(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("resident"))?;
        db::residents::set_status(&mut db, id, ResidentStatus::MovedOut).await?;
        for grant in db::grants::of_residents(&mut db, &[id.as_uuid()], None).await? {
            revoke(&mut db, &grant).await?;
        }
        let grants = db::grants::of_residents(&mut db, &[id.as_uuid()], None).await?;
        db.commit().await?;
        self.engine.wake();
        tracing::info!(resident_id = %id, grants = grants.len(), "resident moved out");
        Ok(grants)
    }

    /// Moves a grant's window; credentials are updated in place or replaced as the provider
    /// requires.
    pub async fn reschedule_grant(
        &self,
        caller: &AuthContext,
        tenant: TenantId,
        id: GrantId,
        starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>,
    ) -> Result<GrantRow, ApiError> {
        let mut db = db::begin_tenant(&self.pool, tenant).await?;
        let grant = visible_grant(&mut db, caller, id).await?;
        match GrantStatus::parse(&grant.status) {
            Some(GrantStatus::Active | GrantStatus::Provisioning | GrantStatus::Failed) => {}
            _ => {
                return Err(ApiError::Conflict(format!(
                    "a {} grant cannot be rescheduled",
                    grant.status.to_lowercase()
                )))
            }
        }
        let now = Utc::now();
        let to = AccessWindow::new(starts_at, ends_at, now)?;
        // The current window was valid when set; it may have started since, which is fine.
        let from =
            AccessWindow::new(grant.starts_at, grant.ends_at, grant.created_at).unwrap_or(to);
        let property = db::properties::find(&mut db, grant.property_id.into())
            .await?
            .ok_or(ApiError::NotFound("property"))?;
        let provider = Provider::parse(&property.provider).unwrap_or(Provider::OtherAcs);
        let credentials = db::credentials::of_grants(&mut db, &[grant.grant_id]).await?;
        let planned = planned_credentials(&credentials);
        check_window_for(provider, to, now)?;
        let steps = compile_reschedule(provider, &planned, from, to);
        db::grants::set_window(&mut db, id, to.starts_at(), to.ends_at()).await?;
        if !steps.is_empty() {
            let ids: Vec<Uuid> = credentials.iter().map(|c| c.credential_id).collect();
            insert_run(&mut db, id, RunKind::Reschedule, &steps, &ids).await?;
        }
        let grant = db::grants::find(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("grant"))?;
        db.commit().await?;
        self.engine.wake();
        Ok(grant)
    }
}

/// The grant, if it exists and the caller may see its property.
async fn visible_grant(
    db: &mut TenantTx,
    caller: &AuthContext,
    id: GrantId,
) -> Result<GrantRow, ApiError> {
    match db::grants::find(db, id).await? {
        Some(grant) if caller.may_see_property(grant.property_id.into()) => Ok(grant),
        _ => Err(ApiError::NotFound("grant")),
    }
}

/// Records the revocation of one grant (inside the caller's transaction).
async fn revoke(db: &mut TenantTx, grant: &GrantRow) -> Result<(), ApiError> {
    let id: GrantId = grant.grant_id.into();
    if let Some(GrantStatus::Revoking | GrantStatus::Revoked | GrantStatus::Expired) =
        GrantStatus::parse(&grant.status)
    {
        return Ok(());
    }
    let property = db::properties::find(db, grant.property_id.into())
        .await?
        .ok_or(ApiError::NotFound("property"))?;
    let provider = Provider::parse(&property.provider).unwrap_or(Provider::OtherAcs);
    let credentials = db::credentials::of_grants(db, &[grant.grant_id]).await?;
    let groups: Vec<_> = db::grants::access_groups_of(db, id)
        .await?
        .into_iter()
        .map(|g| g.access_group_id.into())
        .collect();
    let steps = compile_revocation(provider, &planned_credentials(&credentials), &groups);
    db::runs::cancel_unfinished(db, id).await?;
    db::grants::set_status(db, id, GrantStatus::Revoking, None).await?;
    db::credentials::set_status_of_grant(db, id, CredentialStatus::Revoking, None).await?;
    let ids: Vec<Uuid> = credentials.iter().map(|c| c.credential_id).collect();
    insert_run(db, id, RunKind::Revoke, &steps, &ids).await?;
    tracing::info!(grant_id = %id, "grant revocation recorded");
    Ok(())
}

fn planned_credentials(credentials: &[db::credentials::CredentialRow]) -> Vec<PlannedCredential> {
    credentials
        .iter()
        .enumerate()
        .map(|(slot, c)| PlannedCredential {
            slot,
            mechanism: Mechanism::parse(&c.mechanism).unwrap_or(Mechanism::AcsCredential),
        })
        .collect()
}
