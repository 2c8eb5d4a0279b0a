//! The resident app's home screen under load: `MyAccess` over GraphQL next to its REST twin
//! `/v1/me/credentials`, both served from Doorway's own records (no Seam call).
//!
//! `cargo bench --bench my_access`. A tenant of 500 residents; the measured resident holds 20
//! credentials (mobile keys) over two properties (Latch and Salto KS, imported from the
//! simulator). The records are written straight into the database: the read path is what is
//! measured. `BENCH_CONNECTIONS` clients (default 32) send requests back to back for
//! `BENCH_SECONDS` (default 5) per round, GraphQL and REST interleaved over `BENCH_ROUNDS`
//! (default 3). Client and server share this process and its cores, so the CPU per request
//! printed includes the client's.
//!
//! Printed per target: requests a second, latency p50/p99, transactions per request (from
//! PostgreSQL's statistics), and process CPU per request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use doorway_api::auth::{AuthContext, Claims, TokenIssuer};
use doorway_api::db::locate;
use doorway_api::services::inventory::ImportProperty;
use doorway_api::services::tenants::CreateTenant;
use doorway_api::{Application, Config, Profile};
use sqlx::{ConnectOptions, Connection, PgConnection};

/// The allocator the `doorway` binary runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const MY_ACCESS: &str = "query MyAccess($first: Int = 20, $after: String) { viewer { role tenant { id name } resident { id fullName email credentials(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id accessMethod status statusReason code startsAt endsAt property { id name provider } entrances { id name } } } } } } }";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Process CPU time (user + system) so far.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 (1-based), 11 and 12 after the state field.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

struct Target {
    name: &'static str,
    request: Box<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync>,
}

struct Round {
    requests: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
    cpu: Duration,
    transactions: i64,
}

async fn transactions(owner: &mut PgConnection) -> BenchResult<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "select xact_commit + xact_rollback from pg_stat_database where datname = current_database()",
    )
    .fetch_one(owner)
    .await?)
}

async fn round(
    target: &Arc<Target>,
    clients: u64,
    seconds: u64,
    owner: &mut PgConnection,
) -> BenchResult<Round> {
    let before_tx = transactions(owner).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let cpu_before = cpu_time();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let target = target.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let response = (target.request)(&http).send().await?;
                let ok = response.status().is_success();
                let body = response.bytes().await?;
                if !ok || body.windows(8).any(|w| w == b"\"errors\"") {
                    return Err(
                        format!("{}: {}", target.name, String::from_utf8_lossy(&body)).into(),
                    );
                }
                latencies.push(sent.elapsed());
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(latencies)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    // PostgreSQL publishes a connection's counts within a second or so of it going idle.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after_tx = transactions(owner).await?;
    Ok(Round {
        requests: latencies.len() as u64,
        latencies,
        elapsed,
        cpu,
        transactions: after_tx - before_tx - 1,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let clients = setting("BENCH_CONNECTIONS", 32);
    let seconds = setting("BENCH_SECONDS", 5);
    let rounds = setting("BENCH_ROUNDS", 3);

    let sim = seam_sim::spawn("127.0.0.1:0".parse()?, seam_sim::SimOptions::default()).await?;
    let workspace = sim.simulator().create_workspace("Benchmark");
    let server =
        locate::locate(std::env::var("DATABASE_URL").ok().map(Into::into).as_ref()).await?;
    let name = format!("doorway_bench_access_{}", chrono::Utc::now().timestamp());
    let database = locate::ensure_database(&server.options, &name).await?;
    doorway_api::db::migrate(&database).await?;
    let listen = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let vars: HashMap<&str, String> = HashMap::from([
        ("DOORWAY_LISTEN", listen.to_string()),
        ("SEAM_ENDPOINT", sim.base_url()),
    ]);
    let config = Config::from_lookup(Profile::Demo, |k| vars.get(k).cloned())?;
    let app = Application::build(&config, &doorway_api::db::as_service(&database)).await?;
    let address = format!("http://{}", app.local_addr());
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
    let manager = AuthContext::from_claims(Claims {
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
    let (systems, _) = services
        .seam_inventory(&manager)
        .await
        .map_err(|e| e.to_string())?;
    for kind in ["latch_building", "salto_ks_site"] {
        let system = systems
            .iter()
            .find(|s| s.external_type.as_deref() == Some(kind))
            .map(|s| s.seam_acs_system_id.clone())
            .ok_or_else(|| format!("no {kind}"))?;
        services
            .import_property(
                &manager,
                ImportProperty {
                    name: None,
                    seam_acs_system_id: Some(system),
                    seam_device_ids: None,
                    idempotency_key: None,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
    }

    // 500 residents; the first holds 20 active mobile keys, ten at each property, each opening
    // one of its property's entrances.
    let mut owner = database
        .clone()
        .disable_statement_logging()
        .connect()
        .await?;
    let tenant_id = tenant.tenant_id.as_uuid();
    sqlx::query(
        "insert into residents (resident_id, tenant_id, full_name, email, external_id)
         select gen_random_uuid(), $1, 'Resident ' || n, 'resident' || n || '@example.com',
                'resident-' || n
         from generate_series(1, 500) n",
    )
    .bind(tenant_id)
    .execute(&mut owner)
    .await?;
    sqlx::query(
        "with r as (select resident_id from residents where external_id = 'resident-1'),
              p as (select property_id, row_number() over (order by created_at) as k
                    from properties where tenant_id = $1),
              g as (insert into grants (grant_id, tenant_id, resident_id, property_id,
                                        access_method, status, starts_at, ends_at)
                    select gen_random_uuid(), $1, r.resident_id, p.property_id, 'MOBILE_KEY',
                           'ACTIVE', now() - interval '1 day', now() + interval '1 year'
                    from r, p, generate_series(1, 10)
                    returning grant_id, property_id),
              c as (insert into credentials (credential_id, tenant_id, grant_id, slot,
                                             access_method, status, mechanism, issued_at)
                    select gen_random_uuid(), $1, g.grant_id, 0, 'MOBILE_KEY', 'ACTIVE',
                           'ACS_CREDENTIAL', now()
                    from g
                    returning credential_id, grant_id)
         insert into credential_entrances (credential_id, entrance_id, tenant_id)
         select c.credential_id,
                (select e.entrance_id from entrances e
                 where e.property_id = g.property_id order by e.name limit 1),
                $1
         from c join g using (grant_id)",
    )
    .bind(tenant_id)
    .execute(&mut owner)
    .await?;

    let token = TokenIssuer::new(&config.jwt).mint(
        "resident",
        "resident-1",
        Some(tenant_id),
        None,
        None,
        chrono::Duration::hours(1),
    )?;
    let graphql = Arc::new(Target {
        name: "GraphQL MyAccess",
        request: Box::new({
            let url = format!("{address}/graphql");
            let token = token.clone();
            move |http| {
                http.post(&url)
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "query": MY_ACCESS, "operationName": "MyAccess" }))
            }
        }),
    });
    let rest = Arc::new(Target {
        name: "REST /v1/me/credentials",
        request: Box::new({
            let url = format!("{address}/v1/me/credentials?first=20");
            move |http| http.get(&url).bearer_auth(&token)
        }),
    });

    // Warm up both paths (connections, statement caches).
    for target in [&graphql, &rest] {
        round(target, clients, 1, &mut owner).await?;
    }
    let mut results: Vec<(&'static str, Vec<Round>)> =
        vec![(graphql.name, Vec::new()), (rest.name, Vec::new())];
    for _ in 0..rounds {
        for (i, target) in [&graphql, &rest].into_iter().enumerate() {
            let measured = round(target, clients, seconds, &mut owner).await?;
            results[i].1.push(measured);
        }
    }

    println!(
        "MyAccess: 20 credentials over 2 properties, 500 residents; {clients} connections, \
         {rounds} rounds of {seconds} s, interleaved"
    );
    println!(
        "  {:<26} {:>9} {:>8} {:>8} {:>9} {:>12}",
        "target", "req/s", "p50 ms", "p99 ms", "tx/req", "CPU ms/req"
    );
    for (name, rounds) in &results {
        let requests: u64 = rounds.iter().map(|r| r.requests).sum();
        let elapsed: f64 = rounds.iter().map(|r| r.elapsed.as_secs_f64()).sum();
        let cpu: f64 = rounds.iter().map(|r| r.cpu.as_secs_f64()).sum();
        let tx: i64 = rounds.iter().map(|r| r.transactions).sum();
        let mut latencies: Vec<Duration> = rounds
            .iter()
            .flat_map(|r| r.latencies.iter().copied())
            .collect();
        latencies.sort();
        println!(
            "  {:<26} {:>9.0} {:>8.1} {:>8.1} {:>9.2} {:>12.3}",
            name,
            requests as f64 / elapsed,
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
            tx as f64 / requests.max(1) as f64,
            cpu * 1000.0 / requests.max(1) as f64,
        );
    }

    stop.cancel();
    let _ = running.await;
    owner.close().await?;
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
