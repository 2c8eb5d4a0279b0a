//! The change feed behind GraphQL subscriptions: each process holds ONE PostgreSQL connection
//! that `LISTEN`s on `doorway_changes` and fans what it hears out to its subscribers through a
//! broadcast channel. It connects at the process's first subscription (a process without
//! WebSocket clients holds none) and stays until the application stops.
//!
//! The migration `change_notifications` fires `pg_notify` when a grant or credential is
//! inserted or its status, reason or code changes. PostgreSQL delivers a notification only once
//! its transaction commits, and to every listening session, so a change made by any Doorway
//! process behind the same database reaches the subscribers of all of them. The payload carries
//! ids only; subscribers load the row themselves, through the tenant-scoped repository.
//!
//! Notifications are not stored: those sent while the listening connection is down are lost.
//! So the listener probes its connection, reconnects with backoff when it is lost, and then
//! sends [`Event::Resync`] with a time safely before the loss; a subscriber whose broadcast
//! receiver fell behind does the same for itself. On a resync, subscribers reload what changed
//! since that time (by `updated_at`) and re-emit what differs from what they last sent.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Deserialize;
use sqlx::postgres::{PgListener, PgNotification, PgPoolOptions};
use sqlx::PgPool;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The channel the migration's triggers notify.
pub const CHANNEL: &str = "doorway_changes";
/// The listening connection's `application_name`.
pub const APPLICATION_NAME: &str = "doorway-change-listener";

/// Events held for subscribers that have not read them yet; one that falls further behind
/// skips ahead and resyncs instead of slowing the others down.
const CAPACITY: usize = 1024;
/// How often the listening connection is checked (a half-open TCP connection never errors).
const PROBE_EVERY: Duration = Duration::from_secs(20);
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
/// A resync reloads what changed since this long before the loss was noticed: the probe
/// interval, plus transactions that began before it (their `updated_at` is their start).
const RESYNC_MARGIN: chrono::TimeDelta = chrono::TimeDelta::seconds(90);

/// What a trigger announced: which row changed, never what it holds.
#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub tenant_id: Uuid,
    pub grant_id: Uuid,
    #[serde(default)]
    pub credential_id: Option<Uuid>,
    /// The grant's resident and property; null when the trigger could not see the grant.
    #[serde(default)]
    pub resident_id: Option<Uuid>,
    #[serde(default)]
    pub property_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Grant,
    Credential,
}

#[derive(Debug, Clone)]
pub enum Event {
    Changed(Change),
    /// Changes may have been missed: reload whatever changed since `since`.
    Resync {
        since: DateTime<Utc>,
    },
}

/// The process's change feed; cheap to clone.
#[derive(Clone)]
pub struct ChangeFeed {
    sender: broadcast::Sender<Event>,
    stop: CancellationToken,
    /// Signalled at each subscription: the listener connects only once someone subscribes.
    wanted: Arc<Notify>,
}

impl ChangeFeed {
    /// A feed whose subscribers end when `stop` is cancelled.
    pub fn new(stop: CancellationToken) -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            stop,
            wanted: Arc::new(Notify::new()),
        }
    }

    pub fn subscribe(&self) -> Subscriber {
        self.wanted.notify_one();
        Subscriber {
            receiver: self.sender.subscribe(),
            stop: self.stop.clone(),
            caught_up_at: Utc::now(),
        }
    }

    /// Cancelled when the application stops.
    pub fn stop_token(&self) -> &CancellationToken {
        &self.stop
    }

    /// Starts the process's listener, which runs until the feed's stop token is cancelled. It
    /// connects when the first subscription is made, like `pool` but on its own connection,
    /// named [`APPLICATION_NAME`] in `pg_stat_activity`, so it never takes a slot the service's
    /// queries need.
    pub fn spawn_listener(&self, pool: &PgPool) -> tokio::task::JoinHandle<()> {
        let options = (*pool.connect_options())
            .clone()
            .application_name(APPLICATION_NAME);
        // Two: a replacement can connect while a dead connection is still being let go of.
        let own = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(options);
        tokio::spawn(self.clone().listen(own))
    }

    async fn listen(self, pool: PgPool) {
        // A process nobody subscribes to holds no connection for it.
        if self.stoppable(self.wanted.notified()).await.is_some() {
            self.listen_until_stopped(&pool).await;
        }
        // Bounded: a connection that died half-open may take long to let go of.
        let _ = tokio::time::timeout(Duration::from_secs(5), pool.close()).await;
        tracing::debug!("change listener stopped");
    }

    async fn listen_until_stopped(&self, pool: &PgPool) {
        let mut failures = 0;
        // Since when changes may have gone unheard: subscribers resync from then whenever the
        // listener (re)connects, including the first time (the first subscriber came just now,
        // before the connection was listening).
        let mut deaf_since = Some(Utc::now());
        let mut connected_before = false;
        while !self.stop.is_cancelled() {
            let mut listener = match self.stoppable(connect(pool)).await {
                None => break,
                Some(Ok(listener)) => listener,
                Some(Err(err)) => {
                    failures += 1;
                    let delay = backoff(failures);
                    tracing::warn!(error = %err, retry_in = ?delay, "cannot listen for changes");
                    if self.stoppable(tokio::time::sleep(delay)).await.is_none() {
                        break;
                    }
                    continue;
                }
            };
            failures = 0;
            if connected_before {
                tracing::info!("listening for changes again; subscribers resync");
            } else {
                tracing::debug!("listening for changes");
            }
            connected_before = true;
            if let Some(since) = deaf_since.take() {
                self.publish(Event::Resync {
                    since: since - RESYNC_MARGIN,
                });
            }
            match self.stoppable(self.relay(&mut listener)).await {
                None => break,
                Some(err) => {
                    tracing::warn!(error = %err, "lost the connection listening for changes");
                    deaf_since = Some(Utc::now());
                }
            }
            // Dropped, not reused: whatever state it was cancelled in does not matter.
            drop(listener);
        }
    }

    /// Relays notifications until the connection fails (returns why).
    async fn relay(&self, listener: &mut PgListener) -> Lost {
        loop {
            match tokio::time::timeout(PROBE_EVERY, listener.try_recv()).await {
                Ok(Ok(Some(notification))) => self.relay_one(&notification),
                Ok(Ok(None)) => return Lost::Closed,
                Ok(Err(err)) => return Lost::Database(err),
                Err(_quiet) => {
                    let probe = sqlx::query("select 1").execute(&mut *listener);
                    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(err)) => return Lost::Database(err),
                        Err(_) => return Lost::Unresponsive,
                    }
                }
            }
        }
    }

    fn relay_one(&self, notification: &PgNotification) {
        match serde_json::from_str::<Change>(notification.payload()) {
            Ok(change) => self.publish(Event::Changed(change)),
            Err(err) => tracing::warn!(error = %err, "unreadable change notification"),
        }
    }

    fn publish(&self, event: Event) {
        // An error only means nobody is subscribed right now.
        let _ = self.sender.send(event);
    }

    async fn stoppable<T>(&self, work: impl std::future::Future<Output = T>) -> Option<T> {
        tokio::select! {
            () = self.stop.cancelled() => None,
            out = work => Some(out),
        }
    }
}

/// Why the listening connection was given up.
#[derive(Debug, thiserror::Error)]
enum Lost {
    #[error("the connection closed")]
    Closed,
    #[error("the connection did not answer a probe in time")]
    Unresponsive,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // A lost connection is reported at once rather than silently replaced: the caller drops
    // this listener, makes a new one and tells subscribers to resync.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// 0.5 s, 1 s, 2 s ... capped at 30 s, with ±20 % jitter so processes do not reconnect in step.
fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(6);
    let delay = Duration::from_millis(500)
        .saturating_mul(1 << doublings)
        .min(Duration::from_secs(30));
    delay.mul_f64(rand::thread_rng().gen_range(0.8..1.2))
}

/// One subscription's view of the feed.
pub struct Subscriber {
    receiver: broadcast::Receiver<Event>,
    stop: CancellationToken,
    caught_up_at: DateTime<Utc>,
}

impl Subscriber {
    /// The next event; `None` once the application stops.
    pub async fn next(&mut self) -> Option<Event> {
        if self.receiver.is_empty() {
            // Nothing is waiting: whatever is missed from now on was sent after this.
            self.caught_up_at = Utc::now();
        }
        let received = tokio::select! {
            () = self.stop.cancelled() => return None,
            received = self.receiver.recv() => received,
        };
        self.accept(received)
    }

    /// An event already waiting, without waiting for one (to handle a burst together).
    pub fn next_ready(&mut self) -> Option<Event> {
        if self.stop.is_cancelled() {
            return None;
        }
        match self.receiver.try_recv() {
            Ok(event) => self.accept(Ok(event)),
            Err(broadcast::error::TryRecvError::Lagged(skipped)) => {
                self.accept(Err(broadcast::error::RecvError::Lagged(skipped)))
            }
            Err(_) => None,
        }
    }

    fn accept(&mut self, received: Result<Event, broadcast::error::RecvError>) -> Option<Event> {
        match received {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(skipped)) => {
                tracing::warn!(skipped, "a slow subscriber skipped changes; it resyncs");
                let since = self.caught_up_at - RESYNC_MARGIN;
                self.caught_up_at = Utc::now();
                Some(Event::Resync { since })
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_of_both_triggers_parse() {
        let grant: Change = serde_json::from_str(
            r#"{"kind" : "grant", "tenant_id" : "00000000-0000-0000-0000-000000000001",
                "grant_id" : "00000000-0000-0000-0000-0000000000c1",
                "resident_id" : "00000000-0000-0000-0000-0000000000b1",
                "property_id" : "00000000-0000-0000-0000-0000000000a1"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(grant.kind, ChangeKind::Grant);
        assert_eq!(grant.credential_id, None);
        let credential: Change = serde_json::from_str(
            r#"{"kind" : "credential", "tenant_id" : "00000000-0000-0000-0000-000000000001",
                "grant_id" : "00000000-0000-0000-0000-0000000000c1",
                "credential_id" : "00000000-0000-0000-0000-0000000000d1",
                "resident_id" : null, "property_id" : null}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(credential.kind, ChangeKind::Credential);
        assert!(credential.credential_id.is_some() && credential.resident_id.is_none());
    }

    #[test]
    fn reconnecting_backs_off_up_to_half_a_minute() {
        assert!(backoff(1) <= Duration::from_millis(600));
        assert!(backoff(3) >= Duration::from_millis(1600));
        assert!(backoff(50) <= Duration::from_secs(36));
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_resyncs_instead_of_blocking() {
        let feed = ChangeFeed::new(CancellationToken::new());
        let mut slow = feed.subscribe();
        for _ in 0..CAPACITY + 10 {
            feed.publish(Event::Resync { since: Utc::now() });
        }
        // The sender never waited; the slow subscriber is told to resync, then reads on.
        match slow.next().await {
            Some(Event::Resync { since }) => assert!(since < Utc::now() - RESYNC_MARGIN / 2),
            other => panic!("expected a resync, got {other:?}"),
        }
        assert!(slow.next_ready().is_some());
    }

    #[tokio::test]
    async fn subscribers_end_when_the_application_stops() {
        let stop = CancellationToken::new();
        let feed = ChangeFeed::new(stop.clone());
        let mut subscriber = feed.subscribe();
        stop.cancel();
        assert!(subscriber.next().await.is_none());
    }
}
