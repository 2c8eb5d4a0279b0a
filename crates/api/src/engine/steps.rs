//! What each kind of step does at Seam. Every step that creates looks first, so that repeating
//! a step after a crash or an ambiguous answer adopts what Seam already has.

use std::collections::BTreeSet;

use doorway_domain::{AccessMethod, Provider, StepKind};
use seam_gateway::{
    AccessMethod as SeamAccessMethod, AcsCredential, AcsCredentialFilter, AcsUserFilter,
    CreateAcsCredential, CreateAcsUser, CreateUserIdentity, LaunchEnrollmentAutomation,
};

use super::context::{NextStep, RunContext};
use super::outcome::{Outcome, Produced};
use super::Engine;
use super::{acs_changes, backoff, codes};
use crate::db;
use crate::db::credentials::CredentialRow;

/// Why an enrollment-automation step is skipped when Seam has removed the endpoints.
const ENROLLMENT_REMOVED: &str =
    "Seam no longer offers enrollment automations; mobile keys are enrolled without one";

impl Engine {
    pub(super) async fn execute(&self, ctx: &RunContext, step: &NextStep) -> Outcome {
        let Some(kind) = step.kind else {
            return fail(&format!(
                "this Doorway does not know the step {}",
                step.name
            ));
        };
        match kind {
            StepKind::EnsureUserIdentity => ensure_user_identity(ctx, step).await,
            StepKind::FindCredentialManager => find_credential_manager(ctx, step).await,
            StepKind::LaunchEnrollmentAutomation => launch_enrollment_automation(ctx, step).await,
            StepKind::EnsureAcsUser => ensure_acs_user(ctx, step).await,
            StepKind::AddToAccessGroup => acs_changes::add_to_access_group(ctx, step).await,
            StepKind::CreateAcsCredential => self.create_acs_credential(ctx, step).await,
            StepKind::ListAccessibleEntrances => list_accessible_entrances(ctx, step).await,
            StepKind::AwaitIssuance => await_issuance(ctx, step).await,
            StepKind::CreateAccessCode => self.create_access_code(ctx, step).await,
            StepKind::AwaitAccessCodeSet => codes::await_access_code_set(ctx, step).await,
            StepKind::DeleteAcsCredential => self.delete_acs_credential(ctx, step).await,
            StepKind::DeleteAccessCode => self.delete_access_code(ctx, step).await,
            StepKind::RemoveFromAccessGroup => {
                acs_changes::remove_from_access_group(ctx, step).await
            }
            StepKind::ReleaseAcsUser => self.release_acs_user(ctx, step).await,
            StepKind::UpdateAcsCredential => acs_changes::update_acs_credential(ctx, step).await,
            StepKind::UpdateAccessCode => codes::update_access_code(ctx, step).await,
            StepKind::UpdateAcsUserSchedule => {
                acs_changes::update_acs_user_schedule(ctx, step).await
            }
        }
    }

    async fn create_acs_credential(&self, ctx: &RunContext, step: &NextStep) -> Outcome {
        let Some(credential) = ctx.credential(step.credential_id) else {
            return fail("the step's credential is missing");
        };
        let credential_id = credential.credential_id;
        if let Some(existing) = &credential.seam_acs_credential_id {
            let produced = Produced::AcsCredential {
                credential_id,
                acs_credential_id: existing.clone(),
                code: None,
            };
            return Outcome::Skipped {
                reason: "already created".into(),
                produced: Some(produced),
            };
        }
        let Some(acs_user_id) = &ctx.acs_user_id else {
            return fail("no ACS user was recorded");
        };
        let method = seam_method(credential);
        let wanted = wanted_entrances(ctx, credential);

        // Look before creating: adopt a credential left by an attempt that crashed before
        // recording it.
        match self.untracked_credential(ctx, step, credential).await {
            Ok(Some(found)) => {
                tracing::info!(acs_credential_id = %found.acs_credential_id, "adopting a credential created by an earlier attempt");
                return Outcome::Done(Produced::AcsCredential {
                    credential_id,
                    acs_credential_id: found.acs_credential_id,
                    code: found.code,
                });
            }
            Ok(None) => {}
            Err(outcome) => return outcome,
        }
        let request = CreateAcsCredential {
            acs_user_id: acs_user_id.clone(),
            access_method: method.clone(),
            allowed_acs_entrance_ids: wanted.into_iter().collect(),
            is_multi_phone_sync_credential: (method == SeamAccessMethod::MobileKey).then_some(true),
            // Salto KS keeps the window on the ACS user (its access schedule), not the credential.
            starts_at: ctx.grant.starts_at.filter(|_| !is_salto(ctx)),
            ends_at: ctx.grant.ends_at.filter(|_| !is_salto(ctx)),
            code: None,
            credential_manager_acs_system_id: None,
        };
        let created = seam!(step, ctx.seam.create_acs_credential(&request).await);
        Outcome::Done(Produced::AcsCredential {
            credential_id,
            acs_credential_id: created.acs_credential_id,
            code: created.code,
        })
    }

    /// A credential of the resident's ACS user at Seam that matches this one exactly (method,
    /// window, entrances) and that no credential of ours tracks.
    pub(super) async fn untracked_credential(
        &self,
        ctx: &RunContext,
        step: &NextStep,
        credential: &CredentialRow,
    ) -> Result<Option<AcsCredential>, Outcome> {
        let Some(acs_user_id) = &ctx.acs_user_id else {
            return Ok(None);
        };
        let method = seam_method(credential);
        let wanted = wanted_entrances(ctx, credential);
        let filter = AcsCredentialFilter {
            acs_user_id: Some(acs_user_id.clone()),
            ..Default::default()
        };
        let existing = ctx
            .seam
            .list_acs_credentials(&filter)
            .await
            .map_err(|e| Outcome::from_seam_error(&step.name, &e))?;
        let candidates: Vec<AcsCredential> = existing
            .into_iter()
            .filter(|c| c.access_method == method && same_window(c, ctx))
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let ids: Vec<String> = candidates
            .iter()
            .map(|c| c.acs_credential_id.clone())
            .collect();
        let tracked = self
            .tracked_credentials(ctx, &ids)
            .await
            .map_err(|e| Outcome::Retry {
                error: format!("database: {e}"),
            })?;
        for candidate in candidates
            .into_iter()
            .filter(|c| !tracked.contains(&c.acs_credential_id))
        {
            // Salto credentials carry no entrances: method and window are the match.
            if wanted.is_empty() {
                return Ok(Some(candidate));
            }
            let entrances = ctx
                .seam
                .list_accessible_entrances(&candidate.acs_credential_id)
                .await
                .map_err(|e| Outcome::from_seam_error(&step.name, &e))?;
            let opens: BTreeSet<String> =
                entrances.into_iter().map(|e| e.acs_entrance_id).collect();
            if opens == wanted {
                return Ok(Some(candidate));
            }
        }
        Ok(None)
    }

    async fn tracked_credentials(
        &self,
        ctx: &RunContext,
        seam_ids: &[String],
    ) -> Result<Vec<String>, sqlx::Error> {
        let tenant = ctx.tenant;
        let mut db = db::begin_tenant(&self.inner.pool, tenant).await?;
        let tracked = db::credentials::tracked_seam_ids(&mut db, seam_ids).await?;
        db.commit().await?;
        Ok(tracked)
    }
}

async fn ensure_user_identity(ctx: &RunContext, step: &NextStep) -> Outcome {
    if let Some(id) = &ctx.resident.seam_user_identity_id {
        return Outcome::Skipped {
            reason: "the resident already has a Seam user identity".into(),
            produced: Some(Produced::UserIdentity(id.clone())),
        };
    }
    // The resident id is the identity's natural key at Seam: a retry finds the identity an
    // interrupted attempt created instead of making a second one.
    let key = ctx.resident.resident_id.to_string();
    if let Some(identity) = seam!(step, ctx.seam.get_user_identity_by_key(&key).await) {
        return Outcome::Done(Produced::UserIdentity(identity.user_identity_id));
    }
    let request = CreateUserIdentity {
        user_identity_key: Some(key),
        email_address: Some(ctx.resident.email.clone()),
        phone_number: ctx.resident.phone.clone(),
        full_name: Some(ctx.resident.full_name.clone()),
    };
    match ctx.seam.create_user_identity(&request).await {
        Ok(identity) => Outcome::Done(Produced::UserIdentity(identity.user_identity_id)),
        // Another attempt created it between our look and our create: look again next time.
        Err(err)
            if err.kind().is_some_and(|k| k.contains("already")) && err.status() != Some(400) =>
        {
            Outcome::Retry {
                error: err.to_string(),
            }
        }
        Err(err) => Outcome::from_seam_error(&step.name, &err),
    }
}

async fn find_credential_manager(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(system) = &ctx.property.seam_acs_system_id else {
        return fail("the property has no ACS system");
    };
    let managers = seam!(
        step,
        ctx.seam.list_compatible_credential_managers(system).await
    );
    match managers.into_iter().next() {
        Some(manager) => Outcome::Done(Produced::CredentialManager(manager.acs_system_id)),
        None => fail(&format!(
            "Seam lists no credential manager compatible with {}; mobile keys need one",
            ctx.property.name
        )),
    }
}

async fn launch_enrollment_automation(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(identity) = &ctx.resident.seam_user_identity_id else {
        return fail("no user identity was recorded");
    };
    let Some(manager) = &ctx.grant.seam_credential_manager_acs_system_id else {
        return fail("no credential manager was recorded");
    };
    let skipped = || Outcome::Skipped {
        reason: ENROLLMENT_REMOVED.into(),
        produced: None,
    };
    match ctx.seam.list_enrollment_automations(identity).await {
        Ok(automations) => {
            if let Some(found) = automations
                .into_iter()
                .find(|a| &a.credential_manager_acs_system_id == manager)
            {
                return Outcome::Done(Produced::EnrollmentAutomation(
                    found.enrollment_automation_id,
                ));
            }
        }
        Err(err) if err.is_endpoint_missing() => return skipped(),
        Err(err) => return Outcome::from_seam_error(&step.name, &err),
    }
    let request = LaunchEnrollmentAutomation {
        user_identity_id: identity.clone(),
        credential_manager_acs_system_id: manager.clone(),
        create_credential_manager_user: true,
    };
    match ctx.seam.launch_enrollment_automation(&request).await {
        Ok(automation) => Outcome::Done(Produced::EnrollmentAutomation(
            automation.enrollment_automation_id,
        )),
        Err(err) if err.is_endpoint_missing() => skipped(),
        Err(err) => Outcome::from_seam_error(&step.name, &err),
    }
}

async fn ensure_acs_user(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(system) = &ctx.property.seam_acs_system_id else {
        return fail("the property has no ACS system");
    };
    let produced = |acs_user_id: String| Produced::AcsUser {
        acs_system_id: system.clone(),
        acs_user_id,
    };
    if let Some(existing) = &ctx.acs_user_id {
        // Someone may have deleted it at Seam since (`acs_user.deleted`): then make a new one.
        if seam!(step, ctx.seam.get_acs_user(existing).await).is_some() {
            return Outcome::Skipped {
                reason: "the resident already has an ACS user on this system".into(),
                produced: Some(produced(existing.clone())),
            };
        }
    }
    let Some(identity) = &ctx.resident.seam_user_identity_id else {
        return fail("no user identity was recorded");
    };
    let filter = AcsUserFilter {
        acs_system_id: Some(system.clone()),
        user_identity_id: Some(identity.clone()),
    };
    if let Some(found) = seam!(step, ctx.seam.list_acs_users(&filter).await)
        .into_iter()
        .next()
    {
        return Outcome::Done(produced(found.acs_user_id));
    }
    let request = CreateAcsUser {
        acs_system_id: system.clone(),
        user_identity_id: Some(identity.clone()),
        full_name: ctx.resident.full_name.clone(),
        email_address: Some(ctx.resident.email.clone()),
        phone_number: ctx.resident.phone.clone(),
        access_schedule: acs_changes::schedule_of(ctx).filter(|_| is_salto(ctx)),
    };
    let created = seam!(step, ctx.seam.create_acs_user(&request).await);
    Outcome::Done(produced(created.acs_user_id))
}

async fn list_accessible_entrances(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(credential) = ctx.credential(step.credential_id) else {
        return fail("the step's credential is missing");
    };
    let Some(seam_id) = &credential.seam_acs_credential_id else {
        return fail("the credential was not recorded");
    };
    let entrances = seam!(step, ctx.seam.list_accessible_entrances(seam_id).await);
    let seam_ids: Vec<String> = entrances.into_iter().map(|e| e.acs_entrance_id).collect();
    let entrance_ids = ctx
        .property_entrances
        .iter()
        .filter(|e| {
            e.seam_acs_entrance_id
                .as_ref()
                .is_some_and(|id| seam_ids.contains(id))
        })
        .map(|e| e.entrance_id)
        .collect();
    Outcome::Done(Produced::AccessibleEntrances {
        credential_id: credential.credential_id,
        entrance_ids,
        seam_ids,
    })
}

async fn await_issuance(ctx: &RunContext, step: &NextStep) -> Outcome {
    let Some(credential) = ctx.credential(step.credential_id) else {
        return fail("the step's credential is missing");
    };
    let Some(seam_id) = &credential.seam_acs_credential_id else {
        return fail("the credential was not recorded");
    };
    if let Some(settled) = already_settled(credential) {
        return settled;
    }
    let Some(found) = seam!(step, ctx.seam.get_acs_credential(seam_id).await) else {
        return fail("the credential was deleted at Seam before it was issued");
    };
    if let Some(error) = found.errors.first() {
        return fail(&format!(
            "Seam could not issue the credential: {}",
            error.message
        ));
    }
    if found.is_issued == Some(true) {
        return Outcome::Done(Produced::Issued {
            credential_id: credential.credential_id,
            code: found.code,
            issued_at: found.issued_at,
        });
    }
    Outcome::Wait {
        after: backoff::while_waiting(step.attempts),
    }
}

/// Whether a credential at Seam has the grant's window, where the grant sets one (compared to
/// the second, as Seam may round).
fn same_window(credential: &AcsCredential, ctx: &RunContext) -> bool {
    if is_salto(ctx) {
        return true;
    }
    type Instant = Option<chrono::DateTime<chrono::Utc>>;
    let agrees = |ours: Instant, theirs: Instant| {
        ours.is_none_or(|ours| theirs.map(|t| t.timestamp()) == Some(ours.timestamp()))
    };
    agrees(ctx.grant.starts_at, credential.starts_at)
        && agrees(ctx.grant.ends_at, credential.ends_at)
}

fn is_salto(ctx: &RunContext) -> bool {
    ctx.property.provider == Provider::SaltoKs.as_str()
}

/// A credential a webhook has already reported on needs no further polling.
pub(super) fn already_settled(credential: &CredentialRow) -> Option<Outcome> {
    match credential.status.as_str() {
        "ACTIVE" | "SCHEDULED" => Some(Outcome::Done(Produced::Issued {
            credential_id: credential.credential_id,
            code: None,
            issued_at: credential.issued_at,
        })),
        "FAILED" => Some(fail(
            credential
                .status_reason
                .as_deref()
                .unwrap_or("Seam reported the credential failed"),
        )),
        _ => None,
    }
}

/// Seam's access method for one of our credentials.
fn seam_method(credential: &CredentialRow) -> SeamAccessMethod {
    match AccessMethod::parse(&credential.access_method) {
        Some(AccessMethod::MobileKey) => SeamAccessMethod::MobileKey,
        _ => SeamAccessMethod::Code,
    }
}

/// The Seam entrances a credential is planned to open (none for Salto KS).
fn wanted_entrances(ctx: &RunContext, credential: &CredentialRow) -> BTreeSet<String> {
    if ctx.property.provider == Provider::SaltoKs.as_str() {
        return BTreeSet::new();
    }
    ctx.credential_entrances
        .get(&credential.credential_id)
        .into_iter()
        .flatten()
        .filter_map(|e| e.seam_acs_entrance_id.clone())
        .collect()
}

pub(super) fn fail(error: &str) -> Outcome {
    Outcome::Fail {
        error: error.to_owned(),
    }
}
