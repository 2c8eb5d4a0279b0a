//! Events against their own type's branch of Seam's `event` union.
//!
//! `event` is a `oneOf` of one branch per event type; as `anyOf` (see the module docs of
//! [`super`]) an event passes if it fits any branch, and the strict check unions the fields
//! of all branches, so an `access_code.*` event carrying an `acs_user_id` would pass. Here
//! each event is held to the one branch its `event_type` names: that branch's required
//! fields, types, and no field the branch does not name.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use jsonschema::Validator;
use serde_json::{json, Map, Value};

use super::strict::Strict;
use super::translate::references;
use super::{describe, Part, Spec, Violation};

/// One event type's branch, compiled, and the translated schema for the strict check.
pub(super) struct Branch {
    validator: Validator,
    schema: Value,
}

/// Compiled branches per event type.
#[derive(Default)]
pub(super) struct Branches(Mutex<HashMap<String, Option<Arc<Branch>>>>);

impl Spec {
    /// Violations of one event (from `/events/list`, `/events/get` or a webhook body, named
    /// by `source`), against the branch of its own `event_type`.
    pub fn validate_event(&self, source: &str, event: &Value) -> Vec<Violation> {
        let violation = |pointer: String, message: String| Violation {
            path: source.to_owned(),
            part: Part::Response,
            pointer,
            message,
        };
        let Some(event_type) = event["event_type"].as_str() else {
            return vec![violation(
                String::new(),
                "an event without an event_type".into(),
            )];
        };
        let Some(branch) = self.branch(event_type) else {
            let message = format!("no branch of Seam's event union for {event_type}");
            return vec![violation(String::new(), message)];
        };
        let mut found: Vec<Violation> = branch
            .validator
            .iter_errors(event)
            .map(|err| {
                let message = format!("{event_type}: {}", describe(&err, event));
                violation(err.instance_path().to_string(), message)
            })
            .collect();
        let mut unknown = Vec::new();
        Strict {
            defs: &branch.schema["$defs"],
            found: &mut unknown,
        }
        .value(event, &branch.schema, "");
        found.extend(
            unknown
                .into_iter()
                .map(|(pointer, message)| violation(pointer, format!("{event_type}: {message}"))),
        );
        found
    }

    /// The events of a `/events/list` or `/events/get` answer, each against its branch.
    pub fn validate_events_in(&self, path: &str, body: &Value) -> Vec<Violation> {
        let events: Vec<&Value> = match path {
            "/events/list" => body["events"].as_array().into_iter().flatten().collect(),
            "/events/get" => body.get("event").into_iter().collect(),
            _ => Vec::new(),
        };
        events
            .into_iter()
            .enumerate()
            .flat_map(|(index, event)| {
                self.validate_event(path, event)
                    .into_iter()
                    .map(move |mut v| {
                        v.pointer = format!("/events/{index}{}", v.pointer);
                        v
                    })
            })
            .collect()
    }

    fn branch(&self, event_type: &str) -> Option<Arc<Branch>> {
        let mut cache = self.events.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(hit) = cache.get(event_type) {
            return hit.clone();
        }
        let compiled = self.compile_branch(event_type).map(Arc::new);
        cache.insert(event_type.to_owned(), compiled.clone());
        compiled
    }

    fn compile_branch(&self, event_type: &str) -> Option<Branch> {
        let raw = self
            .defs
            .get("event")?
            .get("oneOf")?
            .as_array()?
            .iter()
            .find(|branch| {
                branch
                    .pointer("/properties/event_type/enum")
                    .and_then(Value::as_array)
                    .is_some_and(|types| types.iter().any(|t| t == event_type))
            })?
            .clone();
        let mut root = match self.translate(&raw) {
            Value::Object(map) => map,
            other => Map::from_iter([("allOf".to_owned(), json!([other]))]),
        };
        let mut defs = Map::new();
        let mut pending = references(&Value::Object(root.clone()));
        while let Some(name) = pending.pop() {
            if defs.contains_key(&name) {
                continue;
            }
            let def = self.translate(self.defs.get(&name)?);
            pending.extend(references(&def));
            defs.insert(name, def);
        }
        root.insert(
            "$schema".to_owned(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        root.insert("$defs".to_owned(), Value::Object(defs));
        let schema = Value::Object(root);
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|err| panic!("the {event_type} branch does not compile: {err}"));
        Some(Branch { validator, schema })
    }
}
