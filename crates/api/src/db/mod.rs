//! PostgreSQL access: the connection pool, migrations, and transactions scoped to a tenant.
//!
//! The service logs in as the role `doorway_app` (neither superuser nor owner, no DDL rights),
//! so row-level security applies to every query it makes, and nothing it runs can widen that:
//! what spans tenants goes through the database's narrow `security definer` functions
//! (claiming runs, listing tenants, the queue's depth). A use case opens a transaction with
//! [`begin_tenant`] and passes it to the repository functions of the submodules; a forgotten
//! `where tenant_id = ...` still cannot see another tenant's rows.
//!
//! Every transaction that changes a resident's access locks rows in one order: the resident
//! first, then grants, credentials, runs, steps, leases; so none waits on another in a cycle.

pub mod audit;
pub mod changes;
pub mod credentials;
pub mod device_windows;
pub mod engine_state;
pub mod grants;
pub mod idempotency;
#[cfg(feature = "local-database")]
pub mod locate;
pub mod properties;
pub mod queue;
mod request_tx;
pub mod residents;
pub mod runs;
pub mod seam_events;
pub mod tenants;
mod visibility;

pub use request_tx::{ReadSlots, RequestTx};
pub use visibility::Visibility;

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

/// The service's pool. Its connections log in as the service's role, `doorway_app`, which
/// owns nothing and is subject to row-level security: nothing a query does (`reset role`,
/// `set_config`) can make it see more.
pub async fn connect(
    options: &PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone().disable_statement_logging())
        .await
}

/// Whether the pool logs in as a role fit for the service: `doorway_app`, not a superuser, not
/// exempt from row-level security, owning no table. `Err` says what is wrong.
pub async fn check_login_role(pool: &PgPool) -> Result<(), String> {
    let row = sqlx::query!(
        r#"select current_user::text as "role!",
                  r.rolsuper or r.rolbypassrls as "privileged!",
                  exists(select 1 from pg_tables t
                         where t.schemaname = 'public' and t.tableowner = current_user) as "owner!"
           from pg_roles r where r.rolname = current_user"#
    )
    .fetch_one(pool)
    .await
    .map_err(|e| format!("cannot read the login role: {e}"))?;
    if row.role != SERVICE_ROLE || row.privileged || row.owner {
        return Err(format!(
            "DATABASE_URL logs in as {:?}; the service must log in as {SERVICE_ROLE:?} (no \
             superuser, no table owner). Migrations run with DOORWAY_MIGRATE_DATABASE_URL.",
            row.role
        ));
    }
    Ok(())
}

/// The role the service logs in as (the migrations create it and grant it what it needs).
pub const SERVICE_ROLE: &str = "doorway_app";

/// The service's connection options on a server reached as the owner (demo and tests): the
/// same database, logged in as [`SERVICE_ROLE`] (trust or peer authentication locally).
pub fn as_service(owner: &PgConnectOptions) -> PgConnectOptions {
    owner.clone().username(SERVICE_ROLE)
}

/// A transaction that sees only one tenant's rows, narrowed to one caller's [`Visibility`].
/// Repository functions take it (rather than a bare connection) so that none can be called
/// without a tenant and a visibility.
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

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

/// Opens a transaction that sees what `visibility` allows: one tenant's rows, its properties,
/// its grants if it may read them, and for a resident only their own. The settings are made in
/// the same round trip as `begin`: formatted from UUIDs and constants, and a resident's subject
/// (outside text) as hex digits decoded by the server, so nothing outside can end the literal.
pub async fn begin(pool: &PgPool, visibility: &Visibility) -> Result<TenantTx, sqlx::Error> {
    begin_as(pool, visibility, "begin").await
}

/// Like [`begin`], for a transaction that only reads: the database refuses any write in it.
pub async fn begin_read_only(
    pool: &PgPool,
    visibility: &Visibility,
) -> Result<TenantTx, sqlx::Error> {
    begin_as(pool, visibility, "begin read only").await
}

async fn begin_as(
    pool: &PgPool,
    visibility: &Visibility,
    begin_statement: &str,
) -> Result<TenantTx, sqlx::Error> {
    let tenant = visibility.tenant();
    let subject_hex: String = visibility
        .resident_subject()
        .unwrap_or_default()
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let begin = format!(
        "{begin_statement}; select set_config('doorway.tenant_id', '{}', true), \
         set_config('doorway.scope', '', true), set_config('doorway.properties', '{}', true), \
         set_config('doorway.reads', '{}', true), \
         set_config('doorway.resident', convert_from(decode('{subject_hex}', 'hex'), 'UTF8'), true)",
        tenant.as_uuid().hyphenated(),
        visibility.properties_setting(),
        visibility.reads_setting(),
    );
    let tx = pool.begin_with(begin).await?;
    Ok(TenantTx { tx, tenant })
}

/// A transaction over everything of `tenant`: background work (the engine, webhooks, sweeps)
/// and operators' own work.
pub async fn begin_tenant(pool: &PgPool, tenant: TenantId) -> Result<TenantTx, sqlx::Error> {
    begin(pool, &Visibility::system(tenant)).await
}
