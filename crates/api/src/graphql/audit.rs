//! The audit trail at the GraphQL edge: every mutation, whatever its outcome, recorded once by
//! the request's schema extension ([`super::request`], so no resolver can forget it), and
//! `auditEvents` to read it.
//!
//! The extension sees each root mutation field as it resolves: its arguments (variables
//! applied), the caller, the request id and the outcome (`OK` or the error code). The ids it
//! records come from the arguments (`id`, `input.residentId`, `input.propertyId`) and, for what
//! the mutation created, from its answer; the database fills in the resident and property of a
//! grant or run. The event is written after the mutation's own transaction: a crash between
//! the two loses the event, never the change.

use std::sync::Mutex;

use async_graphql::extensions::{ExtensionContext, ResolveInfo};
use async_graphql::{ServerResult, Value, Variables};
use uuid::Uuid;

use crate::auth::{AuthContext, Role};
use crate::db::audit::{self, NewAuditEvent};
use crate::error::REQUEST_ID;
use crate::services::Services;

/// What the audit trail keeps of one request (its variables, to record each mutation's
/// arguments), and the recording of its mutations; run by [`super::request`] around each root
/// mutation field.
#[derive(Default)]
pub struct AuditOfRequest {
    variables: Mutex<Variables>,
}

impl AuditOfRequest {
    pub fn keep_variables(&self, variables: &Variables) {
        if let Ok(mut kept) = self.variables.lock() {
            kept.clone_from(variables);
        }
    }

    /// The field's arguments with variables applied, as JSON.
    pub fn arguments(&self, info: &ResolveInfo<'_>) -> serde_json::Value {
        let Ok(variables) = self.variables.lock() else {
            return serde_json::Value::Null;
        };
        let mut arguments = serde_json::Map::new();
        for (name, value) in &info.field.arguments {
            let value = value
                .node
                .clone()
                .into_const_with(|var| variables.get(&var).cloned().ok_or(()));
            if let Ok(json) = value.and_then(|v| v.into_json().map_err(|_| ())) {
                arguments.insert(name.node.to_string(), json);
            }
        }
        serde_json::Value::Object(arguments)
    }

    /// Records one mutation and how it ended.
    pub async fn record(
        ctx: &ExtensionContext<'_>,
        operation: &str,
        arguments: &serde_json::Value,
        result: &ServerResult<Option<Value>>,
    ) {
        let (Some(caller), Some(services)) =
            (ctx.data_opt::<AuthContext>(), ctx.data_opt::<Services>())
        else {
            return;
        };
        let event = describe(caller, operation, arguments, result);
        if let Err(err) = audit::record(&services.pool, &event).await {
            tracing::error!(error = %err, operation, "an audit event could not be recorded");
        }
    }
}

/// The event for one mutation: who, what, which objects, and how it ended.
fn describe(
    caller: &AuthContext,
    operation: &str,
    arguments: &serde_json::Value,
    result: &ServerResult<Option<Value>>,
) -> NewAuditEvent {
    let id_at = |pointer: &str| {
        arguments
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
    };
    let answer = match result {
        Ok(Some(value)) => value.clone().into_json().unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    let created = |pointer: &str| {
        answer
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
    };
    let mut event = NewAuditEvent {
        tenant_id: caller.tenant().map(|t| t.as_uuid()),
        subject: caller.subject.clone(),
        role: role_name(caller.role),
        request_id: REQUEST_ID.try_with(Clone::clone).unwrap_or_default(),
        operation: operation.to_owned(),
        outcome: match result {
            Ok(_) => "OK".to_owned(),
            Err(err) => err
                .extensions
                .as_ref()
                .and_then(|e| e.get("code"))
                .and_then(|code| match code {
                    Value::String(code) => Some(code.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| "ERROR".to_owned()),
        },
        ..NewAuditEvent::default()
    };
    match operation {
        "createTenant" => {
            event.object_type = Some("tenant");
            event.object_id = created("/tenant/id");
            event.tenant_id = event.object_id;
        }
        "rotateTenantSeamKey" | "registerTenantWebhook" => {
            event.object_type = Some("tenant");
            event.object_id = id_at("/id");
            event.tenant_id = event.tenant_id.or(event.object_id);
        }
        "importProperty" => {
            event.object_type = Some("property");
            event.object_id = created("/property/id");
            event.property_id = event.object_id;
        }
        "createResident" => {
            event.object_type = Some("resident");
            event.object_id = created("/resident/id");
            event.resident_id = event.object_id;
        }
        "grantAccess" => {
            event.object_type = Some("grant");
            event.object_id = created("/grant/id");
            event.grant_id = event.object_id;
            event.resident_id = id_at("/input/residentId");
            event.property_id = id_at("/input/propertyId");
        }
        "revokeGrant" | "rescheduleGrant" => {
            event.object_type = Some("grant");
            event.object_id = id_at("/id");
            event.grant_id = event.object_id;
        }
        "moveOutResident" => {
            event.object_type = Some("resident");
            event.object_id = id_at("/id");
            event.resident_id = event.object_id;
        }
        "retryRun" | "cancelRun" => {
            event.object_type = Some("run");
            event.object_id = id_at("/id");
            event.run_id = event.object_id;
        }
        "createMobileKeySession" => {
            event.object_type = Some("resident");
        }
        _ => {}
    }
    event
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Resident => "resident",
        Role::Manager => "manager",
        Role::Partner => "partner",
        Role::Operator => "operator",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Claims;

    fn manager() -> AuthContext {
        AuthContext::from_claims(Claims {
            iss: String::new(),
            aud: String::new(),
            exp: 0,
            sub: "pm-1".into(),
            role: "manager".into(),
            tenant_id: Some(Uuid::nil()),
            scope: None,
            property_ids: None,
        })
        .unwrap()
    }

    #[test]
    fn a_grant_names_its_resident_property_and_the_grant_it_created() {
        let (resident, property, grant) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let arguments = serde_json::json!({ "input": {
            "residentId": resident.to_string(), "propertyId": property.to_string() } });
        let answer =
            Value::from_json(serde_json::json!({ "grant": { "id": grant.to_string() } })).unwrap();
        let event = describe(&manager(), "grantAccess", &arguments, &Ok(Some(answer)));
        assert_eq!(event.outcome, "OK");
        assert_eq!(
            (event.resident_id, event.property_id, event.grant_id),
            (Some(resident), Some(property), Some(grant))
        );
        assert_eq!((event.role, event.subject.as_str()), ("manager", "pm-1"));
    }

    #[test]
    fn a_refusal_is_recorded_with_its_code() {
        let mut error = async_graphql::ServerError::new("nope", None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", "FORBIDDEN");
        error.extensions = Some(extensions);
        let id = Uuid::now_v7();
        let event = describe(
            &manager(),
            "moveOutResident",
            &serde_json::json!({ "id": id.to_string() }),
            &Err(error),
        );
        assert_eq!(event.outcome, "FORBIDDEN");
        assert_eq!(event.resident_id, Some(id));
    }
}

/// One recorded mutation.
pub struct AuditEvent(audit::AuditRow);

#[async_graphql::Object]
impl AuditEvent {
    async fn id(&self) -> async_graphql::ID {
        async_graphql::ID(self.0.audit_id.to_string())
    }
    /// Null for an operator's action outside any tenant.
    async fn tenant_id(&self) -> Option<async_graphql::ID> {
        self.0.tenant_id.map(|id| async_graphql::ID(id.to_string()))
    }
    /// The token's subject.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// The `x-request-id` of the request, under which the logs hold the detail.
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
    /// The mutation (`grantAccess`, `revokeGrant` ...).
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// What kind of object it acted on: tenant, property, resident, grant or run.
    async fn object_type(&self) -> Option<&str> {
        self.0.object_type.as_deref()
    }
    async fn object_id(&self) -> Option<async_graphql::ID> {
        self.0.object_id.map(|id| async_graphql::ID(id.to_string()))
    }
    async fn resident_id(&self) -> Option<async_graphql::ID> {
        self.0
            .resident_id
            .map(|id| async_graphql::ID(id.to_string()))
    }
    async fn property_id(&self) -> Option<async_graphql::ID> {
        self.0
            .property_id
            .map(|id| async_graphql::ID(id.to_string()))
    }
    async fn grant_id(&self) -> Option<async_graphql::ID> {
        self.0.grant_id.map(|id| async_graphql::ID(id.to_string()))
    }
    /// `OK`, or the error code the caller got.
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[async_graphql::Object]
impl AuditQuery {
    /// Every mutation, newest first, with who made it and how it ended; filtered by resident,
    /// property or grant. Managers read their tenant's (within their properties); operators
    /// every tenant's, or one's with `tenantId`.
    #[graphql(complexity = "super::pagination::page_complexity(first, 50, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn audit_events(
        &self,
        ctx: &async_graphql::Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
        resident_id: Option<async_graphql::ID>,
        property_id: Option<async_graphql::ID>,
        grant_id: Option<async_graphql::ID>,
        tenant_id: Option<async_graphql::ID>,
    ) -> crate::error::GqlResult<
        async_graphql::connection::Connection<
            super::pagination::Cursor,
            AuditEvent,
            async_graphql::connection::EmptyFields,
        >,
    > {
        use super::context::{auth, parse_id, services};
        use crate::error::{ApiError, IntoGql};
        let caller = auth(ctx)?;
        let id = |raw: Option<async_graphql::ID>, field: &str| {
            raw.map(|raw| parse_id::<Uuid>(&raw, field))
                .transpose()
                .gql()
        };
        let filter = audit::AuditFilter {
            resident_id: id(resident_id, "residentId")?,
            property_id: id(property_id, "propertyId")?,
            grant_id: id(grant_id, "grantId")?,
        };
        let tenant = id(tenant_id, "tenantId")?;
        let (limit, after) = super::pagination::page_args(first, after, 50).gql()?;
        let before = after.map(super::pagination::Cursor::key);
        let services = services(ctx)?;
        let rows = async {
            match caller.role {
                Role::Operator => {
                    Ok(audit::list_all(&services.pool, tenant, filter, limit, before).await?)
                }
                Role::Manager => {
                    let visibility = caller.visibility_in_own()?;
                    let mut db = crate::db::begin(&services.pool, &visibility).await?;
                    let rows = audit::list(&mut db, filter, limit, before).await?;
                    db.commit().await?;
                    Ok(rows)
                }
                Role::Partner | Role::Resident => Err(ApiError::Forbidden(
                    "the audit trail is for managers and operators".into(),
                )),
            }
        }
        .await
        .gql()?;
        let wanted = usize::try_from(limit - 1).unwrap_or(0);
        let mut connection =
            async_graphql::connection::Connection::new(after.is_some(), rows.len() > wanted);
        connection
            .edges
            .extend(rows.into_iter().take(wanted).map(|row| {
                async_graphql::connection::Edge::new(
                    super::pagination::Cursor::new(row.created_at, row.audit_id),
                    AuditEvent(row),
                )
            }));
        Ok(connection)
    }
}
