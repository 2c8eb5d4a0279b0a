//! The object types the operations return, resolved from Doorway's own records.

use async_graphql::connection::Connection;
use async_graphql::dataloader::Loader;
use async_graphql::{ComplexObject, Context, Enum, ErrorExtensions, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use doorway_domain::{supported_access_methods, Provider as DomainProvider};

use super::context::{auth, load_err, loader, read_tx, services, NeedsScope, NotForResidents};
use super::lists::{self, ListPage};
use super::loaders::{
    AccessGroupEntrances, CredentialEntrances, GrantCredentials, GrantEntrances, GrantRun,
    LoadError, PropertyAccessGroups, PropertyEntrances, PropertyKey, TenantLoader,
};
use super::pagination::{connection, page_args, Cursor, Totals};
use crate::auth::Scope;
use crate::db;
use crate::db::credentials::CredentialRow;
use crate::db::grants::GrantRow;
use crate::db::properties::{AccessGroupRow, EntranceRow, PropertyRow};
use crate::db::residents::ResidentRow;
use crate::db::runs::{RunRow, StepRow};
use crate::db::tenants::TenantRow;
use crate::error::{ApiError, GqlResult, IntoGql};

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident from $domain:ty { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
        pub enum $name { $($variant),+ }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value { $(<$domain>::$variant => Self::$variant),+ }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value { $($name::$variant => Self::$variant),+ }
            }
        }
    };
}

mirror_enum!(/// Which kind of access-control system a property is.
    Provider from DomainProvider { Latch, SaltoKs, SmartLocks, OtherAcs });
mirror_enum!(/// How a resident opens a door.
    AccessMethod from doorway_domain::AccessMethod { MobileKey, PinCode });
mirror_enum!(/// Where a grant stands.
    GrantStatus from doorway_domain::GrantStatus { Provisioning, Active, Failed, Revoking, Revoked, Expired });
mirror_enum!(/// Where a credential stands.
    CredentialStatus from doorway_domain::CredentialStatus { Pending, Issuing, Scheduled, Active, Failed, Revoking, Revoked, Expired });
mirror_enum!(/// Whether a resident still lives at the tenant's properties.
    ResidentStatus from doorway_domain::ResidentStatus { Active, MovedOut });
mirror_enum!(/// Where a provisioning run stands.
    RunStatus from doorway_domain::RunStatus { Pending, Running, NeedsAttention, Succeeded, Failed, Cancelled });
mirror_enum!(/// What a provisioning run does.
    RunKind from doorway_domain::RunKind { Provision, Revoke, Reschedule, Expire, Compensate, SignOut });
mirror_enum!(/// Where one step of a run stands.
    StepStatus from doorway_domain::StepStatus { Pending, Running, Succeeded, Retrying, Failed, Skipped });

/// A property-management company.
pub struct Tenant(pub TenantRow);

#[Object]
impl Tenant {
    async fn id(&self) -> ID {
        ID(self.0.tenant_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn seam_workspace_id(&self) -> &str {
        &self.0.seam_workspace_id
    }
    /// Whether Seam sends this tenant's events to Doorway's webhook.
    async fn webhook_registered(&self) -> bool {
        self.0.webhook_registered
    }
    /// Set while the tenant's provisioning is paused (Seam rejected its API key): why, and
    /// what to do. Replacing the key (`rotateTenantSeamKey`) resumes it. Shown to operators
    /// and managers.
    async fn provisioning_paused_reason(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        // Operational detail for the people who can act on it, not for residents or partners.
        let role = super::context::auth(ctx)?.role;
        if !matches!(
            role,
            crate::auth::Role::Operator | crate::auth::Role::Manager
        ) {
            return Ok(None);
        }
        let services = super::context::services(ctx)?;
        let visibility = auth(ctx)?.visibility_in(self.0.tenant_id).gql()?;
        let pause = async {
            let mut db = crate::db::begin(&services.pool, &visibility).await?;
            let pause = crate::db::engine_state::pause_of(&mut db).await?;
            db.commit().await?;
            Ok::<_, ApiError>(pause)
        }
        .await
        .gql()?;
        Ok(pause.map(|p| p.reason))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A building or site imported from Seam.
pub struct Property(pub PropertyRow);

#[Object]
impl Property {
    async fn id(&self) -> ID {
        ID(self.0.property_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn provider(&self) -> Provider {
        self.0.provider.into()
    }
    /// The access methods Doorway can provision here.
    async fn supported_access_methods(&self) -> Vec<AccessMethod> {
        supported_access_methods(self.0.provider, None)
            .iter()
            .copied()
            .map(AccessMethod::from)
            .collect()
    }
    async fn seam_acs_system_id(&self) -> Option<&str> {
        self.0.seam_acs_system_id.as_deref()
    }
    /// The property's entrances, by name: a page of at most `first`, after
    /// the entrance `after`.
    #[graphql(complexity = "lists::complexity(first, lists::ENTRANCES, child_complexity)")]
    async fn entrances(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(lists::ENTRANCES)")] first: Option<i32>,
        after: Option<ID>,
    ) -> GqlResult<Vec<Entrance>> {
        let page = ListPage::new(first, lists::ENTRANCES, after.as_ref()).gql()?;
        entrances(ctx, PropertyEntrances(self.0.property_id), &page).await
    }
    /// The property's access groups, by name: a page of at most `first`, after the group
    /// `after`.
    #[graphql(complexity = "lists::complexity(first, lists::ACCESS_GROUPS, child_complexity)")]
    async fn access_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(lists::ACCESS_GROUPS)")] first: Option<i32>,
        after: Option<ID>,
    ) -> GqlResult<Vec<AccessGroup>> {
        let page = ListPage::new(first, lists::ACCESS_GROUPS, after.as_ref()).gql()?;
        let rows = loaded_page(ctx, PropertyAccessGroups(self.0.property_id), &page, |g| {
            g.access_group_id.as_uuid()
        })
        .await?;
        Ok(rows.into_iter().map(AccessGroup).collect())
    }
}

/// An ACS entrance, or a smart lock of a smart-lock property.
pub struct Entrance(pub EntranceRow);

#[Object]
impl Entrance {
    async fn id(&self) -> ID {
        ID(self.0.entrance_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn seam_acs_entrance_id(&self) -> Option<&str> {
        self.0.seam_acs_entrance_id.as_deref()
    }
    async fn seam_device_id(&self) -> Option<&str> {
        self.0.seam_device_id.as_deref()
    }
}

/// An ACS access group.
pub struct AccessGroup(pub AccessGroupRow);

#[Object]
impl AccessGroup {
    async fn id(&self) -> ID {
        ID(self.0.access_group_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The entrances the group opens, by name: a page of at most `first`, after
    /// the entrance `after`.
    #[graphql(complexity = "lists::complexity(first, lists::ENTRANCES, child_complexity)")]
    async fn entrances(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(lists::ENTRANCES)")] first: Option<i32>,
        after: Option<ID>,
    ) -> GqlResult<Vec<Entrance>> {
        let page = ListPage::new(first, lists::ENTRANCES, after.as_ref()).gql()?;
        entrances(ctx, AccessGroupEntrances(self.0.access_group_id), &page).await
    }
}

/// A page of a nested list a loader brings: what `key` loads, cut to `page`.
async fn loaded_page<K, T>(
    ctx: &Context<'_>,
    key: K,
    page: &ListPage,
    id: impl Fn(&T) -> uuid::Uuid,
) -> GqlResult<Vec<T>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    T: Send + Sync + Clone + 'static,
    TenantLoader: Loader<K, Value = Vec<T>, Error = LoadError>,
{
    let rows = loader(ctx)?.load_one(key).await.map_err(load_err)?;
    page.of(rows.unwrap_or_default(), id).gql()
}

/// A page of a nested list of entrances.
async fn entrances<K>(ctx: &Context<'_>, key: K, page: &ListPage) -> GqlResult<Vec<Entrance>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    TenantLoader: Loader<K, Value = Vec<EntranceRow>, Error = LoadError>,
{
    let rows = loaded_page(ctx, key, page, |e: &EntranceRow| e.entrance_id.as_uuid()).await?;
    Ok(rows.into_iter().map(Entrance).collect())
}

async fn property_of(ctx: &Context<'_>, id: doorway_domain::PropertyId) -> GqlResult<Property> {
    loader(ctx)?
        .load_one(PropertyKey(id))
        .await
        .map_err(load_err)?
        .map(Property)
        .ok_or_else(|| ApiError::NotFound("property").extend())
}

/// What a resident holds: a mobile key or a PIN.
pub struct Credential(pub CredentialRow);

#[Object]
impl Credential {
    async fn id(&self) -> ID {
        ID(self.0.credential_id.to_string())
    }
    async fn access_method(&self) -> AccessMethod {
        self.0.access_method.into()
    }
    async fn status(&self) -> CredentialStatus {
        self.0.status.into()
    }
    /// Why the credential is in its status, in words a portal can show.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    /// The PIN itself; null for mobile keys, and until the provider has generated it.
    #[graphql(guard = "NeedsScope(Scope::GrantsRead)")]
    async fn code(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        // Opened here, for a caller the guard and row-level security let through, and no
        // earlier.
        let Some(sealed) = &self.0.code_sealed else {
            return Ok(None);
        };
        services(ctx)?
            .cipher
            .open_string(sealed, &db::credentials::pin_context(self.0.credential_id))
            .map(Some)
            .map_err(|err| ApiError::internal(err).extend())
    }
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    async fn issued_at(&self) -> Option<DateTime<Utc>> {
        self.0.issued_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn grant_id(&self) -> ID {
        ID(self.0.grant_id.to_string())
    }
    async fn property(&self, ctx: &Context<'_>) -> GqlResult<Property> {
        property_of(ctx, self.0.property_id).await
    }
    /// The entrances the credential opens, by name: a page of at most `first`, after
    /// the entrance `after`.
    #[graphql(complexity = "lists::complexity(first, lists::ENTRANCES, child_complexity)")]
    async fn entrances(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(lists::ENTRANCES)")] first: Option<i32>,
        after: Option<ID>,
    ) -> GqlResult<Vec<Entrance>> {
        let page = ListPage::new(first, lists::ENTRANCES, after.as_ref()).gql()?;
        entrances(ctx, CredentialEntrances(self.0.credential_id), &page).await
    }
}

/// "This resident may open these doors, this way, in this window."
pub struct Grant(pub GrantRow);

#[Object]
impl Grant {
    async fn id(&self) -> ID {
        ID(self.0.grant_id.to_string())
    }
    async fn status(&self) -> GrantStatus {
        self.0.status.into()
    }
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    async fn access_method(&self) -> AccessMethod {
        self.0.access_method.into()
    }
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn resident_id(&self) -> ID {
        ID(self.0.resident_id.to_string())
    }
    async fn property(&self, ctx: &Context<'_>) -> GqlResult<Property> {
        property_of(ctx, self.0.property_id).await
    }
    /// The entrances the grant covers, by name: a page of at most `first`, after
    /// the entrance `after`.
    #[graphql(complexity = "lists::complexity(first, lists::ENTRANCES, child_complexity)")]
    async fn entrances(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(lists::ENTRANCES)")] first: Option<i32>,
        after: Option<ID>,
    ) -> GqlResult<Vec<Entrance>> {
        let page = ListPage::new(first, lists::ENTRANCES, after.as_ref()).gql()?;
        entrances(ctx, GrantEntrances(self.0.grant_id), &page).await
    }
    /// The grant's credentials, in slot order: a page of at most `first`, after the credential
    /// `after`.
    #[graphql(
        guard = "NeedsScope(Scope::GrantsRead)",
        complexity = "lists::complexity(first, lists::CREDENTIALS, child_complexity)"
    )]
    async fn credentials(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(lists::CREDENTIALS)")] first: Option<i32>,
        after: Option<ID>,
    ) -> GqlResult<Vec<Credential>> {
        let page = ListPage::new(first, lists::CREDENTIALS, after.as_ref()).gql()?;
        let rows = loaded_page(ctx, GrantCredentials(self.0.grant_id), &page, |c| {
            c.credential_id.as_uuid()
        })
        .await?;
        Ok(rows.into_iter().map(Credential).collect())
    }
    /// Every run of this grant, newest first: its provisioning, changes and removal (and the
    /// compensation that undid a failed provisioning); a page of at most `first`, after the run
    /// `after`.
    #[graphql(
        guard = "NeedsScope(Scope::GrantsRead).and(NotForResidents)",
        complexity = "lists::complexity(first, lists::RUNS, child_complexity)"
    )]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(lists::RUNS)")] first: Option<i32>,
        after: Option<ID>,
    ) -> GqlResult<Vec<ProvisioningRun>> {
        let page = ListPage::new(first, lists::RUNS, after.as_ref()).gql()?;
        let rows = {
            let mut tx = read_tx(ctx).await?;
            db::runs::of_grant(&mut tx, self.0.grant_id)
                .await
                .map_err(ApiError::from)
                .gql()?
        };
        Ok(page
            .of(rows, |r| r.run_id.as_uuid())
            .gql()?
            .into_iter()
            .map(|run| ProvisioningRun { run, steps: None })
            .collect())
    }
    /// The latest provisioning (or revocation) run of this grant.
    #[graphql(guard = "NeedsScope(Scope::GrantsRead).and(NotForResidents)")]
    async fn provisioning(&self, ctx: &Context<'_>) -> GqlResult<Option<ProvisioningRun>> {
        let run = loader(ctx)?
            .load_one(GrantRun(self.0.grant_id))
            .await
            .map_err(load_err)?;
        Ok(run.map(|(run, steps)| ProvisioningRun {
            run,
            steps: Some(steps),
        }))
    }
}

/// The durable record of the steps that turn a grant into credentials, change them, or end
/// them.
pub struct ProvisioningRun {
    pub run: RunRow,
    /// Loaded with the run where a loader had them at hand; otherwise read when asked for.
    pub steps: Option<Vec<StepRow>>,
}

#[Object]
impl ProvisioningRun {
    async fn id(&self) -> ID {
        ID(self.run.run_id.to_string())
    }
    async fn kind(&self) -> RunKind {
        self.run.kind.into()
    }
    async fn status(&self) -> RunStatus {
        self.run.status.into()
    }
    async fn grant_id(&self) -> ID {
        ID(self.run.grant_id.to_string())
    }
    async fn tenant_id(&self) -> ID {
        ID(self.run.tenant_id.to_string())
    }
    /// Why an operator should look (status NEEDS_ATTENTION): Seam keeps refusing a step, the
    /// tenant's key was rejected, or the run is long past due.
    async fn attention_reason(&self) -> Option<&str> {
        self.run.attention_reason.as_deref()
    }
    /// Someone asked the run to stop; it stops at its worker's next heartbeat or write.
    async fn cancel_requested(&self) -> bool {
        self.run.cancel_requested_at.is_some()
    }
    /// When the run is next worked on, if it is waiting; while a worker holds it, when that
    /// worker's lease ends (and another would take the run over).
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.run.next_attempt_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.run.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.run.updated_at
    }
    /// The run's steps, in order: a page of at most `first`, after the step `after`.
    #[graphql(complexity = "lists::complexity(first, lists::STEPS, child_complexity)")]
    async fn steps(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(lists::STEPS)")] first: Option<i32>,
        after: Option<ID>,
    ) -> GqlResult<Vec<ProvisioningStep>> {
        let page = ListPage::new(first, lists::STEPS, after.as_ref()).gql()?;
        let steps = match &self.steps {
            Some(steps) => steps.clone(),
            None => {
                let services = super::context::services(ctx)?;
                let visibility = auth(ctx)?.visibility_in(self.run.tenant_id).gql()?;
                async {
                    let mut db = crate::db::begin(&services.pool, &visibility).await?;
                    let steps = crate::db::runs::steps_of(&mut db, &[self.run.run_id]).await?;
                    db.commit().await?;
                    Ok::<_, ApiError>(steps)
                }
                .await
                .gql()?
            }
        };
        let steps = page.of(steps, |s| s.step_id.as_uuid()).gql()?;
        Ok(steps.into_iter().map(ProvisioningStep).collect())
    }
}

/// One step of a provisioning run.
pub struct ProvisioningStep(StepRow);

#[Object]
impl ProvisioningStep {
    /// The step's id: the `after` of the next page of a run's steps.
    async fn id(&self) -> ID {
        ID(self.0.step_id.to_string())
    }
    async fn name(&self) -> &str {
        self.0.kind.as_str()
    }
    async fn status(&self) -> StepStatus {
        self.0.status.into()
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Why the step's last attempt did not succeed: Seam's words (PINs redacted) for everyone
    /// who may see the run; Doorway's own internal causes only for operators.
    async fn last_error(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        let Some(raw) = self.0.last_error.as_deref() else {
            return Ok(None);
        };
        let operator = auth(ctx)?.role == crate::auth::Role::Operator;
        Ok(Some(client_safe_error(raw, operator)))
    }
    /// The Seam ids the step produced (and, for a skipped step, why it was skipped).
    async fn seam_ids(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.seam_ids.clone())
    }
    async fn credential_id(&self) -> Option<ID> {
        self.0.credential_id.map(|id| ID(id.to_string()))
    }
}

/// What a portal may show of a step's error: what Seam said (or that Doorway could not reach
/// its database), with any PIN-like digits redacted; anything else is Doorway's internal detail
/// and shown to operators only.
fn client_safe_error(raw: &str, operator: bool) -> String {
    let from_seam = raw.starts_with("Seam ")
        || raw.starts_with("outcome of ")
        || raw.starts_with("unexpected response from Seam")
        || raw.contains(" not sent to Seam: ")
        || raw == "Doorway's database was unavailable";
    if operator || from_seam {
        seam_gateway::redact_pins(raw)
    } else {
        "internal error; an operator can see the detail".to_owned()
    }
}

/// A person with an app account.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Resident {
    #[graphql(skip)]
    pub row: ResidentRow,
    pub id: ID,
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub external_id: String,
    pub created_at: DateTime<Utc>,
}

impl From<ResidentRow> for Resident {
    fn from(row: ResidentRow) -> Self {
        Self {
            id: ID(row.resident_id.to_string()),
            full_name: row.full_name.clone(),
            email: row.email.clone(),
            phone: row.phone.clone(),
            external_id: row.external_id.clone(),
            created_at: row.created_at,
            row,
        }
    }
}

pub type CredentialConnection = Connection<Cursor, Credential, Totals>;

#[ComplexObject]
impl Resident {
    async fn status(&self) -> ResidentStatus {
        self.row.status.into()
    }

    /// The resident's grants, newest first (limited to the caller's properties): a page of at
    /// most `first`, after the grant `after`.
    #[graphql(
        guard = "NeedsScope(Scope::GrantsRead)",
        complexity = "lists::complexity(first, lists::GRANTS, child_complexity)"
    )]
    async fn grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(lists::GRANTS)")] first: Option<i32>,
        after: Option<ID>,
    ) -> GqlResult<Vec<Grant>> {
        let page = ListPage::new(first, lists::GRANTS, after.as_ref()).gql()?;
        // Row-level security narrows to the caller's properties; the filter says so in the SQL.
        let limit_to = auth(ctx)?
            .visibility()
            .and_then(|visibility| visibility.property_uuids());
        let rows = {
            let mut tx = read_tx(ctx).await?;
            db::grants::of_residents(&mut tx, &[self.row.resident_id], limit_to.as_deref())
                .await
                .map_err(ApiError::from)
                .gql()?
        };
        let rows = page.of(rows, |g| g.grant_id.as_uuid()).gql()?;
        Ok(rows.into_iter().map(Grant).collect())
    }

    /// Every credential the resident holds, newest first, from Doorway's own records.
    #[graphql(
        guard = "NeedsScope(Scope::GrantsRead)",
        complexity = "super::pagination::page_complexity(first, 20, child_complexity)"
    )]
    async fn credentials(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<CredentialConnection> {
        let (limit, after) = page_args(first, after, 20).gql()?;
        let page = {
            let mut tx = read_tx(ctx).await?;
            db::credentials::page_of_resident(
                &mut tx,
                self.row.resident_id,
                limit,
                after.map(Cursor::key),
            )
            .await
            .map_err(ApiError::from)
            .gql()?
        };
        // The page brought each credential's property: the loader need not read them again.
        let (rows, properties): (Vec<_>, Vec<_>) = page.credentials.into_iter().unzip();
        if let Ok(db) = ctx.data::<std::sync::Arc<crate::db::RequestTx>>() {
            db.know_properties(properties);
        }
        Ok(connection(
            rows,
            limit,
            after,
            page.total,
            |r| Cursor::new(r.created_at, r.credential_id),
            Credential,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::client_safe_error;

    #[test]
    fn portal_users_see_seams_words_without_pins_and_no_internal_detail() {
        let seam = "Seam rejected /access_codes/create (400 duplicate_access_code): code 4821 is \
                    already in use";
        assert_eq!(
            client_safe_error(seam, false),
            "Seam rejected /access_codes/create (400 duplicate_access_code): code [pin] is \
             already in use"
        );
        let internal = "credential c-17 has no grant row";
        assert!(!client_safe_error(internal, false).contains("grant row"));
        assert_eq!(client_safe_error(internal, true), internal);
    }
}
