//! The background ticker: settles every workspace a few times a second, so codes get set,
//! credentials issued and events delivered to webhooks on time even when no client calls.
//!
//! It holds the simulator weakly and stops when the simulator is gone (or when
//! [`crate::RunningSim`] stops it).

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::simulator::Simulator;

/// Ticks faster than this would only burn the two cores tests share.
const MIN_PERIOD: Duration = Duration::from_millis(10);

pub(crate) fn start(sim: &Simulator) -> JoinHandle<()> {
    let weak = sim.downgrade();
    let period = sim.options().tick_interval.max(MIN_PERIOD);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            let Some(sim) = weak.upgrade() else {
                break;
            };
            sim.settle_all();
        }
    })
}
