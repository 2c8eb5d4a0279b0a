//! Doorway's service: authentication, the GraphQL API, REST edges, persistence in PostgreSQL and
//! the durable provisioning engine that turns grants into credentials at Seam.
pub mod auth;
pub mod config;
pub mod cors;
pub mod crypto;
pub mod db;
pub mod engine;
pub mod error;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod notify;
pub mod rest;
pub mod secrets;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;
pub mod ws;

pub use config::{Config, Profile};
pub use startup::{shutdown_signal, Application, StartupError};
