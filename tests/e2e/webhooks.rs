//! Seam's webhooks, end to end: a tenant created with a public URL registers its webhook, the
//! simulator delivers signed events to Doorway over HTTP, and Doorway applies each once, in
//! order of occurrence, refusing anything it cannot verify. Events for the ordering cases are
//! crafted here and signed with an HMAC computed by the test itself.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::Row;
use uuid::Uuid;

use crate::helpers::{contract, spawn_app_with, Settings, TestApp};

const DELETED_OUTSIDE: &str = "deleted at Seam outside Doorway";

/// An app whose tenants register their webhook; delivery is orderly (no jitter, no
/// duplicates) unless a test says otherwise.
async fn webhook_app() -> TestApp {
    let app = spawn_app_with(Settings {
        public_url: true,
        ..Settings::default()
    })
    .await;
    delivery_settings(&app, json!({ "duplicate_rate": 0, "max_jitter_ms": 0 })).await;
    app
}

async fn delivery_settings(app: &TestApp, settings: Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/_sim/webhooks", app.sim.base_url()))
        .bearer_auth(&app.sim_key)
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

/// The `svix-signature` Svix would send, computed independently of Doorway's code.
fn sign(secret: &str, svix_id: &str, timestamp: i64, body: &str) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{svix_id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Plays Seam's side for crafted events: the tenant's secret as Seam holds it.
struct Seam<'a> {
    app: &'a TestApp,
    secret: String,
    workspace_id: String,
    client: reqwest::Client,
}

impl<'a> Seam<'a> {
    async fn of(app: &'a TestApp) -> Self {
        let state = app.sim_state().await;
        let webhooks = state["webhooks"].as_array().unwrap();
        assert_eq!(webhooks.len(), 1, "{state:#}");
        Self {
            app,
            secret: webhooks[0]["secret"].as_str().unwrap().to_owned(),
            workspace_id: state["workspace"]["workspace_id"]
                .as_str()
                .unwrap()
                .to_owned(),
            client: reqwest::Client::new(),
        }
    }

    /// An event of `event_type` about the credential, as Seam renders it.
    fn credential_event(
        &self,
        event_type: &str,
        acs_credential_id: &str,
        at: DateTime<Utc>,
    ) -> Value {
        json!({
            "event_id": Uuid::new_v4().to_string(),
            "event_type": event_type,
            "workspace_id": self.workspace_id,
            "acs_credential_id": acs_credential_id,
            "created_at": at.to_rfc3339(),
            "occurred_at": at.to_rfc3339(),
        })
    }

    /// Delivers `event` to the app's tenant, signed now.
    async fn deliver(&self, svix_id: &str, event: &Value) -> (u16, Value) {
        let body = event.to_string();
        let now = Utc::now().timestamp();
        let signature = sign(&self.secret, svix_id, now, &body);
        self.post(
            self.app.tenant_id.to_string(),
            svix_id,
            now,
            &signature,
            body,
        )
        .await
    }

    async fn post(
        &self,
        tenant: String,
        svix_id: &str,
        timestamp: i64,
        signature: &str,
        body: String,
    ) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/webhooks/seam/{tenant}", self.app.address))
            .header("content-type", "application/json")
            .header("svix-id", svix_id)
            .header("svix-timestamp", timestamp.to_string())
            .header("svix-signature", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// Polls the grant until its first credential has `status`; returns the grant.
async fn wait_for_credential(app: &TestApp, grant: &Value, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let grant = app.grant(grant).await;
        if grant["credentials"][0]["status"] == status {
            return grant;
        }
        assert!(
            Instant::now() < deadline,
            "the credential never became {status}: {grant:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Jane's active mobile key for the Main Entrance: the grant's id and the Seam credential id.
async fn active_key(app: &TestApp) -> (Value, String) {
    let (property, resident) = app.jane_at_the_latch_building().await;
    let grant = app
        .active_mobile_key(&resident, &property, "Main Entrance")
        .await;
    let state = app.sim_state().await;
    let seam_id = state["acs_credentials"][0]["acs_credential_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (grant["id"].clone(), seam_id)
}

async fn stored_events(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    let mut db = app.db().await;
    sqlx::query("select svix_id, event_type, outcome from seam_events order by received_at")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

async fn outcome_of(app: &TestApp, svix_id: &str) -> String {
    let events = stored_events(app).await;
    let (_, _, outcome) = events
        .iter()
        .find(|(id, _, _)| id == svix_id)
        .unwrap_or_else(|| panic!("{svix_id} was not stored: {events:?}"));
    outcome.clone().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_created_with_a_public_url_registers_its_webhook_with_seam() {
    let app = webhook_app().await;
    let tenants = app
        .graphql_ok(
            &app.operator_token(),
            contract("operator.graphql", "Tenants"),
            json!({}),
        )
        .await;
    assert_eq!(
        tenants["tenants"]["edges"][0]["node"]["webhookRegistered"], true,
        "{tenants}"
    );
    let state = app.sim_state().await;
    let webhooks = state["webhooks"].as_array().unwrap();
    assert_eq!(webhooks.len(), 1, "{state:#}");
    assert_eq!(
        webhooks[0]["url"],
        format!("{}/webhooks/seam/{}", app.address, app.tenant_id)
    );
    let types = webhooks[0]["event_types"].as_array().unwrap();
    for wanted in [
        "acs_credential.issued",
        "acs_credential.deleted",
        "access_code.set_on_device",
        "acs_user.deleted",
    ] {
        assert!(types.contains(&json!(wanted)), "{types:?}");
    }

    // The secret is kept sealed, and never shown.
    let secret = webhooks[0]["secret"].as_str().unwrap();
    let mut db = app.db().await;
    let row = sqlx::query(
        "select webhook_secret_ciphertext, seam_webhook_id from tenants where tenant_id = $1",
    )
    .bind(app.tenant_id)
    .fetch_one(&mut db)
    .await
    .unwrap();
    let sealed: Vec<u8> = row.get(0);
    assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_bytes()));
    assert_eq!(row.get::<String, _>(1), webhooks[0]["webhook_id"]);

    let second = app.sim.simulator().create_workspace("Second");
    let created = app.create_tenant("Second", &second.api_key).await;
    assert_eq!(
        created["data"]["createTenant"]["tenant"]["webhookRegistered"],
        true
    );
    let second_secret = app.sim_state_of(&second.api_key).await["webhooks"][0]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!created.to_string().contains(&second_secret));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_whose_webhook_seam_refused_is_created_unregistered() {
    let app = webhook_app().await;
    let workspace = app.sim.simulator().create_workspace("Flaky");
    let fault = reqwest::Client::new()
        .post(format!("{}/_sim/faults", app.sim.base_url()))
        .bearer_auth(&workspace.api_key)
        .json(&json!({ "endpoint": "/webhooks/create", "error_rate": 1.0, "status": 503 }))
        .send()
        .await
        .unwrap();
    assert!(fault.status().is_success());
    let created = app.create_tenant("Flaky", &workspace.api_key).await;
    let tenant = &created["data"]["createTenant"]["tenant"];
    assert_eq!(tenant["webhookRegistered"], false, "{created}");
    let state = app.sim_state_of(&workspace.api_key).await;
    assert_eq!(state["webhooks"], json!([]));

    // Deliveries for it cannot be verified: refused like any forgery.
    let seam = Seam::of(&app).await;
    let body = seam
        .credential_event("acs_credential.issued", "cred_1", Utc::now())
        .to_string();
    let now = Utc::now().timestamp();
    let (status, _) = seam
        .post(
            tenant["id"].as_str().unwrap().to_owned(),
            "msg_flaky",
            now,
            &sign(&seam.secret, "msg_flaky", now, &body),
            body.clone(),
        )
        .await;
    assert_eq!(status, 401);

    // Once Seam takes it again, the background retry registers the webhook by itself.
    let cleared = reqwest::Client::new()
        .delete(format!("{}/_sim/faults", app.sim.base_url()))
        .bearer_auth(&workspace.api_key)
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());
    let flaky_id = tenant["id"].as_str().unwrap().to_owned();
    let operator = app.operator_token();
    crate::lifecycle_helpers::wait_until(
        Duration::from_secs(20),
        "the retry registers the webhook",
        || async {
            let data = app
                .graphql_ok(
                    &operator,
                    contract("operator.graphql", "Tenants"),
                    json!({}),
                )
                .await;
            let done = data["tenants"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| {
                    e["node"]["id"] == flaky_id.as_str() && e["node"]["webhookRegistered"] == true
                });
            done.then_some(()).ok_or_else(|| "not yet".to_owned())
        },
    )
    .await;
    let first = app.sim_state_of(&workspace.api_key).await["webhooks"].clone();
    assert_eq!(first.as_array().unwrap().len(), 1, "{first}");

    // An operator can register it again (a webhook whose secret was lost): Seam ends with one
    // webhook for the URL, and deliveries signed with its new secret are accepted at once.
    let again = app
        .graphql_ok(
            &app.operator_token(),
            "mutation($id: ID!) { registerTenantWebhook(id: $id) { id webhookRegistered } }",
            json!({ "id": flaky_id }),
        )
        .await;
    assert_eq!(again["registerTenantWebhook"]["webhookRegistered"], true);
    let webhooks = app.sim_state_of(&workspace.api_key).await["webhooks"].clone();
    let webhooks = webhooks.as_array().unwrap();
    assert_eq!(webhooks.len(), 1, "{webhooks:?}");
    assert_ne!(webhooks[0]["webhook_id"], first[0]["webhook_id"]);
    let secret = webhooks[0]["secret"].as_str().unwrap();
    let now = Utc::now().timestamp();
    let (status, answer) = seam
        .post(
            flaky_id.clone(),
            "msg_flaky_2",
            now,
            &sign(secret, "msg_flaky_2", now, &body),
            body,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mobile_key_becomes_active_through_the_webhook_and_each_delivery_applies_once() {
    let app = webhook_app().await;
    // Every message is delivered twice, as Svix may; and Doorway's polling cannot see the
    // credential, so only the webhook can tell it the key is issued.
    delivery_settings(&app, json!({ "duplicate_rate": 1.0 })).await;
    app.inject_fault(
        json!({ "endpoint": "/acs/credentials/get", "error_rate": 1.0, "status": 503 }),
    )
    .await;
    let (property, resident) = app.jane_at_the_latch_building().await;
    let grant = app
        .grant_mobile_key(
            &resident,
            &property,
            &[crate::helpers::entrance_named(&property, "Main Entrance")],
        )
        .await;
    let grant = wait_for_credential(&app, &grant["id"], "ACTIVE").await;
    assert_eq!(grant["credentials"][0]["statusReason"], Value::Null);
    let waiting = grant["provisioning"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "await_issuance")
        .unwrap();
    assert_ne!(
        waiting["status"], "SUCCEEDED",
        "polling could not have seen the issuance: {grant:#}"
    );
    let events = stored_events(&app).await;
    let issued = events
        .iter()
        .find(|(_, t, _)| t == "acs_credential.issued")
        .unwrap_or_else(|| panic!("{events:?}"));
    assert!(
        issued.2.as_deref().unwrap().ends_with("ISSUING -> ACTIVE"),
        "{issued:?}"
    );

    // Each message arrived twice; each svix-id was stored and applied once.
    let deadline = Instant::now() + Duration::from_secs(10);
    let deliveries = loop {
        let state = app.sim_state().await;
        let deliveries = state["webhook_deliveries"].as_array().unwrap().clone();
        if !deliveries.is_empty() && deliveries.iter().all(|d| d["duplicates_sent"] == 1) {
            break deliveries;
        }
        assert!(Instant::now() < deadline, "{deliveries:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let events = stored_events(&app).await;
    assert_eq!(events.len(), deliveries.len(), "{events:?}");
    for delivery in &deliveries {
        let id = delivery["message_id"].as_str().unwrap();
        assert_eq!(events.iter().filter(|(svix, _, _)| svix == id).count(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_stale_and_misaddressed_deliveries_are_refused_and_store_nothing() {
    let app = webhook_app().await;
    let seam = Seam::of(&app).await;
    let tenant = app.tenant_id.to_string();
    let body = seam
        .credential_event("acs_credential.issued", "cred_1", Utc::now())
        .to_string();
    let now = Utc::now().timestamp();
    let good = sign(&seam.secret, "msg_1", now, &body);

    let forger = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LW5vdC1zZWFtcw==";
    let (status, refused) = seam
        .post(
            tenant.clone(),
            "msg_1",
            now,
            &sign(forger, "msg_1", now, &body),
            body.clone(),
        )
        .await;
    assert_eq!(status, 401, "{refused}");
    let tampered = body.replace("cred_1", "cred_2");
    assert_eq!(
        seam.post(tenant.clone(), "msg_1", now, &good, tampered)
            .await
            .0,
        401
    );
    let other_id = sign(&seam.secret, "msg_2", now, &body);
    assert_eq!(
        seam.post(tenant.clone(), "msg_1", now, &other_id, body.clone())
            .await
            .0,
        401
    );
    let (status, unknown) = seam
        .post(
            Uuid::new_v4().to_string(),
            "msg_1",
            now,
            &good,
            body.clone(),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        unknown, refused,
        "an unknown tenant reads like a bad signature"
    );
    assert_eq!(
        seam.post("not-a-tenant".into(), "msg_1", now, &good, body.clone())
            .await
            .0,
        401
    );
    for skew in [-360, 360] {
        let at = now + skew;
        let (status, answer) = seam
            .post(
                tenant.clone(),
                "msg_1",
                at,
                &sign(&seam.secret, "msg_1", at, &body),
                body.clone(),
            )
            .await;
        assert_eq!(status, 400, "{answer}");
    }
    let missing = reqwest::Client::new()
        .post(format!("{}/webhooks/seam/{tenant}", app.address))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 400);
    assert_eq!(stored_events(&app).await, vec![]);

    // The same delivery, correctly signed, is taken.
    let (status, answer) = seam.post(tenant, "msg_1", now, &good, body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(stored_events(&app).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_svix_id_is_not_applied_again() {
    let app = webhook_app().await;
    let (grant, seam_id) = active_key(&app).await;
    let seam = Seam::of(&app).await;
    let invalidated = seam.credential_event("acs_credential.invalidated", &seam_id, Utc::now());
    let (status, answer) = seam.deliver("msg_once", &invalidated).await;
    assert_eq!(
        (status, &answer["duplicate"]),
        (200, &json!(false)),
        "{answer}"
    );
    let failed = wait_for_credential(&app, &grant, "FAILED").await;
    assert!(
        failed["credentials"][0]["statusReason"]
            .as_str()
            .unwrap()
            .contains("invalidated"),
        "{failed:#}"
    );

    // Put the credential back as it was: applying the delivery again would fail it again.
    let mut db = app.db().await;
    sqlx::query(
        "update credentials set status = 'ACTIVE', status_reason = null, last_event_at = null",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let (status, answer) = seam.deliver("msg_once", &invalidated).await;
    assert_eq!(
        (status, &answer["duplicate"]),
        (200, &json!(true)),
        "{answer}"
    );
    assert_eq!(
        app.grant(&grant).await["credentials"][0]["status"],
        "ACTIVE"
    );
    let stored = stored_events(&app).await;
    assert_eq!(
        stored.iter().filter(|(id, _, _)| id == "msg_once").count(),
        1
    );

    // The same Seam event under another svix-id (another delivery of it) is not applied again.
    let (status, _) = seam.deliver("msg_again", &invalidated).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.grant(&grant).await["credentials"][0]["status"],
        "ACTIVE"
    );
    assert!(outcome_of(&app, "msg_again")
        .await
        .contains("applied already"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_event_arriving_after_a_newer_one_does_not_revert_the_credential() {
    let app = webhook_app().await;
    let (grant, seam_id) = active_key(&app).await;
    let seam = Seam::of(&app).await;
    let t0 = Utc::now();

    let newer = seam.credential_event("acs_credential.invalidated", &seam_id, t0);
    assert_eq!(seam.deliver("msg_newer", &newer).await.0, 200);
    wait_for_credential(&app, &grant, "FAILED").await;

    // Issued half a minute before the invalidation, delivered after it.
    let older = seam.credential_event(
        "acs_credential.issued",
        &seam_id,
        t0 - chrono::Duration::seconds(30),
    );
    assert_eq!(seam.deliver("msg_older", &older).await.0, 200);
    let still = app.grant(&grant).await;
    assert_eq!(still["credentials"][0]["status"], "FAILED", "{still:#}");
    assert!(outcome_of(&app, "msg_older").await.contains("later event"));

    // Reissued after the invalidation: active again; a deletion from before stays ignored.
    let reissued = seam.credential_event(
        "acs_credential.reissued",
        &seam_id,
        t0 + chrono::Duration::seconds(1),
    );
    assert_eq!(seam.deliver("msg_reissued", &reissued).await.0, 200);
    wait_for_credential(&app, &grant, "ACTIVE").await;
    let deleted = seam.credential_event(
        "acs_credential.deleted",
        &seam_id,
        t0 - chrono::Duration::seconds(10),
    );
    assert_eq!(seam.deliver("msg_deleted", &deleted).await.0, 200);
    let still = app.grant(&grant).await;
    assert_eq!(still["credentials"][0]["status"], "ACTIVE", "{still:#}");
    assert_eq!(still["credentials"][0]["statusReason"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_deleted_at_seam_directly_fails_with_a_reason_the_portal_shows() {
    let app = webhook_app().await;
    let (grant, seam_id) = active_key(&app).await;
    let response = reqwest::Client::new()
        .post(format!("{}/acs/credentials/delete", app.sim.base_url()))
        .bearer_auth(&app.sim_key)
        .json(&json!({ "acs_credential_id": seam_id }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let grant = wait_for_credential(&app, &grant, "FAILED").await;
    assert_eq!(grant["credentials"][0]["statusReason"], DELETED_OUTSIDE);
    let access = app.my_access("jane").await;
    assert_eq!(
        access["viewer"]["resident"]["credentials"]["edges"][0]["node"]["status"],
        "FAILED"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smart_lock_codes_follow_their_locks_through_the_webhook() {
    let app = webhook_app().await;
    // Polling cannot see the codes: what the portal shows comes from the lock's events.
    app.inject_fault(json!({ "endpoint": "/access_codes/get", "error_rate": 1.0, "status": 503 }))
        .await;
    let token = app.manager_token();
    let inventory = app
        .graphql_ok(
            &token,
            contract("portal.graphql", "SeamInventory"),
            json!({}),
        )
        .await;
    let devices = inventory["seamInventory"]["devices"].as_array().unwrap();
    let online = devices
        .iter()
        .find(|d| d["online"] == true && d["supportsAccessCodes"] == true)
        .unwrap();
    let offline = devices
        .iter()
        .find(|d| d["online"] == false && d["supportsAccessCodes"] == true)
        .unwrap();
    let property = app
        .graphql_ok(
            &token,
            contract("portal.graphql", "ImportProperty"),
            json!({ "input": { "name": "Cedar House", "seamDeviceIds": [online["seamDeviceId"], offline["seamDeviceId"]] } }),
        )
        .await["importProperty"]["property"]
        .clone();
    let resident = app
        .create_resident("Sam Lee", "sam@example.com", "sam")
        .await;
    let online_name = online["name"].as_str().unwrap();
    let offline_name = offline["name"].as_str().unwrap();
    // One grant per lock: each run creates its code, then waits (in vain) to see it set.
    let mut grants = Vec::new();
    for lock in [online_name, offline_name] {
        let body = app
            .grant_access(json!({
                "residentId": resident["id"],
                "propertyId": property["id"],
                "accessMethod": "PIN_CODE",
                "entranceIds": [crate::helpers::entrance_named(&property, lock)],
            }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        grants.push(body["data"]["grantAccess"]["grant"]["id"].clone());
    }
    let (grant, offline_grant) = (&grants[0], &grants[1]);

    // The online lock takes its code: set_on_device.
    let active = wait_for_code(&app, grant, online_name, "ACTIVE", None).await;
    assert_eq!(active["statusReason"], Value::Null);
    let mut db = app.db().await;
    let stored: Value = sqlx::query_scalar(
        "select payload from seam_events where event_type = 'access_code.set_on_device'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(stored["code"], "[redacted]", "no PIN in the event log");

    // The offline lock: first a delay, then Seam's report that it could not set the code (it
    // keeps trying), each explained; the code is late, never live and never given up.
    wait_for_code(&app, offline_grant, offline_name, "ISSUING", None).await;
    advance_sim_clock(&app, 61).await;
    wait_for_reason(
        &app,
        offline_grant,
        offline_name,
        "has not confirmed the code",
    )
    .await;
    advance_sim_clock(&app, 301).await;
    let late = wait_for_reason(&app, offline_grant, offline_name, "offline").await;
    assert_eq!(late["status"], "ISSUING", "{late}");

    // The online lock's code is deleted at Seam, not by Doorway.
    let state = app.sim_state().await;
    let code = state["access_codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["device_id"] == online["seamDeviceId"])
        .unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/access_codes/delete", app.sim.base_url()))
        .bearer_auth(&app.sim_key)
        .json(&json!({ "access_code_id": code["access_code_id"] }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let removed = wait_for_code(&app, grant, online_name, "FAILED", Some("the code was")).await;
    assert!(
        removed["statusReason"]
            .as_str()
            .unwrap()
            .ends_with("outside Doorway"),
        "{removed}"
    );
}

/// Polls the grant until the code on `lock` has `status` (and a reason starting so).
async fn wait_for_code(
    app: &TestApp,
    grant: &Value,
    lock: &str,
    status: &str,
    reason: Option<&str>,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = app.grant(grant).await;
        let code = found["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["entrances"][0]["name"] == lock)
            .unwrap_or_else(|| panic!("no code on {lock}: {found:#}"))
            .clone();
        let reason_ok = reason.is_none_or(|wanted| {
            code["statusReason"]
                .as_str()
                .is_some_and(|actual| actual.starts_with(wanted))
        });
        if code["status"] == status && reason_ok {
            return code;
        }
        assert!(
            Instant::now() < deadline,
            "the code on {lock} never became {status}: {found:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls the grant until the code on `lock` is explained by a reason containing `words`.
async fn wait_for_reason(app: &TestApp, grant: &Value, lock: &str, words: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let code = wait_for_code(app, grant, lock, "ISSUING", None).await;
        if code["statusReason"]
            .as_str()
            .is_some_and(|reason| reason.contains(words))
        {
            return code;
        }
        assert!(
            Instant::now() < deadline,
            "the code on {lock} was never explained with {words:?}: {code:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn advance_sim_clock(app: &TestApp, seconds: u64) {
    let response = reqwest::Client::new()
        .post(format!("{}/_sim/clock/advance", app.sim.base_url()))
        .bearer_auth(&app.sim_key)
        .json(&json!({ "seconds": seconds }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}
