//! Properties: the Seam inventory, importing, and listing.

use async_graphql::connection::Connection;
use async_graphql::{Context, ErrorExtensions, InputObject, Object, SimpleObject, ID};
use doorway_domain::PropertyId;

use super::context::{auth, parse_id, services};
use super::pagination::{connection, page_args, Cursor, Totals};
use super::types::Property;
use crate::auth::Scope;
use crate::db;
use crate::error::{ApiError, GqlResult, IntoGql};
use crate::services::inventory::ImportProperty;

#[derive(SimpleObject)]
pub struct SeamInventory {
    pub acs_systems: Vec<SeamAcsSystem>,
    pub devices: Vec<SeamDevice>,
}

/// An ACS system in the tenant's Seam workspace.
#[derive(SimpleObject)]
pub struct SeamAcsSystem {
    pub seam_acs_system_id: ID,
    pub name: String,
    /// Seam's `external_type` (`latch_building`, `salto_ks_site`, ...).
    pub external_type: Option<String>,
    pub imported: bool,
}

/// A smart lock in the tenant's Seam workspace.
#[derive(SimpleObject)]
pub struct SeamDevice {
    pub seam_device_id: ID,
    pub name: String,
    pub online: bool,
    pub supports_access_codes: bool,
    pub imported: bool,
}

/// Exactly one of `seamAcsSystemId` and `seamDeviceIds`.
#[derive(InputObject)]
pub struct ImportPropertyInput {
    pub name: Option<String>,
    pub seam_acs_system_id: Option<ID>,
    pub seam_device_ids: Option<Vec<ID>>,
    pub idempotency_key: Option<String>,
}

#[derive(SimpleObject)]
pub struct ImportPropertyPayload {
    pub property: Property,
}

#[derive(Default)]
pub struct PropertyQuery;

#[Object]
impl PropertyQuery {
    /// ACS systems and smart locks in the tenant's Seam workspace, and whether each is imported.
    async fn seam_inventory(&self, ctx: &Context<'_>) -> GqlResult<SeamInventory> {
        // Seam's whole workspace: not for tokens limited to some properties.
        let visibility = auth(ctx)?
            .require_tenant_wide(Scope::PropertiesRead)
            .gql()?;
        let (systems, devices) = services(ctx)?.seam_inventory(&visibility).await.gql()?;
        Ok(SeamInventory {
            acs_systems: systems
                .into_iter()
                .map(|s| SeamAcsSystem {
                    seam_acs_system_id: ID(s.seam_acs_system_id),
                    name: s.name,
                    external_type: s.external_type,
                    imported: s.imported,
                })
                .collect(),
            devices: devices
                .into_iter()
                .map(|d| SeamDevice {
                    seam_device_id: ID(d.seam_device_id),
                    name: d.name,
                    online: d.online,
                    supports_access_codes: d.supports_access_codes,
                    imported: d.imported,
                })
                .collect(),
        })
    }

    #[graphql(complexity = "super::pagination::page_complexity(first, 50, child_complexity)")]

    async fn properties(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, Property, Totals>> {
        let caller = auth(ctx)?;
        let visibility = caller.require_staff(Scope::PropertiesRead).gql()?;
        let (limit, after) = page_args(first, after, 50).gql()?;
        let services = services(ctx)?;
        let limit_to = visibility.property_uuids();
        let (rows, total) = async {
            let mut db = db::begin(&services.pool, &visibility).await?;
            let rows =
                db::properties::list(&mut db, limit_to.as_deref(), limit, after.map(Cursor::key))
                    .await?;
            let total = db::properties::count(&mut db, limit_to.as_deref()).await?;
            db.commit().await?;
            Ok::<_, ApiError>((rows, total))
        }
        .await
        .gql()?;
        Ok(connection(
            rows,
            limit,
            after,
            total,
            |r| Cursor::new(r.created_at, r.property_id),
            Property,
        ))
    }

    async fn property(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Property> {
        let caller = auth(ctx)?;
        let visibility = caller.require_staff(Scope::PropertiesRead).gql()?;
        let id: PropertyId = parse_id(&id, "id").gql()?;
        if !visibility.sees_property(id) {
            return Err(ApiError::NotFound("property").extend());
        }
        find_property(services(ctx)?, &visibility, id)
            .await
            .gql()
            .map(Property)
    }
}

async fn find_property(
    services: &crate::services::Services,
    visibility: &db::Visibility,
    id: PropertyId,
) -> Result<db::properties::PropertyRow, ApiError> {
    let mut db = db::begin(&services.pool, visibility).await?;
    let row = db::properties::find(&mut db, id)
        .await?
        .ok_or(ApiError::NotFound("property"))?;
    db.commit().await?;
    Ok(row)
}

#[derive(Default)]
pub struct PropertyMutation;

#[Object]
impl PropertyMutation {
    /// Imports one ACS system as a property; re-importing refreshes its entrances and access
    /// groups and keeps their ids.
    async fn import_property(
        &self,
        ctx: &Context<'_>,
        input: ImportPropertyInput,
    ) -> GqlResult<ImportPropertyPayload> {
        let visibility = auth(ctx)?.require_full_manager().gql()?;
        let services = services(ctx)?;
        let id = services
            .import_property(
                &visibility,
                ImportProperty {
                    name: input.name,
                    seam_acs_system_id: input.seam_acs_system_id.map(|id| id.0),
                    seam_device_ids: input
                        .seam_device_ids
                        .map(|ids| ids.into_iter().map(|id| id.0).collect()),
                    idempotency_key: input.idempotency_key,
                },
            )
            .await
            .gql()?;
        let row = find_property(services, &visibility, id).await.gql()?;
        Ok(ImportPropertyPayload {
            property: Property(row),
        })
    }
}
