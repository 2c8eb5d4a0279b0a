//! Provisioning runs for the people who operate Doorway and the managers who watch their
//! buildings: those that need attention, and retrying or cancelling one.

use async_graphql::connection::Connection;
use async_graphql::{Context, Object, ID};

use super::context::{auth, parse_id, services};
use super::pagination::{connection, page_args, Cursor, Totals};
use super::types::{ProvisioningRun, RunStatus};
use crate::auth::{AuthContext, Scope};
use crate::error::{ApiError, GqlResult, IntoGql};

#[derive(Default)]
pub struct RunQuery;

#[Object]
impl RunQuery {
    /// Provisioning runs, newest first, optionally of one status: NEEDS_ATTENTION lists the runs
    /// an operator should look at. Operators see every tenant's; managers and partners with
    /// `grants:read` their tenant's, within their properties.
    #[graphql(complexity = "super::pagination::page_complexity(first, 50, child_complexity)")]
    async fn provisioning_runs(
        &self,
        ctx: &Context<'_>,
        status: Option<RunStatus>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Connection<Cursor, ProvisioningRun, Totals>> {
        let caller = auth(ctx)?;
        may_act(caller, Scope::GrantsRead).gql()?;
        let (limit, after) = page_args(first, after, 50).gql()?;
        let (rows, total) = services(ctx)?
            .list_runs(
                caller,
                status.map(Into::into),
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
            |r| Cursor::new(r.created_at, r.run_id),
            |run| ProvisioningRun { run, steps: None },
        ))
    }
}

#[derive(Default)]
pub struct RunMutation;

#[Object]
impl RunMutation {
    /// Works on a waiting run now (after a refusal's long backoff, or a paused tenant).
    async fn retry_run(&self, ctx: &Context<'_>, id: ID) -> GqlResult<ProvisioningRun> {
        let caller = auth(ctx)?;
        may_act(caller, Scope::GrantsWrite).gql()?;
        let id = parse_id(&id, "id").gql()?;
        let run = services(ctx)?.retry_run(caller, id).await.gql()?;
        Ok(ProvisioningRun { run, steps: None })
    }

    /// Stops a run, at its worker's next heartbeat or write. A provisioning stopped so fails
    /// and what it made is removed; a stopped removal leaves its grant REVOKING, saying so
    /// (revoking it again resumes it).
    async fn cancel_run(&self, ctx: &Context<'_>, id: ID) -> GqlResult<ProvisioningRun> {
        let caller = auth(ctx)?;
        may_act(caller, Scope::GrantsWrite).gql()?;
        let id = parse_id(&id, "id").gql()?;
        let run = services(ctx)?.cancel_run(caller, id).await.gql()?;
        Ok(ProvisioningRun { run, steps: None })
    }
}

/// Operators act on every tenant's runs; staff on their tenant's, with `scope` for partners.
fn may_act(caller: &AuthContext, scope: Scope) -> Result<(), ApiError> {
    match caller.tenant() {
        None => caller.require_operator(),
        Some(_) => caller.require_staff(scope).map(|_| ()),
    }
}
