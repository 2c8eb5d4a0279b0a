//! What one caller's transaction may see within its tenant, pushed into the SQL.
//!
//! A [`Visibility`] is made once at the edge from the verified token (or, for background work,
//! as [`Visibility::system`]) and is the only way to open a [`TenantTx`](super::TenantTx):
//! every repository function therefore runs under one. [`super::begin`] turns it into the
//! transaction's settings, and the restrictive row-level security policies of the migration
//! `visibility` enforce them on every table. A resolver that forgets a filter still cannot
//! return another property's grant, a PIN to a caller without `grants:read`, or another
//! resident's keys.

use std::sync::Arc;

use doorway_domain::{PropertyId, TenantId};

/// The tenant, property set, grant access and resident a transaction is narrowed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    tenant: TenantId,
    /// `None`: every property of the tenant.
    properties: Option<Arc<[PropertyId]>>,
    /// Whether grants, credentials (with their PINs) and runs are visible.
    grants: bool,
    /// A resident token's subject: only that resident and what is theirs are visible.
    resident: Option<Arc<str>>,
}

impl Visibility {
    /// Everything of one tenant: the engine, webhooks, sweeps and operators' own work.
    pub fn system(tenant: TenantId) -> Self {
        Self {
            tenant,
            properties: None,
            grants: true,
            resident: None,
        }
    }

    /// Staff of a tenant: limited to `properties` when their token says so.
    pub fn staff(tenant: TenantId, properties: Option<Vec<PropertyId>>, grants: bool) -> Self {
        Self {
            tenant,
            properties: properties.map(Arc::from),
            grants,
            resident: None,
        }
    }

    /// A resident: themselves and their own grants and credentials.
    pub fn resident(tenant: TenantId, subject: &str) -> Self {
        Self {
            tenant,
            properties: None,
            grants: true,
            resident: Some(Arc::from(subject)),
        }
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The resident token's subject, when the caller is a resident.
    pub fn resident_subject(&self) -> Option<&str> {
        self.resident.as_deref()
    }

    /// The properties the caller is limited to, when it is.
    pub fn property_limit(&self) -> Option<&[PropertyId]> {
        self.properties.as_deref()
    }

    /// The property limit as plain UUIDs, for queries that filter by it themselves too.
    pub fn property_uuids(&self) -> Option<Vec<uuid::Uuid>> {
        self.properties
            .as_ref()
            .map(|ids| ids.iter().map(PropertyId::as_uuid).collect())
    }

    pub fn sees_property(&self, property: PropertyId) -> bool {
        self.properties
            .as_ref()
            .is_none_or(|ids| ids.contains(&property))
    }

    pub fn sees_grants(&self) -> bool {
        self.grants
    }

    /// The same caller acting on grants it may not read: a move-out by a partner holding
    /// `residents:write` alone revokes every grant of the resident, and its payload still hides
    /// them (the fields check `grants:read`).
    pub fn acting_on_grants(&self) -> Self {
        Self {
            grants: true,
            ..self.clone()
        }
    }

    /// `doorway.properties`: `*`, or a uuid array literal (formatted from uuids, never from
    /// outside text).
    pub(super) fn properties_setting(&self) -> String {
        match &self.properties {
            None => "*".to_owned(),
            Some(ids) => {
                let ids: Vec<String> = ids
                    .iter()
                    .map(|id| id.as_uuid().hyphenated().to_string())
                    .collect();
                format!("{{{}}}", ids.join(","))
            }
        }
    }

    /// `doorway.reads`.
    pub(super) fn reads_setting(&self) -> &'static str {
        if self.grants {
            "grants"
        } else {
            ""
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_property_limit_becomes_an_array_literal_and_no_limit_a_star() {
        let tenant = TenantId::from(Uuid::nil());
        assert_eq!(Visibility::system(tenant).properties_setting(), "*");
        let a = PropertyId::from(Uuid::from_u128(1));
        let b = PropertyId::from(Uuid::from_u128(2));
        let limited = Visibility::staff(tenant, Some(vec![a, b]), false);
        assert_eq!(
            limited.properties_setting(),
            "{00000000-0000-0000-0000-000000000001,00000000-0000-0000-0000-000000000002}"
        );
        assert!(limited.sees_property(a));
        assert!(!limited.sees_property(PropertyId::from(Uuid::from_u128(3))));
        assert_eq!(limited.reads_setting(), "");
        assert_eq!(limited.acting_on_grants().reads_setting(), "grants");
        assert_eq!(
            Visibility::staff(tenant, Some(vec![]), true).properties_setting(),
            "{}"
        );
    }
}
