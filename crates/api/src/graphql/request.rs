//! What every GraphQL request goes through, as one schema extension: the request's shape checked
//! before parsing ([`super::shape`]), one span per operation (its name, kind, duration, the
//! objects it returned and the reads it made), the response put in its selection set's order
//! ([`super::order`]), every mutation recorded in the audit trail ([`super::audit`]), and the
//! request's read transaction ([`crate::db::RequestTx`]) released around each mutation and
//! after each subscription event.
//!
//! One extension rather than one per concern: async-graphql runs every extension's `resolve`
//! for every field (about 300 for a home screen of 20 credentials), each a boxed future, and
//! the profile of `MyAccess` showed them.
//!
//! Per-field spans (async-graphql's `Tracing` extension, about 300 of them for a home screen of
//! 20 credentials) are opt-in: `DOORWAY_GRAPHQL_FIELD_TRACING=on`.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextResolve,
    NextSubscribe, ResolveInfo,
};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Response, ServerResult, Value, Variables};
use futures::stream::BoxStream;
use futures::StreamExt;
use tracing::Instrument;

use super::audit::AuditOfRequest;
use super::{order, shape};
use crate::db::RequestTx;

pub struct RequestLifecycle;

impl ExtensionFactory for RequestLifecycle {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OfRequest::default())
    }
}

#[derive(Default)]
struct OfRequest {
    /// The parsed document, kept to order the response by.
    document: OnceLock<ExecutableDocument>,
    audit: AuditOfRequest,
}

#[async_graphql::async_trait::async_trait]
impl Extension for OfRequest {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        shape::check(query, variables)?;
        self.audit.keep_variables(variables);
        let document = next.run(ctx, query, variables).await?;
        let _ = self.document.set(document.clone());
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let started = Instant::now();
        let operation = self
            .document
            .get()
            .and_then(|doc| order::operation(doc, operation_name));
        let kind = match operation.map(|op| op.ty) {
            Some(OperationType::Query) => "query",
            Some(OperationType::Mutation) => "mutation",
            Some(OperationType::Subscription) => "subscription",
            None => "unknown",
        };
        let name = operation_name.unwrap_or("anonymous");
        let span = tracing::info_span!(
            "graphql",
            otel.name = %format_args!("{kind} {name}"),
            operation = name,
            kind,
            objects = tracing::field::Empty,
            reads = tracing::field::Empty,
            errors = tracing::field::Empty,
        );
        let mut response = next.run(ctx, operation_name).instrument(span.clone()).await;
        if let (Some(doc), Some(operation)) = (self.document.get(), operation) {
            order::in_selection_order(&mut response.data, operation, doc);
        }
        let objects = count_objects(&response.data);
        let reads = ctx.data_opt::<Arc<RequestTx>>().map_or(0, |db| db.reads());
        span.record("objects", objects);
        span.record("reads", reads);
        span.record("errors", response.errors.len());
        tracing::debug!(
            parent: &span,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            objects,
            reads,
            errors = response.errors.len(),
            "graphql operation"
        );
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // A mutation opens its own transaction: the request's read transaction gives its
        // connection back first, so that a request never holds one connection while waiting
        // for another.
        if info.path_node.parent.is_some() || info.parent_type != "Mutation" {
            return next.run(ctx, info).await;
        }
        let db = ctx.data_opt::<Arc<RequestTx>>();
        if let Some(db) = db {
            db.release().await;
        }
        let operation = info.name.to_owned();
        let arguments = self.audit.arguments(&info);
        let resolved = next.run(ctx, info).await;
        // And after it (its payload was read through it), before the audit record.
        if let Some(db) = db {
            db.release().await;
        }
        AuditOfRequest::record(ctx, &operation, &arguments, &resolved).await;
        resolved
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let db = ctx.data_opt::<Arc<RequestTx>>().cloned();
        let document = self.document.get().cloned();
        let events = stream.then(move |mut response| {
            let db = db.clone();
            let document = document.clone();
            async move {
                if let Some(doc) = &document {
                    if let Some(operation) = order::subscription(doc) {
                        order::in_selection_order(&mut response.data, operation, doc);
                    }
                }
                // An idle subscription holds no connection.
                if let Some(db) = db {
                    db.release().await;
                }
                response
            }
        });
        next.run(ctx, events.boxed())
    }
}

/// How many objects a response holds: the rows it returned, near enough.
fn count_objects(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(count_objects).sum::<usize>(),
        Value::List(items) => items.iter().map(count_objects).sum(),
        _ => 0,
    }
}
