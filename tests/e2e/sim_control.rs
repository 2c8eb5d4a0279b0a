//! What a test does to the simulated Seam besides reading its state: count the calls Doorway
//! made, take a lock offline and bring it back (Seam's sandbox switches), clear faults.

use serde_json::{json, Value};

use crate::helpers::TestApp;

impl TestApp {
    /// Seam calls this test's workspace received, per endpoint (`GET /_sim/calls`):
    /// `{"calls": {"/access_codes/create": 3, ...}, "total": 3}`.
    pub async fn sim_calls(&self) -> Value {
        let response = reqwest::Client::new()
            .get(format!("{}/_sim/calls", self.sim.base_url()))
            .bearer_auth(&self.sim_key)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.json().await.unwrap()
    }

    /// How many calls to one Seam endpoint Doorway sent (refused ones included).
    pub async fn sim_call_count(&self, endpoint: &str) -> u64 {
        self.sim_calls().await["calls"][endpoint]
            .as_u64()
            .unwrap_or(0)
    }

    /// Waits until Seam reports an ACS credential of this workspace issued.
    pub async fn wait_for_issued_at_seam(&self) {
        crate::lifecycle_helpers::wait_until(
            std::time::Duration::from_secs(10),
            "a credential issued at Seam",
            || async {
                let state = self.sim_state().await;
                let issued = state["acs_credentials"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["is_issued"] == true);
                if issued {
                    Ok(())
                } else {
                    Err(state["acs_credentials"].to_string())
                }
            },
        )
        .await;
    }

    /// Removes every injected fault (`DELETE /_sim/faults`).
    pub async fn clear_faults(&self) {
        let response = reqwest::Client::new()
            .delete(format!("{}/_sim/faults", self.sim.base_url()))
            .bearer_auth(&self.sim_key)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    /// The Seam device id of the lock with this name.
    pub async fn device_id(&self, name: &str) -> String {
        let state = self.sim_state().await;
        state["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["display_name"] == name)
            .and_then(|d| d["device_id"].as_str())
            .unwrap_or_else(|| panic!("no device {name} at Seam"))
            .to_owned()
    }

    /// Takes the lock offline, as Seam's sandbox does: codes wait to be set or removed.
    pub async fn disconnect_lock(&self, name: &str) {
        self.simulate_connectivity(name, "disconnect").await;
    }

    /// Brings the lock back online: what it held up starts over.
    pub async fn connect_lock(&self, name: &str) {
        self.simulate_connectivity(name, "connect").await;
    }

    async fn simulate_connectivity(&self, name: &str, action: &str) {
        let device_id = self.device_id(name).await;
        let response = reqwest::Client::new()
            .post(format!("{}/devices/simulate/{action}", self.sim.base_url()))
            .bearer_auth(&self.sim_key)
            .json(&json!({ "device_id": device_id }))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{action} {name}: {}",
            response.text().await.unwrap()
        );
    }
}

/// The access codes at Seam carrying this grant's name (`Doorway grant <id>`).
pub fn codes_of_grant<'a>(state: &'a Value, grant_id: &Value) -> Vec<&'a Value> {
    let name = format!("Doorway grant {}", grant_id.as_str().unwrap());
    state["access_codes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == name.as_str())
        .collect()
}
