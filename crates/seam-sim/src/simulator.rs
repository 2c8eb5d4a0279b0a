//! The simulator handle: shared state behind a mutex, cheap to clone into every handler.
//!
//! The lock is a plain `std::sync::Mutex` because no handler awaits while holding it; each
//! call takes it once, does its work on one workspace, and lets go.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use chrono::TimeDelta;

use crate::error::SimError;
use crate::state::{Store, Workspace};
use crate::{app, seed};

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Simulator time between creating a credential and its being issued (`is_issued`).
    pub credential_issue_delay: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            credential_issue_delay: Duration::from_secs(1),
        }
    }
}

/// A simulated Seam: any number of isolated workspaces, served by [`Simulator::router`].
#[derive(Clone)]
pub struct Simulator {
    shared: Arc<Shared>,
}

struct Shared {
    store: Mutex<Store>,
    options: SimOptions,
}

/// A freshly seeded workspace and the API key that reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededWorkspace {
    pub workspace_id: String,
    pub api_key: String,
}

impl Simulator {
    pub fn new(options: SimOptions) -> Self {
        Self {
            shared: Arc::new(Shared {
                store: Mutex::new(Store::default()),
                options,
            }),
        }
    }

    /// Every Seam endpoint the simulator implements, plus the `/_sim/*` control surface.
    pub fn router(&self) -> Router {
        app::router(self.clone())
    }

    /// Creates a seeded workspace, exactly as `POST /_sim/workspaces` does.
    pub fn create_workspace(&self, name: &str) -> SeededWorkspace {
        let delay = TimeDelta::from_std(self.shared.options.credential_issue_delay)
            .unwrap_or(TimeDelta::MAX);
        self.with_store(|store| {
            let workspace = seed::seeded_workspace(name, store.base_clock(), delay);
            let seeded = SeededWorkspace {
                workspace_id: workspace.workspace_id.clone(),
                api_key: workspace.api_key.clone(),
            };
            store.add(workspace);
            tracing::info!(workspace_id = %seeded.workspace_id, name, "seeded a workspace");
            seeded
        })
    }

    pub(crate) fn with_store<R>(&self, work: impl FnOnce(&mut Store) -> R) -> R {
        // A panic in another handler must not take the whole simulator down with it.
        let mut store = self
            .shared
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        work(&mut store)
    }

    /// Runs `work` on one workspace under the lock.
    pub(crate) fn with_workspace<R>(
        &self,
        workspace_id: &str,
        work: impl FnOnce(&mut Workspace) -> Result<R, SimError>,
    ) -> Result<R, SimError> {
        self.with_store(|store| match store.workspace_mut(workspace_id) {
            Some(workspace) => work(workspace),
            None => Err(SimError::Unauthorized(
                "The workspace of this API key no longer exists".to_owned(),
            )),
        })
    }

    /// The workspace an API key opens, if any.
    pub(crate) fn workspace_for_key(&self, api_key: &str) -> Option<String> {
        self.with_store(|store| store.workspace_id_for_key(api_key))
    }
}
