//! `/webhooks/{create,get,list,update,delete}`: where the workspace's events are delivered.
//! `event_types` defaults to `["*"]` (everything); names that are not Seam event types are
//! refused with `invalid_event_types`, as Seam's fake does. Delivery is [`crate::delivery`]'s.

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::event_types::EVENT_TYPES;
use crate::gate::Ctx;
use crate::input::{self, Input};
use crate::objects::{find, not_found, Webhook};
use crate::simulator::Simulator;

pub(super) fn routes() -> Router<Simulator> {
    Router::new()
        .route("/webhooks/create", post(create))
        .route("/webhooks/get", post(get))
        .route("/webhooks/list", post(list))
        .route("/webhooks/update", post(update))
        .route("/webhooks/delete", post(delete))
}

fn check_event_types(types: &[String]) -> Result<(), SimError> {
    let unknown: Vec<&str> = types
        .iter()
        .map(String::as_str)
        .filter(|t| *t != "*" && !EVENT_TYPES.contains(t))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(SimError::rejected(
        "invalid_event_types",
        format!("Invalid event types: {}", unknown.join(", ")),
    ))
}

struct CreateWebhook {
    url: String,
    event_types: Vec<String>,
}

impl FromInput for CreateWebhook {
    fn from_input(input: &mut Input) -> Self {
        Self {
            url: input.required("url", input::http_url),
            event_types: input
                .optional_list("event_types", input::string)
                .unwrap_or_else(|| vec!["*".to_owned()]),
        }
    }
}

async fn create(ctx: Ctx, SeamBody(req): SeamBody<CreateWebhook>) -> Reply {
    check_event_types(&req.event_types)?;
    let webhook = ctx.with(|ws| {
        let webhook = Webhook {
            webhook_id: ws.rng.new_id(),
            url: req.url,
            event_types: req.event_types,
            secret: Webhook::new_secret(&mut ws.rng),
        };
        let rendered = webhook.render();
        ws.webhooks.push(webhook);
        Ok(rendered)
    })?;
    ok(json!({ "webhook": webhook }))
}

struct WebhookId {
    webhook_id: String,
}

impl FromInput for WebhookId {
    fn from_input(input: &mut Input) -> Self {
        Self {
            webhook_id: input.required("webhook_id", input::non_empty),
        }
    }
}

async fn get(ctx: Ctx, SeamBody(req): SeamBody<WebhookId>) -> Reply {
    let webhook = ctx.with(|ws| Ok(find::<Webhook>(&ws.webhooks, &req.webhook_id)?.render()))?;
    ok(json!({ "webhook": webhook }))
}

async fn list(ctx: Ctx) -> Reply {
    let webhooks = ctx.with(|ws| {
        Ok(ws
            .webhooks
            .iter()
            .map(Webhook::render)
            .collect::<Vec<Value>>())
    })?;
    ok(json!({ "webhooks": webhooks }))
}

struct UpdateWebhook {
    webhook_id: String,
    event_types: Vec<String>,
}

impl FromInput for UpdateWebhook {
    fn from_input(input: &mut Input) -> Self {
        let event_types: Option<Vec<String>> = input.optional_list("event_types", input::string);
        if event_types.is_none() && !input.has("event_types") {
            input.issue("event_types", "Required");
        }
        Self {
            webhook_id: input.required("webhook_id", input::non_empty),
            event_types: event_types.unwrap_or_default(),
        }
    }
}

async fn update(ctx: Ctx, SeamBody(req): SeamBody<UpdateWebhook>) -> Reply {
    check_event_types(&req.event_types)?;
    ctx.with(|ws| {
        let webhook = ws
            .webhooks
            .iter_mut()
            .find(|w| w.webhook_id == req.webhook_id)
            .ok_or_else(|| not_found::<Webhook>(&req.webhook_id))?;
        webhook.event_types = req.event_types;
        Ok(())
    })?;
    ok(json!({}))
}

async fn delete(ctx: Ctx, SeamBody(req): SeamBody<WebhookId>) -> Reply {
    ctx.with(|ws| {
        find::<Webhook>(&ws.webhooks, &req.webhook_id)?;
        ws.webhooks.retain(|w| w.webhook_id != req.webhook_id);
        Ok(())
    })?;
    ok(json!({}))
}
