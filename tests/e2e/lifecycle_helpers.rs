//! What the portal does after a grant exists (revoke, move out, reschedule), the smart-lock
//! import, and the simulator's clock.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{contract, TestApp};

impl TestApp {
    /// Imports the simulator's locks with these names as one smart-lock property.
    pub async fn import_smart_locks(&self, names: &[&str]) -> Value {
        let token = self.manager_token();
        let inventory = self
            .graphql_ok(
                &token,
                contract("portal.graphql", "SeamInventory"),
                json!({}),
            )
            .await;
        let ids: Vec<&Value> = names
            .iter()
            .map(|name| {
                inventory["seamInventory"]["devices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|d| d["name"] == *name)
                    .map(|d| &d["seamDeviceId"])
                    .unwrap_or_else(|| panic!("no device {name} in {inventory}"))
            })
            .collect();
        let data = self
            .graphql_ok(
                &token,
                contract("portal.graphql", "ImportProperty"),
                json!({ "input": { "seamDeviceIds": ids } }),
            )
            .await;
        data["importProperty"]["property"].clone()
    }

    pub async fn revoke(&self, grant_id: &Value) -> Value {
        self.graphql_ok(
            &self.manager_token(),
            contract("portal.graphql", "RevokeGrant"),
            json!({ "id": grant_id }),
        )
        .await["revokeGrant"]["grant"]
            .clone()
    }

    pub async fn move_out(&self, resident_id: &Value) -> Value {
        self.graphql_ok(
            &self.manager_token(),
            contract("portal.graphql", "MoveOutResident"),
            json!({ "id": resident_id }),
        )
        .await["moveOutResident"]
            .clone()
    }

    pub async fn reschedule(&self, grant_id: &Value, starts_at: Value, ends_at: Value) -> Value {
        self.graphql(
            &self.manager_token(),
            contract("portal.graphql", "RescheduleGrant"),
            json!({ "id": grant_id, "startsAt": starts_at, "endsAt": ends_at }),
        )
        .await
    }

    /// Waits until the grant's latest run has finished (whatever the grant's status).
    pub async fn wait_for_run(&self, grant_id: &Value, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let grant = self.grant(grant_id).await;
            if grant["provisioning"]["status"] == status {
                return grant;
            }
            assert!(
                Instant::now() < deadline,
                "the run never became {status}: {grant:#}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the grant's latest run has a step `name` in `status`.
    pub async fn wait_for_step(&self, grant_id: &Value, name: &str, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let grant = self.grant(grant_id).await;
            let found = grant["provisioning"]["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s["name"] == name && s["status"] == status);
            if found {
                return grant;
            }
            assert!(
                Instant::now() < deadline,
                "step {name} never became {status}: {grant:#}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Takes a lock of this test's workspace offline (Seam's `/devices/simulate/disconnect`).
    pub async fn disconnect_lock(&self, name: &str) {
        self.simulate_device(name, "disconnect").await;
    }

    /// Brings a lock back online (Seam's `/devices/simulate/connect`).
    pub async fn connect_lock(&self, name: &str) {
        self.simulate_device(name, "connect").await;
    }

    async fn simulate_device(&self, name: &str, what: &str) {
        let state = self.sim_state().await;
        let device = state["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["display_name"] == name || d["properties"]["name"] == name)
            .unwrap_or_else(|| panic!("no device {name} in {state:#}"))["device_id"]
            .clone();
        let response = reqwest::Client::new()
            .post(format!("{}/devices/simulate/{what}", self.sim.base_url()))
            .bearer_auth(&self.sim_key)
            .json(&json!({ "device_id": device }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{what} {name}");
    }

    /// Every run of a grant, newest first, with its steps.
    pub async fn runs_of(&self, grant_id: &Value) -> Vec<Value> {
        let data = self
            .graphql_ok(
                &self.manager_token(),
                "query Runs($id: ID!) { grant(id: $id) { runs { id kind status attentionReason \
                 steps { name status attempts lastError } } } }",
                json!({ "id": grant_id }),
            )
            .await;
        data["grant"]["runs"].as_array().unwrap().clone()
    }

    /// Moves this test's simulated Seam clock forward.
    pub async fn advance_sim_clock(&self, seconds: u64) {
        let response = reqwest::Client::new()
            .post(format!("{}/_sim/clock/advance", self.sim.base_url()))
            .bearer_auth(&self.sim_key)
            .json(&json!({ "seconds": seconds }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
}

/// An RFC 3339 time `minutes` from now.
pub fn in_minutes(minutes: i64) -> Value {
    json!((chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339())
}

pub fn count(state: &Value, kind: &str) -> usize {
    state[kind].as_array().map_or(0, Vec::len)
}
