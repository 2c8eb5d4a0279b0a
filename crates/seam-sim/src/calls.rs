//! The Seam calls a workspace has received, for `/_sim/calls`: a count per endpoint, and a log
//! of the last calls with the lock each was about, when it arrived and what it was answered.
//!
//! Counted at the gate, so the count is what a client sent rather than what succeeded: a call
//! refused by an injected fault or a rate limit counts, since the client made it. That is
//! what tests and benchmarks need to prove how many calls a flow costs, or that a second
//! create was never sent. The log is what proves pacing ("no more than N writes to one lock
//! within any minute reached Seam"), so its times are real time, not the simulator clock a
//! test may jump: a client's pacing happens in real time. The control surface (`/_sim/*`) is
//! not counted.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use serde_json::{json, Value};

/// Enough for any test's window of interest, small enough that a long benchmark cannot make
/// the simulator grow without bound.
pub(crate) const MAX_LOGGED_CALLS: usize = 10_000;

/// One call, named when it arrives so that a call answered later (a hang, a slow handler)
/// still finds its own log entry, and a call answered after a clear finds none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallId(u64);

#[derive(Debug)]
struct LoggedCall {
    id: u64,
    endpoint: String,
    device_id: Option<String>,
    /// Real milliseconds since the workspace was created or its calls were last cleared.
    at_ms: u64,
    /// `None` until the call is answered.
    status: Option<u16>,
}

#[derive(Debug)]
pub(crate) struct CallRecord {
    /// By path, sorted so the rendering is stable.
    by_endpoint: BTreeMap<String, u64>,
    total: u64,
    /// What `at_ms` counts from.
    origin: Instant,
    /// Oldest first; at most [`MAX_LOGGED_CALLS`].
    log: VecDeque<LoggedCall>,
    /// Never reset, so ids stay unique across clears.
    next_id: u64,
}

impl CallRecord {
    pub(crate) fn new() -> Self {
        Self {
            by_endpoint: BTreeMap::new(),
            total: 0,
            origin: Instant::now(),
            log: VecDeque::new(),
            next_id: 0,
        }
    }

    /// Counts a call that has just arrived and opens its log entry.
    pub(crate) fn record(&mut self, endpoint: &str) -> CallId {
        *self.by_endpoint.entry(endpoint.to_owned()).or_default() += 1;
        self.total += 1;
        let id = self.next_id;
        self.next_id += 1;
        let elapsed = self.origin.elapsed().as_millis();
        self.log.push_back(LoggedCall {
            id,
            endpoint: endpoint.to_owned(),
            device_id: None,
            at_ms: u64::try_from(elapsed).unwrap_or(u64::MAX),
            status: None,
        });
        if self.log.len() > MAX_LOGGED_CALLS {
            self.log.pop_front();
        }
        CallId(id)
    }

    /// The lock the call turned out to be about, once its body has been read.
    pub(crate) fn about_device(&mut self, call: CallId, device_id: Option<String>) {
        if let Some(entry) = self.entry(call) {
            entry.device_id = device_id;
        }
    }

    /// The status the call was answered with.
    pub(crate) fn answered(&mut self, call: CallId, status: u16) {
        if let Some(entry) = self.entry(call) {
            entry.status = Some(status);
        }
    }

    /// The call's entry, unless it was cleared or pushed out since.
    fn entry(&mut self, call: CallId) -> Option<&mut LoggedCall> {
        let first = self.log.front()?.id;
        let index = usize::try_from(call.0.checked_sub(first)?).ok()?;
        self.log.get_mut(index).filter(|entry| entry.id == call.0)
    }

    /// Starts again: no counts, an empty log, and `at_ms` counted from now.
    pub(crate) fn clear(&mut self) {
        self.by_endpoint.clear();
        self.total = 0;
        self.log.clear();
        self.origin = Instant::now();
    }

    /// `{"calls": {"/access_codes/create": 3, ...}, "total": 3}`, and with `with_log`,
    /// `"log": [{"endpoint", "device_id", "at_ms", "status"}, ...]` in arrival order.
    pub(crate) fn render(&self, with_log: bool) -> Value {
        let mut rendered = json!({ "calls": self.by_endpoint, "total": self.total });
        if with_log {
            rendered["log"] = self
                .log
                .iter()
                .map(|call| {
                    json!({
                        "endpoint": call.endpoint,
                        "device_id": call.device_id,
                        "at_ms": call.at_ms,
                        "status": call.status,
                    })
                })
                .collect();
        }
        rendered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_endpoint_and_in_total_until_cleared() {
        let mut calls = CallRecord::new();
        assert_eq!(calls.render(false), json!({ "calls": {}, "total": 0 }));
        calls.record("/access_codes/create");
        calls.record("/devices/list");
        calls.record("/access_codes/create");
        assert_eq!(
            calls.render(false),
            json!({
                "calls": { "/access_codes/create": 2, "/devices/list": 1 },
                "total": 3,
            })
        );
        calls.clear();
        assert_eq!(
            calls.render(true),
            json!({ "calls": {}, "total": 0, "log": [] })
        );
    }

    #[test]
    fn the_log_keeps_arrival_order_device_and_status() {
        let mut calls = CallRecord::new();
        let first = calls.record("/access_codes/create");
        let second = calls.record("/devices/list");
        // Answered in the other order, logged in the order they came.
        calls.answered(second, 200);
        calls.about_device(first, Some("lock-1".to_owned()));
        calls.answered(first, 429);
        let log = &calls.render(true)["log"];
        assert_eq!(log[0]["endpoint"], "/access_codes/create");
        assert_eq!(log[0]["device_id"], "lock-1");
        assert_eq!(log[0]["status"], 429);
        assert_eq!(log[1]["endpoint"], "/devices/list");
        assert_eq!(log[1]["device_id"], Value::Null);
        assert_eq!(log[1]["status"], 200);
        assert!(log[0]["at_ms"].as_u64().unwrap() <= log[1]["at_ms"].as_u64().unwrap());
    }

    #[test]
    fn a_call_answered_after_a_clear_does_not_touch_the_new_log() {
        let mut calls = CallRecord::new();
        let old = calls.record("/access_codes/create");
        calls.clear();
        let new = calls.record("/access_codes/update");
        calls.answered(old, 500);
        calls.about_device(old, Some("lock-1".to_owned()));
        let log = &calls.render(true)["log"];
        assert_eq!(log.as_array().unwrap().len(), 1);
        assert_eq!(log[0]["status"], Value::Null);
        assert_eq!(log[0]["device_id"], Value::Null);
        calls.answered(new, 200);
        assert_eq!(calls.render(true)["log"][0]["status"], 200);
    }

    #[test]
    fn only_the_last_ten_thousand_calls_are_logged() {
        let mut calls = CallRecord::new();
        let first = calls.record("/devices/list");
        for _ in 0..MAX_LOGGED_CALLS {
            calls.record("/access_codes/create");
        }
        calls.answered(first, 200);
        let rendered = calls.render(true);
        let log = rendered["log"].as_array().unwrap();
        assert_eq!(log.len(), MAX_LOGGED_CALLS);
        assert!(log
            .iter()
            .all(|call| call["endpoint"] == "/access_codes/create"));
        assert_eq!(rendered["total"], MAX_LOGGED_CALLS + 1);
    }
}
