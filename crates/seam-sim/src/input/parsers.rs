//! Field parsers for [`super::Input`]: each checks one JSON value against one of the formats
//! Seam's schemas use and words its complaint as zod does.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::{clock, ids};

/// zod's names for JSON types, used in "Expected string, received number".
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(crate) fn string(value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        other => Err(format!("Expected string, received {}", type_name(other))),
    }
}

pub(crate) fn non_empty(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.is_empty() {
        return Err("String must contain at least 1 character(s)".to_owned());
    }
    Ok(text)
}

pub(crate) fn uuid(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if !ids::is_uuid(&text) {
        return Err("Invalid uuid".to_owned());
    }
    Ok(text)
}

pub(crate) fn email(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    let valid = match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.contains(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        return Err("Invalid email".to_owned());
    }
    Ok(text)
}

/// E.164, as Seam asks for phone numbers (`+15555550100`).
pub(crate) fn phone(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    let digits = text.strip_prefix('+').unwrap_or_default();
    let valid = (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if !valid {
        return Err("Invalid phone number: use E.164 format, for example +15555550100".to_owned());
    }
    Ok(text)
}

pub(crate) fn datetime(value: &Value) -> Result<DateTime<Utc>, String> {
    clock::parse_iso(&string(value)?).ok_or_else(|| "Invalid datetime".to_owned())
}

pub(crate) fn digits(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
        return Err("Invalid".to_owned());
    }
    Ok(text)
}

/// An access code as Seam's schema allows it: 4 to 12 digits.
pub(crate) fn pin(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.chars().count() < 4 {
        return Err("String must contain at least 4 character(s)".to_owned());
    }
    if text.chars().count() > 12 {
        return Err("String must contain at most 12 character(s)".to_owned());
    }
    if !text.chars().all(|c| c.is_ascii_digit()) {
        return Err("Invalid".to_owned());
    }
    Ok(text)
}

/// An absolute `http` or `https` URL, which is what a webhook can be delivered to.
pub(crate) fn http_url(value: &Value) -> Result<String, String> {
    let text = string(value)?;
    match reqwest::Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(text),
        _ => Err("Invalid url".to_owned()),
    }
}

pub(crate) fn boolean(value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("Expected boolean, received {}", type_name(value)))
}

pub(crate) fn number(value: &Value) -> Result<f64, String> {
    value
        .as_f64()
        .ok_or_else(|| format!("Expected number, received {}", type_name(value)))
}

/// Checks a string against a closed set, with zod's wording for enum mismatches.
pub(crate) fn one_of(value: &Value, allowed: &[&str]) -> Result<String, String> {
    let text = string(value)?;
    if allowed.contains(&text.as_str()) {
        return Ok(text);
    }
    let expected: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    Err(format!(
        "Invalid enum value. Expected {}, received '{text}'",
        expected.join(" | ")
    ))
}
