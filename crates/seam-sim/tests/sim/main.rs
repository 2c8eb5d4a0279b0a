//! The simulator over real HTTP, as its users (the gateway's tests, demos) see it.

// Helpers outside `#[test]` functions panic on purpose: a broken expectation fails the test.
#![expect(clippy::unwrap_used, clippy::expect_used)]

mod helpers;
mod receiver;
mod spec;

mod access_codes;
mod accounts;
mod acs_manage;
mod call_log;
mod calls;
mod client_sessions;
mod code_lifecycle;
mod conformance;
mod connectivity;
mod docs;
mod events;
mod faults;
mod hubs;
mod identities;
mod identity_links;
mod latch;
mod locks;
mod mobile_transport;
mod pagination;
mod rate_limits;
mod replay;
mod salto;
mod seed;
mod session_scope;
mod simulate;
mod state;
mod transport;
mod webhooks;
mod workspace_data;
