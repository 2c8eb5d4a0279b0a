//! `/events/{list,get}`: what happened in the workspace, oldest first. `list` needs `since`
//! (events generated after it: `created_at`, not `occurred_at`) or `between` (an exclusive interval), is not paginated (`limit`,
//! default 500, and `unstable_offset` instead), and filters on the ids events carry: an event
//! without the field a filter names does not match it. A client session does not see the
//! events about devices (their codes included) and connected accounts it cannot see.

use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::event_types::EVENT_TYPES;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, not_found, Event};
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/events/list", post(list))
        .route("/events/get", post(get))
}

/// Id filters Seam names in the singular; each keeps events whose field equals the value.
const SINGLE_FILTERS: [&str; 14] = [
    "device_id",
    "access_code_id",
    "acs_credential_id",
    "acs_user_id",
    "acs_system_id",
    "acs_access_group_id",
    "acs_entrance_id",
    "acs_encoder_id",
    "access_grant_id",
    "access_method_id",
    "connected_account_id",
    "connect_webview_id",
    "space_id",
    "user_identity_id",
];

/// Plural filters and the event field each one matches.
const LIST_FILTERS: [(&str, &str); 7] = [
    ("device_ids", "device_id"),
    ("access_code_ids", "access_code_id"),
    ("acs_system_ids", "acs_system_id"),
    ("event_ids", "event_id"),
    ("access_grant_ids", "access_grant_id"),
    ("access_method_ids", "access_method_id"),
    ("space_ids", "space_id"),
];

fn event_type(value: &Value) -> Result<String, String> {
    input::one_of(value, &EVENT_TYPES)
}

struct ListEvents {
    after: DateTime<Utc>,
    before: Option<DateTime<Utc>>,
    event_types: Option<Vec<String>>,
    /// `(event field, accepted values)`; every constraint must hold.
    constraints: Vec<(&'static str, Vec<String>)>,
    customer_key: bool,
    limit: usize,
    offset: usize,
}

impl FromInput for ListEvents {
    fn from_input(input: &mut Input) -> Self {
        let since = input.optional("since", input::datetime);
        let between = input.optional_list("between", input::datetime);
        let (after, before) = match (since, between) {
            (Some(_), Some(_)) => {
                input.issue("between", "Cannot specify both since and between");
                (DateTime::<Utc>::MIN_UTC, None)
            }
            (Some(since), None) => (since, None),
            (None, Some(between)) => match between.as_slice() {
                [after, before] => (*after, Some(*before)),
                _ => {
                    input.issue("between", "Array must contain exactly 2 element(s)");
                    (DateTime::<Utc>::MIN_UTC, None)
                }
            },
            (None, None) => {
                input.issue("", "Must specify either since or between");
                (DateTime::<Utc>::MIN_UTC, None)
            }
        };
        let single = input.optional("event_type", event_type);
        let many = input.optional_list("event_types", event_type);
        let mut constraints = Vec::new();
        for field in SINGLE_FILTERS {
            if let Some(id) = input.optional(field, input::uuid) {
                constraints.push((field, vec![id]));
            }
        }
        for (name, field) in LIST_FILTERS {
            if let Some(ids) = input.optional_list(name, input::uuid) {
                constraints.push((field, ids));
            }
        }
        let number = |input: &mut Input, name: &str| {
            input
                .optional(name, input::number)
                .map(|n| n.max(0.0) as usize)
        };
        Self {
            after,
            before,
            event_types: match (single, many) {
                (None, None) => None,
                (single, many) => {
                    Some(single.into_iter().chain(many.unwrap_or_default()).collect())
                }
            },
            constraints,
            customer_key: input.optional("customer_key", input::string).is_some(),
            limit: number(input, "limit").unwrap_or(500),
            offset: number(input, "unstable_offset").unwrap_or(0),
        }
    }
}

impl ListEvents {
    fn matches(&self, event: &Event) -> bool {
        !self.customer_key
            && event.created_at > self.after
            && self.before.is_none_or(|before| event.created_at < before)
            && self
                .event_types
                .as_ref()
                .is_none_or(|types| types.iter().any(|t| t == event.event_type))
            && self.constraints.iter().all(|(field, values)| {
                let value = match *field {
                    "event_id" => Some(event.event_id.as_str()),
                    field => event.field(field),
                };
                value.is_some_and(|v| values.iter().any(|wanted| wanted == v))
            })
    }
}

/// The workspace's events in the order they happened.
fn chronological(events: &[Event]) -> Vec<&Event> {
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by_key(|e| (e.occurred_at, e.seq));
    sorted
}

/// Whether the caller may see `event`: one about a device (or its codes) or a connected
/// account is the account's ([`Ctx::sees_account`]); the others (access systems, identities)
/// are not narrowed.
fn visible(ctx: &Ctx, event: &Event) -> bool {
    let about_account =
        event.field("device_id").is_some() || event.event_type.starts_with("connected_account.");
    !about_account
        || event
            .field("connected_account_id")
            .is_none_or(|account| ctx.sees_account(account))
}

async fn list(ctx: Ctx, SeamBody(req): SeamBody<ListEvents>) -> Reply {
    let events = ctx.with(|ws| {
        Ok(chronological(&ws.events)
            .into_iter()
            .filter(|event| req.matches(event) && visible(&ctx, event))
            .skip(req.offset)
            .take(req.limit)
            .map(|event| event.render(&ws.workspace_id))
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "events": events }))
}

/// By id, or the latest event of a type and/or device.
struct GetEvent {
    event_id: Option<String>,
    event_type: Option<String>,
    device_id: Option<String>,
}

impl FromInput for GetEvent {
    fn from_input(input: &mut Input) -> Self {
        let req = Self {
            event_id: input.optional("event_id", input::uuid),
            event_type: input.optional("event_type", input::string),
            device_id: input.optional("device_id", input::uuid),
        };
        if req.event_id.is_none() && req.event_type.is_none() && req.device_id.is_none() {
            input.issue("", "Must specify event_id, event_type or device_id");
        }
        req
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<GetEvent>) -> Reply {
    let event = ctx.with(|ws| {
        if let Some(id) = &req.event_id {
            return find::<Event>(&ws.events, id)
                .ok()
                .filter(|event| visible(&ctx, event))
                .map(|event| event.render(&ws.workspace_id))
                .ok_or_else(|| not_found::<Event>(id));
        }
        chronological(&ws.events)
            .into_iter()
            .rev()
            .find(|e| {
                visible(&ctx, e)
                    && req.event_type.as_deref().is_none_or(|t| t == e.event_type)
                    && req
                        .device_id
                        .as_deref()
                        .is_none_or(|d| e.field("device_id") == Some(d))
            })
            .map(|e| e.render(&ws.workspace_id))
            .ok_or_else(|| SimError::not_found("event_not_found", "No event matches"))
    })?;
    ok(json!({ "event": event }))
}
