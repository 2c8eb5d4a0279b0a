//! Operators and managers acting on provisioning runs: listing them (those needing attention
//! first of all), retrying one now, cancelling one. Nothing here calls Seam.

use chrono::{DateTime, Utc};
use doorway_domain::{RunId, RunStatus, TenantId};
use uuid::Uuid;

use super::Services;
use crate::auth::AuthContext;
use crate::db::Visibility;
use crate::db::{self, grants::GrantRow, runs::RunRow};
use crate::error::ApiError;

impl Services {
    /// Runs, newest first: every tenant's for an operator, the caller's tenant's (within its
    /// properties) for staff.
    pub async fn list_runs(
        &self,
        caller: &AuthContext,
        status: Option<RunStatus>,
        limit: i64,
        before: Option<(DateTime<Utc>, Uuid)>,
    ) -> Result<(Vec<RunRow>, i64), ApiError> {
        match caller.tenant() {
            None => {
                caller.require_operator()?;
                Ok(db::runs::list_all(&self.pool, status, limit, before).await?)
            }
            Some(_) => {
                let visibility = caller.visibility_in_own()?;
                let mut db = db::begin(&self.pool, &visibility).await?;
                let limit_to = visibility.property_uuids();
                let page =
                    db::runs::list(&mut db, status, limit_to.as_deref(), limit, before).await?;
                db.commit().await?;
                Ok(page)
            }
        }
    }

    /// Makes a run that waits (for a backoff after a refusal, say) go again now, and a
    /// paused tenant's runs with it.
    pub async fn retry_run(&self, caller: &AuthContext, id: RunId) -> Result<RunRow, ApiError> {
        let visibility = self.visibility_of_run(caller, id).await?;
        let mut db = db::begin(&self.pool, &visibility).await?;
        let (run, _) = self.visible_run(&mut db, &visibility, id).await?;
        if run.status.is_final() {
            return Err(ApiError::Conflict(format!(
                "a {} run cannot be retried",
                run.status.as_str().to_lowercase()
            )));
        }
        db::engine_state::resume(&mut db).await?;
        db::runs::make_due(&mut db, id).await?;
        let run = db::runs::find(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("run"))?;
        db.commit().await?;
        self.engine.wake();
        tracing::info!(run_id = %id, "run retried by request");
        Ok(run)
    }

    /// Asks a run to stop. Its worker (or the next to claim it, at once) sees the request at
    /// its next heartbeat or write, records what its step in flight did, and ends the run: a
    /// provisioning stopped so fails and is undone; a removal leaves its grant REVOKING.
    pub async fn cancel_run(&self, caller: &AuthContext, id: RunId) -> Result<RunRow, ApiError> {
        let visibility = self.visibility_of_run(caller, id).await?;
        let mut db = db::begin(&self.pool, &visibility).await?;
        let (run, grant) = self.visible_run(&mut db, &visibility, id).await?;
        db::residents::lock(&mut db, grant.resident_id).await?;
        if !db::runs::request_cancel(&mut db, id).await? {
            return Err(ApiError::Conflict(format!(
                "a {} run cannot be cancelled",
                run.status.as_str().to_lowercase()
            )));
        }
        let run = db::runs::find(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("run"))?;
        db.commit().await?;
        self.engine.wake();
        tracing::info!(run_id = %id, "run cancelled by request");
        Ok(run)
    }

    /// What the caller sees where this run is: its own tenant, or (operators) the run's.
    async fn visibility_of_run(
        &self,
        caller: &AuthContext,
        id: RunId,
    ) -> Result<Visibility, ApiError> {
        if caller.tenant().is_some() {
            return caller.visibility_in_own();
        }
        caller.require_operator()?;
        let tenant = db::runs::tenant_of(&self.pool, id).await?;
        let tenant = tenant
            .map(TenantId::from)
            .ok_or(ApiError::NotFound("run"))?;
        caller.visibility_in(tenant)
    }

    async fn visible_run(
        &self,
        db: &mut db::TenantTx,
        visibility: &Visibility,
        id: RunId,
    ) -> Result<(RunRow, GrantRow), ApiError> {
        let run = db::runs::find(db, id)
            .await?
            .ok_or(ApiError::NotFound("run"))?;
        let grant = db::grants::find(db, run.grant_id)
            .await?
            .ok_or(ApiError::NotFound("run"))?;
        if !visibility.sees_property(grant.property_id) {
            return Err(ApiError::NotFound("run"));
        }
        Ok((run, grant))
    }
}
