//! Live status over WebSocket (`graphql-transport-ws` at `GET /graphql/ws`): the resident app's
//! `MyCredentialUpdates` and the portal's `GrantUpdates`, fed through PostgreSQL LISTEN/NOTIFY,
//! so a change made by one Doorway process reaches the subscribers of another.
//!
//! The protocol does not acknowledge a subscription, so tests give the server a moment to set
//! it up before causing changes; what they assert never depends on timing beyond "arrives
//! within N seconds".

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{contract, entrance_named, spawn_app};

/// Generous: two cores run Doorway, the simulator and PostgreSQL for several tests at once.
const ARRIVES_WITHIN: Duration = Duration::from_secs(40);
/// How long "nothing arrives" is watched for.
const QUIET_FOR: Duration = Duration::from_secs(2);
/// Time for the server to register a subscription before the test causes a change.
const SETTLE: Duration = Duration::from_secs(1);

struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// Opens `GET /graphql/ws` (optionally with a bearer token on the upgrade request).
    async fn open(address: &str, header_token: Option<&str>) -> Result<Self, WsError> {
        let url = format!("{}/graphql/ws", address.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request()?;
        let headers = request.headers_mut();
        headers.insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        if let Some(token) = header_token {
            headers.insert(
                "Authorization",
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
        }
        let (socket, response) = tokio_tungstenite::connect_async(request).await?;
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        Ok(Self { socket })
    }

    /// Sends `connection_init`; `Ok` on `connection_ack`, otherwise the close code.
    async fn init(&mut self, payload: Value) -> Result<(), u16> {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match self.receive(Instant::now() + ARRIVES_WITHIN).await {
            Received::Message(message) if message["type"] == "connection_ack" => Ok(()),
            Received::Closed(code) => Err(code),
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    /// A connection acknowledged for the bearer token sent in `connection_init`.
    async fn connect(address: &str, init: Value) -> Self {
        let mut client = Self::open(address, None).await.unwrap();
        client.init(init).await.unwrap();
        client
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
        tokio::time::sleep(SETTLE).await;
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
    }

    async fn receive(&mut self, deadline: Instant) -> Received {
        loop {
            let next = match timeout_at(deadline, self.socket.next()).await {
                Err(_) => return Received::Nothing,
                Ok(next) => next,
            };
            match next {
                None | Some(Err(_)) => return Received::Closed(1006),
                Some(Ok(Message::Text(text))) => {
                    return Received::Message(serde_json::from_str(text.as_str()).unwrap())
                }
                Some(Ok(Message::Close(frame))) => {
                    return Received::Closed(frame.map_or(1005, |f| f.code.into()))
                }
                Some(Ok(_)) => {}
            }
        }
    }

    /// The payload of the next `next` message, failing the test if none comes in time.
    async fn next_payload(&mut self) -> Value {
        match self.receive(Instant::now() + ARRIVES_WITHIN).await {
            Received::Message(message) if message["type"] == "next" => message["payload"].clone(),
            other => panic!("expected a next message, got {other:?}"),
        }
    }

    /// Fails the test if anything arrives within [`QUIET_FOR`].
    async fn expect_nothing(&mut self) {
        match self.receive(Instant::now() + QUIET_FOR).await {
            Received::Nothing => {}
            other => panic!("expected nothing, got {other:?}"),
        }
    }

    /// The close code the server ends the connection with.
    async fn closed(&mut self) -> u16 {
        loop {
            match self.receive(Instant::now() + ARRIVES_WITHIN).await {
                Received::Closed(code) => return code,
                Received::Message(_) => {}
                Received::Nothing => panic!("the connection stayed open"),
            }
        }
    }
}

#[derive(Debug)]
enum Received {
    Message(Value),
    Closed(u16),
    Nothing,
}

fn bearer(token: &str) -> Value {
    json!({ "Authorization": format!("Bearer {token}") })
}

/// Follows one grant through `GrantUpdates` until it is ACTIVE; returns the statuses seen.
async fn follow_grant_until_active(client: &mut Client, grant_id: &Value) -> Vec<String> {
    let mut statuses = Vec::new();
    loop {
        let payload = client.next_payload().await;
        assert!(payload.get("errors").is_none(), "{payload}");
        let grant = &payload["data"]["grantUpdated"];
        assert_eq!(&grant["id"], grant_id, "another grant: {grant}");
        statuses.push(grant["status"].as_str().unwrap().to_owned());
        if grant["status"] == "ACTIVE" {
            assert_eq!(grant["credentials"][0]["status"], "ACTIVE", "{grant}");
            return statuses;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_sees_their_new_mobile_key_become_active_and_nothing_of_others() {
    let app = spawn_app().await;
    let (property, jane) = app.jane_at_the_latch_building().await;
    let sam = app
        .create_resident("Sam Lee", "sam@example.com", "sam")
        .await;
    let mut client =
        Client::connect(&app.address, json!({ "token": app.resident_token("jane") })).await;
    client
        .subscribe(
            "1",
            contract("resident-app.graphql", "MyCredentialUpdates"),
            json!({}),
        )
        .await;

    // Sam's key is provisioned while Jane listens: she must hear nothing of it.
    let sams = app
        .grant_mobile_key(&sam, &property, &[entrance_named(&property, "Garage Door")])
        .await;
    let janes = app
        .grant_mobile_key(
            &jane,
            &property,
            &[entrance_named(&property, "Main Entrance")],
        )
        .await;
    let janes_key = &janes["credentials"][0]["id"];

    let mut statuses = Vec::new();
    loop {
        let payload = client.next_payload().await;
        assert!(payload.get("errors").is_none(), "{payload}");
        let credential = &payload["data"]["myCredentialUpdated"];
        assert_eq!(&credential["id"], janes_key, "not Jane's key: {credential}");
        assert_eq!(credential["code"], Value::Null, "mobile keys have no PIN");
        statuses.push(credential["status"].as_str().unwrap().to_owned());
        if credential["status"] == "ACTIVE" {
            break;
        }
    }
    assert!(
        matches!(statuses[0].as_str(), "PENDING" | "ISSUING"),
        "the key was seen before it was issued: {statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| matches!(s.as_str(), "PENDING" | "ISSUING" | "ACTIVE")),
        "{statuses:?}"
    );

    app.wait_for_grant(&sams["id"], "ACTIVE", ARRIVES_WITHIN)
        .await;
    client.expect_nothing().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_sees_a_grant_go_from_provisioning_to_active_and_others_see_nothing() {
    let app = spawn_app().await;
    let (property, jane) = app.jane_at_the_latch_building().await;
    let salto = app
        .import_acs_system_of_type(&app.manager_token(), "salto_ks_site")
        .await;
    let (other_tenant, _) = app.add_tenant("Other Residential").await;

    let mut manager = Client::connect(&app.address, bearer(&app.manager_token())).await;
    manager
        .subscribe(
            "grants",
            contract("portal.graphql", "GrantUpdates"),
            json!({ "propertyId": property["id"] }),
        )
        .await;
    // A partner reading grants of the whole tenant, with no property argument.
    let mut partner =
        Client::connect(&app.address, bearer(&app.partner_token("grants:read"))).await;
    partner
        .subscribe("all", contract("portal.graphql", "GrantUpdates"), json!({}))
        .await;
    let mut stranger =
        Client::connect(&app.address, bearer(&app.manager_token_for(other_tenant))).await;
    stranger
        .subscribe(
            "grants",
            contract("portal.graphql", "GrantUpdates"),
            json!({}),
        )
        .await;
    // A manager whose token is limited to the Salto site.
    let salto_id = salto["id"].as_str().unwrap();
    let mut limited = Client::connect(
        &app.address,
        bearer(&app.issuer_token_with_properties(&[salto_id])),
    )
    .await;
    limited
        .subscribe(
            "grants",
            contract("portal.graphql", "GrantUpdates"),
            json!({}),
        )
        .await;

    let grant = app
        .grant_mobile_key(
            &jane,
            &property,
            &[entrance_named(&property, "Main Entrance")],
        )
        .await;
    let statuses = follow_grant_until_active(&mut manager, &grant["id"]).await;
    assert_eq!(statuses[0], "PROVISIONING", "{statuses:?}");
    follow_grant_until_active(&mut partner, &grant["id"]).await;

    stranger.expect_nothing().await;
    limited.expect_nothing().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_follow_the_rules_of_roles_scopes_and_properties() {
    let app = spawn_app().await;
    let (property, _jane) = app.jane_at_the_latch_building().await;
    let salto = app
        .import_acs_system_of_type(&app.manager_token(), "salto_ks_site")
        .await;
    let cases = [
        // (token, operation, variables, code)
        (
            app.resident_token("jane"),
            contract("portal.graphql", "GrantUpdates"),
            json!({}),
            "FORBIDDEN",
        ),
        (
            app.partner_token("residents:read"),
            contract("portal.graphql", "GrantUpdates"),
            json!({}),
            "FORBIDDEN",
        ),
        (
            app.manager_token(),
            contract("resident-app.graphql", "MyCredentialUpdates"),
            json!({}),
            "FORBIDDEN",
        ),
        (
            app.issuer_token_with_properties(&[salto["id"].as_str().unwrap()]),
            contract("portal.graphql", "GrantUpdates"),
            json!({ "propertyId": property["id"] }),
            "NOT_FOUND",
        ),
        (
            app.manager_token_for(app.add_tenant("Other Residential").await.0),
            contract("portal.graphql", "GrantUpdates"),
            json!({ "propertyId": property["id"] }),
            "NOT_FOUND",
        ),
        (
            app.resident_token("nobody"),
            contract("resident-app.graphql", "MyCredentialUpdates"),
            json!({}),
            "NOT_FOUND",
        ),
    ];
    for (token, operation, variables, code) in cases {
        let mut client = Client::connect(&app.address, bearer(&token)).await;
        client.subscribe("1", operation, variables.clone()).await;
        let payload = client.next_payload().await;
        assert_eq!(
            payload["errors"][0]["extensions"]["code"], code,
            "{operation} {variables}: {payload}"
        );
        match client.receive(Instant::now() + ARRIVES_WITHIN).await {
            Received::Message(message) => assert_eq!(message["type"], "complete"),
            other => panic!("expected complete, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_through_one_process_reaches_subscribers_of_another() {
    let app = spawn_app().await;
    let (property, jane) = app.jane_at_the_latch_building().await;
    let (sibling, stop_sibling, sibling_handle) = app.spawn_sibling().await;

    // Both subscribe on process B, one with the token on the upgrade request.
    let mut manager = Client::connect(&sibling, bearer(&app.manager_token())).await;
    manager
        .subscribe(
            "grants",
            contract("portal.graphql", "GrantUpdates"),
            json!({ "propertyId": property["id"] }),
        )
        .await;
    let mut resident = Client::open(&sibling, Some(&app.resident_token("jane")))
        .await
        .unwrap();
    resident.init(json!({})).await.unwrap();
    resident
        .subscribe(
            "mine",
            contract("resident-app.graphql", "MyCredentialUpdates"),
            json!({}),
        )
        .await;

    // The grant is made through process A; either process may run its provisioning.
    let grant = app
        .grant_mobile_key(
            &jane,
            &property,
            &[entrance_named(&property, "Garage Door")],
        )
        .await;
    follow_grant_until_active(&mut manager, &grant["id"]).await;
    loop {
        let payload = resident.next_payload().await;
        let credential = &payload["data"]["myCredentialUpdated"];
        assert_eq!(credential["id"], grant["credentials"][0]["id"], "{payload}");
        if credential["status"] == "ACTIVE" {
            break;
        }
    }

    // Process B stops: its open subscriptions end with "going away".
    stop_sibling.cancel();
    assert_eq!(manager.closed().await, 1001);
    assert_eq!(resident.closed().await, 1001);
    let _ = sibling_handle.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_reconnects_and_subscribers_catch_up() {
    let app = spawn_app().await;
    let (property, jane) = app.jane_at_the_latch_building().await;
    let mut db = app.db().await;
    assert_eq!(listeners(&mut db).await, 0, "no subscriber, no listener");
    let mut manager = Client::connect(&app.address, bearer(&app.manager_token())).await;
    manager
        .subscribe(
            "grants",
            contract("portal.graphql", "GrantUpdates"),
            json!({}),
        )
        .await;
    let deadline = Instant::now() + ARRIVES_WITHIN;
    while listeners(&mut db).await != 1 {
        assert!(Instant::now() < deadline, "the process never listened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The listening connection is killed again and again while the grant is provisioned, so
    // notifications are lost; whatever is missed is caught up once it listens again.
    let stop_killing = tokio_util::sync::CancellationToken::new();
    let killer = {
        let app_db = app.database.clone();
        let stop_killing = stop_killing.clone();
        tokio::spawn(async move {
            use sqlx::{ConnectOptions, Connection};
            let mut db = app_db.connect().await.unwrap();
            let mut killed = 0;
            while !stop_killing.is_cancelled() {
                killed += kill_listener(&mut db).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = db.close().await;
            killed
        })
    };
    let grant = app
        .grant_mobile_key(
            &jane,
            &property,
            &[entrance_named(&property, "Main Entrance")],
        )
        .await;
    app.wait_for_grant(&grant["id"], "ACTIVE", ARRIVES_WITHIN)
        .await;
    stop_killing.cancel();
    let killed = killer.await.unwrap();
    assert!(killed > 0, "the listener was never found to be killed");

    follow_grant_until_active(&mut manager, &grant["id"]).await;
    // And it listens again: a later change arrives as usual.
    let second = app
        .grant_mobile_key(
            &jane,
            &property,
            &[entrance_named(&property, "Garage Door")],
        )
        .await;
    loop {
        let payload = manager.next_payload().await;
        let seen = &payload["data"]["grantUpdated"];
        if seen["id"] == second["id"] && seen["status"] == "ACTIVE" {
            break;
        }
    }
}

/// The app's listening connections.
async fn listeners(db: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar(
        "select count(*) from pg_stat_activity
         where datname = current_database() and application_name = $1",
    )
    .bind(doorway_api::notify::APPLICATION_NAME)
    .fetch_one(db)
    .await
    .unwrap()
}

/// Terminates the app's listening connection; returns how many connections it ended.
async fn kill_listener(db: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar(
        "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity
         where datname = current_database() and application_name = $1",
    )
    .bind(doorway_api::notify::APPLICATION_NAME)
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_refused() {
    let app = spawn_app().await;

    // On the upgrade request: 401, no socket.
    match Client::open(&app.address, Some(&app.forged_manager_token())).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 401),
        Err(other) => panic!("expected 401, got {other}"),
        Ok(_) => panic!("a forged token got a socket"),
    }

    // In connection_init: closed with 4403 instead of acknowledged.
    for payload in [
        bearer(&app.forged_manager_token()),
        json!({ "token": app.issuer_expired_token() }),
        json!({ "token": "not-a-jwt" }),
        json!({}),
    ] {
        let mut client = Client::open(&app.address, None).await.unwrap();
        assert_eq!(client.init(payload.clone()).await, Err(4403), "{payload}");
    }

    // Subscribing without connection_init is refused too.
    let mut client = Client::open(&app.address, None).await.unwrap();
    client
        .send(json!({ "id": "1", "type": "subscribe", "payload": {
            "query": contract("portal.graphql", "GrantUpdates") } }))
        .await;
    assert_ne!(client.closed().await, 1000);

    // A connection ends when its token expires.
    let jwt = doorway_api::Config::from_lookup(doorway_api::Profile::Demo, |_| None)
        .unwrap()
        .jwt;
    let short_lived = doorway_api::auth::TokenIssuer::new(&jwt)
        .mint(
            "manager",
            "pm",
            Some(app.tenant_id),
            None,
            None,
            chrono::Duration::seconds(3),
        )
        .unwrap();
    let mut client = Client::connect(&app.address, bearer(&short_lived)).await;
    assert_eq!(client.closed().await, 4401);

    // Without a subprotocol this is no GraphQL WebSocket.
    let url = format!("{}/graphql/ws", app.address.replacen("http://", "ws://", 1));
    match tokio_tungstenite::connect_async(url).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 400),
        other => panic!("expected 400, got {:?}", other.map(|_| ())),
    }
}
