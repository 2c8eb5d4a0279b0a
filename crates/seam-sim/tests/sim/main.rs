//! The simulator over real HTTP, as its users (the gateway's tests, demos) see it.

// Helpers outside `#[test]` functions panic on purpose: a broken expectation fails the test.
#![expect(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod client_sessions;
mod faults;
mod identities;
mod latch;
mod pagination;
mod salto;
mod seed;
mod state;
mod transport;
