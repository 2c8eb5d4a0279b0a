//! What each kind of step does at Seam: one function per step kind, grouped by family (the
//! resident's identity, its ACS user, ACS credentials, access codes), dispatched from one
//! `match` over [`StepKind`].
//!
//! Seam has no idempotency keys, so a creating step looks before it creates only when an
//! earlier attempt of it may have created something (`uncertain`: it started and was never
//! recorded, or its answer was ambiguous); a first attempt creates directly, which keeps the
//! Seam calls of a flow at its minimum. Steps return `Result<Outcome, StepError>`, and a Seam
//! or database error becomes the outcome it calls for in one place ([`StepError::outcome`]).

mod access_codes;
mod acs_credentials;
mod acs_users;
mod identity;

use chrono::{DateTime, Utc};
use doorway_domain::StepKind;

use super::context::RunContext;
use super::outcome::{Outcome, StepError};
use super::Engine;
use crate::db::credentials::CredentialRow;
use crate::db::device_windows::{DeviceBucket, DeviceLimit};
use crate::db::runs::StepRow;
use crate::db::{self};

/// What a step runs with: the engine (its database and settings), the run, and the step.
pub struct StepEnv<'a> {
    pub engine: &'a Engine,
    pub ctx: &'a RunContext,
    pub step: &'a StepRow,
}

/// Runs one attempt of `step`.
pub async fn execute(engine: &Engine, ctx: &RunContext, step: &StepRow) -> Outcome {
    let env = StepEnv { engine, ctx, step };
    let result = match step.kind {
        StepKind::EnsureUserIdentity => identity::ensure_user_identity(&env).await,
        StepKind::FindCredentialManager => identity::find_credential_manager(&env).await,
        StepKind::LaunchEnrollmentAutomation => identity::launch_enrollment_automation(&env).await,
        StepKind::EnsureAcsUser => acs_users::ensure_acs_user(&env).await,
        StepKind::UpdateAcsUserSchedule => acs_users::update_schedule(&env).await,
        StepKind::AddToAccessGroup => acs_users::add_to_access_group(&env).await,
        StepKind::RemoveFromAccessGroup => acs_users::remove_from_access_group(&env).await,
        StepKind::ReleaseAcsUser => acs_users::release_acs_user(&env).await,
        StepKind::CreateAcsCredential => acs_credentials::create(&env).await,
        StepKind::ListAccessibleEntrances => acs_credentials::list_accessible_entrances(&env).await,
        StepKind::AwaitIssuance => acs_credentials::await_issuance(&env).await,
        StepKind::UpdateAcsCredential => acs_credentials::update(&env).await,
        StepKind::ReplaceAcsCredential => acs_credentials::replace(&env).await,
        StepKind::DeleteSupersededAcsCredential => acs_credentials::delete_superseded(&env).await,
        StepKind::DeleteAcsCredential => acs_credentials::delete(&env).await,
        StepKind::CreateAccessCode => access_codes::create(&env).await,
        StepKind::AwaitAccessCodeSet => access_codes::await_set(&env).await,
        StepKind::UpdateAccessCode => access_codes::update(&env).await,
        StepKind::DeleteAccessCode => access_codes::delete(&env).await,
        StepKind::AwaitAccessCodeRemoved => access_codes::await_removed(&env).await,
        StepKind::RevokeClientSessions => identity::revoke_client_sessions(&env).await,
    };
    result.unwrap_or_else(|err| err.outcome(step.kind.as_str()))
}

/// The Seam device a step's calls count against (Seam's per-device limits), if any.
pub fn device_bucket(kind: StepKind) -> Option<DeviceBucket> {
    match kind {
        StepKind::CreateAccessCode | StepKind::UpdateAccessCode => {
            Some(DeviceBucket::AccessCodeWrite)
        }
        StepKind::DeleteAccessCode | StepKind::AwaitAccessCodeRemoved => {
            Some(DeviceBucket::AccessCodeDelete)
        }
        _ => None,
    }
}

impl StepEnv<'_> {
    /// Reserves room for one call under Seam's per-device limit on `device`, across every
    /// Doorway process; `Some(at)` when the lock has none before `at` (the step then waits,
    /// instead of holding its worker).
    async fn reserve(
        &self,
        device: &str,
        bucket: DeviceBucket,
    ) -> Result<Option<DateTime<Utc>>, StepError> {
        let settings = &self.engine.inner.settings;
        let limit = match bucket {
            DeviceBucket::AccessCodeWrite => DeviceLimit {
                calls: 10,
                window: settings.device_window,
            },
            DeviceBucket::AccessCodeDelete => DeviceLimit {
                calls: 20,
                window: settings.device_window,
            },
        };
        let mut tx = db::begin_tenant(&self.engine.inner.pool, self.ctx.tenant()).await?;
        let free_at = db::device_windows::reserve(&mut tx, device, bucket, limit).await?;
        tx.commit().await?;
        Ok(free_at)
    }

    /// An earlier attempt of this step may have created what it creates.
    fn uncertain(&self) -> bool {
        self.step.uncertain
    }

    fn credential(&self) -> Result<&crate::db::credentials::CredentialRow, StepError> {
        self.ctx
            .credential(self.step.credential_id)
            .ok_or_else(|| StepError::Broken("the step's credential is missing".to_owned()))
    }
}

/// Seam refused a create because the object exists already (a unique key, or one ACS user per
/// identity and system): the step adopts the one there instead.
fn already_exists(err: &seam_gateway::SeamError) -> bool {
    err.status() == Some(409)
        || err
            .kind()
            .is_some_and(|k| k.contains("already") || k.contains("duplicate"))
}

/// What a waiting step knows before asking Seam.
enum Known {
    /// Seam already reported it (by an event Doorway applied): no call needed.
    Reported,
    /// Seam's event will say: wait for it, without a call.
    AwaitEvent,
    /// Ask Seam.
    Ask,
}

impl StepEnv<'_> {
    /// Before a waiting step asks Seam: with the webhook registered, what an event already
    /// reported is in Doorway's records (read fresh: the event may have come during this very
    /// claim), and a first look at something Seam has only just started is left to the event.
    /// Polling stays the fallback for an event that never comes.
    async fn known(&self, reported: impl Fn(&CredentialRow) -> bool) -> Result<Known, StepError> {
        let ctx = self.ctx;
        if !ctx.webhooks {
            return Ok(match self.credential() {
                Ok(credential) if reported(credential) => Known::Reported,
                _ => Known::Ask,
            });
        }
        let id = self.credential()?.credential_id;
        let fresh = {
            let mut tx = db::begin_tenant(&self.engine.inner.pool, ctx.tenant()).await?;
            let fresh = db::credentials::find(&mut tx, id).await?;
            tx.commit().await?;
            fresh
        };
        let window_open = ctx.grant.starts_at.is_none_or(|start| start <= Utc::now());
        Ok(match fresh {
            Some(credential) if reported(&credential) => Known::Reported,
            _ if self.step.attempts == 0 && window_open => Known::AwaitEvent,
            _ => Known::Ask,
        })
    }

    /// When to look again at something Seam is still doing (issuing, setting or removing): soon
    /// when polling is all there is; late when Seam's webhook will say (an event makes the run
    /// look at once, and the poll is only the fallback for one that never comes).
    fn poll_later(&self) -> DateTime<Utc> {
        let attempts = self.step.attempts;
        let wait = if self.ctx.webhooks {
            super::backoff::while_awaiting_event(attempts)
        } else {
            super::backoff::while_waiting(attempts)
        };
        Utc::now() + wait
    }
}
