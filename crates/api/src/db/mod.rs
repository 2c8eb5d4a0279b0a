//! PostgreSQL access: the connection pool, migrations, and transactions scoped to a tenant.
//!
//! The pool's connections switch to the role `doorway_app` (neither superuser nor owner), so
//! row-level security applies to every query the service makes. A use case opens a transaction
//! with [`begin_tenant`] and passes `&mut PgConnection` to the repository functions of the
//! submodules; a forgotten `where tenant_id = ...` still cannot see another tenant's rows.

pub mod changes;
pub mod credentials;
pub mod device_windows;
pub mod engine_state;
pub mod grants;
pub mod idempotency;
pub mod locate;
pub mod properties;
pub mod queue;
pub mod residents;
pub mod runs;
pub mod seam_events;
pub mod tenants;

use std::time::Duration;

use doorway_domain::TenantId;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool, Postgres, Transaction};

pub type Tx = Transaction<'static, Postgres>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Applies every pending migration, as the connecting (owner) role.
pub async fn migrate(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let mut conn = options
        .clone()
        .disable_statement_logging()
        .connect()
        .await?;
    MIGRATOR.run(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// Reverts every migration (for the up-down-up check in the tests).
pub async fn revert_all(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let mut conn = options
        .clone()
        .disable_statement_logging()
        .connect()
        .await?;
    MIGRATOR.undo(&mut conn, 0).await?;
    conn.close().await?;
    Ok(())
}

/// Whether every migration this build knows has been applied (for `/readyz`).
pub async fn migrations_applied(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let latest = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .max();
    let Some(latest) = latest else {
        return Ok(true);
    };
    let applied: Option<i64> =
        sqlx::query_scalar("select max(version) from _sqlx_migrations where success")
            .fetch_one(pool)
            .await?;
    Ok(applied >= Some(latest))
}

/// The service's pool: every connection queries as `doorway_app`.
pub async fn connect(
    options: &PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                sqlx::query("set role doorway_app")
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .connect_with(options.clone().disable_statement_logging())
        .await
}

/// A transaction that sees only one tenant's rows. Repository functions take it (rather than a
/// bare connection) so that none can be called without a tenant.
pub struct TenantTx {
    tx: Tx,
    tenant: TenantId,
}

impl TenantTx {
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

/// Opens a transaction that sees only `tenant`'s rows, in one round trip: the transaction
/// begins with its tenant set. (The id is formatted from a UUID, never from outside text.)
pub async fn begin_tenant(pool: &PgPool, tenant: TenantId) -> Result<TenantTx, sqlx::Error> {
    let begin = format!(
        "begin; select set_config('doorway.tenant_id', '{}', true), \
         set_config('doorway.scope', '', true)",
        tenant.as_uuid().hyphenated()
    );
    let tx = pool.begin_with(begin).await?;
    Ok(TenantTx { tx, tenant })
}

/// A transaction in one of the narrow cross-tenant scopes the migration defines.
pub async fn begin_scope(pool: &PgPool, scope: Scope) -> Result<Tx, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("select set_config('doorway.scope', $1, true)")
        .bind(scope.as_str())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Cross-tenant scopes, each used by one code path.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// Operators managing tenants (the `tenants` table only).
    Operator,
    /// The provisioning engine claiming due runs (runs, resident leases, tenants' engine
    /// state), and operators listing runs across tenants.
    Worker,
}

impl Scope {
    fn as_str(&self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Worker => "worker",
        }
    }
}
