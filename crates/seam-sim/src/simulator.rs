//! The simulator handle: shared state behind a mutex, cheap to clone into every handler.
//!
//! The lock is a plain `std::sync::Mutex` because no handler awaits while holding it; each
//! call takes it once, does its work on one workspace, and lets go. Whoever takes a workspace
//! also settles it (lifecycles due on its clock) and afterwards hands the webhook messages
//! that produced to the sender, outside the lock.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use axum::Router;

use crate::delivery::{self, Outgoing};
use crate::error::SimError;
use crate::options::SimOptions;
use crate::state::{Store, Workspace};
use crate::{app, seed};

/// A simulated Seam: any number of isolated workspaces, served by [`Simulator::router`].
#[derive(Clone)]
pub struct Simulator {
    shared: Arc<Shared>,
}

struct Shared {
    store: Mutex<Store>,
    options: SimOptions,
    /// For webhook deliveries; never proxied, since receivers are usually on loopback.
    http: reqwest::Client,
}

/// A freshly seeded workspace and the API key that reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededWorkspace {
    pub workspace_id: String,
    pub api_key: String,
}

impl Simulator {
    pub fn new(options: SimOptions) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "webhook client with defaults instead");
                reqwest::Client::new()
            });
        Self {
            shared: Arc::new(Shared {
                store: Mutex::new(Store::new(&options)),
                options,
                http,
            }),
        }
    }

    /// Every Seam endpoint the simulator implements, plus the `/_sim/*` control surface.
    ///
    /// Mounted this way there is no background ticker (only [`crate::spawn`] starts one), so
    /// lifecycles move, and webhooks hear of it, whenever the workspace is next called.
    pub fn router(&self) -> Router {
        app::router(self.clone())
    }

    /// Creates a seeded workspace, exactly as `POST /_sim/workspaces` does.
    pub fn create_workspace(&self, name: &str) -> SeededWorkspace {
        self.create_seeded(name, &seed::demo())
    }

    /// A new workspace holding what `spec` describes (`POST /_sim/workspaces` with `seed`).
    pub(crate) fn create_seeded(&self, name: &str, spec: &seed::SeedSpec) -> SeededWorkspace {
        self.with_store(|store| {
            let rng = store.next_workspace_rng();
            let workspace =
                seed::seeded_workspace(name, store.base_clock(), &self.shared.options, rng, spec);
            let seeded = SeededWorkspace {
                workspace_id: workspace.workspace_id.clone(),
                api_key: workspace.api_key.clone(),
            };
            store.add(workspace);
            tracing::info!(workspace_id = %seeded.workspace_id, name, "seeded a workspace");
            seeded
        })
    }

    /// Loads a workspace dump (`GET /_sim/dump`'s answer, or its `dump`), as
    /// `POST /_sim/load` does; the `seam-sim --load` flag uses it.
    pub fn load_workspace(&self, json: &str) -> Result<SeededWorkspace, String> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
        let dump = value.get("dump").cloned().unwrap_or(value);
        let dump =
            serde_json::from_value(dump).map_err(|e| format!("not a workspace dump: {e}"))?;
        let ws = Workspace::load(dump, &self.shared.options)?;
        let loaded = SeededWorkspace {
            workspace_id: ws.workspace_id.clone(),
            api_key: ws.api_key.clone(),
        };
        self.with_store(|store| store.put(ws))
            .map_err(|holder| format!("its API key already opens workspace {holder}"))?;
        Ok(loaded)
    }

    pub(crate) fn options(&self) -> &SimOptions {
        &self.shared.options
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.shared.http
    }

    /// Runs `work` on the store under the lock, without settling anything.
    pub(crate) fn with_store<R>(&self, work: impl FnOnce(&mut Store) -> R) -> R {
        // A panic in another handler must not take the whole simulator down with it.
        let mut store = self
            .shared
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        work(&mut store)
    }

    /// Runs `work` on one workspace under the lock, settled before and after.
    pub(crate) fn with_workspace<R>(
        &self,
        workspace_id: &str,
        work: impl FnOnce(&mut Workspace) -> Result<R, SimError>,
    ) -> Result<R, SimError> {
        let (result, outgoing) = self.with_store(|store| match store.workspace_mut(workspace_id) {
            Some(workspace) => {
                workspace.settle();
                let result = work(workspace);
                workspace.settle();
                (result, workspace.deliveries.take_outbox())
            }
            None => (
                Err(SimError::Unauthorized(
                    "The workspace of this API key no longer exists".to_owned(),
                )),
                Vec::new(),
            ),
        });
        delivery::dispatch(self, outgoing);
        result
    }

    /// Settles every workspace (the ticker, and after a global clock advance).
    pub(crate) fn settle_all(&self) {
        let outgoing: Vec<Outgoing> = self.with_store(|store| {
            store
                .workspaces_mut()
                .flat_map(|ws| {
                    ws.settle();
                    ws.deliveries.take_outbox()
                })
                .collect()
        });
        delivery::dispatch(self, outgoing);
    }

    /// The workspace an API key opens, if any.
    pub(crate) fn workspace_for_key(&self, api_key: &str) -> Option<String> {
        self.with_store(|store| store.workspace_id_for_key(api_key))
    }

    /// A handle that does not keep the simulator alive, for the background ticker.
    pub(crate) fn downgrade(&self) -> WeakSimulator {
        WeakSimulator(Arc::downgrade(&self.shared))
    }
}

/// A [`Simulator`] that may have been dropped.
pub(crate) struct WeakSimulator(Weak<Shared>);

impl WeakSimulator {
    pub(crate) fn upgrade(&self) -> Option<Simulator> {
        self.0.upgrade().map(|shared| Simulator { shared })
    }
}
