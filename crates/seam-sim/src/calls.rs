//! How many Seam calls a workspace has received, per endpoint, for `/_sim/calls`.
//!
//! Counted at the gate, so the count is what a client sent rather than what succeeded: a call
//! refused by an injected fault or a rate limit counts, since the client made it. That is
//! what tests and benchmarks need to prove how many calls a flow costs, or that a second
//! create was never sent. The control surface (`/_sim/*`) is not counted.

use std::collections::BTreeMap;

use serde_json::{json, Value};

#[derive(Debug, Default)]
pub(crate) struct CallCounts {
    /// By path, sorted so the rendering is stable.
    by_endpoint: BTreeMap<String, u64>,
    total: u64,
}

impl CallCounts {
    pub(crate) fn record(&mut self, endpoint: &str) {
        *self.by_endpoint.entry(endpoint.to_owned()).or_default() += 1;
        self.total += 1;
    }

    pub(crate) fn clear(&mut self) {
        self.by_endpoint.clear();
        self.total = 0;
    }

    /// `{"calls": {"/access_codes/create": 3, ...}, "total": 3}`.
    pub(crate) fn render(&self) -> Value {
        json!({ "calls": self.by_endpoint, "total": self.total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_endpoint_and_in_total_until_cleared() {
        let mut counts = CallCounts::default();
        assert_eq!(counts.render(), json!({ "calls": {}, "total": 0 }));
        counts.record("/access_codes/create");
        counts.record("/devices/list");
        counts.record("/access_codes/create");
        assert_eq!(
            counts.render(),
            json!({
                "calls": { "/access_codes/create": 2, "/devices/list": 1 },
                "total": 3,
            })
        );
        counts.clear();
        assert_eq!(counts.render(), json!({ "calls": {}, "total": 0 }));
    }
}
