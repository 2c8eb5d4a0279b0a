//! A simulator on 127.0.0.1:0 per test, and a client named after what a user of the
//! simulator does with it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use seam_sim::{spawn, RunningSim, SimOptions};
use serde_json::{json, Value};

pub struct TestSim {
    running: RunningSim,
    pub http: reqwest::Client,
}

/// One HTTP answer: status, headers and the JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// `error.type` of a Seam error envelope.
    pub fn error_type(&self) -> &str {
        self.body["error"]["type"].as_str().unwrap_or_default()
    }

    /// Asserts a Seam error with this status and type.
    #[track_caller]
    pub fn assert_error(&self, status: u16, error_type: &str) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(self.body["ok"], false, "{:#}", self.body);
        assert_eq!(self.error_type(), error_type, "{:#}", self.body);
        assert!(self.body["error"]["message"].is_string(), "{:#}", self.body);
    }
}

impl TestSim {
    pub async fn start() -> Self {
        Self::start_with(SimOptions::default()).await
    }

    /// A simulator whose codes take a minute of simulator time to set or remove, so tests
    /// see every intermediate status however slowly the machine runs, and move on with
    /// [`Ws::advance`].
    pub async fn start_slow() -> Self {
        let mut options = SimOptions::default();
        options.access_codes.set_delay = Duration::from_secs(60);
        options.access_codes.remove_delay = Duration::from_secs(60);
        Self::start_with(options).await
    }

    pub async fn start_with(options: SimOptions) -> Self {
        let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
        let running = spawn(addr, options)
            .await
            .expect("the simulator binds a free port");
        Self {
            running,
            http: reqwest::Client::new(),
        }
    }

    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    pub fn simulator(&self) -> &seam_sim::Simulator {
        self.running.simulator()
    }

    /// A new seeded workspace, made the way a test harness would: `POST /_sim/workspaces`.
    pub async fn workspace(&self) -> Ws<'_> {
        let answer = self
            .send("/_sim/workspaces", None, Some(json!({ "name": "Test" })))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
        Ws {
            sim: self,
            key: answer.body["api_key"]
                .as_str()
                .expect("an api_key")
                .to_owned(),
            workspace_id: answer.body["workspace_id"]
                .as_str()
                .expect("a workspace_id")
                .to_owned(),
        }
    }

    /// A new workspace holding `seed` instead of the demo properties.
    pub async fn seeded(&self, seed: Value) -> Ws<'_> {
        let answer = self
            .send(
                "/_sim/workspaces",
                None,
                Some(json!({ "name": "Custom", "seed": seed })),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
        assert!(answer.body["publishable_key"]
            .as_str()
            .is_some_and(|k| k.starts_with("seam_pk1")));
        Ws {
            sim: self,
            key: answer.body["api_key"].as_str().unwrap().to_owned(),
            workspace_id: answer.body["workspace_id"].as_str().unwrap().to_owned(),
        }
    }

    /// POSTs `body` (or nothing) to `path`, with `key` as bearer if given.
    pub async fn send(&self, path: &str, key: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.http.post(format!("{}{path}", self.base_url()));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request).await
    }

    /// Moves every workspace's clock (no bearer key).
    pub async fn advance_all(&self, seconds: f64) -> Value {
        let answer = self
            .send(
                "/_sim/clock/advance",
                None,
                Some(json!({ "seconds": seconds })),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
        answer.body
    }
}

pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body, got {text:?}"));
    Answer {
        status,
        headers,
        body,
    }
}

/// A workspace of the simulator, reached with its API key.
pub struct Ws<'a> {
    pub sim: &'a TestSim,
    pub key: String,
    pub workspace_id: String,
}

impl Ws<'_> {
    pub async fn call(&self, path: &str, body: Value) -> Answer {
        self.sim.send(path, Some(&self.key), Some(body)).await
    }

    /// Calls a Seam endpoint that must succeed, returning the body.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
        let answer = self.call(path, body).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {:#}", answer.body);
        assert_eq!(answer.body["ok"], true, "{path}: {:#}", answer.body);
        answer.body
    }

    pub async fn state(&self) -> Value {
        let request = self
            .sim
            .http
            .get(format!("{}/_sim/state", self.sim.base_url()))
            .bearer_auth(&self.key);
        let answer = answer(request).await;
        assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
        answer.body
    }

    pub async fn advance(&self, seconds: f64) -> Value {
        self.ok("/_sim/clock/advance", json!({ "seconds": seconds }))
            .await
    }

    pub async fn inject(&self, fault: Value) {
        self.ok("/_sim/faults", fault).await;
    }

    /// `GET /_sim/calls`: the Seam calls this workspace received, per endpoint and in total.
    pub async fn calls(&self) -> Value {
        let request = self
            .sim
            .http
            .get(format!("{}/_sim/calls", self.sim.base_url()))
            .bearer_auth(&self.key);
        let answer = answer(request).await;
        assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
        answer.body
    }

    /// `GET /_sim/calls?log=true`: the counts and the log of the last calls.
    pub async fn calls_log(&self) -> Value {
        let request = self
            .sim
            .http
            .get(format!("{}/_sim/calls?log=true", self.sim.base_url()))
            .bearer_auth(&self.key);
        let answer = answer(request).await;
        assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
        answer.body
    }

    /// `DELETE /_sim/calls`: starts the count again.
    pub async fn clear_calls(&self) -> Value {
        let request = self
            .sim
            .http
            .delete(format!("{}/_sim/calls", self.sim.base_url()))
            .bearer_auth(&self.key);
        let answer = answer(request).await;
        assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
        answer.body
    }

    /// Takes a lock offline, as Seam's `/devices/simulate/disconnect` does.
    pub async fn disconnect(&self, device_id: &str) {
        self.ok(
            "/devices/simulate/disconnect",
            json!({ "device_id": device_id }),
        )
        .await;
    }

    /// Brings a lock back online, as Seam's `/devices/simulate/connect` does.
    pub async fn connect(&self, device_id: &str) {
        self.ok(
            "/devices/simulate/connect",
            json!({ "device_id": device_id }),
        )
        .await;
    }

    /// The ACS system with this `external_type`.
    pub async fn system(&self, external_type: &str) -> Value {
        let systems = self.ok("/acs/systems/list", json!({})).await;
        systems["acs_systems"]
            .as_array()
            .expect("acs_systems")
            .iter()
            .find(|s| s["external_type"] == external_type)
            .cloned()
            .unwrap_or_else(|| panic!("no {external_type} system"))
    }

    /// The ids of a system's entrances, in order.
    pub async fn entrance_ids(&self, acs_system_id: &str) -> Vec<String> {
        let entrances = self
            .ok(
                "/acs/entrances/list",
                json!({ "acs_system_id": acs_system_id }),
            )
            .await;
        ids(&entrances["acs_entrances"], "acs_entrance_id")
    }

    /// The first device of this `device_type` (`august_lock`, `schlage_lock`: online;
    /// `yale_lock`: offline; `nuki_lock`: no keypad); the Schlage and the Yale schedule codes
    /// natively.
    pub async fn device(&self, device_type: &str) -> Value {
        let devices = self.ok("/devices/list", json!({})).await;
        devices["devices"]
            .as_array()
            .expect("devices")
            .iter()
            .find(|d| d["device_type"] == device_type)
            .cloned()
            .unwrap_or_else(|| panic!("no {device_type}"))
    }

    /// The id of the first device of this type.
    pub async fn device_id(&self, device_type: &str) -> String {
        self.device(device_type).await["device_id"]
            .as_str()
            .expect("a device_id")
            .to_owned()
    }

    /// Creates an access code; `extra` adds to or overrides `{device_id}`.
    pub async fn create_code(&self, device_id: &str, extra: Value) -> Value {
        let mut body = json!({ "device_id": device_id });
        merge(&mut body, extra);
        self.ok("/access_codes/create", body).await
    }

    /// An access code as `/access_codes/get` renders it now.
    pub async fn code(&self, access_code_id: &Value) -> Value {
        self.ok(
            "/access_codes/get",
            json!({ "access_code_id": access_code_id }),
        )
        .await["access_code"]
            .clone()
    }

    /// The types of the events `/events/list` returns for `filter` (plus a `since` long ago).
    pub async fn event_types(&self, filter: Value) -> Vec<String> {
        let mut body = json!({ "since": "2000-01-01T00:00:00.000Z" });
        merge(&mut body, filter);
        let events = self.ok("/events/list", body).await;
        events["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["event_type"].as_str().expect("an event_type").to_owned())
            .collect()
    }

    /// The workspace's simulator time, parsed.
    pub async fn now(&self) -> chrono::DateTime<Utc> {
        let state = self.state().await;
        chrono::DateTime::parse_from_rfc3339(state["now"].as_str().expect("now"))
            .expect("an ISO timestamp")
            .with_timezone(&Utc)
    }

    /// Polls `/_sim/state` until `done` holds, failing after a generous deadline; for what
    /// happens in real time (webhook deliveries, the ticker).
    pub async fn wait_for(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let state = self.state().await;
            if done(&state) {
                return state;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// An ACS user on the system with this `external_type`.
    pub async fn create_user(&self, external_type: &str, extra: Value) -> Value {
        let system = self.system(external_type).await;
        let mut body = json!({ "acs_system_id": system["acs_system_id"], "full_name": "Jane Doe" });
        merge(&mut body, extra);
        self.ok("/acs/users/create", body).await["acs_user"].clone()
    }
}

/// The `field` of every object in a JSON array.
pub fn ids(items: &Value, field: &str) -> Vec<String> {
    items
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| item[field].as_str().expect("an id").to_owned())
        .collect()
}

pub fn merge(into: &mut Value, extra: Value) {
    if let (Value::Object(into), Value::Object(extra)) = (into, extra) {
        into.extend(extra);
    }
}

/// Seam's timestamp format: ISO 8601, UTC, milliseconds.
#[track_caller]
pub fn assert_timestamp(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp, got {value}"));
    let bytes = text.as_bytes();
    let shape_ok = text.len() == 24
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && text.ends_with('Z');
    assert!(shape_ok, "not like 2024-07-13T16:50:42.072Z: {text}");
}

/// `now + seconds` in Seam's timestamp format.
pub fn at(now: chrono::DateTime<Utc>, seconds: i64) -> String {
    (now + chrono::TimeDelta::seconds(seconds)).to_rfc3339_opts(SecondsFormat::Millis, true)
}
