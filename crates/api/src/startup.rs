//! Building and running the application: the builder binds its own listener and reports its
//! port, so tests start it on port 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use seam_gateway::{SeamClient, SeamClientConfig};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::auth::TokenVerifier;
use crate::config::Config;
use crate::crypto::Cipher;
use crate::db;
use crate::engine::Engine;
use crate::graphql::explorer::{Explorer, ExplorerToken};
use crate::graphql::{build_schema, SchemaOptions};
use crate::http::router;
use crate::notify::ChangeFeed;
use crate::services::Services;
use crate::state::AppState;
use crate::webhooks::secrets::WebhookSecrets;

/// How long shutdown waits for workers to finish the step in hand.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("Seam client: {0}")]
    Seam(#[from] seam_gateway::SeamError),
    #[error("{0}")]
    LoginRole(String),
    #[error("the database's migrations are not all applied: run `doorway migrate` first")]
    NotMigrated,
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    cors: crate::cors::CorsOrigins,
    engine: Engine,
    shutdown: CancellationToken,
}

impl Application {
    /// Connects to `database` as the service's role, checks it is that role (not an owner or
    /// a superuser: row-level security must bind it) and that the migrations are applied (the
    /// service has no right to apply them; `doorway migrate` does), and binds `config.listen`.
    pub async fn build(config: &Config, database: &PgConnectOptions) -> Result<Self, StartupError> {
        let max_connections = u32::try_from(config.worker.concurrency)
            .unwrap_or(8)
            .saturating_add(10);
        let pool = db::connect(database, max_connections).await?;
        db::check_login_role(&pool)
            .await
            .map_err(StartupError::LoginRole)?;
        if !db::migrations_applied(&pool).await? {
            return Err(StartupError::NotMigrated);
        }
        Self::build_with_pool(config, pool).await
    }

    pub async fn build_with_pool(config: &Config, pool: PgPool) -> Result<Self, StartupError> {
        crate::metrics::init();
        let mut seam_config = SeamClientConfig::new(config.seam_endpoint.clone());
        let worker = &config.worker;
        seam_config.max_concurrent_per_workspace = worker.seam_concurrency.max(1);
        seam_config.timeout = worker.seam_timeout;
        seam_config.create_timeout = worker.create_timeout();
        seam_config.call_deadline = worker.call_deadline();
        seam_config.send_margin = worker.send_margin();
        // Waiting for a slot is waiting inside a step: bounded, then the step is deferred.
        seam_config.max_admission_wait = worker.seam_timeout;
        // Seam's per-device limits are kept in PostgreSQL, across every process (the engine
        // reserves a slot before each access-code write).
        seam_config.access_code_write_limit = None;
        seam_config.access_code_delete_limit = None;
        let seam = SeamClient::new(seam_config)?;
        let cipher = Cipher::with_previous(&config.secret_key, &config.previous_secret_keys);
        let engine = Engine::new(
            pool.clone(),
            seam.clone(),
            cipher.clone(),
            config.worker.clone(),
        );
        // PINs written before they were sealed are sealed now (a no-op once done).
        match crate::secrets::seal_clear_pins(&pool, &cipher).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "PINs stored in clear were sealed"),
            Err(err) => tracing::error!(error = %err, "could not seal the PINs stored in clear"),
        }
        let read_slots = db::ReadSlots::for_pool(pool.options().get_max_connections());
        let webhook_secrets = WebhookSecrets::default();
        if let Err(err) = webhook_secrets.refresh(&pool, &cipher).await {
            // Deliveries are refused (and retried by Seam) until the next refresh.
            tracing::warn!(error = %err, "could not load the webhook secrets");
        }
        let services = Services {
            pool,
            seam,
            cipher,
            engine: engine.clone(),
            public_url: config.public_url.clone().map(Arc::new),
            webhook_secrets,
            read_slots,
        };
        let shutdown = CancellationToken::new();
        let state = AppState {
            schema: build_schema(
                services.clone(),
                SchemaOptions {
                    trusted_documents: config.trusted_documents,
                    field_tracing: config.field_tracing,
                },
            ),
            services,
            verifier: Arc::new(TokenVerifier::new(&config.jwt)),
            changes: ChangeFeed::new(shutdown.child_token()),
            metrics: crate::metrics::Access::from_config(
                config.metrics_token.as_ref(),
                config.profile,
            ),
            explorer: Explorer::default(),
        };
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartupError::Listen {
                    addr: config.listen,
                    source,
                })?;
        Ok(Self {
            listener,
            state,
            cors: config.cors_allowed_origins.clone(),
            engine,
            shutdown,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn services(&self) -> &Services {
        &self.state.services
    }

    /// Offers `tokens` in GraphiQL's headers editor, the first prefilled: the demo's tokens.
    /// `serve` never calls this, so its GraphiQL starts without a token.
    pub fn offer_tokens_in_graphiql(&mut self, tokens: Vec<ExplorerToken>) {
        self.state.explorer = Explorer::with_tokens(tokens);
    }

    /// Cancel this to stop: the server stops accepting, in-flight requests finish, workers
    /// finish their step and hand their runs back to the queue.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mut workers = self.engine.spawn(self.shutdown.clone());
        workers.spawn(crate::metrics::refresh_queue_forever(
            self.state.services.pool.clone(),
            self.shutdown.clone(),
        ));
        let services = &self.state.services;
        workers.spawn(services.webhook_secrets.clone().refresh_forever(
            services.pool.clone(),
            services.cipher.clone(),
            self.shutdown.clone(),
        ));
        workers.spawn(
            services
                .clone()
                .retry_webhook_registrations_forever(self.shutdown.clone()),
        );
        // The change listener and open WebSocket subscriptions end with the application, and
        // also if this future is dropped (the tests' crash), which leaves the workers alone.
        let _changes_stop = self.state.changes.stop_token().clone().drop_guard();
        let listening = self.state.changes.spawn_listener(&self.state.services.pool);
        let shutdown = self.shutdown.clone();
        let served = axum::serve(self.listener, router(self.state, &self.cors))
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        self.shutdown.cancel();
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while workers.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                "workers did not stop in time; their runs resume when their leases expire"
            );
        }
        let _ = listening.await;
        tracing::info!("stopped");
        served
    }
}

/// Resolves when the process is asked to stop (SIGINT or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested");
}
