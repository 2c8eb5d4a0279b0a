//! The verifier against a local identity provider whose answers, speed and key id the tests
//! control, with timings in milliseconds.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{json, Value};

use super::{JwksVerifier, Timing};
use crate::config::{JwksAlgorithm, JwksSettings, JwtSettings};

// The end-to-end tests' identity provider key pair.
const PRIVATE_KEY: &[u8] = include_bytes!("../../../../../tests/e2e/fixtures/es256-private.pem");
const JWKS: &str = include_str!("../../../../../tests/e2e/fixtures/es256-jwks.json");

/// What the identity provider does, changed by the tests as they go.
struct Provider {
    requests: AtomicUsize,
    failing: AtomicBool,
    delay_ms: AtomicU64,
    kid: Mutex<String>,
}

impl Provider {
    fn requests(&self) -> usize {
        self.requests.load(SeqCst)
    }
}

async fn serve_jwks(State(provider): State<Arc<Provider>>) -> Response {
    provider.requests.fetch_add(1, SeqCst);
    let delay = provider.delay_ms.load(SeqCst);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    if provider.failing.load(SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let mut jwks: Value = serde_json::from_str(JWKS).unwrap();
    jwks["keys"][0]["kid"] = json!(*provider.kid.lock().unwrap());
    (
        [(header::CONTENT_TYPE, "application/json")],
        jwks.to_string(),
    )
        .into_response()
}

async fn identity_provider() -> (Arc<Provider>, url::Url) {
    let provider = Arc::new(Provider {
        requests: AtomicUsize::new(0),
        failing: AtomicBool::new(false),
        delay_ms: AtomicU64::new(0),
        kid: Mutex::new("k1".into()),
    });
    let app = axum::Router::new()
        .route("/jwks.json", get(serve_jwks))
        .with_state(provider.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (provider, url.parse().unwrap())
}

fn verifier(url: url::Url, timing: Timing) -> Arc<JwksVerifier> {
    let jwks = JwksSettings {
        url,
        algorithm: JwksAlgorithm::Es256,
    };
    let settings = JwtSettings {
        hs256_secret: SecretString::from("unused-in-jwks-mode-but-long-enough".to_owned()),
        jwks: Some(jwks.clone()),
        issuer: "doorway".into(),
        audience: "doorway".into(),
    };
    Arc::new(JwksVerifier::with_timing(&jwks, &settings, timing))
}

fn timing(fresh_for_ms: u64, min_refetch_interval_ms: u64, max_stale_ms: u64) -> Timing {
    Timing {
        fresh_for: Duration::from_millis(fresh_for_ms),
        min_refetch_interval: Duration::from_millis(min_refetch_interval_ms),
        max_stale: Duration::from_millis(max_stale_ms),
    }
}

/// A valid manager token signed with the provider's key, naming it `kid`.
fn token(kid: &str) -> String {
    let claims = json!({
        "iss": "doorway", "aud": "doorway", "sub": "pm", "role": "manager",
        "tenant_id": uuid::Uuid::nil(), "exp": chrono::Utc::now().timestamp() + 600,
    });
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.into());
    encode(
        &header,
        &claims,
        &EncodingKey::from_ec_pem(PRIVATE_KEY).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn keys_are_refreshed_in_the_background() {
    let (provider, url) = identity_provider().await;
    let verifier = verifier(url, timing(100, 20, 60_000));
    verifier.verify(&token("k1")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await;
    // Nobody asked, yet the keys were fetched again about every 100 ms.
    assert!(provider.requests() >= 3, "{} fetches", provider.requests());
}

#[tokio::test]
async fn stale_keys_serve_within_the_bound_and_are_refused_after_it() {
    let (provider, url) = identity_provider().await;
    // Fresh for 200 ms, then usable while the provider fails for 1 s more.
    let verifier = verifier(url, timing(200, 20, 1_000));
    verifier.verify(&token("k1")).await.unwrap();
    let loaded = Instant::now();
    provider.failing.store(true, SeqCst);

    tokio::time::sleep(Duration::from_millis(500)).await;
    verifier.verify(&token("k1")).await.unwrap();

    tokio::time::sleep(Duration::from_millis(2_000).saturating_sub(loaded.elapsed())).await;
    let refused = verifier.verify(&token("k1")).await;
    assert!(refused.is_err(), "keys 2 s old were still trusted");

    // The provider answers again: tokens are accepted again without a restart.
    provider.failing.store(false, SeqCst);
    let deadline = Instant::now() + Duration::from_secs(2);
    while verifier.verify(&token("k1")).await.is_err() {
        assert!(Instant::now() < deadline, "the keys did not come back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn concurrent_verifications_with_an_unknown_kid_share_one_fetch() {
    let (provider, url) = identity_provider().await;
    let verifier = verifier(url, timing(60_000, 500, 60_000));
    verifier.verify(&token("k1")).await.unwrap();
    assert_eq!(provider.requests(), 1);

    // The provider rotates its key; tokens name the new one before Doorway has seen it.
    *provider.kid.lock().unwrap() = "k2".into();
    provider.delay_ms.store(300, SeqCst);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let verifications: Vec<_> = (0..20)
        .map(|_| {
            let verifier = verifier.clone();
            tokio::spawn(async move { verifier.verify(&token("k2")).await })
        })
        .collect();
    for verification in verifications {
        verification.await.unwrap().unwrap();
    }
    assert_eq!(provider.requests(), 2, "one fetch for all of them");

    // Made-up key ids right after a fetch cost the provider nothing.
    for _ in 0..20 {
        assert!(verifier.verify(&token("made-up")).await.is_err());
    }
    assert_eq!(provider.requests(), 2);
}

#[tokio::test]
async fn a_slow_provider_does_not_delay_tokens_with_known_keys() {
    let (provider, url) = identity_provider().await;
    let verifier = verifier(url, timing(60_000, 50, 60_000));
    verifier.verify(&token("k1")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // An unknown key id starts a fetch that takes the provider 2 s to answer.
    provider.delay_ms.store(2_000, SeqCst);
    let unknown = tokio::spawn({
        let verifier = verifier.clone();
        async move { verifier.verify(&token("unknown")).await }
    });
    let deadline = Instant::now() + Duration::from_secs(1);
    while provider.requests() < 2 {
        assert!(Instant::now() < deadline, "the refetch did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let started = Instant::now();
    verifier.verify(&token("k1")).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "a known key waited {:?} for the provider",
        started.elapsed()
    );
    assert!(unknown.await.unwrap().is_err());
}
