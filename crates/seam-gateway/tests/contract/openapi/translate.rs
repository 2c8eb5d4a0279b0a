//! OpenAPI 3.0 schema objects to JSON Schema 2020-12 (the rules are listed in [`super`]).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

/// OpenAPI keywords that JSON Schema does not know and that only annotate.
const DROPPED_KEYWORDS: &[&str] = &["discriminator", "example", "externalDocs", "xml"];
/// OpenAPI formats with no JSON Schema meaning.
const DROPPED_FORMATS: &[&str] = &["float", "double", "int32", "int64"];

/// One OpenAPI 3.0 schema object as JSON Schema 2020-12 (see [`super`]). `uuid_ids`: keep
/// `format: uuid`.
pub fn translate(schema: &Value, uuid_ids: bool) -> Value {
    let Value::Object(source) = schema else {
        return schema.clone(); // `true`/`false` schemas
    };
    let mut out = Map::new();
    for (key, value) in source {
        let key = key.as_str();
        if key.starts_with("x-") || DROPPED_KEYWORDS.contains(&key) || key == "nullable" {
            continue;
        }
        let translated = match key {
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, sub)| (name.clone(), translate(sub, uuid_ids)))
                    .collect(),
            ),
            "items" | "not" | "additionalProperties" => translate(value, uuid_ids),
            // Seam's unions are zod unions: a value matching any member is accepted, and
            // members overlap (an empty `{}` member is common), so `oneOf` is `anyOf`.
            "oneOf" | "anyOf" | "allOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|sub| translate(sub, uuid_ids))
                    .collect(),
            ),
            "$ref" => match value.as_str() {
                Some(target) => json!(target.replace("#/components/schemas/", "#/$defs/")),
                None => value.clone(),
            },
            "format" => match value.as_str() {
                Some(format) if DROPPED_FORMATS.contains(&format) => continue,
                Some("uuid") if !uuid_ids => continue,
                _ => value.clone(),
            },
            "exclusiveMinimum" | "exclusiveMaximum" => match value {
                // Draft 4 / OpenAPI 3.0: a flag on `minimum`/`maximum`.
                Value::Bool(true) => {
                    let bound = if key == "exclusiveMinimum" {
                        "minimum"
                    } else {
                        "maximum"
                    };
                    match source.get(bound) {
                        Some(limit) => limit.clone(),
                        None => continue,
                    }
                }
                Value::Bool(false) => continue,
                number => number.clone(),
            },
            _ => value.clone(),
        };
        let key = if key == "oneOf" { "anyOf" } else { key };
        out.insert(key.to_owned(), translated);
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if source.get(flag) == Some(&Value::Bool(true)) {
            out.remove(bound);
        }
    }
    if source.get("nullable") == Some(&Value::Bool(true)) {
        return allow_null(out);
    }
    Value::Object(out)
}

/// `nullable: true`, in JSON Schema.
fn allow_null(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    match schema.get("type").cloned() {
        Some(Value::String(single)) => {
            schema.insert("type".to_owned(), json!([single, "null"]));
            Value::Object(schema)
        }
        Some(Value::Array(mut types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            schema.insert("type".to_owned(), Value::Array(types));
            Value::Object(schema)
        }
        _ if schema.keys().any(|k| is_constraint(k)) => {
            json!({ "anyOf": [{ "type": "null" }, Value::Object(schema)] })
        }
        // Nothing constrains it: it already accepts null.
        _ => Value::Object(schema),
    }
}

fn is_constraint(keyword: &str) -> bool {
    !matches!(
        keyword,
        "description" | "title" | "default" | "deprecated" | "readOnly" | "writeOnly"
    )
}

/// The `$defs` names a translated schema refers to.
pub(super) fn references(schema: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    if let Some(name) = target.strip_prefix("#/$defs/") {
                        out.insert(name.to_owned());
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(schema, &mut out);
    out.into_iter().collect()
}
