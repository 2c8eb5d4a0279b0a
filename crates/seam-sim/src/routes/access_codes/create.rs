//! `/access_codes/create`: an ongoing code (no `ends_at`) starts `setting` at once; a
//! time-bound one (`starts_at` and `ends_at`) waits `unset` for its start. The answer carries
//! the code and a pending `CREATE_ACCESS_CODE` action attempt.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{new_attempt, require_future};
use crate::code_rules;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{AccessCode, ActionType, Device, Phase};
use crate::rate_limits::DeviceCall;
use crate::state::Workspace;

pub(super) struct CreateCode {
    device_id: String,
    name: Option<String>,
    code: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    common_code_key: Option<String>,
    preferred_code_length: Option<usize>,
    prefer_native_scheduling: bool,
    attempt_for_offline_device: bool,
    is_external_modification_allowed: bool,
    /// Asked for an offline (or one-time) code, which the seeded locks cannot hold.
    wants_offline_code: bool,
}

/// `(starts_at, ends_at)` of a code; both or neither.
pub(super) type Frame = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Reads the time frame given to create or update, checking that the end is after the start.
pub(super) fn time_frame(input: &mut Input) -> Frame {
    let starts_at = input.optional("starts_at", input::datetime);
    let ends_at = input.optional("ends_at", input::datetime);
    if let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) {
        if ends_at <= starts_at {
            input.issue("ends_at", "ends_at must be after starts_at");
        }
    }
    (starts_at, ends_at)
}

/// Reads the options of create and update that the simulator accepts without modelling.
pub(super) fn accepted_extras(input: &mut Input) -> bool {
    input.optional("sync", input::boolean);
    input.optional("use_backup_access_code_pool", input::boolean);
    input.optional("max_time_rounding", |v| {
        input::one_of(v, &["1hour", "1day", "1h", "1d"])
    });
    let offline = input.optional("is_offline_access_code", input::boolean);
    let legacy = input.optional("use_offline_access_code", input::boolean);
    let one_time = input.optional("is_one_time_use", input::boolean);
    [offline, legacy, one_time].contains(&Some(true))
}

impl FromInput for CreateCode {
    fn from_input(input: &mut Input) -> Self {
        let (starts_at, ends_at) = time_frame(input);
        if starts_at.is_some() && ends_at.is_none() {
            input.issue("ends_at", "Required when starts_at is given");
        }
        let allow = input.optional("allow_external_modification", input::boolean);
        let allowed = input.optional("is_external_modification_allowed", input::boolean);
        let preferred = input.optional("preferred_code_length", input::number);
        Self {
            device_id: input.required("device_id", input::uuid),
            name: input.optional("name", input::string),
            code: input.optional("code", input::pin),
            starts_at,
            ends_at,
            common_code_key: input.optional("common_code_key", input::string),
            preferred_code_length: preferred.map(|length| length.max(0.0) as usize),
            prefer_native_scheduling: input
                .optional("prefer_native_scheduling", input::boolean)
                .unwrap_or(true),
            attempt_for_offline_device: input
                .optional("attempt_for_offline_device", input::boolean)
                .unwrap_or(true),
            is_external_modification_allowed: allowed.or(allow).unwrap_or(false),
            wants_offline_code: accepted_extras(input),
        }
    }
}

pub(super) async fn create(ctx: Ctx, SeamBody(req): SeamBody<CreateCode>) -> Reply {
    let (code, attempt) = ctx.with(|ws| create_in(&ctx, ws, req))?;
    ok(json!({ "access_code": code, "action_attempt": attempt }))
}

fn create_in(
    ctx: &Ctx,
    ws: &mut Workspace,
    req: CreateCode,
) -> Result<(serde_json::Value, serde_json::Value), SimError> {
    let now = ws.now();
    let device = ctx.device(ws, &req.device_id)?.clone();
    ws.device_limits.admit(
        &device.device_id,
        DeviceCall::AccessCodeWrite,
        Instant::now(),
    )?;
    code_rules::require_capability(&device)?;
    let reachable = ws.is_reachable(&device);
    refuse_offline(&device, reachable, &req)?;
    require_future(req.ends_at, now)?;
    let pin = match (&req.code, &req.common_code_key) {
        (Some(pin), _) => {
            code_rules::refuse_chosen_pin(&device)?;
            code_rules::check_code(&device, pin, &ws.access_codes, None)?;
            code_rules::refuse_unmanaged_duplicate(&device, pin, &ws.unmanaged_codes)?;
            pin.clone()
        }
        // Seam: codes with the same common_code_key always share their PIN (unless the lock
        // picks its own).
        (None, Some(key)) if !code_rules::picks_own_pins(&device) => match ws
            .access_codes
            .iter()
            .find(|c| c.common_code_key.as_ref() == Some(key))
        {
            Some(sibling) => {
                let pin = sibling.code.clone();
                code_rules::check_code(&device, &pin, &ws.access_codes, None)?;
                code_rules::refuse_unmanaged_duplicate(&device, &pin, &ws.unmanaged_codes)?;
                pin
            }
            None => code_rules::generate(
                &device,
                req.preferred_code_length,
                &ws.access_codes,
                &mut ws.rng,
            )?,
        },
        (None, _) => code_rules::generate(
            &device,
            req.preferred_code_length,
            &ws.access_codes,
            &mut ws.rng,
        )?,
    };
    let ends_at = req.ends_at;
    let starts_at = ends_at.map(|_| req.starts_at.unwrap_or(now));
    let phase = match starts_at {
        Some(starts_at) if starts_at > now => Phase::Unset,
        _ => Phase::Setting { since: now },
    };
    let code = AccessCode {
        access_code_id: ws.rng.new_id(),
        seq: ws.next_seq(),
        device_id: device.device_id.clone(),
        connected_account_id: device.connected_account_id.clone(),
        name: req.name,
        code: pin,
        common_code_key: req.common_code_key,
        starts_at,
        ends_at,
        is_external_modification_allowed: req.is_external_modification_allowed,
        prefer_native_scheduling: req.prefer_native_scheduling,
        created_at: now,
        phase,
        is_scheduled_on_device: false,
        delay_warned_at: None,
        failed_at: None,
    };
    ws.access_codes.push(code.clone());
    ws.emit_for_code("access_code.created", now, &code, json!({}));
    let attempt = new_attempt(ws, ActionType::Create, &code, reachable);
    Ok((code.render(&ws.workspace_id), attempt))
}

/// `reachable`: whether Seam reaches the lock now (it, its hub and its account connected).
fn refuse_offline(device: &Device, reachable: bool, req: &CreateCode) -> Result<(), SimError> {
    if req.wants_offline_code {
        return Err(SimError::rejected(
            "offline_access_codes_not_supported",
            format!(
                "Device {} cannot hold offline access codes (can_program_offline_access_codes is false)",
                device.device_id
            ),
        ));
    }
    if !reachable && !req.attempt_for_offline_device {
        return Err(SimError::rejected(
            "device_offline",
            format!(
                "Device {} is offline and attempt_for_offline_device is false",
                device.device_id
            ),
        ));
    }
    Ok(())
}
