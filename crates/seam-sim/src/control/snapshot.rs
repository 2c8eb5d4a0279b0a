//! `GET /_sim/state`: every object of a workspace as Seam renders it, in creation order, plus
//! what Seam does not render and tests need: a credential's entrances, a user's access
//! groups, which locks schedule natively, webhook secrets and the fate of every delivery.

use serde_json::{json, Map, Value};

use crate::clock::iso;
use crate::delivery;
use crate::state::Workspace;

pub(super) fn snapshot(ws: &Workspace) -> Value {
    let credential_entrances: Map<String, Value> = ws
        .acs_credentials
        .iter()
        .map(|c| (c.acs_credential_id.clone(), json!(c.acs_entrance_ids)))
        .collect();
    let user_access_groups: Map<String, Value> = ws
        .acs_users
        .iter()
        .map(|u| (u.acs_user_id.clone(), json!(u.acs_access_group_ids)))
        .collect();
    let native_scheduling: Map<String, Value> = ws
        .devices
        .iter()
        .map(|d| {
            (
                d.device_id.clone(),
                json!(d.model.supports_native_scheduling),
            )
        })
        .collect();
    let mut events: Vec<_> = ws.events.iter().collect();
    events.sort_by_key(|e| (e.occurred_at, e.seq));
    let id = &ws.workspace_id;
    json!({
        "workspace": ws.render(),
        "acs_systems": ws.acs_systems.iter().map(|s| s.render(ws)).collect::<Vec<_>>(),
        "acs_entrances": ws.acs_entrances.iter().map(|e| e.render()).collect::<Vec<_>>(),
        "acs_access_groups": ws.acs_access_groups.iter().map(|g| g.render(id)).collect::<Vec<_>>(),
        "acs_users": ws.acs_users.iter().map(|u| u.render(ws)).collect::<Vec<_>>(),
        "acs_credentials": ws.acs_credentials.iter().map(|c| c.render(ws)).collect::<Vec<_>>(),
        "user_identities": ws.user_identities.iter().map(|i| i.render(ws)).collect::<Vec<_>>(),
        "enrollment_automations": ws.enrollment_automations.iter().map(|e| e.render(id)).collect::<Vec<_>>(),
        "connected_accounts": ws.connected_accounts.iter().map(|a| a.render()).collect::<Vec<_>>(),
        "devices": ws.devices.iter().map(|d| ws.render_device(d)).collect::<Vec<_>>(),
        "client_sessions": ws.client_sessions.iter().map(|s| s.render(ws)).collect::<Vec<_>>(),
        "access_codes": ws.access_codes.iter().map(|c| c.render(id)).collect::<Vec<_>>(),
        "action_attempts": ws.action_attempts.iter().map(|a| a.render()).collect::<Vec<_>>(),
        "events": events.iter().map(|e| e.render(id)).collect::<Vec<_>>(),
        "webhooks": ws.webhooks.iter().map(|w| w.render()).collect::<Vec<_>>(),
        "webhook_deliveries": ws.deliveries.render_records(),
        "webhook_delivery_settings": delivery::render_settings(&ws.deliveries.settings),
        "acs_credential_entrances": credential_entrances,
        "acs_user_access_groups": user_access_groups,
        "device_native_scheduling": native_scheduling,
        "now": iso(ws.now()),
    })
}
