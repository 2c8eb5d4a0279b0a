//! `spawn_app()`: each test gets its own database, Doorway on a free port, its own Seam
//! simulator over HTTP, and a tenant created through the operator API. Methods are named after
//! what a user does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use doorway_api::auth::TokenIssuer;
use doorway_api::db::locate;
use doorway_api::graphql::explorer::ExplorerToken;
use doorway_api::{Application, Config, Profile};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use tokio::sync::OnceCell;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The PostgreSQL server the whole test binary uses, found once.
static SERVER: OnceCell<Arc<locate::Located>> = OnceCell::const_new();

async fn server() -> Arc<locate::Located> {
    SERVER
        .get_or_init(|| async {
            let url = std::env::var("DATABASE_URL").ok().map(Into::into);
            let located = locate::locate(url.as_ref())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            drop_stale_test_databases(&located.options).await;
            Arc::new(located)
        })
        .await
        .clone()
}

const TEST_DB_PREFIX: &str = "doorway_test_";

/// Test databases are named with their creation time; those over two hours old are left over
/// from earlier runs and dropped.
async fn drop_stale_test_databases(server: &PgConnectOptions) {
    let Ok(mut conn) = server.clone().disable_statement_logging().connect().await else {
        return;
    };
    let names: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 'doorway_test_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    for name in names {
        let created: Option<i64> = name
            .strip_prefix(TEST_DB_PREFIX)
            .and_then(|rest| rest.split('_').next()?.parse().ok());
        if created.is_some_and(|t| now - t > 7200) {
            let _ = sqlx::query(&format!("drop database if exists \"{name}\" with (force)"))
                .execute(&mut conn)
                .await;
        }
    }
    let _ = conn.close().await;
}

pub struct TestApp {
    pub address: String,
    pub sim: Arc<seam_sim::RunningSim>,
    pub sim_key: String,
    pub tenant_id: Uuid,
    /// The test's database as its owner (migrations, assertions on stored rows).
    pub database: PgConnectOptions,
    /// The same database as the service logs in to it: role `doorway_app`.
    pub service_database: PgConnectOptions,
    config: Config,
    shutdown: CancellationToken,
    handle: Option<JoinHandle<std::io::Result<()>>>,
    /// The running process's connection pool, closed when it dies (as its sockets would be).
    pool: Option<sqlx::PgPool>,
    /// The running process's engine, for what only it can count.
    engine: Option<doorway_api::engine::Engine>,
    pub client: reqwest::Client,
    issuer: TokenIssuer,
    /// Tokens are signed with the test identity provider's ES256 key (JWKS mode).
    es256: bool,
    /// The tokens GraphiQL offers, as `doorway demo` sets them (none by default).
    graphiql_tokens: Vec<ExplorerToken>,
}

/// Options a test may change before the app starts.
pub struct Settings {
    /// Seconds a crashed worker's run stays locked before another process takes it over
    /// (`DOORWAY_WORKER_LEASE_SECONDS`). The engine refuses a lease shorter than
    /// 4/3 x (Seam timeout + margin), margin = min(timeout / 2, 2 s).
    pub lease_seconds: f64,
    /// How long one request to Seam may take (`DOORWAY_SEAM_TIMEOUT_SECONDS`).
    pub seam_timeout_seconds: Option<f64>,
    /// How long an abandoned request to Seam may still take effect
    /// (`DOORWAY_SEAM_LANDING_SECONDS`): the engine waits this long before looking for the
    /// result of an ambiguous create, and before its first Seam call on a run taken over from a
    /// crashed worker.
    pub landing_seconds: Option<f64>,
    /// Seam's per-lock rate-limit window, in seconds, for both Doorway
    /// (`DOORWAY_SEAM_DEVICE_WINDOW_SECONDS`) and the simulator: 10 access-code creates or
    /// updates and 20 deletes per lock per window. `None`: Seam's minute.
    pub device_window_seconds: Option<u64>,
    /// A run unfinished after this many seconds is flagged NEEDS_ATTENTION
    /// (`DOORWAY_RUN_ATTENTION_SECONDS`).
    pub attention_seconds: Option<f64>,
    /// Workers per process (`DOORWAY_WORKER_CONCURRENCY`).
    pub workers: usize,
    /// Verify tokens against this JWKS (ES256) instead of the shared secret.
    pub jwks_url: Option<String>,
    /// Set `DOORWAY_PUBLIC_URL` to the app's own address, so that tenants register their
    /// webhook and the simulator delivers Seam's events to it.
    pub public_url: bool,
    /// Seconds between comparisons of Doorway's records with Seam (the reconciler).
    pub reconcile_seconds: u64,
    /// The bearer token `/metrics` requires (`DOORWAY_METRICS_TOKEN`); without one the demo
    /// profile serves it openly.
    pub metrics_token: Option<String>,
    /// `DOORWAY_TRUSTED_DOCUMENTS=on`: resident tokens send only the app's operations.
    pub trusted_documents: bool,
    /// `DOORWAY_CORS_ALLOWED_ORIGINS`: the browser origins allowed to call Doorway.
    pub cors_allowed_origins: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lease_seconds: 60.0,
            seam_timeout_seconds: None,
            // Tests do not wait Seam's production patience for an abandoned create to land.
            landing_seconds: Some(1.0),
            device_window_seconds: None,
            attention_seconds: None,
            workers: 4,
            jwks_url: None,
            public_url: false,
            reconcile_seconds: 300,
            metrics_token: None,
            trusted_documents: false,
            cors_allowed_origins: None,
        }
    }
}

/// The simulator a test runs against: Seam's defaults, with the per-lock window shortened
/// when the test asks for it.
fn sim_options(settings: &Settings) -> seam_sim::SimOptions {
    let mut options = seam_sim::SimOptions::default();
    if let Some(seconds) = settings.device_window_seconds {
        options.device_rate_limits = Some(seam_sim::DeviceRateLimits {
            window: Duration::from_secs(seconds),
            ..seam_sim::DeviceRateLimits::default()
        });
    }
    options
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Settings::default()).await
}

pub async fn spawn_app_with(settings: Settings) -> TestApp {
    if std::env::var_os("DOORWAY_TEST_LOG").is_some() {
        // Doorway's own logs, for a test being investigated (filter with RUST_LOG).
        doorway_api::telemetry::init(doorway_api::config::LogFormat::Pretty);
    }
    let server = server().await;
    let name = format!(
        "{TEST_DB_PREFIX}{}_{}",
        chrono::Utc::now().timestamp(),
        Uuid::new_v4().simple()
    );
    let database = locate::ensure_database(&server.options, &name)
        .await
        .unwrap();
    // Migrations run as the owner; the service logs in as its own role.
    doorway_api::db::migrate(&database).await.unwrap();
    let service_database = doorway_api::db::as_service(&database);
    let sim = seam_sim::spawn("127.0.0.1:0".parse().unwrap(), sim_options(&settings))
        .await
        .unwrap();
    let workspace = sim.simulator().create_workspace("Test workspace");
    let sim = Arc::new(sim);
    let mut listen = "127.0.0.1:0".to_owned();
    if settings.public_url {
        // Seam must be told where to deliver before the app starts: take a free port and
        // hand it back for the app to bind.
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listen = free.local_addr().unwrap().to_string();
        drop(free);
    }
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("DOORWAY_LISTEN", listen.clone()),
        ("SEAM_ENDPOINT", sim.base_url()),
        (
            "DOORWAY_WORKER_LEASE_SECONDS",
            settings.lease_seconds.to_string(),
        ),
        ("DOORWAY_WORKER_CONCURRENCY", settings.workers.to_string()),
        (
            "DOORWAY_RECONCILE_SECONDS",
            settings.reconcile_seconds.to_string(),
        ),
    ]);
    for (name, value) in [
        (
            "DOORWAY_SEAM_TIMEOUT_SECONDS",
            settings.seam_timeout_seconds.map(|s| s.to_string()),
        ),
        (
            "DOORWAY_SEAM_LANDING_SECONDS",
            settings.landing_seconds.map(|s| s.to_string()),
        ),
        (
            "DOORWAY_SEAM_DEVICE_WINDOW_SECONDS",
            settings.device_window_seconds.map(|s| s.to_string()),
        ),
        (
            "DOORWAY_RUN_ATTENTION_SECONDS",
            settings.attention_seconds.map(|s| s.to_string()),
        ),
        ("DOORWAY_METRICS_TOKEN", settings.metrics_token.clone()),
        (
            "DOORWAY_CORS_ALLOWED_ORIGINS",
            settings.cors_allowed_origins.clone(),
        ),
    ] {
        if let Some(value) = value {
            vars.insert(name, value);
        }
    }
    if settings.trusted_documents {
        vars.insert("DOORWAY_TRUSTED_DOCUMENTS", "on".to_owned());
    }
    if settings.public_url {
        vars.insert("DOORWAY_PUBLIC_URL", format!("http://{listen}"));
        // Failed webhook registrations are retried quickly, for the test that watches one.
        vars.insert("DOORWAY_WEBHOOK_RETRY_SECONDS", "1".to_owned());
    }
    let es256 = settings.jwks_url.is_some();
    if let Some(url) = settings.jwks_url {
        vars.insert("DOORWAY_JWT_JWKS_URL", url);
        vars.insert("DOORWAY_JWT_ALGORITHM", "ES256".to_owned());
    }
    let config = Config::from_lookup(Profile::Demo, |k| vars.get(k).cloned()).unwrap();
    let mut app = TestApp {
        address: String::new(),
        sim,
        sim_key: workspace.api_key.clone(),
        tenant_id: Uuid::nil(),
        database,
        service_database,
        issuer: TokenIssuer::new(&config.jwt),
        config,
        shutdown: CancellationToken::new(),
        handle: None,
        pool: None,
        engine: None,
        client: reqwest::Client::new(),
        es256,
        graphiql_tokens: Vec::new(),
    };
    app.start().await;
    let created = app
        .create_tenant("Acme Residential", &workspace.api_key)
        .await;
    app.tenant_id = created["data"]["createTenant"]["tenant"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app
}

impl TestApp {
    async fn start(&mut self) {
        let mut app = Application::build(&self.config, &self.service_database)
            .await
            .unwrap();
        app.offer_tokens_in_graphiql(self.graphiql_tokens.clone());
        self.address = format!("http://{}", app.local_addr());
        self.shutdown = app.shutdown_token();
        self.pool = Some(app.services().pool.clone());
        self.engine = Some(app.services().engine.clone());
        self.handle = Some(tokio::spawn(app.run_until_stopped()));
    }

    /// Kills the process abruptly: the server and every worker stop wherever they are, as if
    /// the machine lost power. Nothing is handed back to the queue.
    pub async fn crash(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.abort();
            let _ = handle.await;
        }
        if let Some(pool) = self.pool.take() {
            pool.close().await;
        }
    }

    /// Stops gracefully (SIGTERM): in-flight steps finish, runs go back to the queue.
    pub async fn stop(&mut self) {
        self.shutdown.cancel();
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
        if let Some(pool) = self.pool.take() {
            pool.close().await;
        }
    }

    /// A second Doorway process on the same database and Seam (as behind a load balancer).
    pub async fn spawn_sibling(
        &self,
    ) -> (String, CancellationToken, JoinHandle<std::io::Result<()>>) {
        let app = Application::build(&self.config, &self.service_database)
            .await
            .unwrap();
        let address = format!("http://{}", app.local_addr());
        let stop = app.shutdown_token();
        (address, stop, tokio::spawn(app.run_until_stopped()))
    }

    /// Starts Doorway again on the same database (a new process after a crash or a deploy).
    pub async fn restart(&mut self) {
        self.start().await;
    }

    /// Stops and starts again offering `tokens` (label, token) in GraphiQL's headers editor,
    /// the first prefilled, as `doorway demo` does.
    pub async fn restart_offering_tokens_in_graphiql(&mut self, tokens: Vec<(&str, String)>) {
        self.stop().await;
        self.graphiql_tokens = tokens
            .into_iter()
            .map(|(label, token)| ExplorerToken {
                label: label.to_owned(),
                token,
            })
            .collect();
        self.start().await;
    }

    /// Another tenant with its own Seam workspace, on the same Doorway.
    pub async fn add_tenant(&self, name: &str) -> (Uuid, String) {
        let workspace = self.sim.simulator().create_workspace(name);
        let created = self.create_tenant(name, &workspace.api_key).await;
        let id = created["data"]["createTenant"]["tenant"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        (id, workspace.api_key)
    }

    pub fn operator_token(&self) -> String {
        self.token("operator", "ops", None, None)
    }

    pub fn manager_token(&self) -> String {
        self.manager_token_for(self.tenant_id)
    }

    pub fn manager_token_for(&self, tenant: Uuid) -> String {
        self.token("manager", "pm", Some(tenant), None)
    }

    pub fn partner_token(&self, scope: &str) -> String {
        self.token("partner", "pms", Some(self.tenant_id), Some(scope))
    }

    pub fn resident_token(&self, external_id: &str) -> String {
        self.token("resident", external_id, Some(self.tenant_id), None)
    }

    /// A manager of this tenant limited to some properties.
    pub fn issuer_token_with_properties(&self, property_ids: &[&str]) -> String {
        let ids = property_ids.iter().map(|id| id.parse().unwrap()).collect();
        self.mint_manager(&self.issuer, Some(ids), 30)
    }

    /// A manager token for this tenant, signed with a secret Doorway does not know.
    pub fn forged_manager_token(&self) -> String {
        let settings = doorway_api::config::JwtSettings {
            hs256_secret: "an-attackers-secret-that-is-long-enough".to_owned().into(),
            ..self.config.jwt.clone()
        };
        self.mint_manager(&TokenIssuer::new(&settings), None, 30)
    }

    pub fn issuer_expired_token(&self) -> String {
        self.mint_manager(&self.issuer, None, -10)
    }

    fn mint_manager(
        &self,
        issuer: &TokenIssuer,
        property_ids: Option<Vec<Uuid>>,
        minutes: i64,
    ) -> String {
        let ttl = chrono::Duration::minutes(minutes);
        issuer
            .mint(
                "manager",
                "pm",
                Some(self.tenant_id),
                None,
                property_ids,
                ttl,
            )
            .unwrap()
    }

    /// A manager token signed with the shared HS256 secret, whatever mode the app runs in.
    pub fn shared_secret_manager_token(&self) -> String {
        self.mint_manager(&self.issuer, None, 30)
    }

    /// A token of any role and scopes, limited to `property_ids` when given (HS256).
    pub fn token_with(
        &self,
        role: &str,
        sub: &str,
        scope: Option<&str>,
        property_ids: Option<Vec<Uuid>>,
    ) -> String {
        let tenant = (role != "operator").then_some(self.tenant_id);
        self.issuer
            .mint(
                role,
                sub,
                tenant,
                scope,
                property_ids,
                chrono::Duration::minutes(30),
            )
            .unwrap()
    }

    pub fn token(
        &self,
        role: &str,
        sub: &str,
        tenant: Option<Uuid>,
        scope: Option<&str>,
    ) -> String {
        if self.es256 {
            return es256_token(role, sub, tenant, scope);
        }
        self.issuer
            .mint(
                role,
                sub,
                tenant,
                scope,
                None,
                chrono::Duration::minutes(30),
            )
            .unwrap()
    }

    /// Sends a GraphQL request; returns the HTTP status and the JSON body.
    pub async fn graphql_raw(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({
                "query": query,
                "variables": variables,
            }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn graphql(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql_raw(Some(token), query, variables).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Like [`graphql`](Self::graphql), failing the test on any GraphQL error.
    pub async fn graphql_ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.graphql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    pub async fn create_tenant(&self, name: &str, seam_api_key: &str) -> Value {
        let body = self
            .graphql(
                &self.operator_token(),
                contract("operator.graphql", "CreateTenant"),
                json!({ "input": { "name": name, "seamApiKey": seam_api_key } }),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body
    }

    /// Imports the simulator's Latch building as a property; returns the property.
    pub async fn import_latch_building(&self) -> Value {
        self.import_acs_system_of_type(&self.manager_token(), "latch_building")
            .await
    }

    pub async fn import_acs_system_of_type(&self, token: &str, external_type: &str) -> Value {
        let inventory = self
            .graphql_ok(
                token,
                contract("portal.graphql", "SeamInventory"),
                json!({}),
            )
            .await;
        let system = inventory["seamInventory"]["acsSystems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["externalType"] == external_type)
            .unwrap_or_else(|| panic!("no {external_type} in {inventory}"))
            .clone();
        let data = self
            .graphql_ok(
                token,
                contract("portal.graphql", "ImportProperty"),
                json!({ "input": { "seamAcsSystemId": system["seamAcsSystemId"] } }),
            )
            .await;
        data["importProperty"]["property"].clone()
    }

    pub async fn create_resident(&self, full_name: &str, email: &str, external_id: &str) -> Value {
        let data = self
            .graphql_ok(
                &self.manager_token(),
                contract("portal.graphql", "CreateResident"),
                json!({ "input": { "fullName": full_name, "email": email, "externalId": external_id } }),
            )
            .await;
        data["createResident"]["resident"].clone()
    }

    pub async fn grant_access(&self, input: Value) -> Value {
        self.graphql(
            &self.manager_token(),
            contract("portal.graphql", "GrantAccess"),
            json!({ "input": input }),
        )
        .await
    }

    /// Grants a mobile key over the given entrances; returns the grant as GrantAccess answered.
    pub async fn grant_mobile_key(
        &self,
        resident: &Value,
        property: &Value,
        entrance_ids: &[&Value],
    ) -> Value {
        let body = self
            .grant_access(json!({
                "residentId": resident["id"],
                "propertyId": property["id"],
                "accessMethod": "MOBILE_KEY",
                "entranceIds": entrance_ids,
            }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["grantAccess"]["grant"].clone()
    }

    /// The usual cast: the Latch building imported, and the resident Jane (`externalId` jane).
    pub async fn jane_at_the_latch_building(&self) -> (Value, Value) {
        let property = self.import_latch_building().await;
        let resident = self
            .create_resident("Jane Doe", "jane@example.com", "jane")
            .await;
        (property, resident)
    }

    /// Grants a mobile key for one entrance and waits until it is ACTIVE; returns the grant.
    pub async fn active_mobile_key(
        &self,
        resident: &Value,
        property: &Value,
        entrance: &str,
    ) -> Value {
        let grant = self
            .grant_mobile_key(resident, property, &[entrance_named(property, entrance)])
            .await;
        self.wait_for_grant(&grant["id"], "ACTIVE", Duration::from_secs(20))
            .await
    }

    pub async fn grant(&self, id: &Value) -> Value {
        let data = self
            .graphql_ok(
                &self.manager_token(),
                contract("portal.graphql", "Grant"),
                json!({ "id": id }),
            )
            .await;
        data["grant"].clone()
    }

    /// Polls the grant until its status is `status`, failing after `timeout`.
    pub async fn wait_for_grant(&self, id: &Value, status: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let grant = self.grant(id).await;
            if grant["status"] == status {
                return grant;
            }
            assert!(
                Instant::now() < deadline,
                "grant never became {status}: {grant:#}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn my_access(&self, external_id: &str) -> Value {
        self.graphql_ok(
            &self.resident_token(external_id),
            contract("resident-app.graphql", "MyAccess"),
            json!({}),
        )
        .await
    }

    /// Everything in this test's Seam workspace.
    pub async fn sim_state(&self) -> Value {
        self.sim_state_of(&self.sim_key).await
    }

    /// `/_sim/state`, less the ACS users on credential managers whose user identity still
    /// exists: the enrollment automation makes one per user identity
    /// (`create_credential_manager_user`, as Seam does), Seam deletes it with the identity, and
    /// Doorway neither makes nor tracks it, so what the tests say about the ACS users Doorway
    /// leaves at Seam is about the others. One whose identity is gone stays in, as a leak.
    pub async fn sim_state_of(&self, key: &str) -> Value {
        let mut state: Value = self
            .client
            .get(format!("{}/_sim/state", self.sim.base_url()))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let managers: Vec<Value> = state["acs_systems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["is_credential_manager"] == true)
            .map(|s| s["acs_system_id"].clone())
            .collect();
        let identities: Vec<Value> = state["user_identities"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i["user_identity_id"].clone())
            .collect();
        if let Some(users) = state["acs_users"].as_array_mut() {
            users.retain(|u| {
                !(managers.contains(&u["acs_system_id"])
                    && identities.contains(&u["user_identity_id"]))
            });
        }
        state
    }

    /// Injects a fault into this test's Seam workspace (see CONTRACT.md, `/_sim/faults`).
    pub async fn inject_fault(&self, fault: Value) {
        let response = self
            .client
            .post(format!("{}/_sim/faults", self.sim.base_url()))
            .bearer_auth(&self.sim_key)
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "fault refused: {}",
            response.text().await.unwrap()
        );
    }

    /// This test's database as a URL for child processes: as the owner (`owner`) or as the
    /// service logs in.
    pub fn database_url(&self, owner: bool) -> String {
        let o = if owner {
            &self.database
        } else {
            &self.service_database
        };
        format!(
            "postgres://{}@{}:{}/{}",
            o.get_username(),
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or_default()
        )
    }

    /// How many times the running process has looked at its run queue.
    pub fn queue_looks(&self) -> u64 {
        self.engine.as_ref().map_or(0, |e| e.queue_looks())
    }

    /// A connection to this test's database as its owner, for assertions on stored rows.
    pub async fn db(&self) -> sqlx::PgConnection {
        self.database
            .clone()
            .disable_statement_logging()
            .connect()
            .await
            .unwrap()
    }
}

/// One operation of the contract (the repository's copy, `contract/`), as the apps send it.
pub fn contract(file: &str, operation: &str) -> &'static str {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> =
        std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = format!("{file}#{operation}");
    if let Some(found) = cache.lock().unwrap().get(&key) {
        return found;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contract")
        .join(file);
    let source = std::fs::read_to_string(&path).unwrap();
    let document = apollo_compiler::ast::Document::parse(source, file).unwrap();
    let op = document
        .definitions
        .iter()
        .find_map(|d| match d {
            apollo_compiler::ast::Definition::OperationDefinition(op)
                if op.name.as_ref().is_some_and(|n| n.as_str() == operation) =>
            {
                Some(op.to_string())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("{file} has no operation {operation}"));
    let leaked: &'static str = Box::leak(op.into_boxed_str());
    cache.lock().unwrap().insert(key, leaked);
    leaked
}

/// The ids of a property's entrances, by name.
pub fn entrance_named<'a>(property: &'a Value, name: &str) -> &'a Value {
    property["entrances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .map(|e| &e["id"])
        .unwrap_or_else(|| panic!("no entrance {name} in {property}"))
}

/// A token signed by the test identity provider (`fixtures/es256-*`), as its JWKS describes.
fn es256_token(role: &str, sub: &str, tenant: Option<Uuid>, scope: Option<&str>) -> String {
    let claims = json!({
        "iss": "doorway", "aud": "doorway", "sub": sub, "role": role, "tenant_id": tenant,
        "scope": scope, "exp": chrono::Utc::now().timestamp() + 1800,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("test-es256".into());
    let key = jsonwebtoken::EncodingKey::from_ec_pem(include_bytes!("fixtures/es256-private.pem"))
        .unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}
