//! W3C trace context across the gaps a trace must cross: from a caller's `traceparent` header
//! into the request's span, and from the operation that created a provisioning run to the
//! worker that claims it later (perhaps in another process, after a restart): the context is
//! stored with the run as the propagator's headers (`traceparent`, `tracestate`) in JSON.
//!
//! Without trace export there is no OpenTelemetry context: nothing is stored and nothing is
//! continued.

use std::collections::HashMap;

use axum::http::HeaderMap;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_http::HeaderExtractor;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The current span's trace context in W3C form, to store with work that continues later;
/// `None` when traces are not exported.
pub fn current() -> Option<serde_json::Value> {
    let context = tracing::Span::current().context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut carrier: HashMap<String, String> = HashMap::new();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut carrier);
    });
    serde_json::to_value(carrier).ok()
}

/// Makes `span` a child of the span whose context was stored (see [`current`]). Call it before
/// `span` has children of its own: they take their trace from it when they start.
pub fn continue_from(span: &tracing::Span, stored: Option<&serde_json::Value>) {
    let Some(carrier) =
        stored.and_then(|s| serde_json::from_value::<HashMap<String, String>>(s.clone()).ok())
    else {
        return;
    };
    let parent =
        opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(&carrier));
    adopt(span, parent);
}

/// Makes the request's `span` a child of the caller's, when the request carries a valid
/// `traceparent`.
pub fn continue_remote(span: &tracing::Span, headers: &HeaderMap) {
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    });
    adopt(span, parent);
}

fn adopt(span: &tracing::Span, parent: opentelemetry::Context) {
    if parent.span().span_context().is_valid() {
        // Fails only when no OpenTelemetry layer is installed: then there is no trace to join.
        let _ = span.set_parent(parent);
    }
}
