//! Provisioning economy and throughput, per flow: Seam calls per grant next to the fewest the
//! flow needs, and grants per second next to the bound those calls allow.
//!
//! `cargo bench --bench provisioning`. Doorway runs against the Seam simulator with `latency`
//! added to every call, `concurrency` calls in flight per workspace, and Seam's webhook
//! registered (as in production: issuance and codes set on locks arrive as events, and
//! polling is only the fallback). For each flow it grants to fresh residents and counts the
//! calls the simulator received (`/_sim/calls`).
//!
//! The minimum a flow needs is what its seed guide asks Seam to do, once, for a first-time
//! resident: the creates (and, for mobile keys, finding the credential manager and launching
//! the enrollment automation). Confirmations come by webhook. The bound: the workspace allows
//! `concurrency / latency` calls a second, so at best that divided by the minimum grants a
//! second; smart locks are bound by Seam's per-lock limit too (10 writes per lock per window,
//! one write per lock per grant).
//!
//! Settings (environment): BENCH_GRANTS (ACS flows, default 1000), BENCH_LOCK_GRANTS (default
//! 60), BENCH_LATENCY_MS (50), BENCH_SEAM_CONCURRENCY (8), BENCH_WORKERS (64),
//! BENCH_DEVICE_WINDOW_SECONDS (Seam's per-lock window, default 2 so that the lock flow runs
//! in seconds; Seam's own is 60). The grant counts are large enough that Seam's own delays
//! after the last call (a credential is issued a second after its creation, a code set two
//! seconds after it is asked for), which no engine can shorten, weigh little next to the
//! steady rate. BENCH_WITHOUT_RLS=1 switches row-level security off in the bench's database, a
//! diagnostic of what the policies cost. BENCH_VERBOSE=1 prints, per flow, the calls by
//! endpoint and when the grants were recorded, the first and last calls were made, and every
//! grant was settled.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use doorway_api::auth::{AuthContext, Claims};
use doorway_api::db::{locate, Visibility};
use doorway_api::services::grants::GrantAccess;
use doorway_api::services::inventory::ImportProperty;
use doorway_api::services::residents::CreateResident;
use doorway_api::services::tenants::CreateTenant;
use doorway_api::services::Services;
use doorway_api::{Application, Config, Profile};
use doorway_domain::{AccessGroupId, AccessMethod, EntranceId, PropertyId};
use serde_json::Value;
use sqlx::{ConnectOptions, Connection, PgConnection};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One flow of the seed guides, as the bench grants it.
struct Flow {
    name: &'static str,
    grants: u64,
    /// The fewest Seam calls one grant of this flow needs.
    minimum: f64,
    /// Grants a second Seam's per-lock limits allow, where they bind.
    lock_bound: Option<f64>,
    request: GrantShape,
}

#[derive(Clone)]
struct GrantShape {
    property: PropertyId,
    method: AccessMethod,
    entrances: Vec<EntranceId>,
    groups: Vec<AccessGroupId>,
}

/// What one flow's run measured.
struct Ran {
    /// Seam calls, as the simulator counted them.
    calls: u64,
    /// From the first grant until every grant was ACTIVE, Seam's confirmations included (a
    /// Latch credential is issued about a second after its creation, a lock sets its code two
    /// seconds after).
    elapsed: Duration,
    /// From the first call's arrival at Seam to the last's: while Doorway kept Seam busy.
    calling: Duration,
}

struct Bench {
    services: Services,
    caller: Visibility,
    owner: PgConnection,
    sim_url: String,
    sim_key: String,
    http: reqwest::Client,
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let grants = setting("BENCH_GRANTS", 1000);
    let lock_grants = setting("BENCH_LOCK_GRANTS", 60);
    let latency_ms = setting("BENCH_LATENCY_MS", 50);
    let concurrency = setting("BENCH_SEAM_CONCURRENCY", 8);
    let workers = setting("BENCH_WORKERS", 64);
    let window = setting("BENCH_DEVICE_WINDOW_SECONDS", 2);

    // The simulator, with Seam's per-lock window shortened as Doorway's is.
    let options = seam_sim::SimOptions {
        device_rate_limits: Some(seam_sim::DeviceRateLimits {
            window: Duration::from_secs(window),
            ..Default::default()
        }),
        ..Default::default()
    };
    let sim = seam_sim::spawn("127.0.0.1:0".parse()?, options).await?;
    let workspace = sim.simulator().create_workspace("Benchmark");
    let sim_url = sim.base_url();

    // Doorway on its own database, with Seam's webhook pointed at it.
    let server =
        locate::locate(std::env::var("DATABASE_URL").ok().map(Into::into).as_ref()).await?;
    let name = format!("doorway_bench_{}", chrono::Utc::now().timestamp());
    let database = locate::ensure_database(&server.options, &name).await?;
    doorway_api::db::migrate(&database).await?;
    if std::env::var_os("BENCH_WITHOUT_RLS").is_some() {
        // A diagnostic, never a setting of Doorway's: row-level security off in the bench's own
        // database, to measure what the policies cost the engine.
        let mut owner = database.connect().await?;
        sqlx::query(
            "do $$ declare t text; begin
                 for t in select tablename from pg_tables where schemaname = 'public' loop
                     execute format('alter table %I disable row level security', t);
                 end loop;
             end $$",
        )
        .execute(&mut owner)
        .await?;
    }
    let listen = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let vars: HashMap<&str, String> = HashMap::from([
        ("DOORWAY_LISTEN", listen.to_string()),
        ("DOORWAY_PUBLIC_URL", format!("http://{listen}")),
        ("SEAM_ENDPOINT", sim_url.clone()),
        ("DOORWAY_WORKER_CONCURRENCY", workers.to_string()),
        ("DOORWAY_SEAM_CONCURRENCY", concurrency.to_string()),
        ("DOORWAY_SEAM_DEVICE_WINDOW_SECONDS", window.to_string()),
    ]);
    let config = Config::from_lookup(Profile::Demo, |k| vars.get(k).cloned())?;
    let app = Application::build(&config, &doorway_api::db::as_service(&database)).await?;
    let services = app.services().clone();
    let stop = app.shutdown_token();
    let running = tokio::spawn(app.run_until_stopped());

    let tenant = services
        .create_tenant(CreateTenant {
            name: "Bench Co".into(),
            seam_api_key: workspace.api_key.clone().into(),
            idempotency_key: None,
        })
        .await
        .map_err(|e| e.to_string())?;
    // The bench acts as a manager of the whole tenant.
    let caller = AuthContext::from_claims(Claims {
        iss: String::new(),
        aud: String::new(),
        exp: 0,
        sub: "bench".into(),
        role: "manager".into(),
        tenant_id: Some(tenant.tenant_id.as_uuid()),
        scope: None,
        property_ids: None,
    })?
    .visibility()
    .ok_or("a manager token has a tenant")?;
    let owner = database
        .clone()
        .disable_statement_logging()
        .connect()
        .await?;
    let mut bench = Bench {
        services,
        caller,
        owner,
        sim_url,
        sim_key: workspace.api_key.clone(),
        http: reqwest::Client::new(),
    };
    bench
        .fault(serde_json::json!({ "latency_ms": latency_ms }))
        .await?;

    let flows = bench.flows(grants, lock_grants, window).await?;
    println!(
        "provisioning per flow: {latency_ms} ms per Seam call, {concurrency} calls in flight per \
         workspace, {workers} workers, webhooks on, per-lock window {window} s"
    );
    println!(
        "  {:<20} {:>6} {:>11} {:>8} {:>10} {:>10} {:>6} {:>12} {:>6}",
        "flow",
        "grants",
        "calls/grant",
        "minimum",
        "grants/s",
        "bound",
        "ratio",
        "calling g/s",
        "ratio"
    );
    let latency = Duration::from_millis(latency_ms);
    let call_bound = concurrency as f64 / latency.as_secs_f64();
    for flow in flows {
        let ran = bench.run(&flow).await?;
        let per_grant = ran.calls as f64 / flow.grants as f64;
        let bound = flow.lock_bound.map_or(call_bound / flow.minimum, |locks| {
            locks.min(call_bound / flow.minimum)
        });
        let measured = flow.grants as f64 / ran.elapsed.as_secs_f64();
        let calling = flow.grants as f64 / (ran.calling + latency).as_secs_f64();
        println!(
            "  {:<20} {:>6} {:>11.2} {:>8.0} {:>10.2} {:>10.2} {:>6.2} {:>12.2} {:>6.2}",
            flow.name,
            flow.grants,
            per_grant,
            flow.minimum,
            measured,
            bound,
            measured / bound,
            calling,
            calling / bound
        );
    }

    stop.cancel();
    let _ = running.await;
    bench.owner.close().await?;
    if std::env::var_os("BENCH_KEEP_DATABASE").is_some() {
        println!("database kept: {name}");
        return Ok(());
    }
    let mut admin = server
        .options
        .clone()
        .disable_statement_logging()
        .connect()
        .await?;
    sqlx::query(&format!("drop database if exists \"{name}\" with (force)"))
        .execute(&mut admin)
        .await?;
    Ok(())
}

impl Bench {
    async fn sim(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> BenchResult<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sim_url))
            .bearer_auth(&self.sim_key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Ok(request.send().await?.error_for_status()?.json().await?)
    }

    async fn fault(&self, fault: Value) -> BenchResult<()> {
        self.sim(reqwest::Method::POST, "/_sim/faults", Some(fault))
            .await
            .map(drop)
    }

    async fn import(
        &self,
        system: Option<String>,
        devices: Option<Vec<String>>,
    ) -> BenchResult<PropertyId> {
        Ok(self
            .services
            .import_property(
                &self.caller,
                ImportProperty {
                    name: None,
                    seam_acs_system_id: system,
                    seam_device_ids: devices,
                    idempotency_key: None,
                },
            )
            .await
            .map_err(|e| e.to_string())?)
    }

    async fn ids(&mut self, sql: &str, property: PropertyId) -> BenchResult<Vec<uuid::Uuid>> {
        Ok(sqlx::query_scalar(sql)
            .bind(property.as_uuid())
            .fetch_all(&mut self.owner)
            .await?)
    }

    /// The four flows of the seed guides, their properties imported.
    async fn flows(
        &mut self,
        grants: u64,
        lock_grants: u64,
        window: u64,
    ) -> BenchResult<Vec<Flow>> {
        let (systems, devices) = self
            .services
            .seam_inventory(&self.caller)
            .await
            .map_err(|e| e.to_string())?;
        let system = |kind: &str| {
            systems
                .iter()
                .find(|s| s.external_type.as_deref() == Some(kind))
                .map(|s| s.seam_acs_system_id.clone())
                .ok_or_else(|| format!("no {kind}"))
        };
        let latch = self.import(Some(system("latch_building")?), None).await?;
        let salto = self.import(Some(system("salto_ks_site")?), None).await?;
        let keypads: Vec<String> = devices
            .iter()
            .filter(|d| d.online && d.supports_access_codes)
            .take(2)
            .map(|d| d.seam_device_id.clone())
            .collect();
        let locks = self.import(None, Some(keypads)).await?;
        const ENTRANCES: &str =
            "select entrance_id from entrances where property_id = $1 order by name";
        let latch_entrances: Vec<EntranceId> = self
            .ids(ENTRANCES, latch)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let lock_entrances: Vec<EntranceId> = self
            .ids(ENTRANCES, locks)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let groups: Vec<AccessGroupId> = self
            .ids(
                "select access_group_id from access_groups where property_id = $1 and name = 'Residents'",
                salto,
            )
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let shape =
            |property, method, entrances: Vec<EntranceId>, groups: Vec<AccessGroupId>| GrantShape {
                property,
                method,
                entrances,
                groups,
            };
        Ok(vec![
            Flow {
                name: "Latch mobile key",
                grants,
                // identity, credential manager, enrollment automation, ACS user, credential
                minimum: 5.0,
                lock_bound: None,
                request: shape(
                    latch,
                    AccessMethod::MobileKey,
                    latch_entrances[..1].to_vec(),
                    vec![],
                ),
            },
            Flow {
                name: "Latch PIN x3",
                grants,
                // identity, ACS user, three credentials (one entrance each)
                minimum: 5.0,
                lock_bound: None,
                request: shape(
                    latch,
                    AccessMethod::PinCode,
                    latch_entrances[..3].to_vec(),
                    vec![],
                ),
            },
            Flow {
                name: "Salto KS PIN",
                grants,
                // identity, ACS user with its schedule, access group, credential
                minimum: 4.0,
                lock_bound: None,
                request: shape(salto, AccessMethod::PinCode, vec![], groups),
            },
            Flow {
                name: "smart locks x2",
                grants: lock_grants,
                // one access code per lock
                minimum: 2.0,
                // Every grant writes each lock once: 10 grants per window.
                lock_bound: Some(10.0 / window as f64),
                request: shape(locks, AccessMethod::PinCode, lock_entrances, vec![]),
            },
        ])
    }

    /// Grants the flow to fresh residents; the Seam calls they took, how long until all were
    /// ACTIVE, and how long Seam was being called.
    async fn run(&mut self, flow: &Flow) -> BenchResult<Ran> {
        let mut residents = Vec::new();
        for _ in 0..flow.grants {
            let id = uuid::Uuid::now_v7();
            let resident = self
                .services
                .create_resident(
                    &self.caller,
                    CreateResident {
                        full_name: format!("Resident {id}"),
                        email: format!("{id}@example.com"),
                        phone: None,
                        external_id: id.to_string(),
                        idempotency_key: None,
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            residents.push(resident.resident_id);
        }
        self.sim(reqwest::Method::DELETE, "/_sim/calls", None)
            .await?;
        let started = Instant::now();
        let mut grants = Vec::new();
        for resident in residents {
            let grant = self
                .services
                .grant_access(
                    &self.caller,
                    GrantAccess {
                        resident_id: resident,
                        property_id: flow.request.property,
                        access_method: flow.request.method,
                        entrance_ids: flow.request.entrances.clone(),
                        access_group_ids: flow.request.groups.clone(),
                        starts_at: None,
                        ends_at: None,
                        code: None,
                        idempotency_key: None,
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            grants.push(grant.as_uuid());
        }
        let recorded = started.elapsed();
        loop {
            let done: i64 = sqlx::query_scalar(
                "select count(*) from grants where grant_id = any($1) and status in ('ACTIVE', 'FAILED')",
            )
            .bind(&grants)
            .fetch_one(&mut self.owner)
            .await?;
            if done as usize >= grants.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let elapsed = started.elapsed();
        let failed: i64 = sqlx::query_scalar(
            "select count(*) from grants where grant_id = any($1) and status = 'FAILED'",
        )
        .bind(&grants)
        .fetch_one(&mut self.owner)
        .await?;
        if failed > 0 {
            return Err(format!("{}: {failed} grants failed", flow.name).into());
        }
        let calls = self
            .sim(reqwest::Method::GET, "/_sim/calls?log=true", None)
            .await?;
        if std::env::var_os("BENCH_VERBOSE").is_some() {
            println!("    {}: {}", flow.name, calls["calls"]);
        }
        let arrivals: Vec<u64> = calls["log"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|call| call["at_ms"].as_u64())
            .collect();
        let first = arrivals.iter().min().copied().unwrap_or_default();
        let last = arrivals.iter().max().copied().unwrap_or_default();
        if std::env::var_os("BENCH_VERBOSE").is_some() {
            println!(
                "    {}: grants recorded in {} ms, first call at {first} ms, last at {last} ms, all settled at {} ms",
                flow.name,
                recorded.as_millis(),
                elapsed.as_millis()
            );
        }
        Ok(Ran {
            calls: calls["total"].as_u64().unwrap_or(0),
            elapsed,
            calling: Duration::from_millis(last - first),
        })
    }
}
