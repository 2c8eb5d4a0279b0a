//! Ending and changing access: revocation, move-out, rescheduling and expiry, each recorded as
//! a durable run like provisioning. Nothing here calls Seam.
//!
//! Every operation that changes one resident's access locks that resident's row first, so two
//! of them (a grant and a move-out, a reschedule and a revocation) never interleave: the second
//! sees what the first committed.

use chrono::{DateTime, Utc};
use doorway_domain::{
    check_window_for, compile_reschedule, compile_revocation, compile_sign_out, AccessWindow,
    CredentialId, CredentialStatus, GrantId, GrantStatus, Provider, ResidentId, ResidentStatus,
    RunKind,
};

use super::Services;
use crate::db::Visibility;
use crate::db::{self, grants::GrantRow, TenantTx};
use crate::error::ApiError;

/// Why a grant is REVOKING after its window ended.
pub const EXPIRING: &str = "the access window has ended; removing it from Seam";

impl Services {
    /// Revokes a grant: every credential and access code it produced is deleted at Seam (and the
    /// ACS user when nothing else uses it), durably. Revoking again restarts a removal that was
    /// cancelled, and makes a waiting one look again now.
    pub async fn revoke_grant(
        &self,
        visibility: &Visibility,
        id: GrantId,
    ) -> Result<GrantRow, ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let grant = visible_grant(&mut db, visibility, id).await?;
        db::residents::lock(&mut db, grant.resident_id).await?;
        let grant = db::grants::lock(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("grant"))?;
        end_access(&mut db, &grant, RunKind::Revoke, None).await?;
        let grant = db::grants::find(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("grant"))?;
        db.commit().await?;
        self.engine.wake();
        Ok(grant)
    }

    /// Move-out: the resident is marked moved out, every grant of theirs, across every
    /// property, is revoked durably, and they are signed out of every app (their Seam client
    /// sessions revoked by a SIGN_OUT run; no new session is handed out). A grant being recorded at the same moment either
    /// committed first (and is revoked here) or sees the resident moved out and is refused.
    pub async fn move_out(
        &self,
        visibility: &Visibility,
        id: ResidentId,
    ) -> Result<Vec<GrantRow>, ApiError> {
        // Move-out revokes every grant, whether or not the caller may read them (a partner
        // holding residents:write alone); the payload's fields still hide them from such a caller.
        let mut db = db::begin(&self.pool, &visibility.acting_on_grants()).await?;
        let resident = db::residents::lock(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("resident"))?;
        db::residents::set_status(&mut db, id, ResidentStatus::MovedOut).await?;
        let before = db::grants::of_residents(&mut db, &[id], None).await?;
        for grant in &before {
            end_access(&mut db, grant, RunKind::Revoke, None).await?;
        }
        db::residents::forget_client_session(&mut db, id).await?;
        if resident.seam_user_identity_id.is_some() {
            // Newest first: the sign-out is recorded on the resident's latest grant. A session
            // needs an identity, and an identity needs a grant, so there is one.
            if let Some(latest) = before.first() {
                sign_out(&mut db, latest.grant_id).await?;
            }
        }
        let grants = db::grants::of_residents(&mut db, &[id], None).await?;
        db.commit().await?;
        self.engine.wake();
        tracing::info!(resident_id = %id, grants = grants.len(), "resident moved out");
        Ok(grants)
    }

    /// Moves a grant's window; credentials are updated in place or replaced as the provider
    /// requires.
    pub async fn reschedule_grant(
        &self,
        visibility: &Visibility,
        id: GrantId,
        starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>,
    ) -> Result<GrantRow, ApiError> {
        let mut db = db::begin(&self.pool, visibility).await?;
        let grant = visible_grant(&mut db, visibility, id).await?;
        db::residents::lock(&mut db, grant.resident_id).await?;
        let grant = db::grants::lock(&mut db, id)
            .await?
            .ok_or(ApiError::NotFound("grant"))?;
        match grant.status {
            GrantStatus::Active | GrantStatus::Provisioning => {}
            _ => {
                return Err(ApiError::Conflict(format!(
                    "a {} grant cannot be rescheduled",
                    grant.status.as_str().to_lowercase()
                )))
            }
        }
        let now = Utc::now();
        let to = AccessWindow::new(starts_at, ends_at, now)?;
        // The current window was valid when set; it may have started since, which is fine.
        let from =
            AccessWindow::new(grant.starts_at, grant.ends_at, grant.created_at).unwrap_or(to);
        let property = db::properties::find(&mut db, grant.property_id)
            .await?
            .ok_or(ApiError::NotFound("property"))?;
        let provider = property.provider;
        let credentials = db::credentials::of_grant(&mut db, grant.grant_id).await?;
        check_window_for(provider, to, now)?;
        let steps = compile_reschedule(provider, &db::credentials::planned(&credentials), from, to);
        db::grants::set_window(&mut db, id, to.starts_at(), to.ends_at()).await?;
        if !steps.is_empty() {
            // An earlier rescheduling still going would only apply a window that no longer is.
            db::runs::request_cancel_of_grant(
                &mut db,
                id,
                &[
                    RunKind::Provision,
                    RunKind::Revoke,
                    RunKind::Expire,
                    RunKind::Compensate,
                ],
            )
            .await?;
            let ids: Vec<CredentialId> = credentials.iter().map(|c| c.credential_id).collect();
            db::runs::insert_plan(&mut db, id, RunKind::Reschedule, &steps, &ids).await?;
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
    visibility: &Visibility,
    id: GrantId,
) -> Result<GrantRow, ApiError> {
    match db::grants::find(db, id).await? {
        Some(grant) if visibility.sees_property(grant.property_id) => Ok(grant),
        _ => Err(ApiError::NotFound("grant")),
    }
}

/// Records the end of a grant's access (inside the caller's transaction, with the resident's
/// row locked): the grant and its credentials become REVOKING, the grant's other runs are asked
/// to stop, and a run of `kind` (revocation or expiry) removes everything at Seam. A grant
/// already REVOKING whose removal stopped (cancelled by an operator) gets a new one; one whose
/// removal is waiting is made to look again now.
/// Records a SIGN_OUT run on `grant` (its resident's sessions revoked), or makes the one
/// already waiting due now.
pub(crate) async fn sign_out(db: &mut TenantTx, grant: GrantId) -> Result<(), sqlx::Error> {
    let unfinished = db::runs::unfinished_of_grant(db, grant).await?;
    if let Some(waiting) = unfinished.iter().find(|r| r.kind == RunKind::SignOut) {
        db::runs::make_due(db, waiting.run_id).await?;
        return Ok(());
    }
    db::runs::insert_plan(db, grant, RunKind::SignOut, &compile_sign_out(), &[]).await?;
    tracing::info!(grant_id = %grant, "sign-out recorded");
    Ok(())
}

pub(crate) async fn end_access(
    db: &mut TenantTx,
    grant: &GrantRow,
    kind: RunKind,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    let id: GrantId = grant.grant_id;
    match grant.status {
        GrantStatus::Revoked | GrantStatus::Expired => return Ok(()),
        GrantStatus::Revoking => {
            let unfinished = db::runs::unfinished_of_grant(db, id).await?;
            if let Some(removal) = unfinished.iter().find(|r| r.kind.ends_access()) {
                db::runs::make_due(db, removal.run_id).await?;
                return Ok(());
            }
        }
        GrantStatus::Provisioning | GrantStatus::Active | GrantStatus::Failed => {
            if !db::grants::transition(db, id, GrantStatus::Revoking, reason).await? {
                return Ok(());
            }
            db::credentials::transition_of_grant(
                db,
                id,
                CredentialStatus::Revoking,
                None,
                CredentialStatus::ALL,
            )
            .await?;
        }
    }
    db::runs::request_cancel_of_grant(
        db,
        id,
        &[RunKind::Revoke, RunKind::Expire, RunKind::Compensate],
    )
    .await?;
    let property = db::properties::find(db, grant.property_id).await?;
    let provider = property.map_or(Provider::OtherAcs, |p| p.provider);
    let credentials = db::credentials::of_grant(db, grant.grant_id).await?;
    let groups: Vec<_> = db::grants::access_groups_of(db, id)
        .await?
        .into_iter()
        .map(|g| g.access_group_id)
        .collect();
    let plan = compile_revocation(provider, &db::credentials::planned(&credentials), &groups);
    let ids: Vec<CredentialId> = credentials.iter().map(|c| c.credential_id).collect();
    db::runs::insert_plan(db, id, kind, &plan, &ids).await?;
    tracing::info!(grant_id = %id, kind = kind.as_str(), "end of access recorded");
    Ok(())
}
