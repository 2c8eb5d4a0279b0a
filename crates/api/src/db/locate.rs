//! Finding a PostgreSQL server with no manual step: `DATABASE_URL` when set; otherwise the server
//! on 127.0.0.1:5432; otherwise a private throwaway server started from the PostgreSQL binaries
//! on this machine (with the `pgtemp` crate); otherwise one line saying how to get one.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// The local server every developer and CI machine is expected to have.
pub const LOCAL_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error("cannot use the database: {0}")]
    InvalidUrl(#[source] sqlx::Error),
    #[error(
        "no PostgreSQL found: set DATABASE_URL, or start one with `docker compose up -d postgres`"
    )]
    NotFound,
}

/// A server to use, and the private server's guard when one had to be started: it stops when
/// dropped.
pub struct Located {
    pub options: PgConnectOptions,
    pub private_server: Option<pgtemp::PgTempDB>,
}

/// Finds a server; `database_url` wins when given.
pub async fn locate(database_url: Option<&SecretString>) -> Result<Located, LocateError> {
    if let Some(url) = database_url {
        let options: PgConnectOptions = url
            .expose_secret()
            .parse()
            .map_err(LocateError::InvalidUrl)?;
        return Ok(Located {
            options,
            private_server: None,
        });
    }
    let local: PgConnectOptions = LOCAL_SERVER_URL.parse().map_err(LocateError::InvalidUrl)?;
    if reachable(&local).await {
        return Ok(Located {
            options: local,
            private_server: None,
        });
    }
    start_private_server().await
}

async fn reachable(options: &PgConnectOptions) -> bool {
    let options = options.clone().disable_statement_logging();
    match tokio::time::timeout(Duration::from_secs(3), options.connect()).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            true
        }
        _ => false,
    }
}

async fn start_private_server() -> Result<Located, LocateError> {
    let Some(bin_dir) = postgres_bin_dir() else {
        return Err(LocateError::NotFound);
    };
    // pgtemp panics when the server cannot start (for example when run as root); a panic on
    // the blocking thread becomes an error here instead of taking the process down.
    let started = tokio::task::spawn_blocking(move || {
        pgtemp::PgTempDBBuilder::new()
            .with_bin_path(bin_dir)
            .start()
    })
    .await;
    let server = started.map_err(|_| LocateError::NotFound)?;
    let options: PgConnectOptions = server
        .connection_uri()
        .parse()
        .map_err(LocateError::InvalidUrl)?;
    tracing::info!(
        port = server.db_port(),
        "started a private PostgreSQL server"
    );
    Ok(Located {
        options,
        private_server: Some(server),
    })
}

/// The directory holding `initdb` and `postgres`: on PATH, or where Debian installs them.
fn postgres_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin"));
    on_path
        .chain(debian)
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
}

/// The database `name` on the located server, created when missing (each command and each
/// test keeps its own database rather than filling the server's default one).
pub async fn ensure_database(
    server: &PgConnectOptions,
    name: &str,
) -> Result<PgConnectOptions, sqlx::Error> {
    let mut conn = server.clone().disable_statement_logging().connect().await?;
    let exists: bool =
        sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        // Identifiers cannot be bound; `name` is quoted, and only ever chosen by Doorway itself.
        let created = sqlx::query(&format!(
            "create database \"{}\"",
            name.replace('"', "\"\"")
        ))
        .execute(&mut conn)
        .await;
        match created {
            Ok(_) => {}
            // Another process created it between our check and our create.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e),
        }
    }
    conn.close().await?;
    Ok(server.clone().database(name))
}

/// The database a command uses: `DATABASE_URL` as given, or `default_name` on a located server.
pub async fn open(
    database_url: Option<&SecretString>,
    default_name: &str,
) -> Result<Located, LocateError> {
    let located = locate(database_url).await?;
    if database_url.is_some() {
        return Ok(located);
    }
    let options = ensure_database(&located.options, default_name)
        .await
        .map_err(LocateError::InvalidUrl)?;
    Ok(Located {
        options,
        private_server: located.private_server,
    })
}
