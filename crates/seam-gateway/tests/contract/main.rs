//! Contract tests: every request the gateway sends and every response the simulator returns
//! must match Seam's OpenAPI description. The gateway talks to the simulator through a
//! validating proxy ([`proxy`]) that holds each body up to the description ([`openapi`]);
//! the scenarios ([`calls`]) make every call the gateway can make, and the suite fails on
//! any violation or on any gateway endpoint the scenarios did not exercise.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed step should fail the test where it happened"
)]

mod calls;
mod calls_acs;
mod calls_devices;
mod events;
mod gateway_source;
mod harness;
mod openapi;
mod proxy;
mod proxy_tests;
mod validator_tests;
