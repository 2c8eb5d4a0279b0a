//! Residents: creating and finding them.

use async_graphql::connection::Connection;
use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::context::{auth, parse_id, services};
use super::pagination::{connection, page_args, Cursor, Totals};
use super::types::Resident;
use crate::auth::Scope;
use crate::error::{GqlResult, IntoGql};
use crate::services::residents::CreateResident;

#[derive(InputObject)]
pub struct CreateResidentInput {
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    /// The resident app's subject for this person (the `sub` of their tokens).
    pub external_id: String,
    pub idempotency_key: Option<String>,
}

#[derive(SimpleObject)]
pub struct CreateResidentPayload {
    pub resident: Resident,
}

#[derive(Default)]
pub struct ResidentQuery;

#[Object]
impl ResidentQuery {
    /// Residents, oldest first; `search` matches name or email (in part) or externalId.
    #[graphql(complexity = "super::pagination::page_complexity(first, 50, child_complexity)")]
    async fn residents(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
    ) -> GqlResult<Connection<Cursor, Resident, Totals>> {
        let visibility = auth(ctx)?.require_staff(Scope::ResidentsRead).gql()?;
        let (limit, after) = page_args(first, after, 50).gql()?;
        let (rows, total) = services(ctx)?
            .list_residents(
                &visibility,
                search.as_deref(),
                limit,
                after.map(Cursor::key),
            )
            .await
            .gql()?;
        Ok(connection(
            rows,
            limit,
            after,
            total,
            |r| Cursor::new(r.created_at, r.resident_id),
            Resident::from,
        ))
    }

    async fn resident(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Resident> {
        let visibility = auth(ctx)?.require_staff(Scope::ResidentsRead).gql()?;
        let id = parse_id(&id, "id").gql()?;
        Ok(services(ctx)?.resident(&visibility, id).await.gql()?.into())
    }
}

#[derive(Default)]
pub struct ResidentMutation;

#[Object]
impl ResidentMutation {
    async fn create_resident(
        &self,
        ctx: &Context<'_>,
        input: CreateResidentInput,
    ) -> GqlResult<CreateResidentPayload> {
        let visibility = auth(ctx)?.require_staff(Scope::ResidentsWrite).gql()?;
        let row = services(ctx)?
            .create_resident(
                &visibility,
                CreateResident {
                    full_name: input.full_name,
                    email: input.email,
                    phone: input.phone,
                    external_id: input.external_id,
                    idempotency_key: input.idempotency_key,
                },
            )
            .await
            .gql()?;
        Ok(CreateResidentPayload {
            resident: row.into(),
        })
    }
}
