//! What the gateway costs per call over a bare HTTP client, against the in-process simulator
//! on 127.0.0.1, and how fast that simulator answers.
//!
//! Run: `cargo bench -p seam-gateway --bench gateway_overhead` (optionally `-- 5000` for the
//! number of calls per measurement). Both sides send the same body with the same bearer
//! header and parse the JSON answer; the gateway adds its span, limits, envelope checks and
//! typed decoding. Calls are measured in alternating blocks so that both sides see the same
//! machine noise.

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly or not at all")]

use std::time::{Duration, Instant};

use futures::future::join_all;
use seam_gateway::{SeamClient, SeamClientConfig, WorkspaceClient};
use seam_sim::SimOptions;
use serde_json::{json, Value};

const BLOCK: usize = 250;
const CONCURRENT_CLIENTS: usize = 16;

/// The same call, made bare: one POST, bearer key, JSON parsed.
struct Bare {
    http: reqwest::Client,
    base: String,
    api_key: String,
}

impl Bare {
    async fn call(&self, path: &str, body: &Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.api_key)
            .json(body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let parsed: Value = response.json().await.unwrap();
        assert_eq!(parsed["ok"], true);
        parsed
    }
}

struct Stats {
    mean: Duration,
    p50: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let total: Duration = samples.iter().sum();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        mean: total / samples.len() as u32,
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn micros(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

/// Times `calls` calls of each side, alternating blocks of [`BLOCK`].
async fn compare<G, B>(calls: usize, mut gateway: G, mut bare: B) -> (Stats, Stats)
where
    G: AsyncFnMut(),
    B: AsyncFnMut(),
{
    let (mut through_gateway, mut bare_samples) = (Vec::new(), Vec::new());
    while through_gateway.len() < calls {
        for _ in 0..BLOCK {
            let started = Instant::now();
            gateway().await;
            through_gateway.push(started.elapsed());
        }
        for _ in 0..BLOCK {
            let started = Instant::now();
            bare().await;
            bare_samples.push(started.elapsed());
        }
    }
    (stats(through_gateway), stats(bare_samples))
}

fn row(name: &str, gateway: &Stats, bare: &Stats) {
    println!(
        "| {name:<22} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>6.2}x |",
        micros(gateway.mean),
        micros(gateway.p50),
        micros(gateway.p99),
        micros(bare.mean),
        micros(bare.p50),
        micros(bare.p99),
        gateway.mean.as_secs_f64() / bare.mean.as_secs_f64(),
    );
}

/// Requests per second with `clients` callers each making `per_client` calls at once.
async fn throughput<F, Fut>(clients: usize, per_client: usize, make: F) -> f64
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    join_all((0..clients).map(make)).await;
    (clients * per_client) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(2_000);
    let running = seam_sim::spawn(([127, 0, 0, 1], 0).into(), SimOptions::default())
        .await
        .unwrap();
    let base = running.base_url().trim_end_matches('/').to_owned();
    let api_key = running.simulator().create_workspace("Bench").api_key;
    let seam = SeamClient::new(SeamClientConfig::new(base.parse().unwrap())).unwrap();
    let gateway: WorkspaceClient = seam.workspace(api_key.clone().into());
    let bare = Bare {
        http: reqwest::Client::new(),
        base: base.clone(),
        api_key: api_key.clone(),
    };
    let system_id = gateway.list_acs_systems().await.unwrap()[0]
        .acs_system_id
        .clone();
    let get_body = json!({ "acs_system_id": system_id });
    let list_body = json!({});

    // Warm up connections, allocators and caches on both sides.
    for _ in 0..200 {
        gateway.get_acs_system(&system_id).await.unwrap().unwrap();
        bare.call("/acs/systems/get", &get_body).await;
    }

    let (get_gateway, get_bare) = compare(
        calls,
        async || drop(gateway.get_acs_system(&system_id).await.unwrap().unwrap()),
        async || drop(bare.call("/acs/systems/get", &get_body).await),
    )
    .await;
    let (list_gateway, list_bare) = compare(
        calls,
        async || drop(gateway.list_acs_systems().await.unwrap()),
        async || drop(bare.call("/acs/systems/list", &list_body).await),
    )
    .await;

    let per_client = (calls / CONCURRENT_CLIENTS).max(50);
    let bare_rps = throughput(CONCURRENT_CLIENTS, per_client, |_| {
        let client = Bare {
            http: reqwest::Client::new(),
            base: base.clone(),
            api_key: api_key.clone(),
        };
        let body = get_body.clone();
        async move {
            for _ in 0..per_client {
                client.call("/acs/systems/get", &body).await;
            }
        }
    })
    .await;
    let gateway_rps = throughput(CONCURRENT_CLIENTS, per_client, |_| {
        let (gateway, system_id) = (gateway.clone(), system_id.clone());
        async move {
            for _ in 0..per_client {
                gateway.get_acs_system(&system_id).await.unwrap().unwrap();
            }
        }
    })
    .await;

    println!();
    println!(
        "Gateway overhead: {calls} sequential calls per row, simulator in-process on 127.0.0.1"
    );
    println!("(times in microseconds; ratio = gateway mean / bare mean)");
    println!();
    println!(
        "| {:<22} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>7} |",
        "call", "gw mean", "gw p50", "gw p99", "bare mean", "bare p50", "bare p99", "ratio"
    );
    println!("|{}|{}|", "-".repeat(24), ["----------:"; 7].join("|"));
    row("/acs/systems/get", &get_gateway, &get_bare);
    row("/acs/systems/list", &list_gateway, &list_bare);
    println!();
    println!(
        "Simulator throughput, {CONCURRENT_CLIENTS} concurrent callers x {per_client} calls of /acs/systems/get:"
    );
    println!("  bare reqwest clients (one each):      {bare_rps:>9.0} requests/s");
    println!(
        "  through one WorkspaceClient (bound {}): {gateway_rps:>9.0} requests/s",
        seam.config().max_concurrent_per_workspace
    );
    running.shutdown().await;
}
