//! A validating proxy between the gateway and a Seam stand-in: it forwards every request
//! untouched and holds each request body, 2xx body and error body up to Seam's description.
//! The stand-ins' own control surfaces (`/_sim/*`, `/_fake/*`) pass through unchecked.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::openapi::{Part, Spec, Violation};

/// Headers that belong to one hop and are not forwarded.
const HOP_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "keep-alive",
];

/// What the proxy saw: every Seam path called, with its statuses, every violation, and every
/// response field the description does not name (allowed, since Seam's schemas leave
/// `additionalProperties` open, but a stand-in should not invent fields).
#[derive(Debug, Default)]
pub struct Record {
    statuses: Mutex<BTreeMap<String, BTreeSet<u16>>>,
    violations: Mutex<Vec<Violation>>,
    undescribed: Mutex<Vec<Violation>>,
}

impl Record {
    /// Paths called at least once, whatever the answer.
    pub fn paths_called(&self) -> BTreeSet<String> {
        lock(&self.statuses).keys().cloned().collect()
    }

    /// Paths that answered 2xx at least once, so their response schema was exercised.
    pub fn paths_succeeded(&self) -> BTreeSet<String> {
        lock(&self.statuses)
            .iter()
            .filter(|(_, statuses)| statuses.iter().any(|s| (200..300).contains(s)))
            .map(|(path, _)| path.clone())
            .collect()
    }

    pub fn statuses(&self) -> BTreeMap<String, BTreeSet<u16>> {
        lock(&self.statuses).clone()
    }

    pub fn violations(&self) -> Vec<Violation> {
        let mut all = lock(&self.violations).clone();
        all.sort();
        all.dedup();
        all
    }

    /// Response fields the description does not name, with array indices as `*`.
    pub fn undescribed_fields(&self) -> BTreeSet<String> {
        lock(&self.undescribed)
            .iter()
            .map(|v| format!("{} {}", v.path, generic_pointer(&v.pointer)))
            .collect()
    }

    fn saw(&self, path: &str, status: u16) {
        lock(&self.statuses)
            .entry(path.to_owned())
            .or_default()
            .insert(status);
    }

    fn add(&self, found: Vec<Violation>) {
        lock(&self.violations).extend(found);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The proxy, serving on 127.0.0.1 until dropped.
pub struct Proxy {
    addr: SocketAddr,
    record: Arc<Record>,
    task: JoinHandle<()>,
}

#[derive(Clone)]
struct Upstream {
    base_url: String,
    http: reqwest::Client,
    spec: Arc<Spec>,
    record: Arc<Record>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(spec: Arc<Spec>, upstream: &str) -> Self {
        let record = Arc::new(Record::default());
        let state = Upstream {
            base_url: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            spec,
            record: Arc::clone(&record),
        };
        let app = Router::new().fallback(forward).with_state(state);
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { addr, record, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn record(&self) -> &Record {
        &self.record
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    State(up): State<Upstream>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let checked = !(path.starts_with("/_sim/") || path.starts_with("/_fake/"));
    if checked {
        up.record.add(check_request(&up.spec, &path, &body));
    }

    let target = match uri.query() {
        Some(query) => format!("{}{path}?{query}", up.base_url),
        None => format!("{}{path}", up.base_url),
    };
    let mut request = up.http.request(method, target).body(body.to_vec());
    for (name, value) in &headers {
        if !HOP_HEADERS.contains(&name.as_str()) {
            request = request.header(name, value);
        }
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(err) => {
            let message = format!("proxy cannot reach the upstream: {err}");
            return (StatusCode::BAD_GATEWAY, message).into_response();
        }
    };
    let status = response.status();
    let mut reply_headers = HeaderMap::new();
    for (name, value) in response.headers() {
        if !HOP_HEADERS.contains(&name.as_str()) {
            reply_headers.append(name.clone(), value.clone());
        }
    }
    let bytes = response.bytes().await.unwrap_or_default();
    if checked {
        up.record.saw(&path, status.as_u16());
        up.record
            .add(check_response(&up.spec, &path, status.as_u16(), &bytes));
        if status.is_success() {
            if let Ok(json) = serde_json::from_slice::<Value>(&bytes) {
                let extra = up.spec.unknown_fields(&path, Part::Response, &json);
                lock(&up.record.undescribed).extend(extra);
            }
        }
    }
    (status, reply_headers, bytes).into_response()
}

fn check_request(spec: &Spec, path: &str, body: &[u8]) -> Vec<Violation> {
    match parse(body) {
        Ok(json) => spec.validate_request(path, &json),
        Err(message) => vec![not_json(path, Part::Request, message)],
    }
}

fn check_response(spec: &Spec, path: &str, status: u16, body: &[u8]) -> Vec<Violation> {
    let part = if (200..300).contains(&status) {
        Part::Response
    } else {
        Part::ErrorResponse
    };
    match parse(body) {
        Ok(json) if part == Part::Response => {
            let mut found = spec.validate_response(path, &json);
            found.extend(spec.validate_events_in(path, &json));
            found
        }
        Ok(json) => spec.validate_error(path, &json),
        Err(message) => vec![not_json(path, part, format!("status {status}: {message}"))],
    }
}

fn parse(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|err| {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        format!("body is not JSON ({err}): {text:?}")
    })
}

fn not_json(path: &str, part: Part, message: String) -> Violation {
    Violation {
        path: path.to_owned(),
        part,
        pointer: String::new(),
        message,
    }
}

/// `/devices/3/properties` as `/devices/*/properties`.
pub fn generic_pointer(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
