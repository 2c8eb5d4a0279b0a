//! Typed client for the Seam access-control API (<https://connect.getseam.com>).
//!
//! Doorway talks to Seam only through this crate. It owns everything that makes a call to
//! Seam safe to make from a request handler: the workspace's API key on every request and
//! nowhere else, a timeout on every attempt (longer for creates, as Seam's SDKs wait for them),
//! a deadline on the whole call, retries included, retries only where repeating cannot do harm
//! (reads, updates and deletes, never creates, since Seam has no idempotency keys), Seam's
//! error envelope turned into a [`SeamError`] that says whether to retry, give up, or check
//! what happened (and a removed endpoint apart from a missing object), `Retry-After` in either
//! form, cursor pagination walked to the end, rate limits kept on our side (a bound
//! on requests in flight per workspace, and Seam's per-device limits on access codes unless
//! the caller keeps those itself, waited for rather than hit), and one `seam.call` tracing
//! span per call.
//!
//! Waiting is bounded, because a worker's time is bounded by its lease. Queueing for a request
//! slot or a device's room lasts at most `max_admission_wait`; a handle given a [`SendBudget`]
//! (`WorkspaceClient::with_budget`) sends nothing, first attempt or retry, unless the budget
//! exceeds the attempt's timeout plus `send_margin`, and never sleeps a backoff that would
//! leave less. Either way the call ends with [`SeamError::NotSent`] and, where known, when to
//! try again, so that the caller defers its work rather than holding it. Every call also ends
//! by its `call_deadline`: an attempt leaves only while the deadline covers its whole timeout.
//! It knows nothing of HTTP servers or of Doorway's own data.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use seam_gateway::{SeamClient, SeamClientConfig};
//!
//! let endpoint = url::Url::parse("https://connect.getseam.com")?;
//! let seam = SeamClient::new(SeamClientConfig::new(endpoint))?;
//! let workspace = seam.workspace("seam_test_key".to_owned().into());
//! for system in workspace.list_acs_systems().await? {
//!     println!("{} is Latch: {}", system.name, system.is_latch());
//! }
//! # Ok(())
//! # }
//! ```

mod budget;
mod client;
mod config;
mod endpoints;
mod error;
mod event_list;
mod limits;
pub mod models;
mod pagination;
mod redact;
mod requests;
#[cfg(test)]
mod spec_check;
#[cfg(test)]
mod test_server;
mod transport;

pub use budget::SendBudget;
pub use client::{SeamClient, WorkspaceClient};
pub use config::{DeviceRateLimit, SeamClientConfig, DEFAULT_CREATE_TIMEOUT};
pub use error::SeamError;
pub use event_list::{EventList, DEFAULT_EVENT_LIMIT};
pub use models::*;
pub use redact::redact_pins;
pub use requests::{
    AccessCodeFilter, AcsCredentialFilter, AcsUserFilter, CreateAccessCode, CreateAcsCredential,
    CreateAcsUser, CreateClientSession, CreateUserIdentity, CreateWebhook, DeviceFilter,
    EventFilter, LaunchEnrollmentAutomation, UpdateAccessCode, UpdateAcsCredential, UpdateAcsUser,
    UserIdentityFilter,
};
