//! The verified caller, and what it may do.

use std::collections::BTreeSet;

use doorway_domain::{PropertyId, TenantId};
use uuid::Uuid;

use super::{Claims, TokenError};
use crate::db::Visibility;
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
        // An empty subject would make a resident's visibility that of staff.
        if claims.sub.trim().is_empty() || claims.sub.chars().any(char::is_control) {
            return Err(TokenError::Invalid(
                "sub must be non-empty text without control characters".into(),
            ));
        }
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

    /// Whether the caller may read grants, credentials (PINs included) and runs: managers,
    /// residents (their own) and operators do; a partner needs `grants:read` (or `grants:write`:
    /// whoever may choose a PIN may read it back).
    pub fn reads_grants(&self) -> bool {
        match self.role {
            Role::Partner => {
                self.scopes.contains(&Scope::GrantsRead)
                    || self.scopes.contains(&Scope::GrantsWrite)
            }
            Role::Manager | Role::Resident | Role::Operator => true,
        }
    }

    /// What this caller sees of its tenant (staff and residents; operators have no tenant).
    pub fn visibility(&self) -> Option<Visibility> {
        let tenant = self.tenant?;
        Some(match self.role {
            Role::Resident => Visibility::resident(tenant, &self.subject),
            Role::Operator => Visibility::system(tenant),
            Role::Manager | Role::Partner => Visibility::staff(
                tenant,
                self.property_ids
                    .as_ref()
                    .map(|ids| ids.iter().copied().map(PropertyId::from).collect()),
                self.reads_grants(),
            ),
        })
    }

    /// What this caller sees of `tenant`, for objects reached through a row that names its
    /// tenant: all of it for operators, the caller's own visibility in its own tenant, and
    /// `NOT_FOUND` for another tenant.
    pub fn visibility_in(&self, tenant: TenantId) -> Result<Visibility, ApiError> {
        match self.role {
            Role::Operator => Ok(Visibility::system(tenant)),
            _ => match self.visibility() {
                Some(visibility) if visibility.tenant() == tenant => Ok(visibility),
                _ => Err(ApiError::NotFound("object")),
            },
        }
    }

    /// What this caller sees of its own tenant; `FORBIDDEN` for callers without one.
    pub fn visibility_in_own(&self) -> Result<Visibility, ApiError> {
        self.visibility()
            .ok_or_else(|| ApiError::Forbidden("this needs a tenant".into()))
    }

    /// A manager, or a partner holding `scope`: returns what they see.
    pub fn require_staff(&self, scope: Scope) -> Result<Visibility, ApiError> {
        let allowed = match self.role {
            Role::Manager => true,
            Role::Partner => self.scopes.contains(&scope),
            Role::Resident | Role::Operator => false,
        };
        match (allowed, self.visibility()) {
            (true, Some(visibility)) => Ok(visibility),
            _ if self.role == Role::Partner => Err(ApiError::Forbidden(format!(
                "this requires the {} scope",
                scope.as_str()
            ))),
            _ => Err(ApiError::Forbidden(
                "only property managers and partners may do this".into(),
            )),
        }
    }

    /// A field's scope: managers, residents and operators read what reaches them; a partner
    /// needs `scope` (grants:write counts as grants:read).
    pub fn require_field_scope(&self, scope: Scope) -> Result<(), ApiError> {
        let allowed = match (self.role, scope) {
            (Role::Partner, Scope::GrantsRead) => self.reads_grants(),
            (Role::Partner, scope) => self.scopes.contains(&scope),
            _ => true,
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this field requires the {} scope",
                scope.as_str()
            )))
        }
    }

    /// A property manager whose token is not limited to some properties.
    pub fn require_full_manager(&self) -> Result<Visibility, ApiError> {
        match (self.role, &self.property_ids, self.visibility()) {
            (Role::Manager, None, Some(visibility)) => Ok(visibility),
            _ => Err(ApiError::Forbidden(
                "only property managers of the whole tenant may do this".into(),
            )),
        }
    }

    /// An operation that reaches the whole tenant (move-out, Seam's inventory): a manager or a
    /// partner holding `scope`, whose token is not limited to some properties.
    pub fn require_tenant_wide(&self, scope: Scope) -> Result<Visibility, ApiError> {
        let visibility = self.require_staff(scope)?;
        if visibility.property_limit().is_some() {
            return Err(ApiError::Forbidden(
                "this reaches every property of the tenant; a token limited to some properties \
                 may not do it"
                    .into(),
            ));
        }
        Ok(visibility)
    }

    /// A resident: returns what they see (themselves; their subject is their `externalId`).
    pub fn require_resident(&self) -> Result<Visibility, ApiError> {
        match (self.role, self.visibility()) {
            (Role::Resident, Some(visibility)) => Ok(visibility),
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
