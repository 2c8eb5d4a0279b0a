//! Events held to their own type's branch of Seam's `event` union, as `/events/list` and
//! `/events/get` answer them (checked by the proxy) and as webhooks deliver them (checked
//! here): a scenario that makes the simulator generate every event type it knows, trouble
//! events included.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Router;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::harness::{spec, Harness};

/// A webhook endpoint that keeps every body it receives.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Self {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .fallback(
                |State(bodies): State<Arc<Mutex<Vec<Value>>>>, body: axum::body::Bytes| async move {
                    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    bodies.lock().unwrap().push(value);
                    StatusCode::NO_CONTENT
                },
            )
            .with_state(Arc::clone(&bodies));
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = format!("http://{}/seam", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, bodies, task }
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A Seam call through the validating proxy.
async fn seam(h: &Harness, path: &str, body: Value) -> Value {
    h.post(path, body).await
}

fn find<'v>(list: &'v Value, field: &str, value: &str) -> &'v Value {
    list.as_array()
        .and_then(|items| items.iter().find(|item| item[field] == value))
        .unwrap_or_else(|| panic!("no {field} = {value}"))
}

#[tokio::test]
async fn every_event_matches_its_own_branch_in_lists_and_webhook_bodies() {
    let h = Harness::start().await;
    let receiver = Receiver::start().await;
    h.control(
        "webhooks",
        json!({ "max_jitter_ms": 0, "duplicate_rate": 0 }),
    )
    .await;
    seam(&h, "/webhooks/create", json!({ "url": receiver.url })).await;

    // ACS: a user, a credential issued, then the user deleted with it.
    let systems = seam(&h, "/acs/systems/list", json!({})).await;
    let latch = find(&systems["acs_systems"], "external_type", "latch_building");
    let entrances = seam(
        &h,
        "/acs/entrances/list",
        json!({ "acs_system_id": latch["acs_system_id"] }),
    )
    .await;
    let user = seam(
        &h,
        "/acs/users/create",
        json!({ "acs_system_id": latch["acs_system_id"], "full_name": "Jane Doe" }),
    )
    .await["acs_user"]
        .clone();
    seam(
        &h,
        "/acs/credentials/create",
        json!({
            "acs_user_id": user["acs_user_id"],
            "access_method": "code",
            "allowed_acs_entrance_ids": [entrances["acs_entrances"][0]["acs_entrance_id"]],
        }),
    )
    .await;
    h.advance_clock(5).await;
    seam(
        &h,
        "/acs/users/delete",
        json!({ "acs_user_id": user["acs_user_id"] }),
    )
    .await;

    // Codes: set, changed, removed and deleted on an online lock; on a lock taken offline,
    // delayed and failed while setting, then set when it is back.
    let devices = seam(&h, "/devices/list", json!({})).await;
    let august = find(&devices["devices"], "device_type", "august_lock")["device_id"].clone();
    let schlage = find(&devices["devices"], "device_type", "schlage_lock")["device_id"].clone();
    let code = seam(
        &h,
        "/access_codes/create",
        json!({ "device_id": august, "name": "Guest" }),
    )
    .await["access_code"]
        .clone();
    h.advance_clock(5).await;
    seam(
        &h,
        "/access_codes/update",
        json!({ "access_code_id": code["access_code_id"], "name": "Guest 2" }),
    )
    .await;
    h.advance_clock(5).await;
    seam(
        &h,
        "/access_codes/delete",
        json!({ "access_code_id": code["access_code_id"] }),
    )
    .await;
    h.advance_clock(5).await;
    seam(
        &h,
        "/devices/simulate/disconnect",
        json!({ "device_id": schlage }),
    )
    .await;
    seam(
        &h,
        "/access_codes/create",
        json!({ "device_id": schlage, "name": "Offline" }),
    )
    .await;
    h.advance_clock(400).await;
    seam(
        &h,
        "/devices/simulate/connect",
        json!({ "device_id": schlage }),
    )
    .await;
    h.advance_clock(5).await;

    // Seam's other sandbox switches: an unmanaged code, a device removed, and a phone whose
    // deactivation invalidates the mobile key it held.
    seam(
        &h,
        "/access_codes/simulate/create_unmanaged_access_code",
        json!({ "device_id": schlage, "name": "Cleaner", "code": "8642" }),
    )
    .await;
    seam(
        &h,
        "/access_codes/unmanaged/list",
        json!({ "device_id": schlage }),
    )
    .await;
    seam(
        &h,
        "/devices/simulate/remove",
        json!({ "device_id": august }),
    )
    .await;
    let identity = seam(
        &h,
        "/user_identities/create",
        json!({ "full_name": "Phone Owner" }),
    )
    .await["user_identity"]
        .clone();
    seam(
        &h,
        "/acs/credentials/create",
        json!({
            "user_identity_id": identity["user_identity_id"],
            "acs_system_id": latch["acs_system_id"],
            "access_method": "mobile_key",
            "is_multi_phone_sync_credential": true,
            "allowed_acs_entrance_ids": [entrances["acs_entrances"][0]["acs_entrance_id"]],
        }),
    )
    .await;
    let phone = seam(
        &h,
        "/phones/simulate/create_sandbox_phone",
        json!({ "user_identity_id": identity["user_identity_id"] }),
    )
    .await["phone"]
        .clone();
    seam(
        &h,
        "/phones/list",
        json!({ "owner_user_identity_id": identity["user_identity_id"] }),
    )
    .await;
    seam(
        &h,
        "/phones/get",
        json!({ "device_id": phone["device_id"] }),
    )
    .await;
    seam(
        &h,
        "/phones/deactivate",
        json!({ "device_id": phone["device_id"] }),
    )
    .await;
    h.advance_clock(5).await;

    let listed = seam(
        &h,
        "/events/list",
        json!({ "since": "2000-01-01T00:00:00.000Z" }),
    )
    .await;
    let events = listed["events"].as_array().unwrap().clone();
    seam(
        &h,
        "/events/get",
        json!({ "event_id": events[0]["event_id"] }),
    )
    .await;
    let types: BTreeSet<&str> = events
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    for wanted in [
        "acs_user.created",
        "acs_user.deleted",
        "acs_credential.issued",
        "acs_credential.deleted",
        "access_code.created",
        "access_code.changed",
        "access_code.set_on_device",
        "access_code.removed_from_device",
        "access_code.deleted",
        "access_code.delay_in_setting_on_device",
        "access_code.failed_to_set_on_device",
        "device.disconnected",
        "device.connected",
        "device.removed",
        "access_code.unmanaged.created",
        "phone.deactivated",
        "acs_credential.invalidated",
    ] {
        assert!(types.contains(wanted), "no {wanted} among {types:?}");
    }

    // Every event reaches the webhook, and each body is held to its own branch too.
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.bodies().len() < events.len() {
        assert!(
            Instant::now() < deadline,
            "webhook deliveries did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let spec = spec();
    let mut violations: Vec<String> = receiver
        .bodies()
        .iter()
        .flat_map(|body| spec.validate_event("webhook body", body))
        .map(|v| v.to_string())
        .collect();
    violations.extend(h.record().violations().iter().map(|v| v.to_string()));
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
    h.finish().await;
}
