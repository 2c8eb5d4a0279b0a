//! End-to-end tests: Doorway over HTTP, against the Seam simulator over HTTP, on a fresh
//! PostgreSQL database per test.

#![expect(
    clippy::unwrap_used,
    reason = "a panic is how a test and its helpers report failure"
)]

mod access_matrix;
mod audit;
mod auth;
mod chaos;
mod cors;
mod durability;
mod engine;
mod flows;
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
mod sim_control;
mod subscriptions;
mod tenancy;
mod truth;
mod webhooks;
