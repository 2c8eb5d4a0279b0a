//! OTLP trace export, configured the standard OpenTelemetry way so that operators need nothing
//! Doorway-specific: it is on when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
//! `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_TRACES_EXPORTER=otlp` is set, and off when none is,
//! or with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
//!
//! The exporter speaks OTLP over HTTP (`http/protobuf` by default, `http/json` on request, both
//! on port 4318); gRPC is refused at start-up rather than silently ignored. The OpenTelemetry
//! crates read the rest themselves: `OTEL_EXPORTER_OTLP_HEADERS`, `..._TIMEOUT`,
//! `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` and `..._ARG`,
//! `OTEL_BSP_*` for batching.

use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;

/// The service name when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` gives one.
const SERVICE_NAME: &str = "doorway";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{variable}={value} is not supported: Doorway exports traces with OTLP over HTTP; use http/protobuf (port 4318) or http/json")]
    Protocol {
        variable: &'static str,
        value: String,
    },
    #[error("OTEL_TRACES_EXPORTER={0} is not supported: use otlp or none")]
    Exporter(String),
    #[error("the OTLP trace exporter cannot be built from the OTEL_EXPORTER_OTLP_* settings: {0}")]
    Build(#[from] opentelemetry_otlp::ExporterBuildError),
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Whether the environment asks for trace export at all.
fn wanted() -> Result<bool, ExportError> {
    if var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Ok(false);
    }
    match var("OTEL_TRACES_EXPORTER").map(|v| v.to_ascii_lowercase()) {
        Some(v) if v == "none" => Ok(false),
        Some(v) if v == "otlp" => Ok(true),
        Some(v) => Err(ExportError::Exporter(v)),
        None => Ok(var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
            || var("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()),
    }
}

/// The protocol asked for, the traces-specific variable first.
fn protocol() -> Result<Protocol, ExportError> {
    for variable in [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ] {
        if let Some(value) = var(variable) {
            return match value.as_str() {
                "http/protobuf" => Ok(Protocol::HttpBinary),
                "http/json" => Ok(Protocol::HttpJson),
                _ => Err(ExportError::Protocol { variable, value }),
            };
        }
    }
    Ok(Protocol::HttpBinary)
}

fn resource() -> Resource {
    let named = var("OTEL_SERVICE_NAME").is_some()
        || var("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|a| a.contains("service.name="));
    let builder = Resource::builder();
    if named {
        builder.build()
    } else {
        builder.with_service_name(SERVICE_NAME).build()
    }
}

/// The tracer provider the environment asks for, or `None` when export is off.
pub fn from_env() -> Result<Option<SdkTracerProvider>, ExportError> {
    if !wanted()? {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(protocol()?)
        .build()?;
    Ok(Some(
        SdkTracerProvider::builder()
            .with_resource(resource())
            .with_batch_exporter(exporter)
            .build(),
    ))
}

/// Where spans go, for the start-up log: the endpoint without credentials, and the protocol.
/// Headers are never shown (they often carry a vendor's API key).
pub fn describe() -> String {
    let endpoint = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .or_else(|| var("OTEL_EXPORTER_OTLP_ENDPOINT"))
        .and_then(|raw| url::Url::parse(&raw).ok())
        .map_or_else(
            || "http://localhost:4318 (default)".to_owned(),
            |url| {
                format!(
                    "{}://{}{}{}",
                    url.scheme(),
                    url.host_str().unwrap_or_default(),
                    url.port().map(|p| format!(":{p}")).unwrap_or_default(),
                    url.path()
                )
            },
        );
    let protocol = match protocol() {
        Ok(Protocol::HttpJson) => "http/json",
        _ => "http/protobuf",
    };
    format!("{endpoint} over {protocol}")
}
