//! What hostile GraphQL documents cost before any resolver runs: each is sent to the schema
//! with its limits and extensions (request-shape checks, depth and complexity limits, trusted
//! documents off) a number of times, and the slowest and median time to answer or refuse it is
//! printed next to the 50 ms budget. Run with `cargo bench --bench request_shapes` (or
//! `--profile dev` for a quick, pessimistic run).

use std::time::{Duration, Instant};

use doorway_api::graphql::schema_without_services;

/// Body limit of the HTTP edge.
const MAX_BODY: usize = 1024 * 1024;

fn fragment_bomb(levels: usize) -> String {
    let mut query = String::from("query Bomb { ...F0 }\n");
    for level in 0..levels {
        query.push_str(&format!(
            "fragment F{level} on Query {{ ...F{next} ...F{next} }}\n",
            next = level + 1
        ));
    }
    query.push_str(&format!(
        "fragment F{levels} on Query {{ viewer {{ role }} }}\n"
    ));
    query
}

fn repeated(unit: impl Fn(usize) -> String, budget: usize) -> String {
    let mut body = String::new();
    let mut i = 0;
    while body.len() + 64 < budget {
        body.push_str(&unit(i));
        i += 1;
    }
    body
}

fn documents() -> Vec<(&'static str, String)> {
    vec![
        ("fragments doubling, 30 levels (1 KB)", fragment_bomb(30)),
        ("fragments doubling, 350 levels (16 KB)", fragment_bomb(350)),
        (
            "aliases up to the body limit",
            format!("{{ {} }}", repeated(|i| format!("a{i}: viewer {{ role }} "), MAX_BODY)),
        ),
        (
            "400 aliases spreading one fragment (2,800 fields)",
            format!(
                "{{ {} }} fragment V on Viewer {{ role tenant {{ id name }} resident {{ id email }} }}",
                (0..400).map(|i| format!("a{i}: viewer {{ ...V }} ")).collect::<String>()
            ),
        ),
        (
            "unknown fields up to 16 KB",
            format!("{{ {} }}", repeated(|i| format!("f{i} "), 16 * 1024)),
        ),
        (
            "directives up to 16 KB",
            format!("{{ viewer {{ role {} }} }}", repeated(|_| "@include(if: true) ".into(), 16 * 1024)),
        ),
        (
            "nesting up to 16 KB",
            format!("query {}{}", "{ viewer ".repeat(1_600), "}".repeat(1_600)),
        ),
        (
            "1,900 aliases (under the field limit)",
            format!("{{ {} }}", (0..1_900).map(|i| format!("a{i}: __typename ")).collect::<String>()),
        ),
        (
            "nesting up to the body limit",
            format!("query {}{}", "{ viewer ".repeat(MAX_BODY / 20), "}".repeat(MAX_BODY / 20)),
        ),
        (
            "directives up to the body limit",
            format!("{{ viewer {{ role {} }} }}", repeated(|_| "@include(if: true) ".into(), MAX_BODY)),
        ),
        (
            "one string argument of 1 MB",
            format!("{{ residents(search: \"{}\") {{ totalCount }} }}", "a".repeat(MAX_BODY - 64)),
        ),
        (
            "unknown fields up to the body limit",
            format!("{{ {} }}", repeated(|i| format!("f{i} "), MAX_BODY)),
        ),
        (
            "deep selection within limits (MyAccess shape)",
            "{ viewer { role tenant { id name } resident { id fullName email credentials(first: 20) { totalCount edges { cursor node { id code property { id name } entrances { id name } } } } } } }".to_owned(),
        ),
    ]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let schema = schema_without_services();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    println!(
        "| document | bytes | median | slowest | answer | within 50 ms |\n|---|---|---|---|---|---|"
    );
    for (name, query) in documents() {
        let mut times = Vec::with_capacity(runs);
        let mut answer = String::new();
        for _ in 0..runs {
            let started = Instant::now();
            let response = schema
                .execute(async_graphql::Request::new(query.clone()))
                .await;
            times.push(started.elapsed());
            answer = response
                .errors
                .first()
                .map(|e| {
                    e.extensions
                        .as_ref()
                        .and_then(|x| x.get("code"))
                        .map_or_else(|| e.message.chars().take(40).collect(), |c| c.to_string())
                })
                .unwrap_or_else(|| "data".to_owned());
        }
        times.sort();
        let median = times[times.len() / 2];
        let slowest = times.last().copied().unwrap_or_default();
        println!(
            "| {name} | {} | {:.2} ms | {:.2} ms | {answer} | {} |",
            query.len(),
            ms(median),
            ms(slowest),
            if slowest <= Duration::from_millis(50) {
                "yes"
            } else {
                "NO"
            }
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
