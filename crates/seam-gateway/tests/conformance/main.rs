//! Conformance: one suite of gateway scenarios, run against our simulator and against Seam's
//! own fake (`@seamapi/fake-seam-connect`), each behind the contract suite's validating
//! proxy. Where the two disagree, Seam's OpenAPI description decides; every difference is
//! written up in `DIFFERENCES.md` and, for the fake, listed in [`differences`].
//!
//! Needs Node.js (node and npm): the fake is installed on first use into
//! `~/.cache/doorway/fake-seam-connect-<version>` (or `SEAM_FAKE_DIR`).

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed step should fail the test where it happened"
)]

#[path = "../contract/openapi/mod.rs"]
#[expect(
    dead_code,
    reason = "shared with the contract suite, which uses all of it"
)]
mod openapi;
#[path = "../contract/proxy.rs"]
#[expect(
    dead_code,
    reason = "shared with the contract suite, which uses all of it"
)]
mod proxy;

mod differences;
mod fake;
mod target;

mod access_codes;
mod acs_users;
mod devices;
mod events;
mod sessions;
mod workspace;

/// An id no target has: a UUID, which the simulator requires, and unknown to the fake.
pub const ABSENT_ID: &str = "00000000-0000-4000-8000-000000000000";
