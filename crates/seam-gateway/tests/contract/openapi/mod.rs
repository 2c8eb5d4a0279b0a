//! Seam's OpenAPI description (`seam-api/openapi.json`, the repository's copy) as a validator
//! of request and response bodies, per path.
//!
//! The description is OpenAPI 3.0, whose schema dialect is not JSON Schema, so each schema is
//! translated to draft 2020-12 before the `jsonschema` crate compiles it:
//! - `nullable: true` becomes `"null"` added to `type` (and to `enum`), or an `anyOf` with
//!   `{"type": "null"}` around a schema that has no `type` (`oneOf`, `$ref`);
//! - draft-4 style `exclusiveMinimum: true` beside `minimum` becomes `exclusiveMinimum: <minimum>`;
//! - `oneOf` becomes `anyOf`: Seam generates its description from zod unions, which accept a
//!   value that matches any member, and its members overlap (many unions end in an empty `{}`
//!   member), so JSON Schema's exactly-one rule would reject bodies Seam accepts;
//! - `$ref: #/components/schemas/X` becomes `#/$defs/X`, and only the components a path reaches
//!   are copied into its `$defs`;
//! - OpenAPI-only keywords (`x-*`, `discriminator`, `example`, `externalDocs`, `xml`) are
//!   dropped, and so are `format`s that are not JSON Schema's (`float`); `uuid` is dropped unless
//!   the target's ids are UUIDs ([`Spec::opaque_ids`]), because Seam's ids are opaque strings.
//!
//! An operation without a request body (`/workspaces/get`) takes an empty object. Formats are
//! asserted (`date-time`, `email`, `uri`). Compiled validators are cached per path and part.
//!
//! Strict mode ([`strict`]) adds what JSON Schema cannot say where Seam left
//! `additionalProperties` out: every property of a request body must be one its schema names.
//! The same check on responses finds fields a stand-in invents ([`Spec::unknown_fields`]).
//!
//! Events are held to their own type's branch of the `event` union ([`events`]), in
//! `/events/*` answers and in webhook bodies.

mod events;
mod strict;
mod translate;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use jsonschema::Validator;
use serde_json::{json, Map, Value};

use strict::Strict;
use translate::{references, translate};

/// Which body of an exchange a violation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Request,
    Response,
    ErrorResponse,
}

/// One way a body disagrees with Seam's description.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    pub path: String,
    pub part: Part,
    /// JSON pointer into the body.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = match self.part {
            Part::Request => "request",
            Part::Response => "response",
            Part::ErrorResponse => "error response",
        };
        let pointer = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        write!(f, "{} {part} at {pointer}: {}", self.path, self.message)
    }
}

/// Seam's API description, ready to validate bodies.
pub struct Spec {
    paths: Map<String, Value>,
    /// `components.schemas`, translated.
    defs: Map<String, Value>,
    uuid_ids: bool,
    cache: Mutex<HashMap<(String, Part), Arc<Compiled>>>,
    /// Each event type's branch of the `event` union ([`events`]).
    events: events::Branches,
}

/// A path's schema for one part, compiled, and the translated schema kept for strict checks.
struct Compiled {
    validator: Validator,
    schema: Value,
}

/// Where the description lives: `SEAM_OPENAPI`, or the repository's copy,
/// `seam-api/openapi.json`.
pub fn spec_path() -> String {
    std::env::var("SEAM_OPENAPI").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../seam-api/openapi.json").to_owned()
    })
}

impl Spec {
    /// One OpenAPI 3.0 schema object as JSON Schema 2020-12, with this spec's id rule.
    pub fn translate(&self, schema: &Value) -> Value {
        translate(schema, self.uuid_ids)
    }

    /// Loads the description, panicking with the path when it cannot: these suites prove
    /// nothing without it.
    pub fn load() -> Self {
        let path = spec_path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
            panic!("cannot read Seam's OpenAPI description at {path} (set SEAM_OPENAPI): {err}")
        });
        let doc: Value = serde_json::from_str(&text).unwrap();
        Self::from_document(&doc)
    }

    pub fn from_document(doc: &Value) -> Self {
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        let defs = doc["components"]["schemas"]
            .as_object()
            .map(|schemas| {
                schemas
                    .iter()
                    .map(|(name, schema)| (name.clone(), schema.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            paths,
            defs,
            uuid_ids: true,
            cache: Mutex::new(HashMap::new()),
            events: events::Branches::default(),
        }
    }

    /// Ids are opaque strings, not UUIDs (Seam's fake): `format: uuid` is not asserted.
    pub fn opaque_ids(mut self) -> Self {
        self.uuid_ids = false;
        self
    }

    pub fn has_path(&self, path: &str) -> bool {
        self.operation(path).is_some()
    }

    fn operation(&self, path: &str) -> Option<&Value> {
        self.paths.get(path).and_then(|item| item.get("post"))
    }

    /// The request body against the path's schema, plus the strict check for unknown fields.
    pub fn validate_request(&self, path: &str, body: &Value) -> Vec<Violation> {
        let mut found = self.validate(path, Part::Request, body);
        found.extend(self.unknown_request_fields(path, body));
        found
    }

    /// A 2xx body against the path's 200 response schema.
    pub fn validate_response(&self, path: &str, body: &Value) -> Vec<Violation> {
        self.validate(path, Part::Response, body)
    }

    /// An error body against Seam's error envelope, which the description leaves out.
    pub fn validate_error(&self, path: &str, body: &Value) -> Vec<Violation> {
        self.validate(path, Part::ErrorResponse, body)
    }

    /// Request fields the request schema does not name, wherever in the body they are.
    pub fn unknown_request_fields(&self, path: &str, body: &Value) -> Vec<Violation> {
        self.unknown_fields(path, Part::Request, body)
    }

    /// Fields of a body that its schema does not name, wherever in the body they are.
    pub fn unknown_fields(&self, path: &str, part: Part, body: &Value) -> Vec<Violation> {
        let Some(compiled) = self.compiled(path, part) else {
            return Vec::new(); // already reported by `validate`
        };
        let mut found = Vec::new();
        let mut check = Strict {
            defs: &compiled.schema["$defs"],
            found: &mut found,
        };
        check.value(body, &compiled.schema, "");
        found
            .into_iter()
            .map(|(pointer, message)| Violation {
                path: path.to_owned(),
                part,
                pointer,
                message,
            })
            .collect()
    }

    fn validate(&self, path: &str, part: Part, body: &Value) -> Vec<Violation> {
        let violation = |pointer: String, message: String| Violation {
            path: path.to_owned(),
            part,
            pointer,
            message,
        };
        let Some(compiled) = self.compiled(path, part) else {
            let message = format!("no POST {path} with a JSON {part:?} body in Seam's API");
            return vec![violation(String::new(), message)];
        };
        compiled
            .validator
            .iter_errors(body)
            .map(|err| {
                let message = describe(&err, body);
                violation(err.instance_path().to_string(), message)
            })
            .collect()
    }

    fn compiled(&self, path: &str, part: Part) -> Option<Arc<Compiled>> {
        let key = (path.to_owned(), part);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(hit) = cache.get(&key) {
            return Some(Arc::clone(hit));
        }
        let schema = self.root_schema(path, part)?;
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|err| {
                panic!("the schema of {path} ({part:?}) does not compile: {err}")
            });
        let compiled = Arc::new(Compiled { validator, schema });
        cache.insert(key, Arc::clone(&compiled));
        Some(compiled)
    }

    /// The translated schema with the components it reaches under `$defs`.
    fn root_schema(&self, path: &str, part: Part) -> Option<Value> {
        let raw = match part {
            Part::Request => self
                .operation(path)?
                .pointer("/requestBody/content/application~1json/schema")
                .cloned()
                // No body described (`/workspaces/get`): an empty object is all there is to send.
                .unwrap_or_else(
                    || json!({"type": "object", "properties": {}, "additionalProperties": false}),
                ),
            Part::Response => self
                .operation(path)?
                .pointer("/responses/200/content/application~1json/schema")?
                .clone(),
            Part::ErrorResponse => {
                self.operation(path)?;
                error_envelope()
            }
        };
        let mut root = match self.translate(&raw) {
            Value::Object(map) => map,
            other => Map::from_iter([("allOf".to_owned(), json!([other]))]),
        };
        let mut defs = Map::new();
        let mut pending: Vec<String> = references(&Value::Object(root.clone()));
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
        Some(Value::Object(root))
    }
}

/// Seam's error envelope: `{ok: false, error: {type, message, data?, validation_errors?}}`.
fn error_envelope() -> Value {
    json!({
        "type": "object",
        "required": ["ok", "error"],
        "properties": {
            "ok": { "const": false },
            "error": {
                "type": "object",
                "required": ["type", "message"],
                "properties": {
                    "type": { "type": "string", "minLength": 1 },
                    "message": { "type": "string" },
                    "validation_errors": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {
                                "_errors": { "type": "array", "items": { "type": "string" } }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// A validation error, with the offending value when it is short, since `oneOf` failures
/// otherwise say little.
fn describe(err: &jsonschema::ValidationError<'_>, body: &Value) -> String {
    let pointer = err.instance_path().to_string();
    let mut message = err.to_string();
    if message.len() > 300 {
        message.truncate(300);
        message.push_str("...");
    }
    let keyword = err.schema_path().to_string();
    if keyword.ends_with("/oneOf") || keyword.ends_with("/anyOf") {
        if let Some(tag) = body.pointer(&pointer).and_then(variant_tag) {
            message = format!("matches no variant for {tag} ({keyword})");
        }
    }
    message
}

/// What names the variant of a tagged object (`event_type`, `action_type`, ...).
fn variant_tag(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    let tags: Vec<String> = ["event_type", "action_type", "status", "device_type"]
        .iter()
        .filter_map(|tag| Some(format!("{tag} = {}", object.get(*tag)?)))
        .collect();
    (!tags.is_empty()).then(|| tags.join(", "))
}
