//! A resident's validated identity fields, parsed once at the edge.

use crate::DomainError;

/// An email address: trimmed, one `@` with text on both sides and a dot in the domain. Seam
/// refuses malformed addresses, so we refuse them first, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim();
        let valid = value.len() <= 254
            && !value.chars().any(char::is_whitespace)
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.split('.').count() >= 2
                    && domain.split('.').all(|label| !label.is_empty())
            });
        if valid {
            Ok(Self(value.to_ascii_lowercase()))
        } else {
            Err(DomainError::invalid(
                "email",
                "must be an email address like jane@example.com",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's full name as it should appear at the door's provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(DomainError::invalid("fullName", "must not be empty"));
        }
        if value.chars().count() > 200 {
            return Err(DomainError::invalid(
                "fullName",
                "must be at most 200 characters",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in international form (`+` and 7 to 15 digits, spaces and dashes allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or_default();
        let valid = (7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit());
        if valid {
            Ok(Self(compact))
        } else {
            Err(DomainError::invalid(
                "phone",
                "must be an international number like +15551234567",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The resident app's subject for this person (the token's `sub`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim();
        if value.is_empty() || value.len() > 255 {
            return Err(DomainError::invalid(
                "externalId",
                "must be 1 to 255 characters",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A resident as the portal asks to create one, every field valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResident {
    pub full_name: FullName,
    pub email: Email,
    pub phone: Option<PhoneNumber>,
    pub external_id: ExternalId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_malformed_ones_refused() {
        assert_eq!(
            Email::parse(" Jane@Example.com ").unwrap().as_str(),
            "jane@example.com"
        );
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "a@b@c.d",
        ] {
            assert_eq!(Email::parse(bad).unwrap_err().field(), "email", "{bad}");
        }
    }

    #[test]
    fn names_must_not_be_blank() {
        assert_eq!(FullName::parse("   ").unwrap_err().field(), "fullName");
        assert_eq!(FullName::parse(" Jane Doe ").unwrap().as_str(), "Jane Doe");
    }

    #[test]
    fn phones_are_international() {
        assert_eq!(
            PhoneNumber::parse("+1 555-123-4567").unwrap().as_str(),
            "+15551234567"
        );
        assert_eq!(PhoneNumber::parse("555 1234").unwrap_err().field(), "phone");
        assert_eq!(PhoneNumber::parse("+12ab").unwrap_err().field(), "phone");
    }

    #[test]
    fn external_ids_are_bounded() {
        assert!(ExternalId::parse("").is_err());
        assert!(ExternalId::parse(&"x".repeat(256)).is_err());
        assert_eq!(
            ExternalId::parse("auth0|123").unwrap().as_str(),
            "auth0|123"
        );
    }
}
