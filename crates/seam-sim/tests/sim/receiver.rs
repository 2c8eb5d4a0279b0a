//! A tiny webhook receiver on 127.0.0.1:0 that records what it is sent and can be told to
//! fail its first requests, plus an independent Svix signature check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::net::TcpListener;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub svix_id: String,
    pub svix_timestamp: String,
    pub svix_signature: String,
    pub body: String,
    /// What the receiver answered.
    pub status: u16,
}

impl Received {
    pub fn event(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    failures_left: AtomicUsize,
}

pub struct Receiver {
    inner: Arc<Inner>,
    pub url: String,
}

impl Receiver {
    /// Answers 500 to its first `failures` requests and 204 afterwards.
    pub async fn start(failures: usize) -> Self {
        let inner = Arc::new(Inner::default());
        inner.failures_left.store(failures, Ordering::SeqCst);
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(inner.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { inner, url }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    /// Waits (generously) until `done` holds for what was received.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; got {received:#?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn hook(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: String) -> StatusCode {
    let failing = inner
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    inner.received.lock().unwrap().push(Received {
        svix_id: header("svix-id"),
        svix_timestamp: header("svix-timestamp"),
        svix_signature: header("svix-signature"),
        body,
        status: status.as_u16(),
    });
    status
}

/// Verifies a request as a Svix receiver would, computing the HMAC here rather than trusting
/// the simulator's code: `v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>`, keyed by the
/// base64-decoded secret after `whsec_`, among the space-separated signatures; and a
/// timestamp within Svix's five minutes of the wall clock.
pub fn assert_signed(received: &Received, secret: &str) {
    assert_signature(received, secret);
    let timestamp: i64 = received.svix_timestamp.parse().expect("unix seconds");
    let skew = (chrono::Utc::now().timestamp() - timestamp).abs();
    assert!(skew < 300, "svix-timestamp {timestamp} is {skew} s off");
}

/// The signature check of [`assert_signed`] alone, for deliveries stamped with simulator time.
pub fn assert_signature(received: &Received, secret: &str) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("a base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.{}",
            received.svix_id, received.svix_timestamp, received.body
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert!(
        received
            .svix_signature
            .split(' ')
            .any(|signature| signature == expected),
        "bad signature on {received:#?}"
    );
}
