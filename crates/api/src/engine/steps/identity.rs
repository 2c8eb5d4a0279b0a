//! The resident's Seam user identity (`user_identity_key` = the resident id) and, for mobile
//! keys, the credential manager and the enrollment automation that lets the identity's phones
//! receive keys.

use doorway_domain::ResidentStatus;
use seam_gateway::{CreateUserIdentity, LaunchEnrollmentAutomation};

use super::{already_exists, StepEnv};
use crate::engine::outcome::{broken, Outcome, Produced, StepResult};

/// Why an enrollment-automation step is skipped when Seam has removed the endpoints.
const ENROLLMENT_REMOVED: &str =
    "Seam no longer offers enrollment automations; mobile keys are enrolled without one";

pub async fn ensure_user_identity(env: &StepEnv<'_>) -> StepResult {
    let resident = &env.ctx.resident;
    if let Some(id) = &resident.seam_user_identity_id {
        return Ok(Outcome::Skipped {
            reason: "the resident already has a Seam user identity".into(),
            produced: Some(Produced::UserIdentity(id.clone())),
        });
    }
    let seam = &env.ctx.seam;
    // The resident id is the identity's natural key at Seam: Seam refuses a second identity
    // with it, so a create that collides with one an earlier attempt made finds it instead.
    let key = resident.resident_id.to_string();
    if env.uncertain() {
        if let Some(identity) = seam.get_user_identity_by_key(&key).await? {
            return Ok(Outcome::Done(Produced::UserIdentity(
                identity.user_identity_id,
            )));
        }
    }
    let request = CreateUserIdentity {
        user_identity_key: Some(key.clone()),
        email_address: Some(resident.email.clone()),
        phone_number: resident.phone.clone(),
        full_name: Some(resident.full_name.clone()),
    };
    match seam.create_user_identity(&request).await {
        Ok(identity) => Ok(Outcome::Done(Produced::UserIdentity(
            identity.user_identity_id,
        ))),
        Err(err) if already_exists(&err) => match seam.get_user_identity_by_key(&key).await? {
            Some(identity) => Ok(Outcome::Done(Produced::UserIdentity(
                identity.user_identity_id,
            ))),
            None => Err(err.into()),
        },
        Err(err) => Err(err.into()),
    }
}

pub async fn find_credential_manager(env: &StepEnv<'_>) -> StepResult {
    let ctx = env.ctx;
    if let Some(manager) = &ctx.grant.seam_credential_manager_acs_system_id {
        return Ok(Outcome::Skipped {
            reason: "already found".into(),
            produced: Some(Produced::CredentialManager(manager.clone())),
        });
    }
    let Some(system) = &ctx.property.seam_acs_system_id else {
        return Err(broken("the property has no ACS system"));
    };
    let managers = ctx.seam.list_compatible_credential_managers(system).await?;
    match managers.into_iter().next() {
        Some(manager) => Ok(Outcome::Done(Produced::CredentialManager(
            manager.acs_system_id,
        ))),
        None => Ok(Outcome::Fail {
            error: format!(
                "Seam lists no credential manager compatible with {}; mobile keys need one",
                ctx.property.name
            ),
        }),
    }
}

pub async fn launch_enrollment_automation(env: &StepEnv<'_>) -> StepResult {
    let ctx = env.ctx;
    let Some(identity) = &ctx.resident.seam_user_identity_id else {
        return Err(broken("no user identity was recorded"));
    };
    let Some(manager) = &ctx.grant.seam_credential_manager_acs_system_id else {
        return Err(broken("no credential manager was recorded"));
    };
    if env.uncertain() {
        match ctx.seam.list_enrollment_automations(identity).await {
            Ok(automations) => {
                if let Some(found) = automations
                    .into_iter()
                    .find(|a| &a.credential_manager_acs_system_id == manager)
                {
                    return Ok(Outcome::Done(Produced::EnrollmentAutomation(
                        found.enrollment_automation_id,
                    )));
                }
            }
            Err(err) if err.is_endpoint_missing() => {
                return Ok(Outcome::skipped(ENROLLMENT_REMOVED))
            }
            Err(err) => return Err(err.into()),
        }
    }
    let request = LaunchEnrollmentAutomation {
        user_identity_id: identity.clone(),
        credential_manager_acs_system_id: manager.clone(),
        create_credential_manager_user: true,
    };
    match ctx.seam.launch_enrollment_automation(&request).await {
        Ok(automation) => Ok(Outcome::Done(Produced::EnrollmentAutomation(
            automation.enrollment_automation_id,
        ))),
        Err(err) if err.is_endpoint_missing() => Ok(Outcome::skipped(ENROLLMENT_REMOVED)),
        Err(err) => Err(err.into()),
    }
}

/// Revokes every Seam client session of a moved-out resident's user identity, so no phone of
/// theirs keeps a session that fetches keys. Revoking is a safe delete (one already gone counts
/// as revoked), so a repeat after a lost answer only finds less to revoke.
pub async fn revoke_client_sessions(env: &StepEnv<'_>) -> StepResult {
    let resident = &env.ctx.resident;
    if resident.status != ResidentStatus::MovedOut {
        return Ok(Outcome::skipped(
            "the resident lives here again; their sessions stay",
        ));
    }
    let Some(identity) = &resident.seam_user_identity_id else {
        return Ok(Outcome::skipped(
            "the resident has no Seam user identity, so no client session",
        ));
    };
    let seam = &env.ctx.seam;
    let sessions = seam.list_client_sessions(identity).await?;
    let mut revoked = Vec::with_capacity(sessions.len());
    for session in sessions {
        seam.revoke_client_session(&session.client_session_id)
            .await?;
        revoked.push(session.client_session_id);
    }
    Ok(Outcome::Done(Produced::Changed(
        serde_json::json!({ "revoked_client_session_ids": revoked }),
    )))
}
