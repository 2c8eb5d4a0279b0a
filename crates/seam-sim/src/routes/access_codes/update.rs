//! `/access_codes/update`: a new name, PIN or time frame (or `type: "ongoing"` to drop the
//! time frame). A new PIN or a time frame that has started reprograms the lock (`setting`,
//! then `set`); a frame moved into the future takes the code back to `unset`. Announced by
//! `access_code.changed` naming what changed; answered with a pending `UPDATE_ACCESS_CODE`.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::create::{accepted_extras, time_frame, Frame};
use super::{new_attempt, require_future};
use crate::clock::iso;
use crate::code_rules;
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::Ctx;
use crate::input::{self, invalid_field, Input};
use crate::objects::{find, not_found, AccessCode, ActionType, Device, Phase};
use crate::rate_limits::DeviceCall;
use crate::state::Workspace;

pub(super) struct UpdateCode {
    access_code_id: String,
    device_id: Option<String>,
    name: Option<String>,
    code: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    make_ongoing: bool,
    make_time_bound: bool,
    is_external_modification_allowed: Option<bool>,
    prefer_native_scheduling: Option<bool>,
    wants_offline_code: bool,
}

impl FromInput for UpdateCode {
    fn from_input(input: &mut Input) -> Self {
        let (starts_at, ends_at) = time_frame(input);
        let kind = input.optional("type", |v| input::one_of(v, &["ongoing", "time_bound"]));
        let allow = input.optional("allow_external_modification", input::boolean);
        let allowed = input.optional("is_external_modification_allowed", input::boolean);
        input.optional("is_managed", input::boolean);
        input.optional("attempt_for_offline_device", input::boolean);
        input.optional("preferred_code_length", input::number);
        Self {
            access_code_id: input.required("access_code_id", input::uuid),
            device_id: input.optional("device_id", input::uuid),
            name: input.optional("name", input::string),
            code: input.optional("code", input::pin),
            starts_at,
            ends_at,
            make_ongoing: kind.as_deref() == Some("ongoing"),
            make_time_bound: kind.as_deref() == Some("time_bound"),
            is_external_modification_allowed: allowed.or(allow),
            prefer_native_scheduling: input.optional("prefer_native_scheduling", input::boolean),
            wants_offline_code: accepted_extras(input),
        }
    }
}

pub(super) async fn update(ctx: Ctx, SeamBody(req): SeamBody<UpdateCode>) -> Reply {
    let attempt = ctx.with(|ws| update_in(&ctx, ws, req))?;
    ok(json!({ "action_attempt": attempt }))
}

fn update_in(ctx: &Ctx, ws: &mut Workspace, req: UpdateCode) -> Result<Value, SimError> {
    let now = ws.now();
    let index = ws
        .access_codes
        .iter()
        .position(|c| {
            c.access_code_id == req.access_code_id && ctx.sees_account(&c.connected_account_id)
        })
        .ok_or_else(|| not_found::<AccessCode>(&req.access_code_id))?;
    let old = ws.access_codes[index].clone();
    if req.device_id.as_ref().is_some_and(|d| *d != old.device_id) {
        return Err(invalid_field(
            &["device_id"],
            "device_id is not the device of this access code",
        ));
    }
    let device = find::<Device>(&ws.devices, &old.device_id)?.clone();
    ws.device_limits.admit(
        &device.device_id,
        DeviceCall::AccessCodeWrite,
        Instant::now(),
    )?;
    if let Phase::Removing { .. } = old.phase {
        return Err(SimError::rejected(
            "access_code_being_deleted",
            format!("Access code {} is being deleted", old.access_code_id),
        ));
    }
    if req.wants_offline_code {
        return Err(SimError::rejected(
            "offline_access_codes_not_supported",
            format!(
                "Device {} cannot hold offline access codes",
                device.device_id
            ),
        ));
    }
    let (starts_at, ends_at) = new_time_frame(&req, &old, now)?;
    require_future(ends_at.filter(|_| ends_at != old.ends_at), now)?;
    if let Some(pin) = &req.code {
        code_rules::refuse_chosen_pin(&device)?;
        code_rules::check_code(&device, pin, &ws.access_codes, Some(&old.access_code_id))?;
        code_rules::refuse_unmanaged_duplicate(&device, pin, &ws.unmanaged_codes)?;
    }
    let mut code = old.clone();
    code.name = req.name.clone().or(old.name.clone());
    code.code = req.code.clone().unwrap_or(old.code.clone());
    code.starts_at = starts_at;
    code.ends_at = ends_at;
    if let Some(allowed) = req.is_external_modification_allowed {
        code.is_external_modification_allowed = allowed;
    }
    if let Some(native) = req.prefer_native_scheduling {
        code.prefer_native_scheduling = native;
    }
    let changes = changed_properties(&old, &code);
    let pin_changed = code.code != old.code;
    if pin_changed || code.starts_at != old.starts_at || code.ends_at != old.ends_at {
        reprogram(&mut code, pin_changed, now);
    }
    ws.access_codes[index] = code.clone();
    if !changes.is_empty() {
        let extra = json!({ "changed_properties": changes });
        ws.emit_for_code("access_code.changed", now, &code, extra);
    }
    let reachable = ws.is_reachable(&device);
    Ok(new_attempt(ws, ActionType::Update, &code, reachable))
}

/// The frame after the update: `type: "ongoing"` drops it; otherwise given ends replace old
/// ones, and a code that gains an end without a start starts now.
fn new_time_frame(
    req: &UpdateCode,
    old: &AccessCode,
    now: DateTime<Utc>,
) -> Result<Frame, SimError> {
    if req.make_ongoing {
        if req.starts_at.is_some() || req.ends_at.is_some() {
            return Err(invalid_field(
                &["type"],
                "An ongoing code cannot have starts_at or ends_at",
            ));
        }
        return Ok((None, None));
    }
    let ends_at = req.ends_at.or(old.ends_at);
    let Some(ends_at) = ends_at else {
        if req.starts_at.is_some() || req.make_time_bound {
            return Err(invalid_field(
                &["ends_at"],
                "Required for a time_bound code",
            ));
        }
        return Ok((None, None));
    };
    let starts_at = req.starts_at.or(old.starts_at).unwrap_or(now);
    if ends_at <= starts_at {
        return Err(invalid_field(
            &["ends_at"],
            "ends_at must be after starts_at",
        ));
    }
    Ok((Some(starts_at), Some(ends_at)))
}

/// Puts a code whose PIN or frame changed back on its way to the lock.
fn reprogram(code: &mut AccessCode, pin_changed: bool, now: DateTime<Utc>) {
    code.delay_warned_at = None;
    code.failed_at = None;
    match code.starts_at {
        Some(starts_at) if starts_at > now => {
            code.phase = Phase::Unset;
            code.is_scheduled_on_device = false;
        }
        _ if pin_changed || code.phase != Phase::Set => {
            code.phase = Phase::Setting { since: now };
        }
        _ => {}
    }
}

fn changed_properties(old: &AccessCode, new: &AccessCode) -> Vec<Value> {
    let time = |at: Option<DateTime<Utc>>| at.map(iso);
    [
        ("name", old.name.clone(), new.name.clone()),
        ("code", Some(old.code.clone()), Some(new.code.clone())),
        ("starts_at", time(old.starts_at), time(new.starts_at)),
        ("ends_at", time(old.ends_at), time(new.ends_at)),
    ]
    .into_iter()
    .filter(|(_, from, to)| from != to)
    .map(|(property, from, to)| json!({ "property": property, "from": from, "to": to }))
    .collect()
}
