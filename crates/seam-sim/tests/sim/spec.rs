//! Seam's OpenAPI description (`seam-api/openapi.json`, the repository's copy), read to
//! check rendered objects against it: every required field present, every field of the
//! right type (nullable where it may be null), every enum value known. Skipped, loudly,
//! where the file is not present.

use serde_json::Value;

pub struct Spec(Value);

/// Nesting deeper than this is not checked; Seam's schemas are far shallower.
const MAX_DEPTH: usize = 16;

impl Spec {
    pub fn load() -> Option<Self> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../seam-api/openapi.json");
        match std::fs::read_to_string(path) {
            Ok(text) => Some(Self(serde_json::from_str(&text).unwrap())),
            Err(_) => {
                eprintln!("skipping: no OpenAPI description at {path}");
                None
            }
        }
    }

    /// The `x-response-key` of `POST path`, and the fields its 200 answer requires.
    pub fn response(&self, path: &str) -> (Option<String>, Vec<String>) {
        let operation = &self.0["paths"][path]["post"];
        assert!(operation.is_object(), "{path} is not in the spec");
        let key = operation["x-response-key"].as_str().map(str::to_owned);
        let schema = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        let required = schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|f| Some(f.as_str()?.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        (key, required)
    }

    /// Every way `value` departs from `components.schemas.<name>`.
    pub fn problems(&self, name: &str, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let schema = &self.0["components"]["schemas"][name];
        assert!(schema.is_object(), "no schema {name}");
        self.check(schema, value, name, &mut problems, 0);
        problems
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                &self.0["components"]["schemas"][name]
            }
            None => schema,
        }
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>, depth: usize) {
        let schema = self.resolve(schema);
        if depth > MAX_DEPTH || !schema.is_object() {
            return;
        }
        if value.is_null() {
            if schema["nullable"] != true && schema.get("type").is_some() {
                out.push(format!("{at}: null but not nullable"));
            }
            return;
        }
        if let Some(all) = schema["allOf"].as_array() {
            for part in all {
                self.check(part, value, at, out, depth + 1);
            }
        }
        if let Some(variants) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
            self.check_variants(schema, variants, value, at, out, depth);
        }
        self.check_type(schema, value, at, out, depth);
    }

    /// A value must fit one variant: the one its discriminator names, or any.
    fn check_variants(
        &self,
        schema: &Value,
        variants: &[Value],
        value: &Value,
        at: &str,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        if let Some(property) = schema["discriminator"]["propertyName"].as_str() {
            let chosen = variants.iter().find(|variant| {
                let variant = self.resolve(variant);
                variant["properties"][property]["enum"]
                    .as_array()
                    .is_some_and(|values| values.contains(&value[property]))
            });
            match chosen {
                Some(variant) => self.check(variant, value, at, out, depth + 1),
                None => out.push(format!(
                    "{at}: no variant for {property} {}",
                    value[property]
                )),
            }
            return;
        }
        let mut best: Option<Vec<String>> = None;
        for variant in variants {
            let mut problems = Vec::new();
            self.check(variant, value, at, &mut problems, depth + 1);
            if problems.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| problems.len() < b.len()) {
                best = Some(problems);
            }
        }
        out.push(format!("{at}: fits no variant"));
        out.extend(best.unwrap_or_default());
    }

    fn check_type(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        if let Some(allowed) = schema["enum"].as_array() {
            if !allowed.contains(value) {
                out.push(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        let fits = match schema["type"].as_str() {
            None => true,
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("number") => value.is_number(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("boolean") => value.is_boolean(),
            Some(_) => true,
        };
        if !fits {
            out.push(format!("{at}: {value} is not a {}", schema["type"]));
            return;
        }
        if schema["format"] == "date-time" {
            let parses = value
                .as_str()
                .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok());
            if !parses {
                out.push(format!("{at}: {value} is not a date-time"));
            }
        }
        if let Some(required) = schema["required"].as_array() {
            for field in required.iter().filter_map(Value::as_str) {
                if value.get(field).is_none() {
                    out.push(format!("{at}: missing required {field}"));
                }
            }
        }
        if let (Some(properties), Some(fields)) =
            (schema["properties"].as_object(), value.as_object())
        {
            for (name, property) in properties {
                if let Some(field) = fields.get(name) {
                    self.check(property, field, &format!("{at}.{name}"), out, depth + 1);
                }
            }
        }
        if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
            for (index, item) in values.iter().enumerate() {
                self.check(items, item, &format!("{at}[{index}]"), out, depth + 1);
            }
        }
    }
}
