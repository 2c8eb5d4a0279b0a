//! What a GraphQL request may look like before the schema spends anything on it.
//!
//! async-graphql validates a document by walking it with fragments expanded, so a 1 KB query
//! whose fragments each spread the next one twice costs seconds of CPU before its complexity is
//! refused. These checks run first and are linear in the request's size: nesting depth from a
//! scan of the text, then, on the parsed document, the number of fields once every fragment is
//! expanded (each fragment counted once, memoized), the number of directives, and control
//! characters in every string the request carries (variables and literals). A request that
//! fails one is answered at once with `extensions.code` and, for input, `extensions.field`.
//! The checks run in the request's schema extension ([`super::request`]) before parsing, so
//! every transport (HTTP and WebSocket subscriptions alike) gets them.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Positioned, ServerError, Value as ConstValue, Variables};
use async_graphql_value::Value;

/// A document longer than this is refused before parsing: the apps' largest operation is
/// under 2 KB and GraphiQL's introspection query under 4 KB, while parsing is what costs most
/// in a document near the body limit. (Variables may still fill the body.)
const MAX_QUERY_BYTES: usize = 16 * 1024;
/// Brackets and braces nested deeper than this are refused before parsing.
const MAX_NESTING: usize = 40;
/// Fields in the whole request once fragments are expanded (aliases count as fields).
const MAX_EXPANDED_FIELDS: u64 = 2_000;
/// Directives in the whole document.
const MAX_DIRECTIVES: usize = 50;

/// Checks the request text and variables; `Err` is the one error to answer with.
pub fn check(query: &str, variables: &Variables) -> Result<(), ServerError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(too_complex(format!(
            "the query is {} bytes; at most {MAX_QUERY_BYTES} are parsed",
            query.len()
        )));
    }
    if nesting(query) > MAX_NESTING {
        return Err(too_complex(format!(
            "the query nests deeper than {MAX_NESTING} levels"
        )));
    }
    for (name, value) in variables.iter() {
        if let Some(path) = control_in_const(value, name.as_str()) {
            return Err(bad_input(&path));
        }
    }
    // A document that does not parse is left to the schema, which names the syntax error.
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return Ok(());
    };
    let mut walk = Walk {
        document: &document,
        sizes: HashMap::new(),
        directives: 0,
    };
    let mut total: u64 = 0;
    for (_, operation) in document.operations.iter() {
        walk.directives += operation.node.directives.len();
        total = total.saturating_add(walk.size(&operation.node.selection_set.node, 0)?);
    }
    for fragment in document.fragments.values() {
        walk.directives += fragment.node.directives.len();
    }
    if total > MAX_EXPANDED_FIELDS {
        return Err(too_complex(format!(
            "the query selects {total} fields once its fragments are expanded; at most \
             {MAX_EXPANDED_FIELDS} are answered"
        )));
    }
    if walk.directives > MAX_DIRECTIVES {
        return Err(too_complex(format!(
            "the query has more than {MAX_DIRECTIVES} directives"
        )));
    }
    Ok(())
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    /// Expanded size of each fragment; `None` while it is being measured (a cycle).
    sizes: HashMap<&'a str, Option<u64>>,
    directives: usize,
}

impl<'a> Walk<'a> {
    fn size(&mut self, set: &'a SelectionSet, depth: usize) -> Result<u64, ServerError> {
        if depth > MAX_NESTING {
            return Err(too_complex(format!(
                "fragments nest deeper than {MAX_NESTING} levels"
            )));
        }
        let mut total: u64 = 0;
        for item in &set.items {
            let size = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.directives += field.directives.len();
                    for (name, value) in &field.arguments {
                        if let Some(path) = control_in_literal(&value.node, name.node.as_str()) {
                            return Err(bad_input(&path));
                        }
                    }
                    1 + self.size(&field.selection_set.node, depth + 1)?
                }
                Selection::InlineFragment(fragment) => {
                    self.directives += fragment.node.directives.len();
                    self.size(&fragment.node.selection_set.node, depth + 1)?
                }
                Selection::FragmentSpread(spread) => {
                    self.directives += spread.node.directives.len();
                    self.fragment(&spread.node.fragment_name, depth)?
                }
            };
            total = total.saturating_add(size);
            if total > MAX_EXPANDED_FIELDS {
                return Ok(total);
            }
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &'a Positioned<Name>, depth: usize) -> Result<u64, ServerError> {
        let key = name.node.as_str();
        match self.sizes.get(key) {
            Some(Some(size)) => return Ok(*size),
            Some(None) => {
                return Err(too_complex(format!("fragment {key} spreads itself")));
            }
            None => {}
        }
        // An unknown fragment is the schema's to report.
        let Some(fragment) = self.document.fragments.get(&name.node) else {
            return Ok(0);
        };
        self.sizes.insert(key, None);
        let size = self.size(&fragment.node.selection_set.node, depth + 1)?;
        self.sizes.insert(key, Some(size));
        Ok(size)
    }
}

/// The deepest nesting of `{`, `(` and `[` outside strings and comments.
fn nesting(query: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut chars = query.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' | '(' | '[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' | ')' | ']' => depth = depth.saturating_sub(1),
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
            }
            _ => {}
        }
    }
    deepest
}

/// Whether text holds a control character no field of Doorway accepts (tab, newline and
/// carriage return are allowed; NUL and the rest are not).
pub fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

fn control_in_const(value: &ConstValue, path: &str) -> Option<String> {
    match value {
        ConstValue::String(s) if has_control(s) => Some(path.to_owned()),
        ConstValue::List(items) => items.iter().find_map(|item| control_in_const(item, path)),
        ConstValue::Object(fields) => fields
            .iter()
            .find_map(|(name, v)| control_in_const(v, &format!("{path}.{name}"))),
        _ => None,
    }
}

fn control_in_literal(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) if has_control(s) => Some(path.to_owned()),
        Value::List(items) => items.iter().find_map(|item| control_in_literal(item, path)),
        Value::Object(fields) => fields
            .iter()
            .find_map(|(name, v)| control_in_literal(v, &format!("{path}.{name}"))),
        _ => None,
    }
}

/// The field a client names, without the variable's or input object's prefix
/// (`input.fullName` -> `fullName`).
fn field_name(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn bad_input(path: &str) -> ServerError {
    let field = field_name(path);
    let mut error = ServerError::new(
        format!("{field}: control characters (such as NUL) are not allowed"),
        None,
    );
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "BAD_USER_INPUT");
    extensions.set("field", field);
    error.extensions = Some(extensions);
    error
}

fn too_complex(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "QUERY_TOO_COMPLEX");
    error.extensions = Some(extensions);
    error
}

/// Gives every error the schema raised without a code one: input that could not be coerced
/// (an invalid `DateTime`, an unknown enum value) is `BAD_USER_INPUT` naming its field; a
/// document the schema refused is `GRAPHQL_VALIDATION_FAILED` (or `QUERY_TOO_COMPLEX` for its
/// depth and complexity limits).
pub fn add_codes(errors: &mut [ServerError], query: &str) {
    for error in errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        let (code, mut field) = classify(&error.message);
        if code == "BAD_USER_INPUT" && field.is_none() {
            // "Failed to parse ..." names no field, but points at the argument or variable.
            field = error
                .locations
                .first()
                .and_then(|at| name_at(query, at.line, at.column));
        }
        let mut extensions = error.extensions.take().unwrap_or_default();
        extensions.set("code", code);
        if let Some(field) = field {
            extensions.set("field", field);
        }
        error.extensions = Some(extensions);
    }
}

/// The name (of an argument, or a variable without its `$`) at a 1-based line and column.
fn name_at(query: &str, line: usize, column: usize) -> Option<String> {
    let text = query.lines().nth(line.checked_sub(1)?)?;
    let rest: String = text
        .chars()
        .skip(column.checked_sub(1)?)
        .skip_while(|c| *c == '$')
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!rest.is_empty()).then_some(rest)
}

fn classify(message: &str) -> (&'static str, Option<String>) {
    let quoted_after = |marker: &str| {
        message.find(marker).and_then(|at| {
            let rest = &message[at + marker.len()..];
            rest.find('"')
                .map(|end| field_name(rest[..end].trim_start_matches('$')).to_owned())
        })
    };
    if message.contains("Invalid value for argument") {
        return ("BAD_USER_INPUT", quoted_after("argument \""));
    }
    if message.contains("Invalid value for variable") || message.contains("Variable \"") {
        return ("BAD_USER_INPUT", quoted_after("ariable \""));
    }
    if message.starts_with("Failed to parse") {
        return ("BAD_USER_INPUT", None);
    }
    if message.contains("too complex") || message.contains("nested too deep") {
        return ("QUERY_TOO_COMPLEX", None);
    }
    ("GRAPHQL_VALIDATION_FAILED", None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<(), ServerError>) -> Option<String> {
        result.err().and_then(|e| {
            e.extensions.and_then(|x| {
                x.get("code")
                    .map(|c| c.to_string().trim_matches('"').to_owned())
            })
        })
    }

    #[test]
    fn fragments_that_double_at_each_level_are_refused_without_expanding_them() {
        // 2^60 fields once expanded: this test would never end if anything expanded them.
        let mut query = String::from("query { ...F0 }\n");
        for level in 0..60 {
            query.push_str(&format!(
                "fragment F{level} on Query {{ ...F{next} ...F{next} }}\n",
                next = level + 1
            ));
        }
        query.push_str("fragment F60 on Query { viewer { role } }\n");
        assert_eq!(
            code(check(&query, &Variables::default())).as_deref(),
            Some("QUERY_TOO_COMPLEX")
        );
    }

    #[test]
    fn a_fragment_that_spreads_itself_is_refused() {
        let query = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert_eq!(
            code(check(query, &Variables::default())).as_deref(),
            Some("QUERY_TOO_COMPLEX")
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let query = format!("query {}{}", "{ a ".repeat(1_000), "}".repeat(1_000));
        assert_eq!(
            code(check(&query, &Variables::default())).as_deref(),
            Some("QUERY_TOO_COMPLEX")
        );
    }

    #[test]
    fn control_characters_in_variables_and_literals_name_their_field() {
        let variables = Variables::from_json(serde_json::json!({
            "input": { "fullName": "Jane\u{0}Doe", "email": "jane@example.com" }
        }));
        let err = check("mutation($input: CreateResidentInput!) { createResident(input: $input) { resident { id } } }", &variables)
            .unwrap_err();
        let ext = err.extensions.unwrap();
        assert_eq!(ext.get("field").unwrap().to_string(), "\"fullName\"");
        let literal = "query { residents(search: \"a\\u0000b\") { totalCount } }";
        let err = check(literal, &Variables::default()).unwrap_err();
        assert_eq!(
            err.extensions.unwrap().get("field").unwrap().to_string(),
            "\"search\""
        );
        assert!(check(
            "query { residents(search: \"line\\none\") { totalCount } }",
            &Variables::default()
        )
        .is_ok());
    }

    #[test]
    fn schema_errors_without_a_code_get_one_and_name_their_field() {
        let (code, field) =
            classify("Invalid value for argument \"input.startsAt\", expected type \"DateTime\"");
        assert_eq!(
            (code, field.as_deref()),
            ("BAD_USER_INPUT", Some("startsAt"))
        );
        let (code, field) =
            classify("Invalid value for variable \"$status\", enumeration type \"RunStatus\" does not contain the value \"NOPE\"");
        assert_eq!((code, field.as_deref()), ("BAD_USER_INPUT", Some("status")));
        assert_eq!(
            name_at("query($d: DateTime) {\n  f(startsAt: $d)\n}", 2, 15).as_deref(),
            Some("d")
        );
        assert_eq!(
            classify("Unknown field \"nope\" on type \"Query\".").0,
            "GRAPHQL_VALIDATION_FAILED"
        );
    }
}
