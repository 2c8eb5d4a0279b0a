//! Responses in the order their selection sets ask for.
//!
//! async-graphql resolves an object's fields concurrently and writes each into the response
//! when it finishes, so identical requests could answer with their keys in different orders
//! (`entrances` before `property` in a third of the home screens, more under load). The GraphQL
//! specification asks for the selection set's order; without it identical answers are not
//! byte-identical (no stable ETag, flaky snapshots). This puts each object's keys back in that
//! order after execution: one pass over the response, moving values rather than copying them.

use std::collections::HashMap;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Name, Positioned, Value};

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// Puts every object of `data` (the result of `operation`) in its selection set's order.
pub fn in_selection_order(
    data: &mut Value,
    operation: &OperationDefinition,
    doc: &ExecutableDocument,
) {
    order(data, &[&operation.selection_set.node], &doc.fragments);
}

/// The operation a request ran: the one named, or the document's only one.
pub fn operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match name {
        Some(name) => doc
            .operations
            .iter()
            .find(|(op_name, _)| op_name.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| &op.node),
        None => {
            let mut operations = doc.operations.iter();
            let (_, only) = operations.next()?;
            operations.next().is_none().then_some(&only.node)
        }
    }
}

/// The document's subscription (a subscription request runs its only one).
pub fn subscription(doc: &ExecutableDocument) -> Option<&OperationDefinition> {
    doc.operations
        .iter()
        .map(|(_, op)| &op.node)
        .find(|op| op.ty == OperationType::Subscription)
}

fn order(value: &mut Value, sets: &[&SelectionSet], fragments: &Fragments) {
    match value {
        Value::List(items) => {
            for item in items {
                order(item, sets, fragments);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<(&Name, Vec<&SelectionSet>)> = Vec::with_capacity(map.len());
            for set in sets {
                collect(set, fragments, &mut keys, 0);
            }
            let mut unordered = std::mem::take(map);
            let mut ordered = IndexMap::with_capacity(unordered.len());
            for (key, subsets) in keys {
                if let Some((key, mut child)) = unordered.swap_remove_entry(key) {
                    order(&mut child, &subsets, fragments);
                    ordered.insert(key, child);
                }
            }
            // Nothing should be left; if something is, it keeps its place at the end.
            ordered.extend(unordered);
            *map = ordered;
        }
        _ => {}
    }
}

/// Fragments nest at most this deep here; validation refuses cycles before execution anyway.
const MAX_FRAGMENT_DEPTH: usize = 64;

/// The response keys a selection set yields, in order (CollectFields), each with the selection
/// sets of the fields merged under it.
fn collect<'d>(
    set: &'d SelectionSet,
    fragments: &'d Fragments,
    keys: &mut Vec<(&'d Name, Vec<&'d SelectionSet>)>,
    depth: usize,
) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                let at = match keys.iter().position(|(k, _)| *k == key) {
                    Some(at) => at,
                    None => {
                        keys.push((key, Vec::new()));
                        keys.len() - 1
                    }
                };
                if !field.node.selection_set.node.items.is_empty() {
                    keys[at].1.push(&field.node.selection_set.node);
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = fragments.get(&spread.node.fragment_name.node) {
                    collect(
                        &fragment.node.selection_set.node,
                        fragments,
                        keys,
                        depth + 1,
                    );
                }
            }
            Selection::InlineFragment(inline) => {
                collect(&inline.node.selection_set.node, fragments, keys, depth + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use serde_json::json;

    use super::*;

    fn keys(value: &Value) -> Vec<String> {
        match value {
            Value::Object(map) => map.keys().map(|k| k.to_string()).collect(),
            other => panic!("not an object: {other}"),
        }
    }

    fn get<'v>(value: &'v Value, key: &str) -> &'v Value {
        match value {
            Value::Object(map) => &map[key],
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn objects_follow_the_selection_through_aliases_fragments_and_lists() {
        let doc = parse_query(
            "query Q { viewer { b: role ...T resident { credentials { edges { node { property { name id } entrances { name } id } } } } } }
             fragment T on Viewer { tenant { name id } ... on Viewer { a: role } }",
        )
        .unwrap();
        let scrambled = json!({ "viewer": {
            "resident": { "credentials": { "edges": [
                { "node": { "id": "1", "entrances": [{ "name": "A" }], "property": { "id": "p", "name": "P" } } },
                { "node": { "entrances": [], "property": { "name": "Q", "id": "q" }, "id": "2" } }
            ] } },
            "a": "RESIDENT", "tenant": { "id": "t", "name": "T" }, "b": "RESIDENT"
        } });
        let mut value = Value::from_json(scrambled).unwrap();
        let operation = operation(&doc, Some("Q")).unwrap();
        in_selection_order(&mut value, operation, &doc);
        let viewer = get(&value, "viewer");
        assert_eq!(keys(viewer), ["b", "tenant", "a", "resident"]);
        assert_eq!(keys(get(viewer, "tenant")), ["name", "id"]);
        let Value::List(edges) = get(get(get(viewer, "resident"), "credentials"), "edges") else {
            panic!("edges is a list");
        };
        assert_eq!(edges.len(), 2);
        for edge in edges {
            let node = get(edge, "node");
            assert_eq!(keys(node), ["property", "entrances", "id"]);
            assert_eq!(keys(get(node, "property")), ["name", "id"]);
        }
    }

    #[test]
    fn the_operation_is_the_named_one_or_the_only_one() {
        let doc = parse_query("query A { viewer { role } } query B { viewer { role } }").unwrap();
        assert!(operation(&doc, Some("B")).is_some());
        assert!(operation(&doc, None).is_none());
        assert!(operation(&doc, Some("C")).is_none());
        let single = parse_query("{ viewer { role } }").unwrap();
        assert!(operation(&single, None).is_some());
    }
}
