//! `/_sim/clock/*`: read, advance, set, freeze and unfreeze simulator time. With a bearer key
//! they act on that workspace's clock; without one, on every clock, including the one new
//! workspaces start from. Whatever falls due when a clock moves happens, and is announced,
//! before the answer. Clocks never move backwards: lifecycles already announced cannot be
//! taken back.

use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::clock::{iso, ClockReading, SimClock};
use crate::envelope::{ok, FromInput, Reply, SeamBody};
use crate::error::SimError;
use crate::gate::{bearer_key, bearer_workspace};
use crate::input::{self, invalid_field, Input};
use crate::simulator::Simulator;

/// Clock moves are capped at a century, far beyond any schedule a test needs.
const MAX_ADVANCE_SECONDS: f64 = 100.0 * 366.0 * 24.0 * 3600.0;

/// Applies `change` to the workspace's clock (with a key) or to every clock, settles, and
/// answers the clock as it then reads.
fn change_clocks(
    sim: &Simulator,
    headers: &HeaderMap,
    change: impl Fn(&mut SimClock) -> Result<(), SimError>,
) -> Reply {
    let reading = if bearer_key(headers).is_some() {
        let workspace_id = bearer_workspace(sim, headers)?;
        sim.with_workspace(&workspace_id, |ws| {
            change(&mut ws.clock)?;
            Ok(ws.clock.reading())
        })?
    } else {
        let reading = sim.with_store(|store| {
            // Checked on copies first, so a refusal leaves every clock as it was.
            for clock in store.clocks_mut() {
                change(&mut clock.clone())?;
            }
            store.clocks_mut().try_for_each(&change)?;
            Ok::<ClockReading, SimError>(store.base_clock().reading())
        })?;
        sim.settle_all();
        reading
    };
    ok(json!({ "now": iso(reading.now), "frozen": reading.frozen }))
}

/// `GET /_sim/clock`: `{now, frozen}`.
pub(super) async fn read(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    change_clocks(&sim, &headers, |_| Ok(()))
}

pub(super) struct Advance {
    by: TimeDelta,
}

impl FromInput for Advance {
    fn from_input(input: &mut Input) -> Self {
        let seconds: f64 = input.required("seconds", input::number);
        if !(0.0..=MAX_ADVANCE_SECONDS).contains(&seconds) {
            input.issue("seconds", "Must be a number of seconds from 0 to 100 years");
        }
        Self {
            by: TimeDelta::milliseconds((seconds * 1000.0).round() as i64),
        }
    }
}

/// `POST /_sim/clock/advance {seconds}`.
pub(super) async fn advance(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    SeamBody(req): SeamBody<Advance>,
) -> Reply {
    change_clocks(&sim, &headers, |clock| {
        clock.advance(req.by);
        Ok(())
    })
}

pub(super) struct SetTo {
    now: DateTime<Utc>,
}

impl FromInput for SetTo {
    fn from_input(input: &mut Input) -> Self {
        Self {
            now: input.required("now", input::datetime),
        }
    }
}

/// `POST /_sim/clock/set {now}`: jumps to an instant, frozen or running as the clock was.
pub(super) async fn set(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    SeamBody(req): SeamBody<SetTo>,
) -> Reply {
    change_clocks(&sim, &headers, |clock| {
        if req.now < clock.now() {
            return Err(invalid_field(
                &["now"],
                &format!(
                    "Clocks do not run backwards; it is already {}",
                    iso(clock.now())
                ),
            ));
        }
        clock.set(req.now);
        Ok(())
    })
}

/// `POST /_sim/clock/freeze`: time stands still until advanced or set.
pub(super) async fn freeze(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    change_clocks(&sim, &headers, |clock| {
        if !clock.is_frozen() {
            clock.freeze();
        }
        Ok(())
    })
}

/// `POST /_sim/clock/unfreeze`: time runs on from where it stood.
pub(super) async fn unfreeze(State(sim): State<Simulator>, headers: HeaderMap) -> Reply {
    change_clocks(&sim, &headers, |clock| {
        clock.unfreeze();
        Ok(())
    })
}
