//! End-to-end tests: Doorway over HTTP, against the Seam simulator over HTTP, on a fresh
//! PostgreSQL database per test.

#![expect(
    clippy::unwrap_used,
    reason = "a panic is how a test and its helpers report failure"
)]

mod auth;
mod durability;
mod helpers;
mod inputs;
mod jwks;
mod migrations;
mod mobile_key;
mod operations;
mod rest;
mod schema;
mod tenancy;
