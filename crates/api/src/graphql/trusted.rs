//! Trusted documents: resident tokens may send only the resident app's registered operations
//! (the contract's own `contract/resident-app.graphql`, compiled in). A stolen resident token
//! then cannot explore the schema or send a costly document of its own; staff tools and
//! partners keep the full schema.
//!
//! A request matches a registered operation when both are the same once comments, whitespace
//! and commas (all insignificant in GraphQL) are dropped, so client formatting does not matter.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, ServerResult, Variables};

use crate::auth::{AuthContext, Role};

/// The resident app's operations, as the contract gives them.
const RESIDENT_APP: &str = include_str!("../../../../contract/resident-app.graphql");

/// Refuses documents a resident token sends that are not registered.
pub struct TrustedDocuments {
    registered: Arc<HashSet<String>>,
}

impl TrustedDocuments {
    /// The resident app's operations, each registered on its own.
    pub fn resident_app() -> Self {
        let registered = operations(RESIDENT_APP)
            .iter()
            .map(|op| canonical(op))
            .collect();
        Self {
            registered: Arc::new(registered),
        }
    }

    pub fn allows(&self, query: &str) -> bool {
        self.registered.contains(&canonical(query))
    }
}

impl ExtensionFactory for TrustedDocuments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Self {
            registered: self.registered.clone(),
        })
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for TrustedDocuments {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let resident = ctx
            .data_opt::<AuthContext>()
            .is_some_and(|caller| caller.role == Role::Resident);
        if resident && !self.allows(query) {
            let mut error = ServerError::new(
                "resident tokens may send only the resident app's registered operations",
                None,
            );
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("code", "UNTRUSTED_DOCUMENT");
            error.extensions = Some(extensions);
            return Err(error);
        }
        next.run(ctx, query, variables).await
    }
}

/// The text of each operation of a document (split at top-level `query`, `mutation` and
/// `subscription` keywords; the registered file has no fragments).
fn operations(document: &str) -> Vec<String> {
    let text = strip_comments(document);
    let mut operations = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for line in text.lines() {
        let starts = depth == 0
            && ["query", "mutation", "subscription"]
                .iter()
                .any(|k| line.trim_start().starts_with(k));
        if starts && !current.trim().is_empty() {
            operations.push(std::mem::take(&mut current));
        }
        depth += line.matches('{').count();
        depth = depth.saturating_sub(line.matches('}').count());
        current.push_str(line);
        current.push('\n');
    }
    if !current.trim().is_empty() {
        operations.push(current);
    }
    operations
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                in_string = !in_string;
                out.push(c);
            }
            '\\' if in_string => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '#' if !in_string => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The document without comments, whitespace and commas outside strings.
fn canonical(document: &str) -> String {
    let mut out = String::with_capacity(document.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in strip_comments(document).chars() {
        if in_string {
            out.push(c);
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            c if c.is_whitespace() || c == ',' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apps_operations_are_registered_whatever_their_formatting() {
        let trusted = TrustedDocuments::resident_app();
        assert_eq!(operations(RESIDENT_APP).len(), 3);
        let reformatted =
            "mutation StartMobileKeySession { createMobileKeySession { token, expiresAt } }";
        assert!(trusted.allows(reformatted));
        assert!(!trusted.allows("{ viewer { resident { grants { runs { id } } } } }"));
        assert!(!trusted.allows("query { __schema { types { name } } }"));
    }
}
