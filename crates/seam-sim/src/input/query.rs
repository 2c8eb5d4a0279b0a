//! A `GET` request's query string as the JSON body the same `POST` would carry, so every
//! endpoint Seam serves as `GET` reads its parameters with the same parsers.
//!
//! Arrays come as repeated keys (`device_ids=a&device_ids=b`), as `key[]=`, or comma
//! separated for list parameters (`device_ids=a,b`); `true` and `false` are booleans;
//! `limit` and `unstable_offset` are numbers; everything else is a string.

use serde_json::{Map, Value};

/// Parameters whose value is a list even when given once.
fn is_list(key: &str) -> bool {
    key.ends_with("_ids")
        || key.ends_with("_types")
        || matches!(
            key,
            "between" | "include_if" | "exclude_if" | "access_methods"
        )
}

fn scalar(key: &str, text: &str) -> Value {
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ if matches!(key, "limit" | "unstable_offset") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(text.to_owned()), Value::Number),
        _ => Value::String(text.to_owned()),
    }
}

pub(crate) fn query_to_body(query: &str) -> Value {
    let mut body = Map::new();
    for (raw_key, text) in url::form_urlencoded::parse(query.as_bytes()) {
        let (key, bracketed) = match raw_key.strip_suffix("[]") {
            Some(key) => (key.to_owned(), true),
            None => (raw_key.into_owned(), false),
        };
        let values: Vec<Value> = if is_list(&key) && !bracketed {
            text.split(',')
                .filter(|part| !part.is_empty())
                .map(|part| scalar(&key, part))
                .collect()
        } else {
            vec![scalar(&key, &text)]
        };
        match body.get_mut(&key) {
            Some(Value::Array(items)) => items.extend(values),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(std::iter::once(first).chain(values).collect());
            }
            None if bracketed || is_list(&key) => {
                body.insert(key, Value::Array(values));
            }
            None => {
                body.insert(key, values.into_iter().next().unwrap_or(Value::Null));
            }
        }
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::query_to_body;

    #[test]
    fn queries_become_bodies() {
        assert_eq!(
            query_to_body("device_id=d1&limit=2&include_if=can_program_online_access_codes"),
            json!({ "device_id": "d1", "limit": 2.0, "include_if": ["can_program_online_access_codes"] })
        );
        assert_eq!(
            query_to_body("device_ids=a,b&device_ids=c&code=0123&x[]=1&is_x=true"),
            json!({ "device_ids": ["a", "b", "c"], "code": "0123", "x": ["1"], "is_x": true })
        );
        assert_eq!(query_to_body(""), json!({}));
    }
}
