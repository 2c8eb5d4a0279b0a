//! Injected faults: the failures a Seam client must survive, on demand.
//!
//! A workspace keeps a list of faults. For each Seam call, [`FaultBook::plan`] decides from
//! the faults that match the endpoint (and, for a fault with a `device_id`, the devices the
//! call names) whether the call is held before anything happens (`hang_ms`, the "server is
//! slow to start on it" case a client times out on), refused before any work (`error_rate`,
//! `rate_limit_per_minute`), or done and then answered late (`latency_ms`) or answered 500
//! anyway (`ambiguous_rate`, the "network fault after commit" case). A fault with `times`
//! applies to that many calls and then disappears.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::envelope::FromInput;
use crate::error::SimError;
use crate::ids::SimRng;
use crate::input::{self, Input};
use crate::rate_limits;

/// One injected fault, as posted to `/_sim/faults`.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    /// A Seam path such as `/acs/users/create`; `None` matches every Seam endpoint.
    endpoint: Option<String>,
    /// Only calls whose body names this device (see [`crate::gate`]); `None` matches all.
    device_id: Option<String>,
    error_rate: f64,
    status: StatusCode,
    /// Held before the call is refused or performed.
    hang: Duration,
    latency: Duration,
    rate_limit_per_minute: Option<usize>,
    ambiguous_rate: f64,
    times_left: Option<u64>,
    /// Accepted calls in the last minute, per endpoint, for the rate limit.
    calls: HashMap<String, VecDeque<Instant>>,
}

/// What to do with one call.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    /// Wait this long before anything else (refusing, or doing the work).
    pub(crate) hang: Duration,
    /// Answer this instead of doing the work.
    pub(crate) refuse: Option<SimError>,
    /// Do the work, then answer 500.
    pub(crate) ambiguous: bool,
    /// Do the work, then wait this long before answering.
    pub(crate) latency: Duration,
}

#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    faults: Vec<Fault>,
}

impl FaultBook {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.faults.clear();
    }

    pub(crate) fn render(&self) -> Value {
        Value::Array(self.faults.iter().map(Fault::render).collect())
    }

    /// Decides the fate of one call to `endpoint` whose body names `devices`.
    pub(crate) fn plan(
        &mut self,
        endpoint: &str,
        devices: &[String],
        now: Instant,
        rng: &mut SimRng,
    ) -> FaultPlan {
        let mut plan = FaultPlan::default();
        for fault in &mut self.faults {
            if plan.refuse.is_some() {
                break;
            }
            if fault.endpoint.as_deref().is_some_and(|e| e != endpoint)
                || fault
                    .device_id
                    .as_ref()
                    .is_some_and(|d| !devices.contains(d))
            {
                continue;
            }
            let mut triggered = false;
            if !fault.hang.is_zero() {
                plan.hang += fault.hang;
                triggered = true;
            }
            if let Some(limit) = fault.rate_limit_per_minute {
                let calls = fault.calls.entry(endpoint.to_owned()).or_default();
                if let Err(refusal) = rate_limits::admit(calls, limit, rate_limits::MINUTE, now) {
                    plan.refuse = Some(refusal);
                    triggered = true;
                }
            }
            if plan.refuse.is_none() && rng.chance(fault.error_rate) {
                plan.refuse = Some(match fault.status {
                    StatusCode::TOO_MANY_REQUESTS => SimError::RateLimited {
                        retry_after_secs: 1,
                    },
                    status => SimError::Injected(status),
                });
                triggered = true;
            }
            if plan.refuse.is_none() {
                if rng.chance(fault.ambiguous_rate) {
                    plan.ambiguous = true;
                    triggered = true;
                }
                if !fault.latency.is_zero() {
                    plan.latency += fault.latency;
                    triggered = true;
                }
            }
            if let (true, Some(left)) = (triggered, fault.times_left.as_mut()) {
                *left = left.saturating_sub(1);
            }
        }
        self.faults.retain(|fault| fault.times_left != Some(0));
        plan
    }
}

impl Fault {
    fn render(&self) -> Value {
        json!({
            "endpoint": self.endpoint,
            "device_id": self.device_id,
            "error_rate": self.error_rate,
            "status": self.status.as_u16(),
            "hang_ms": self.hang.as_millis() as u64,
            "latency_ms": self.latency.as_millis() as u64,
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "ambiguous_rate": self.ambiguous_rate,
            "times": self.times_left,
        })
    }
}

impl FromInput for Fault {
    fn from_input(input: &mut Input) -> Self {
        let endpoint = input.optional("endpoint", input::string);
        if endpoint.as_deref().is_some_and(|e| !e.starts_with('/')) {
            input.issue("endpoint", "Must be a path such as /acs/users/create");
        }
        let status = whole(input, "status", 400.0, 599.0).unwrap_or(500);
        Self {
            endpoint,
            device_id: input.optional("device_id", input::uuid),
            error_rate: rate(input, "error_rate"),
            status: StatusCode::from_u16(status as u16)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            hang: millis(input, "hang_ms"),
            latency: millis(input, "latency_ms"),
            rate_limit_per_minute: whole(input, "rate_limit_per_minute", 1.0, 1e9)
                .map(|limit| limit as usize),
            ambiguous_rate: rate(input, "ambiguous_rate"),
            times_left: whole(input, "times", 1.0, 1e12),
            calls: HashMap::new(),
        }
    }
}

fn rate(input: &mut Input, name: &str) -> f64 {
    let value = input.optional(name, input::number).unwrap_or(0.0);
    if !(0.0..=1.0).contains(&value) {
        input.issue(name, "Must be between 0 and 1");
    }
    value
}

/// A delay of up to ten minutes, in whole milliseconds.
fn millis(input: &mut Input, name: &str) -> Duration {
    Duration::from_millis(whole(input, name, 0.0, 600_000.0).unwrap_or(0))
}

fn whole(input: &mut Input, name: &str, min: f64, max: f64) -> Option<u64> {
    let value = input.optional(name, input::number)?;
    if value.fract() != 0.0 || value < min || value > max {
        input.issue(name, format!("Must be a whole number from {min} to {max}"));
        return None;
    }
    Some(value as u64)
}

#[cfg(test)]
#[path = "faults_tests.rs"]
mod tests;
