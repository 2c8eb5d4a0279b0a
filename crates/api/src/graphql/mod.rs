//! The GraphQL API, merged from one query, one mutation and one subscription object per domain
//! module.
//!
//! `schema.graphql` at the repository root is generated from this code ([`sdl`]) and committed;
//! a test fails when the two differ.

mod audit;
mod context;
pub mod edge;
pub mod explorer;
mod explorer_assets;
mod grants;
mod lists;
pub mod loaders;
mod order;
pub mod pagination;
mod properties;
mod request;
mod residents;
mod runs;
pub mod shape;
mod subscriptions;
mod tenants;
pub mod trusted;
mod types;
mod viewer;

use async_graphql::extensions::Tracing;
use async_graphql::{MergedObject, MergedSubscription, Schema};

use crate::services::Services;

#[derive(MergedObject, Default)]
pub struct Query(
    viewer::ViewerQuery,
    tenants::TenantQuery,
    properties::PropertyQuery,
    residents::ResidentQuery,
    grants::GrantQuery,
    runs::RunQuery,
    audit::AuditQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    viewer::ViewerMutation,
    tenants::TenantMutation,
    properties::PropertyMutation,
    residents::ResidentMutation,
    grants::GrantMutation,
    grants::GrantLifecycleMutation,
    runs::RunMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(subscriptions::LiveSubscription);

pub type DoorwaySchema = Schema<Query, Mutation, Subscription>;

/// Limits that keep one request from costing the database much: nesting depth and total
/// complexity: each field 1, and a list or a connection its items' complexity times the items
/// it may return (`first`, or its default), so the complexity bounds the values a response can
/// hold. The portal's largest operation (`Resident`: 20 grants x 50 credentials x 100
/// entrances) costs about 206,000. The depth admits the introspection query of graphql-js 16
/// (GraphiQL's and most code generators': nine levels of `ofType` under `fields { args { type
/// } }`, 15 deep; the contract's operations nest far less), and the complexity, not the depth,
/// bounds what a response can hold.
const MAX_DEPTH: usize = 15;
const MAX_COMPLEXITY: usize = 250_000;

fn builder() -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .extension(request::RequestLifecycle)
}

/// How the service's schema runs, from its configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct SchemaOptions {
    /// Resident tokens may send only the resident app's registered operations.
    pub trusted_documents: bool,
    /// A span per resolved field, for debugging (one per operation otherwise).
    pub field_tracing: bool,
}

/// The schema the service runs.
pub fn build_schema(services: Services, options: SchemaOptions) -> DoorwaySchema {
    let mut builder = builder().data(services);
    if options.trusted_documents {
        builder = builder.extension(trusted::TrustedDocuments::resident_app());
    }
    if options.field_tracing {
        builder = builder.extension(Tracing);
    }
    builder.finish()
}

/// The schema with its limits and extensions but no services: what a request costs before any
/// resolver runs (the request-shape benchmark); a resolver that needs the database errors.
pub fn schema_without_services() -> DoorwaySchema {
    builder().finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
