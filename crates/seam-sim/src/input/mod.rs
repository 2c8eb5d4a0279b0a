//! Reading request bodies field by field, the way Seam's zod schemas do.
//!
//! A request type reads each field it knows with a parser (`uuid`, `string`, `datetime`...);
//! problems are collected rather than returned one at a time, so a client sees every bad field
//! at once in `validation_errors` (zod's `format()` shape: `{"_errors": [], "<field>":
//! {"_errors": ["Required"]}}`) and a message worded like nextlove's. Unknown fields are
//! ignored because Seam strips them.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{json, Map, Value};

use crate::error::SimError;

mod parsers;
mod query;
pub(crate) use parsers::*;
pub(crate) use query::query_to_body;

/// Where the request came from, for URLs in responses (`next_page_url`).
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestMeta {
    pub(crate) path: String,
    pub(crate) origin: Option<String>,
}

/// A request body being read; see the module docs.
#[derive(Debug)]
pub(crate) struct Input {
    fields: Map<String, Value>,
    prefix: Vec<String>,
    issues: Vec<(Vec<String>, String)>,
    meta: RequestMeta,
}

type Parser<T> = fn(&Value) -> Result<T, String>;

impl Input {
    /// Parses a body; an empty one counts as `{}`, anything but a JSON object is refused.
    pub(crate) fn parse(body: &[u8], meta: RequestMeta) -> Result<Self, SimError> {
        let value = if body.iter().all(u8::is_ascii_whitespace) {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(body).map_err(|error| SimError::InvalidInput {
                message: format!("Request body is not valid JSON: {error}"),
                validation_errors: None,
            })?
        };
        match value {
            Value::Object(fields) => Ok(Self::new(fields, Vec::new(), meta)),
            other => Err(SimError::InvalidInput {
                message: format!("Expected object, received {}", type_name(&other)),
                validation_errors: Some(json!({ "_errors": [] })),
            }),
        }
    }

    fn new(fields: Map<String, Value>, prefix: Vec<String>, meta: RequestMeta) -> Self {
        Self {
            fields,
            prefix,
            issues: Vec::new(),
            meta,
        }
    }

    pub(crate) fn meta(&self) -> &RequestMeta {
        &self.meta
    }

    /// A required field; on failure the issue is recorded and a default stands in, which is
    /// never seen because [`Input::finish`] then refuses the request.
    pub(crate) fn required<T: Default>(&mut self, name: &str, parse: Parser<T>) -> T {
        match self.fields.get(name) {
            None => {
                self.issue(name, "Required");
                T::default()
            }
            Some(value) => self.check(name, parse(value)).unwrap_or_default(),
        }
    }

    /// Whether the body has the field at all (even as `null`).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// An optional field that may not be `null`.
    pub(crate) fn optional<T>(&mut self, name: &str, parse: Parser<T>) -> Option<T> {
        let result = parse(self.fields.get(name)?);
        self.check(name, result)
    }

    /// An optional field for which `null` means "not given".
    pub(crate) fn nullable<T>(&mut self, name: &str, parse: Parser<T>) -> Option<T> {
        match self.fields.get(name)? {
            Value::Null => None,
            value => {
                let result = parse(value);
                self.check(name, result)
            }
        }
    }

    /// An optional array whose items are each checked, with issues reported per index.
    pub(crate) fn optional_list<T>(&mut self, name: &str, parse: Parser<T>) -> Option<Vec<T>> {
        let items = match self.fields.get(name)? {
            Value::Array(items) => items.clone(),
            other => {
                self.issue(
                    name,
                    format!("Expected array, received {}", type_name(other)),
                );
                return None;
            }
        };
        let mut parsed = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match parse(item) {
                Ok(value) => parsed.push(value),
                Err(message) => self.issue_at(&[name, &index.to_string()], message),
            }
        }
        Some(parsed)
    }

    /// An optional nested object, read with its own `Input` whose issues carry this field's
    /// name as a prefix; hand it back with [`Input::absorb`].
    pub(crate) fn optional_object(&mut self, name: &str) -> Option<Input> {
        match self.fields.get(name)? {
            Value::Object(fields) => {
                let mut prefix = self.prefix.clone();
                prefix.push(name.to_owned());
                Some(Self::new(fields.clone(), prefix, RequestMeta::default()))
            }
            other => {
                self.issue(
                    name,
                    format!("Expected object, received {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Like [`Input::optional_object`], with `null` meaning "not given".
    pub(crate) fn nullable_object(&mut self, name: &str) -> Option<Input> {
        if self.fields.get(name)?.is_null() {
            return None;
        }
        self.optional_object(name)
    }

    pub(crate) fn absorb(&mut self, child: Input) {
        self.issues.extend(child.issues);
    }

    /// Records a problem with a field (or with the whole body when `name` is empty).
    pub(crate) fn issue(&mut self, name: &str, message: impl Into<String>) {
        let path: &[&str] = if name.is_empty() { &[] } else { &[name] };
        self.issue_at(path, message);
    }

    fn issue_at(&mut self, path: &[&str], message: impl Into<String>) {
        let mut full = self.prefix.clone();
        full.extend(path.iter().map(|segment| (*segment).to_owned()));
        self.issues.push((full, message.into()));
    }

    fn check<T>(&mut self, name: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.issue(name, message)).ok()
    }

    /// A stable digest of the body without the named fields, so a page cursor can tell
    /// whether it is being reused with different filters.
    pub(crate) fn fingerprint(&self, excluding: &[&str]) -> u64 {
        let mut rest = self.fields.clone();
        for name in excluding {
            rest.remove(*name);
        }
        let mut hasher = DefaultHasher::new();
        Value::Object(rest).to_string().hash(&mut hasher);
        hasher.finish()
    }

    /// Accepts the request, or refuses it with every recorded issue.
    pub(crate) fn finish(self) -> Result<(), SimError> {
        if self.issues.is_empty() {
            return Ok(());
        }
        let described: Vec<String> = self.issues.iter().map(describe).collect();
        let message = match described.as_slice() {
            [only] => only.clone(),
            many => format!("{} Input Errors: {}", many.len(), many.join(", ")),
        };
        let mut tree = Map::new();
        tree.insert("_errors".to_owned(), json!([]));
        for (path, issue) in &self.issues {
            insert_issue(&mut tree, path, issue);
        }
        Err(SimError::InvalidInput {
            message,
            validation_errors: Some(Value::Object(tree)),
        })
    }
}

fn describe((path, message): &(Vec<String>, String)) -> String {
    let path = path.join(".");
    match (path.is_empty(), message.as_str()) {
        (true, _) => message.clone(),
        (false, "Required") => format!("{path} is required"),
        (false, _) => format!("{message} for \"{path}\""),
    }
}

fn insert_issue(node: &mut Map<String, Value>, path: &[String], message: &str) {
    match path.split_first() {
        None => {
            if let Some(Value::Array(errors)) = node.get_mut("_errors") {
                errors.push(Value::String(message.to_owned()));
            }
        }
        Some((head, rest)) => {
            let child = node
                .entry(head.clone())
                .or_insert_with(|| json!({ "_errors": [] }));
            if let Value::Object(child) = child {
                insert_issue(child, rest, message);
            }
        }
    }
}

/// An `invalid_input` refusal for one field, for checks that need more than the body (such
/// as "must be in the future", which needs the workspace clock).
pub(crate) fn invalid_field(path: &[&str], message: &str) -> SimError {
    let mut input = Input::new(Map::new(), Vec::new(), RequestMeta::default());
    input.issue_at(path, message);
    match input.finish() {
        Err(error) => error,
        Ok(()) => SimError::InvalidInput {
            message: message.to_owned(),
            validation_errors: None,
        },
    }
}

#[cfg(test)]
mod tests;
