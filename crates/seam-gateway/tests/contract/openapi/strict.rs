//! Strict mode: every object key of a body must be a property that some schema applying to
//! it names, which JSON Schema cannot say where Seam left `additionalProperties` out.

use serde_json::{Map, Value};

/// Strict mode: every object key must be a property some applicable schema names.
pub(super) struct Strict<'a> {
    pub(super) defs: &'a Value,
    pub(super) found: &'a mut Vec<(String, String)>,
}

impl Strict<'_> {
    pub(super) fn value(&mut self, value: &Value, schema: &Value, pointer: &str) {
        let defs = self.defs;
        let mut candidates = Vec::new();
        flatten(defs, schema, &mut candidates, 0);
        match value {
            Value::Object(map) => {
                let named: Vec<&Map<String, Value>> = candidates
                    .iter()
                    .filter_map(|c| c.get("properties").and_then(Value::as_object))
                    .collect();
                let open = candidates.iter().any(|c| {
                    c.get("additionalProperties")
                        .is_some_and(|extra| extra != &Value::Bool(false))
                });
                if named.is_empty() {
                    return; // a free-form object, such as `custom_metadata`
                }
                for (key, item) in map {
                    let child = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                    match named.iter().find_map(|props| props.get(key)) {
                        Some(sub) => self.value(item, sub, &child),
                        None if open => {}
                        None => self.found.push((
                            child,
                            format!("unknown field {key:?}: the schema does not name it"),
                        )),
                    }
                }
            }
            Value::Array(items) => {
                let Some(item_schema) = candidates.iter().find_map(|c| c.get("items")) else {
                    return;
                };
                for (index, item) in items.iter().enumerate() {
                    self.value(item, item_schema, &format!("{pointer}/{index}"));
                }
            }
            _ => {}
        }
    }
}

/// `schema` and the schemas it combines through `$ref`, `oneOf`, `anyOf` and `allOf`.
fn flatten<'s>(defs: &'s Value, schema: &'s Value, out: &mut Vec<&'s Value>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Value::Object(map) = schema else { return };
    out.push(schema);
    if let Some(name) = map
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|target| target.strip_prefix("#/$defs/"))
    {
        if let Some(def) = defs.get(name) {
            flatten(defs, def, out, depth + 1);
        }
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        for sub in map
            .get(combinator)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            flatten(defs, sub, out, depth + 1);
        }
    }
}
