//! What the portal does after a grant exists (revoke, move out, reschedule), the smart-lock
//! import, the simulator's clock, and waiting for something to become true.

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{contract, entrance_named, TestApp};

/// The portal's grant with the reasons it shows: the contract's `Grant` operation does not
/// ask for the grant's own `statusReason`, which the schema has.
const GRANT_WITH_REASONS: &str = "query GrantWithReasons($id: ID!) {
  grant(id: $id) {
    id status statusReason startsAt endsAt
    credentials { id status statusReason code entrances { id name } }
    provisioning { id status steps { name status attempts lastError } }
  }
}";

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

    /// Grants a PIN on these locks of a smart-lock property (Seam generates it when `code` is
    /// `None`); returns the grant as GrantAccess answered.
    pub async fn grant_pin_on_locks(
        &self,
        resident: &Value,
        property: &Value,
        names: &[&str],
        code: Option<&str>,
    ) -> Value {
        let entrances: Vec<&Value> = names
            .iter()
            .map(|name| entrance_named(property, name))
            .collect();
        let body = self
            .grant_access(json!({
                "residentId": resident["id"], "propertyId": property["id"],
                "accessMethod": "PIN_CODE", "entranceIds": entrances, "code": code,
            }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["grantAccess"]["grant"].clone()
    }

    /// Ana, with a PIN on one lock (imported as a property of its own) that is ACTIVE;
    /// returns the grant's id.
    pub async fn active_pin_on(&self, lock: &str) -> Value {
        let locks = self.import_smart_locks(&[lock]).await;
        let resident = self
            .create_resident("Ana Ruiz", "ana@example.com", "ana")
            .await;
        let id = self
            .grant_pin_on_locks(&resident, &locks, &[lock], None)
            .await["id"]
            .clone();
        self.wait_for_grant(&id, "ACTIVE", Duration::from_secs(30))
            .await;
        id
    }

    /// The grant as the portal shows it, with the grant's and each credential's reason.
    pub async fn grant_with_reasons(&self, id: &Value) -> Value {
        self.graphql_ok(
            &self.manager_token(),
            GRANT_WITH_REASONS,
            json!({ "id": id }),
        )
        .await["grant"]
            .clone()
    }

    /// Replaces the tenant's Seam API key, as an operator does after a rotation.
    pub async fn rotate_seam_key(&self, key: &str) -> Value {
        self.graphql_ok(
            &self.operator_token(),
            contract("operator.graphql", "RotateTenantSeamKey"),
            json!({ "id": self.tenant_id, "seamApiKey": key }),
        )
        .await
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

/// Polls `probe` every 100 ms until it answers `Ok`, failing after `timeout` with `what` and
/// the last thing the probe saw (its `Err`).
pub async fn wait_until<T, F, Fut>(timeout: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match probe().await {
            Ok(found) => return found,
            Err(seen) => assert!(
                Instant::now() < deadline,
                "not {what} within {timeout:?}; last seen: {seen}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An RFC 3339 time `minutes` from now.
pub fn in_minutes(minutes: i64) -> Value {
    json!((chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339())
}

pub fn count(state: &Value, kind: &str) -> usize {
    state[kind].as_array().map_or(0, Vec::len)
}
