//! `doorway demo`: everything a newcomer needs in one command. Migrates a local database,
//! starts the Seam simulator, connects a demo tenant to a fresh simulated workspace, prints a
//! token for each role, and serves the API with GraphiQL (its headers editor holding those
//! tokens).

use std::net::SocketAddr;

use anyhow::Context as _;
use doorway_api::auth::TokenIssuer;
use doorway_api::db::locate;
use doorway_api::graphql::explorer::ExplorerToken;
use doorway_api::services::tenants::CreateTenant;
use doorway_api::{shutdown_signal, telemetry, Application, Config, Profile};
use secrecy::ExposeSecret;

/// The `externalId` of the resident the README's walk-through creates; the resident token is
/// minted for it.
const DEMO_RESIDENT: &str = "jane";
const ALL_SCOPES: &str = "properties:read residents:read residents:write grants:read grants:write";

pub async fn run() -> anyhow::Result<()> {
    let mut config = Config::from_env(Profile::Demo)?;
    let telemetry = telemetry::start(config.log_format)?;
    let sim_addr: SocketAddr = std::env::var("SEAM_SIM_LISTEN")
        .unwrap_or_else(|_| "127.0.0.1:8090".into())
        .parse()
        .context("SEAM_SIM_LISTEN")?;
    let sim = seam_sim::spawn(sim_addr, seam_sim::SimOptions::default())
        .await
        .with_context(|| format!("starting the Seam simulator on {sim_addr}"))?;
    let workspace = sim.simulator().create_workspace("Doorway demo");
    config.seam_endpoint = sim.base_url().parse().context("simulator URL")?;

    // The demo's server, as its owner (DOORWAY_MIGRATE_DATABASE_URL, else DATABASE_URL, else
    // the local server or a private one): it migrates, then serves as the service's role.
    let owner = config
        .migrate_database_url
        .as_ref()
        .or(config.database_url.as_ref());
    let db = locate::open(owner, "doorway_demo").await?;
    doorway_api::db::migrate(&db.options)
        .await
        .context("applying migrations")?;
    let service = match (&config.migrate_database_url, &config.database_url) {
        (Some(_), Some(url)) => url.expose_secret().parse().context("DATABASE_URL")?,
        _ => doorway_api::db::as_service(&db.options),
    };
    let mut app = Application::build(&config, &service).await?;
    let tenant = app
        .services()
        .create_tenant(CreateTenant {
            name: "Demo Property Co".into(),
            seam_api_key: workspace.api_key.clone().into(),
            idempotency_key: None,
        })
        .await
        .map_err(|e| anyhow::anyhow!("creating the demo tenant: {e}"))?;

    let issuer = TokenIssuer::new(&config.jwt);
    let ttl = chrono::Duration::hours(12);
    let tenant_id = Some(tenant.tenant_id.as_uuid());
    let operator = issuer.mint("operator", "demo-operator", None, None, None, ttl)?;
    let manager = issuer.mint("manager", "demo-manager", tenant_id, None, None, ttl)?;
    let partner = issuer.mint(
        "partner",
        "demo-partner",
        tenant_id,
        Some(ALL_SCOPES),
        None,
        ttl,
    )?;
    let resident = issuer.mint("resident", DEMO_RESIDENT, tenant_id, None, None, ttl)?;
    // GraphiQL's headers editor starts with the resident's token; a select offers the others.
    let offered = [
        (format!("resident ({DEMO_RESIDENT})"), &resident),
        ("manager".to_owned(), &manager),
        ("partner (every scope)".to_owned(), &partner),
        ("operator".to_owned(), &operator),
    ];
    app.offer_tokens_in_graphiql(
        offered
            .into_iter()
            .map(|(label, token)| ExplorerToken {
                label,
                token: token.clone(),
            })
            .collect(),
    );
    let url = format!("http://{}", app.local_addr());
    println!(
        "\nDoorway demo is running.\n\
         \n  GraphQL (GraphiQL in a browser): {url}/graphql (the resident's token is in its Headers)\
         \n  Seam simulator:                  {sim_url} (workspace {ws}, key {key})\
         \n  Demo tenant:                     {name} ({id})\n\
         \nTokens for each role, valid 12 hours (paste into a shell):\n\
         \nexport DOORWAY={url}\
         \nexport SIM={sim_url} SIM_KEY={key}\
         \nexport OPERATOR_TOKEN={operator}\
         \nexport MANAGER_TOKEN={manager}\
         \nexport PARTNER_TOKEN={partner}\
         \nexport RESIDENT_TOKEN={resident}   # sub \"{DEMO_RESIDENT}\"\n",
        sim_url = sim.base_url(),
        ws = workspace.workspace_id,
        key = workspace.api_key,
        name = tenant.name,
        id = tenant.tenant_id,
    );

    let stop = app.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        stop.cancel();
    });
    let served = app.run_until_stopped().await;
    sim.shutdown().await;
    drop(db);
    telemetry.shutdown().await;
    Ok(served?)
}
