//! Distributed tracing as an operator sees it: a `doorway serve` process configured only by the
//! standard `OTEL_*` variables exports one grant's whole story to an OTLP collector (here one in
//! the test, speaking OTLP/HTTP with JSON bodies), and counts its Seam calls in `/metrics`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::helpers::{contract, entrance_named, spawn_app};
use crate::lifecycle_helpers::wait_until;

/// Every span the collector received, flattened out of OTLP's resource and scope envelopes,
/// each with its resource's `service.name` added.
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<Value>>>);

impl Collector {
    async fn start() -> (Self, String) {
        let collector = Self::default();
        let app = Router::new()
            .route("/v1/traces", post(receive))
            .with_state(collector.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (collector, address)
    }

    fn spans_of(&self, trace_id: &str) -> Vec<Value> {
        let spans = self.0.lock().unwrap();
        spans
            .iter()
            .filter(|s| s["traceId"] == trace_id)
            .cloned()
            .collect()
    }
}

async fn receive(State(collector): State<Collector>, Json(body): Json<Value>) -> Json<Value> {
    let mut spans = collector.0.lock().unwrap();
    for resource in body["resourceSpans"].as_array().into_iter().flatten() {
        let service = attribute(&resource["resource"], "service.name");
        for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
            for span in scope["spans"].as_array().into_iter().flatten() {
                let mut span = span.clone();
                span["service"] = service.clone();
                spans.push(span);
            }
        }
    }
    Json(json!({}))
}

/// An OTLP attribute's value, whatever its type.
fn attribute(holder: &Value, key: &str) -> Value {
    holder["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["key"] == key)
        .and_then(|a| a["value"].as_object())
        .and_then(|v| v.values().next().cloned())
        .unwrap_or(Value::Null)
}

const SPAN_KIND_SERVER: i64 = 2;
const SPAN_KIND_CLIENT: i64 = 3;

/// The caller's own trace, as a browser or a partner's service would send it.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_grant_is_one_trace_from_the_request_to_every_seam_call() {
    let mut app = spawn_app().await;
    let (collector, endpoint) = Collector::start().await;
    let process = app
        .serve_as_process(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("DOORWAY_METRICS_TOKEN", "metrics-token"),
        ])
        .await;

    let (property, jane) = app.jane_at_the_latch_building().await;
    let entrance = entrance_named(&property, "Main Entrance").clone();
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(app.manager_token())
        .header("traceparent", format!("00-{TRACE_ID}-{CALLER_SPAN_ID}-01"))
        .json(&json!({
            "query": contract("portal.graphql", "GrantAccess"),
            "variables": { "input": {
                "residentId": jane["id"],
                "propertyId": property["id"],
                "accessMethod": "MOBILE_KEY",
                "entranceIds": [entrance],
            }},
        }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    let grant = body["data"]["grantAccess"]["grant"].clone();
    assert!(grant["id"].is_string(), "{body}");
    app.wait_for_grant(&grant["id"], "ACTIVE", Duration::from_secs(30))
        .await;

    // The spans arrive in batches, each when it ends (a parent after its children): wait for
    // the credential's creation at Seam and every span's parent.
    let spans = wait_until(Duration::from_secs(20), "the grant's spans", || {
        let spans = collector.spans_of(TRACE_ID);
        async move {
            let ids: Vec<&Value> = spans.iter().map(|s| &s["spanId"]).collect();
            let whole = spans
                .iter()
                .all(|s| s["parentSpanId"] == CALLER_SPAN_ID || ids.contains(&&s["parentSpanId"]));
            if whole
                && spans
                    .iter()
                    .any(|s| s["name"] == "seam /acs/credentials/create")
            {
                Ok(spans)
            } else {
                let names: Vec<&Value> = spans.iter().map(|s| &s["name"]).collect();
                Err(format!("{names:?}"))
            }
        }
    })
    .await;
    let by_id: HashMap<&str, &Value> = spans
        .iter()
        .map(|s| (s["spanId"].as_str().unwrap(), s))
        .collect();
    let parent_of = |span: &Value| {
        by_id
            .get(span["parentSpanId"].as_str().unwrap_or(""))
            .copied()
    };
    let named =
        |name: &str| -> Vec<&Value> { spans.iter().filter(|s| s["name"] == name).collect() };

    let request = named("POST /graphql");
    let request = request
        .iter()
        .find(|s| s["parentSpanId"] == CALLER_SPAN_ID)
        .unwrap_or_else(|| panic!("the request continues the caller's trace: {request:?}"));
    assert_eq!(request["kind"], SPAN_KIND_SERVER);
    assert_eq!(request["service"], "doorway");
    assert_eq!(attribute(request, "http.response.status_code"), "200");

    let operation = named("mutation GrantAccess");
    assert_eq!(operation.len(), 1, "{operation:?}");
    assert_eq!(parent_of(operation[0]), Some(*request));

    // The run goes on in a worker, after the response: it joins the operation's trace.
    let runs = named("run PROVISION");
    assert!(!runs.is_empty(), "no run span in {spans:?}");
    for run in &runs {
        assert_eq!(parent_of(run), Some(operation[0]));
        assert_eq!(attribute(run, "grant_id"), grant["id"]);
    }
    let steps: Vec<&Value> = spans
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with("step "))
        .collect();
    let step_names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    for expected in [
        "step ensure_user_identity",
        "step launch_enrollment_automation",
        "step ensure_acs_user",
        "step create_acs_credential",
    ] {
        assert!(
            step_names.contains(&expected),
            "{expected} in {step_names:?}"
        );
    }
    for step in &steps {
        let run = parent_of(step).unwrap_or_else(|| panic!("{step} has no parent"));
        assert_eq!(run["name"], "run PROVISION");
    }

    // Every Seam call of the grant hangs under the step that made it.
    let calls: Vec<&Value> = spans
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with("seam "))
        .collect();
    for call in &calls {
        assert_eq!(call["kind"], SPAN_KIND_CLIENT);
        let step = parent_of(call).unwrap_or_else(|| panic!("{call} has no parent"));
        assert!(
            step["name"].as_str().unwrap().starts_with("step "),
            "{step}"
        );
    }
    let create = calls
        .iter()
        .find(|c| c["name"] == "seam /acs/credentials/create")
        .unwrap();
    assert_eq!(
        parent_of(create).unwrap()["name"],
        "step create_acs_credential"
    );
    assert_eq!(attribute(create, "outcome"), "ok");

    // The calls are counted for Prometheus too.
    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth("metrics-token")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let created = metrics
        .lines()
        .find(|l| {
            l.starts_with("seam_gateway_calls_total{")
                && l.contains(r#"endpoint="/acs/credentials/create""#)
                && l.contains(r#"outcome="ok""#)
        })
        .unwrap_or_else(|| panic!("no credential creations counted in {metrics}"));
    assert!(created.ends_with(" 1"), "{created}");
    assert!(metrics.contains(
        "seam_gateway_call_duration_seconds_bucket{endpoint=\"/acs/credentials/create\""
    ));

    // The stored context is the operation's, so a later claim (a restart, another process)
    // joins the same trace.
    let mut db = app.db().await;
    let stored: Value =
        sqlx::query_scalar("select trace_context from provisioning_runs where grant_id = $1::uuid")
            .bind(grant["id"].as_str().unwrap())
            .fetch_one(&mut db)
            .await
            .unwrap();
    let traceparent = stored["traceparent"].as_str().unwrap();
    assert!(traceparent.contains(TRACE_ID), "{traceparent}");
    assert!(
        traceparent.contains(operation[0]["spanId"].as_str().unwrap()),
        "{traceparent}"
    );
    process.stop().await;
}

#[tokio::test]
async fn an_unsupported_otlp_protocol_stops_start_up_naming_the_variable() {
    let app = spawn_app().await;
    let (started, output) = app
        .serve_process_exit(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ])
        .await;
    assert!(!started, "{output}");
    assert!(
        output.contains("OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported"),
        "{output}"
    );
}
