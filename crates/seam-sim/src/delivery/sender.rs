//! Sending messages: one spawned task per message, which waits its jitter (drawn when queued), POSTs the
//! event with fresh Svix headers on every attempt (same `svix-id`), retries non-2xx answers
//! and connection failures with doubling backoff, and sometimes sends a delivered message
//! once more, as Svix's at-least-once delivery does. In deterministic mode every header is
//! reproducible, `svix-timestamp` included (see [`timestamp`]).

use chrono::Utc;

use super::{backoff, signing, Outgoing};
use crate::simulator::Simulator;

/// Hands each message to its own task; without a Tokio runtime (a simulator driven from
/// synchronous code) the messages are dropped with a warning.
pub(crate) fn dispatch(sim: &Simulator, outgoing: Vec<Outgoing>) {
    if outgoing.is_empty() {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!(
            messages = outgoing.len(),
            "no Tokio runtime: webhook messages dropped"
        );
        return;
    };
    for message in outgoing {
        runtime.spawn(deliver(sim.clone(), message));
    }
}

async fn deliver(sim: Simulator, message: Outgoing) {
    let (first_wait, duplicate, second_wait) =
        (message.first_wait, message.duplicate, message.second_wait);
    tokio::time::sleep(first_wait).await;
    let delivered = send_with_retries(&sim, &message, false).await;
    if delivered && duplicate {
        tokio::time::sleep(second_wait).await;
        send_with_retries(&sim, &message, true).await;
    }
}

/// Attempts until a 2xx or the attempts run out; true when delivered.
async fn send_with_retries(sim: &Simulator, message: &Outgoing, duplicate: bool) -> bool {
    let attempts = message.settings.max_attempts.max(1);
    for attempt in 1..=attempts {
        let outcome = send_once(sim, message).await;
        let delivered = matches!(outcome, Ok(status) if (200..300).contains(&status));
        tracing::debug!(
            message_id = %message.message_id,
            url = %message.url,
            attempt,
            ?outcome,
            "webhook attempt"
        );
        sim.with_store(|store| {
            if let Some(ws) = store.workspace_mut(&message.workspace_id) {
                ws.deliveries
                    .record_attempt(&message.message_id, &outcome, duplicate);
            }
        });
        if delivered {
            return true;
        }
        if attempt < attempts {
            tokio::time::sleep(backoff(message.settings.initial_backoff, attempt)).await;
        }
    }
    tracing::info!(message_id = %message.message_id, url = %message.url, "webhook message given up");
    false
}

/// The `svix-timestamp` of an attempt, in Unix seconds.
///
/// In deterministic mode (a seeded simulator) it is simulator time: when the message was
/// queued on the workspace's clock, the same for every attempt. Reading the clock at the
/// attempt instead would race the requests that move it (jitter and retries wait in real
/// time), and a seeded run must send byte-identical deliveries, signatures included. A
/// receiver that checks the timestamp against its own clock must then allow for simulator
/// time.
///
/// Otherwise it is the wall clock at the attempt, as Svix sends it and as receivers check it
/// (Svix allows five minutes): a test that jumps the simulator's clock ahead would else see
/// every later delivery refused as stale.
fn timestamp(sim: &Simulator, message: &Outgoing) -> i64 {
    match sim.options().seed {
        Some(_) => message.queued_at.timestamp(),
        None => Utc::now().timestamp(),
    }
}

/// One POST: the receiver's status, or why there was none.
async fn send_once(sim: &Simulator, message: &Outgoing) -> Result<u16, String> {
    let timestamp = timestamp(sim, message);
    let signature = signing::sign(
        &message.secret,
        &message.message_id,
        timestamp,
        &message.body,
    )?;
    let response = sim
        .http()
        .post(&message.url)
        .timeout(message.settings.timeout)
        .header("content-type", "application/json")
        .header("user-agent", "seam-sim webhooks (Svix-compatible)")
        .header("svix-id", &message.message_id)
        .header("svix-timestamp", timestamp.to_string())
        .header("svix-signature", signature)
        .body(message.body.clone())
        .send()
        .await
        .map_err(|error| error.to_string())?;
    Ok(response.status().as_u16())
}
