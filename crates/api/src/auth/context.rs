//! The verified caller, and what it may do.

use std::collections::BTreeSet;

use doorway_domain::{PropertyId, TenantId};
use uuid::Uuid;

use super::{Claims, TokenError};
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Role {
    Resident,
    Manager,
    Partner,
    Operator,
}

/// A partner's scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    PropertiesRead,
    ResidentsRead,
    ResidentsWrite,
    GrantsRead,
    GrantsWrite,
}

impl Scope {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "properties:read" => Self::PropertiesRead,
            "residents:read" => Self::ResidentsRead,
            "residents:write" => Self::ResidentsWrite,
            "grants:read" => Self::GrantsRead,
            "grants:write" => Self::GrantsWrite,
            _ => return None,
        })
    }

    fn as_str(&self) -> &'static str {
        match self {
            Self::PropertiesRead => "properties:read",
            Self::ResidentsRead => "residents:read",
            Self::ResidentsWrite => "residents:write",
            Self::GrantsRead => "grants:read",
            Self::GrantsWrite => "grants:write",
        }
    }
}

/// The caller of one request, made once from its token.
#[derive(Debug, Clone)]
pub struct AuthContext {
    pub role: Role,
    pub subject: String,
    tenant: Option<TenantId>,
    scopes: BTreeSet<Scope>,
    property_ids: Option<Vec<Uuid>>,
}

impl AuthContext {
    pub fn from_claims(claims: Claims) -> Result<Self, TokenError> {
        let role = match claims.role.as_str() {
            "resident" => Role::Resident,
            "manager" => Role::Manager,
            "partner" => Role::Partner,
            "operator" => Role::Operator,
            other => return Err(TokenError::Invalid(format!("unknown role {other:?}"))),
        };
        if role != Role::Operator && claims.tenant_id.is_none() {
            return Err(TokenError::Invalid(
                "tenant_id is required for this role".into(),
            ));
        }
        let scopes = claims
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(Scope::parse)
            .collect();
        Ok(Self {
            role,
            subject: claims.sub,
            tenant: claims.tenant_id.map(TenantId::from),
            scopes,
            property_ids: claims
                .property_ids
                .filter(|_| matches!(role, Role::Manager | Role::Partner)),
        })
    }

    /// The caller's tenant; operators have none.
    pub fn tenant(&self) -> Option<TenantId> {
        self.tenant
    }

    pub fn require_operator(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Operator => Ok(()),
            _ => Err(ApiError::Forbidden("only operators may do this".into())),
        }
    }

    /// A manager, or a partner holding `scope`: returns their tenant.
    pub fn require_staff(&self, scope: Scope) -> Result<TenantId, ApiError> {
        let allowed = match self.role {
            Role::Manager => true,
            Role::Partner => self.scopes.contains(&scope),
            Role::Resident | Role::Operator => false,
        };
        match (allowed, self.tenant) {
            (true, Some(tenant)) => Ok(tenant),
            _ if self.role == Role::Partner => Err(ApiError::Forbidden(format!(
                "this requires the {} scope",
                scope.as_str()
            ))),
            _ => Err(ApiError::Forbidden(
                "only property managers and partners may do this".into(),
            )),
        }
    }

    /// A property manager whose token is not limited to some properties: returns their tenant.
    pub fn require_full_manager(&self) -> Result<TenantId, ApiError> {
        match (self.role, self.tenant, &self.property_ids) {
            (Role::Manager, Some(tenant), None) => Ok(tenant),
            _ => Err(ApiError::Forbidden(
                "only property managers of the whole tenant may do this".into(),
            )),
        }
    }

    /// A manager of the whole tenant, or a partner holding `scope` (move-out reaches every
    /// property, so a manager limited to some properties may not).
    pub fn require_full_manager_or(&self, scope: Scope) -> Result<TenantId, ApiError> {
        match self.role {
            Role::Manager => self.require_full_manager(),
            _ => self.require_staff(scope),
        }
    }

    /// A resident: returns their tenant and subject (their `externalId`).
    pub fn require_resident(&self) -> Result<(TenantId, &str), ApiError> {
        match (self.role, self.tenant) {
            (Role::Resident, Some(tenant)) => Ok((tenant, &self.subject)),
            _ => Err(ApiError::Forbidden("only residents may do this".into())),
        }
    }

    /// The properties the caller is limited to, when its token says so.
    pub fn property_limit(&self) -> Option<&[Uuid]> {
        self.property_ids.as_deref()
    }

    pub fn may_see_property(&self, property: PropertyId) -> bool {
        self.property_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&property.as_uuid()))
    }
}
