//! A tiny Seam stand-in for unit tests of the request path: it answers a script of canned
//! responses in order (repeating the last) and records what it was sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;
use url::Url;

use crate::{SeamClient, SeamClientConfig, WorkspaceClient};

pub(crate) const API_KEY: &str = "seam_test_key_Sup3rS3cret";

#[derive(Clone)]
pub(crate) struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

impl Canned {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        let headers = vec![("seam-request-id", format!("req_{status}"))];
        Self {
            status,
            headers,
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn ok(body: Value) -> Self {
        Self::json(200, body)
    }

    /// Seam's error envelope.
    pub(crate) fn error(status: u16, kind: &str, message: &str) -> Self {
        let body = serde_json::json!({"ok": false, "error": {"type": kind, "message": message}});
        Self::json(status, body)
    }

    pub(crate) fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub(crate) fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

#[derive(Clone)]
struct Script {
    replies: Arc<Mutex<Vec<Canned>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    in_flight: Arc<AtomicUsize>,
    peak_in_flight: Arc<AtomicUsize>,
}

pub(crate) struct TestServer {
    pub(crate) url: Url,
    script: Script,
}

impl TestServer {
    pub(crate) async fn start(replies: Vec<Canned>) -> Self {
        let script = Script {
            replies: Arc::new(Mutex::new(replies)),
            seen: Arc::new(Mutex::new(Vec::new())),
            in_flight: Arc::default(),
            peak_in_flight: Arc::default(),
        };
        let app = Router::new().fallback(answer).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, script }
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().unwrap().clone()
    }

    /// The most requests the server was answering at once.
    pub(crate) fn peak_in_flight(&self) -> usize {
        self.script.peak_in_flight.load(Ordering::SeqCst)
    }

    pub(crate) fn hits(&self) -> usize {
        self.script.seen.lock().unwrap().len()
    }

    /// A workspace client with fast backoff, so retry tests stay quick.
    pub(crate) fn client(&self) -> WorkspaceClient {
        self.client_with(|_| {})
    }

    pub(crate) fn client_with(&self, tweak: impl FnOnce(&mut SeamClientConfig)) -> WorkspaceClient {
        client_for(self.url.clone(), tweak)
    }
}

pub(crate) fn client_for(url: Url, tweak: impl FnOnce(&mut SeamClientConfig)) -> WorkspaceClient {
    seam_for(url, tweak).workspace(API_KEY.to_owned().into())
}

/// The whole client, for tests about what handles of one client share.
pub(crate) fn seam_for(url: Url, tweak: impl FnOnce(&mut SeamClientConfig)) -> SeamClient {
    let mut config = SeamClientConfig::new(url);
    config.backoff_base = Duration::from_millis(1);
    config.backoff_max = Duration::from_millis(20);
    config.timeout = Duration::from_secs(2);
    config.create_timeout = Duration::from_secs(2);
    tweak(&mut config);
    SeamClient::new(config).unwrap()
}

async fn answer(
    State(script): State<Script>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = uri.path().to_owned();
    script.seen.lock().unwrap().push(Seen {
        path,
        headers,
        body,
    });
    let reply = {
        let mut replies = script.replies.lock().unwrap();
        if replies.len() > 1 {
            replies.remove(0)
        } else {
            replies[0].clone()
        }
    };
    let now = script.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    script.peak_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(reply.delay).await;
    script.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap(),
        [("content-type", "application/json")],
        reply.body,
    )
        .into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}
