//! Provisioning throughput: grants per second against the Seam simulator with 50 ms of latency
//! on every call, next to the bound the upstream concurrency allows.
//!
//! `cargo bench --bench provisioning` (BENCH_GRANTS, BENCH_LATENCY_MS, BENCH_SEAM_CONCURRENCY and
//! BENCH_WORKERS change the defaults: 1000 grants, 50 ms, 8 calls in flight per workspace, 64
//! workers). The bound: a workspace allows `concurrency` calls at once, each taking at least the
//! injected latency, so at most `concurrency / latency` calls per second; divided by the Seam
//! calls one grant needs (counted, not assumed) it gives the grants per second no scheduler
//! could beat. The ratio says how close the engine gets.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::{self, Next};
use doorway_api::auth::{AuthContext, Claims};
use doorway_api::db::locate;
use doorway_api::services::grants::GrantAccess;
use doorway_api::services::inventory::ImportProperty;
use doorway_api::services::residents::CreateResident;
use doorway_api::services::tenants::CreateTenant;
use doorway_api::{Application, Config, Profile};
use doorway_domain::{AccessMethod, EntranceId, PropertyId, ResidentId};
use sqlx::{ConnectOptions, Connection};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let grants = setting("BENCH_GRANTS", 1000);
    let latency_ms = setting("BENCH_LATENCY_MS", 50);
    let seam_concurrency = setting("BENCH_SEAM_CONCURRENCY", 8);
    let workers = setting("BENCH_WORKERS", 64);

    // The simulator, behind a counter of the Seam calls it answers.
    let calls = Arc::new(AtomicU64::new(0));
    let simulator = seam_sim::Simulator::new(seam_sim::SimOptions::default());
    let workspace = simulator.create_workspace("Benchmark");
    let counter = calls.clone();
    let router =
        simulator
            .router()
            .layer(middleware::from_fn(move |request: Request, next: Next| {
                let counter = counter.clone();
                async move {
                    if !request.uri().path().starts_with("/_sim") {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                    next.run(request).await
                }
            }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim_url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    client
        .post(format!("{sim_url}/_sim/faults"))
        .bearer_auth(&workspace.api_key)
        .json(&serde_json::json!({ "latency_ms": latency_ms }))
        .send()
        .await?
        .error_for_status()?;

    // Doorway on its own database.
    let server =
        locate::locate(std::env::var("DATABASE_URL").ok().map(Into::into).as_ref()).await?;
    let name = format!("doorway_bench_{}", chrono::Utc::now().timestamp());
    let database = locate::ensure_database(&server.options, &name).await?;
    let vars: HashMap<&str, String> = HashMap::from([
        ("DOORWAY_LISTEN", "127.0.0.1:0".to_owned()),
        ("SEAM_ENDPOINT", sim_url.clone()),
        ("DOORWAY_WORKER_CONCURRENCY", workers.to_string()),
        ("DOORWAY_SEAM_CONCURRENCY", seam_concurrency.to_string()),
    ]);
    let config = Config::from_lookup(Profile::Demo, |k| vars.get(k).cloned())?;
    let app = Application::build(&config, &database).await?;
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
    let tenant_id = tenant.tenant_id.into();
    let systems = services
        .seam_inventory(tenant_id)
        .await
        .map_err(|e| e.to_string())?
        .0;
    let latch = systems
        .iter()
        .find(|s| s.external_type.as_deref() == Some("latch_building"))
        .ok_or("no Latch building")?;
    let property: PropertyId = services
        .import_property(
            tenant_id,
            ImportProperty {
                name: None,
                seam_acs_system_id: Some(latch.seam_acs_system_id.clone()),
                seam_device_ids: None,
                idempotency_key: None,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut owner = database
        .clone()
        .disable_statement_logging()
        .connect()
        .await?;
    let entrance: uuid::Uuid =
        sqlx::query_scalar("select entrance_id from entrances where property_id = $1 limit 1")
            .bind(property.as_uuid())
            .fetch_one(&mut owner)
            .await?;
    let caller = AuthContext::from_claims(Claims {
        iss: String::new(),
        aud: String::new(),
        exp: 0,
        sub: "bench".into(),
        role: "manager".into(),
        tenant_id: Some(tenant.tenant_id),
        scope: None,
        property_ids: None,
    })?;
    let mut residents = Vec::new();
    for i in 0..grants {
        let resident = services
            .create_resident(
                tenant_id,
                CreateResident {
                    full_name: format!("Resident {i}"),
                    email: format!("r{i}@example.com"),
                    phone: None,
                    external_id: format!("r{i}"),
                    idempotency_key: None,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        residents.push(ResidentId::from(resident.resident_id));
    }

    calls.store(0, Ordering::Relaxed);
    let started = Instant::now();
    for resident in residents {
        services
            .grant_access(
                &caller,
                tenant_id,
                GrantAccess {
                    resident_id: resident,
                    property_id: property,
                    access_method: AccessMethod::PinCode,
                    entrance_ids: vec![EntranceId::from(entrance)],
                    access_group_ids: vec![],
                    starts_at: None,
                    ends_at: None,
                    code: None,
                    idempotency_key: None,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    let recorded = started.elapsed();
    loop {
        let done: i64 =
            sqlx::query_scalar("select count(*) from grants where status in ('ACTIVE', 'FAILED')")
                .fetch_one(&mut owner)
                .await?;
        if done as u64 >= grants {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = started.elapsed();
    let failed: i64 = sqlx::query_scalar("select count(*) from grants where status = 'FAILED'")
        .fetch_one(&mut owner)
        .await?;
    let seam_calls = calls.load(Ordering::Relaxed);

    let calls_per_grant = seam_calls as f64 / grants as f64;
    let bound_calls = seam_concurrency as f64 / (latency_ms as f64 / 1000.0);
    let bound_grants = bound_calls / calls_per_grant;
    let measured = grants as f64 / elapsed.as_secs_f64();
    println!("provisioning {grants} Latch PIN grants, {latency_ms} ms per Seam call, {seam_concurrency} calls in flight per workspace, {workers} workers");
    println!(
        "  grants recorded (grantAccess)   {:>10.2} s  ({:.0} grants/s)",
        recorded.as_secs_f64(),
        grants as f64 / recorded.as_secs_f64()
    );
    println!(
        "  all grants ACTIVE after         {:>10.2} s  ({failed} failed)",
        elapsed.as_secs_f64()
    );
    println!(
        "  Seam calls                      {seam_calls:>10}  ({calls_per_grant:.2} per grant)"
    );
    println!("  bound: {seam_concurrency} / {latency_ms} ms     {bound_calls:>10.1} calls/s  = {bound_grants:.2} grants/s");
    println!("  measured                        {measured:>10.2} grants/s");
    println!(
        "  ratio measured / bound          {:>10.2}",
        measured / bound_grants
    );

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
