//! Pieces shared by several Seam objects.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A string enum that Seam grows: known values are variants, anything else parses into the
/// catch-all variant named after `..` and is written back unchanged.
///
/// ```ignore
/// open_enum! {
///     /// Doc.
///     pub enum Colour { Red = "red", Green = "green", ..Other }
/// }
/// ```
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal,)+
            ..$other:ident
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
            /// A value this crate does not know yet, as Seam sent it.
            $other(String),
        }

        impl $name {
            /// Every value this crate knows, for checking against Seam's OpenAPI description.
            #[cfg(test)]
            pub(crate) const KNOWN: &'static [&'static str] = &[$($text),+];

            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::$other(other) => other,
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $($text => Self::$variant,)+
                    _ => Self::$other(value),
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::from(value.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                match value {
                    $name::$other(other) => other,
                    known => known.as_str().to_owned(),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use open_enum;

/// A warning Seam attaches to an object, such as `waiting_to_be_issued` on a credential.
/// Codes grow with every integration, so the code stays a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub warning_code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// An error Seam attaches to an object (not a failed request: the object exists but is
/// unhealthy, such as `acs_user_deleted_externally`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorItem {
    pub error_code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// For timestamps the spec types as a bare string (a credential's `starts_at`, `ends_at`):
/// RFC 3339 as Seam sends it, or a date-time without offset, which we read as UTC.
pub(crate) fn lenient_timestamp<'de, D>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(&text) {
        return Ok(Some(at.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|naive| Some(naive.and_utc()))
        .map_err(|_| serde::de::Error::custom(format!("not an ISO 8601 date-time: {text:?}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "lenient_timestamp")]
        at: Option<DateTime<Utc>>,
    }

    fn parse(value: serde_json::Value) -> Result<Option<DateTime<Utc>>, serde_json::Error> {
        serde_json::from_value::<Holder>(value).map(|h| h.at)
    }

    #[test]
    fn lenient_timestamps_accept_what_seam_sends() {
        let expected = "2024-07-13T16:50:42.072Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            parse(json!({"at": "2024-07-13T16:50:42.072Z"})).unwrap(),
            Some(expected)
        );
        assert_eq!(
            parse(json!({"at": "2024-07-13T18:50:42.072+02:00"})).unwrap(),
            Some(expected)
        );
        assert_eq!(
            parse(json!({"at": "2024-07-13T16:50:42.072"})).unwrap(),
            Some(expected)
        );
        assert_eq!(parse(json!({"at": null})).unwrap(), None);
        assert_eq!(parse(json!({})).unwrap(), None);
        assert!(parse(json!({"at": "next tuesday"})).is_err());
    }

    #[test]
    fn warnings_ignore_fields_they_do_not_know() {
        let warning: Warning = serde_json::from_value(json!({
            "warning_code": "some_code_from_2031",
            "message": "m",
            "created_at": "2024-01-01T00:00:00Z",
            "extra": {"nested": true}
        }))
        .unwrap();
        assert_eq!(warning.warning_code, "some_code_from_2031");
    }
}
