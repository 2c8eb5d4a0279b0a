//! The `doorway` command: parse, load configuration, build the application, run it.

mod demo;

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use doorway_api::auth::TokenIssuer;
use doorway_api::db::locate;
use doorway_api::services::tenants::CreateTenant;
use doorway_api::{shutdown_signal, telemetry, Application, Config, Profile};
use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "doorway",
    version,
    about = "Doorway: property-management apps in front of Seam"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API against Seam at SEAM_ENDPOINT (production mode).
    Serve,
    /// Migrate, start the embedded Seam simulator and a demo tenant, print tokens, serve.
    Demo,
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage tenants without a token (operator bootstrap).
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Mint a development token with the configured HS256 secret.
    Token {
        #[arg(long)]
        role: String,
        #[arg(long)]
        tenant: Option<uuid::Uuid>,
        #[arg(long, default_value = "dev")]
        sub: String,
        /// Space-separated partner scopes.
        #[arg(long)]
        scope: Option<String>,
        #[arg(long, default_value_t = 12)]
        hours: i64,
    },
    /// Run the Seam simulator on its own (SEAM_SIM_LISTEN, default 127.0.0.1:8090).
    Sim,
    /// Manage the keys that seal secrets at rest.
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Re-seal every stored secret under DOORWAY_SECRET_KEY; what the keys in
    /// DOORWAY_SECRET_KEYS_PREVIOUS sealed is opened with them. Afterwards they can be dropped.
    Rotate,
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Connect a property-management company to its Seam workspace.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, env = "SEAM_API_KEY", hide_env_values = true)]
        seam_api_key: String,
    },
}

/// The database `migrate` uses on the local development server when no URL is set.
const DEFAULT_DATABASE: &str = "doorway";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve => serve().await,
        Command::Demo => demo::run().await,
        Command::Migrate => {
            let config = Config::from_env(Profile::Demo)?;
            telemetry::init(config.log_format);
            // The owner's credentials: DOORWAY_MIGRATE_DATABASE_URL, else DATABASE_URL, else the
            // local development server.
            let owner = config
                .migrate_database_url
                .as_ref()
                .or(config.database_url.as_ref());
            let db = locate::open(owner, DEFAULT_DATABASE).await?;
            doorway_api::db::migrate(&db.options)
                .await
                .context("applying migrations")?;
            println!("migrations applied");
            Ok(())
        }
        Command::Tenant {
            command: TenantCommand::Create { name, seam_api_key },
        } => {
            let config = Config::from_env(Profile::Serve)?;
            telemetry::init(config.log_format);
            let database = service_database(&config)?;
            let app = Application::build(
                &Config {
                    listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                    ..config
                },
                &database,
            )
            .await?;
            let tenant = app
                .services()
                .create_tenant(CreateTenant {
                    name,
                    seam_api_key: seam_api_key.into(),
                    idempotency_key: None,
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "tenant {} created for Seam workspace {}",
                tenant.tenant_id, tenant.seam_workspace_id
            );
            Ok(())
        }
        Command::Token {
            role,
            tenant,
            sub,
            scope,
            hours,
        } => {
            let config = Config::from_env(Profile::Demo)?;
            let token = TokenIssuer::new(&config.jwt).mint(
                &role,
                &sub,
                tenant,
                scope.as_deref(),
                None,
                chrono::Duration::hours(hours),
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Secrets {
            command: SecretsCommand::Rotate,
        } => {
            let config = Config::from_env(Profile::Serve)?;
            telemetry::init(config.log_format);
            let database = service_database(&config)?;
            let pool = doorway_api::db::connect(&database, 2).await?;
            let cipher = doorway_api::crypto::Cipher::with_previous(
                &config.secret_key,
                &config.previous_secret_keys,
            );
            let rotated = doorway_api::secrets::rotate(&pool, &cipher).await?;
            println!(
                "{} tenants: {} secrets re-sealed under the current key, {} already were",
                rotated.tenants, rotated.resealed, rotated.current
            );
            Ok(())
        }
        Command::Sim => {
            telemetry::init(Config::from_env(Profile::Demo)?.log_format);
            let addr: SocketAddr = std::env::var("SEAM_SIM_LISTEN")
                .unwrap_or_else(|_| "127.0.0.1:8090".into())
                .parse()
                .context("SEAM_SIM_LISTEN")?;
            seam_sim::run_standalone(addr)
                .await
                .context("running the simulator")
        }
    }
}

/// The service's database: `DATABASE_URL`, which `serve` requires (it never starts a database
/// of its own).
fn service_database(config: &Config) -> anyhow::Result<PgConnectOptions> {
    let url = config
        .database_url
        .as_ref()
        .context("DATABASE_URL is required")?;
    url.expose_secret().parse().context("DATABASE_URL")
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env(Profile::Serve)?;
    let telemetry = telemetry::start(config.log_format)?;
    let served = serve_with(&config).await;
    telemetry.shutdown().await;
    served
}

async fn serve_with(config: &Config) -> anyhow::Result<()> {
    let database = service_database(config)?;
    let app = Application::build(config, &database).await?;
    tracing::info!(addr = %app.local_addr(), seam = %config.seam_endpoint, "serving");
    let stop = app.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        stop.cancel();
    });
    app.run_until_stopped().await?;
    Ok(())
}
