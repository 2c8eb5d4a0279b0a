//! What every edge's handlers share: the schema, the services, the token verifier, the change
//! feed, the metrics' access rule and GraphiQL's tokens. Built once at start-up ([`crate::startup`]).

use std::sync::Arc;

use crate::auth::TokenVerifier;
use crate::graphql::DoorwaySchema;
use crate::services::Services;

#[derive(Clone)]
pub struct AppState {
    pub schema: DoorwaySchema,
    pub services: Services,
    pub verifier: Arc<TokenVerifier>,
    /// Changes for subscriptions (`GET /graphql/ws`).
    pub changes: crate::notify::ChangeFeed,
    /// Who may read `/metrics`.
    pub metrics: crate::metrics::Access,
    /// The tokens GraphiQL offers (the demo's; none otherwise).
    pub explorer: crate::graphql::explorer::Explorer,
}
