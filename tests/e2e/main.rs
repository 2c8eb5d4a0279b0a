//! End-to-end tests: Doorway over HTTP, against the Seam simulator over HTTP, on a fresh
//! PostgreSQL database per test.

#![expect(
    clippy::unwrap_used,
    reason = "a panic is how a test and its helpers report failure"
)]

mod access_matrix;
mod audit;
mod auth;
mod browser;
mod chaos;
mod cors;
mod durability;
mod engine;
mod flows;
mod graphiql;
mod helpers;
mod inputs;
mod invariant;
mod jwks;
mod lifecycle_helpers;
mod migrations;
mod mobile_key;
mod operations;
mod operators;
mod races;
mod removed_endpoint;
mod responses;
mod rest;
mod revocation;
mod schema;
mod secrets;
mod serve_process;
mod sim_control;
mod subscriptions;
mod telemetry;
mod tenancy;
mod truth;
mod webhooks;
