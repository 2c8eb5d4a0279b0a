//! A PIN as it travels to and from Seam: the one value that opens a door by itself.

use serde::{Deserialize, Serialize};

/// A PIN code. It serializes as the plain string Seam expects, but its `Debug` never shows it,
/// so a model or request logged with `{:?}` (or carried in a tracing field) does not leak it.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pin(String);

impl Pin {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    /// The digits, for the few places that must have them (storing it sealed, showing it to
    /// the resident it belongs to).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pin(<{} digits redacted>)", self.0.len())
    }
}

impl From<String> for Pin {
    fn from(code: String) -> Self {
        Self(code)
    }
}

impl From<&str> for Pin {
    fn from(code: &str) -> Self {
        Self(code.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_digits_and_serde_keeps_them() {
        let pin = Pin::from("482913");
        assert!(!format!("{pin:?}").contains("482913"));
        assert_eq!(serde_json::to_string(&pin).unwrap(), "\"482913\"");
        let back: Pin = serde_json::from_str("\"482913\"").unwrap();
        assert_eq!(back.expose(), "482913");
    }
}
