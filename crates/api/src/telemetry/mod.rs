//! Logs and traces. Logs are human-readable by default, JSON lines with
//! `DOORWAY_LOG_FORMAT=json`; the level comes from `RUST_LOG` (default `info`).
//!
//! Traces are exported over OTLP when the standard `OTEL_*` variables ask for it (see
//! [`export`]) and cost nothing otherwise: without an exporter no OpenTelemetry layer is
//! installed. A trace follows one grant from the HTTP request through the GraphQL operation to
//! the provisioning run, each of its steps and every Seam call, although the run executes later
//! and elsewhere: the W3C trace context is stored with the run ([`context`]).

pub mod context;
pub mod export;

use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::config::LogFormat;

pub use export::ExportError;

/// Installs the global subscriber once, logs only; later calls (tests) are ignored. For
/// commands that run briefly and export nothing (`migrate`, `tenant create`, ...).
pub fn init(format: LogFormat) {
    install(format, None);
}

/// Installs the global subscriber with OTLP trace export when `OTEL_*` configures it: for the
/// processes that serve. Keep the returned guard and [`Telemetry::shutdown`] it on the way out,
/// so that the last spans are sent.
pub fn start(format: LogFormat) -> Result<Telemetry, ExportError> {
    let provider = export::from_env()?;
    install(format, provider.as_ref());
    if let Some(settings) = provider.as_ref().map(|_| export::describe()) {
        tracing::info!(%settings, "exporting traces over OTLP");
    }
    Ok(Telemetry { provider })
}

fn install(format: LogFormat, provider: Option<&SdkTracerProvider>) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let traces = provider.map(|provider| {
        use opentelemetry::trace::TracerProvider as _;
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("doorway"))
            .with_filter(exported())
    });
    let json = matches!(format, LogFormat::Json)
        .then(|| tracing_subscriber::fmt::layer().json().flatten_event(true));
    let pretty = matches!(format, LogFormat::Pretty).then(tracing_subscriber::fmt::layer);
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(traces)
        .with(json)
        .with(pretty)
        .try_init();
    if installed.is_ok() && provider.is_some() {
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
    }
}

/// What becomes a span in a trace: what the logs show, but not async-graphql's DataLoader
/// internals (four spans per batch, which would bury a request's own).
fn exported() -> Targets {
    Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("async_graphql::dataloader", LevelFilter::OFF)
}

/// Holds the trace exporter, if any, until the process ends.
#[must_use = "dropping the guard early loses the spans still buffered"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still buffered and stops the exporter. The exporter's HTTP client
    /// blocks, so this runs off the async workers.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(err)) = flushed {
            tracing::warn!(error = %err, "the last spans could not be exported");
        }
    }
}
