//! `seam-sim`: the Seam simulator as a process, listening on `SEAM_SIM_LISTEN`
//! (default `127.0.0.1:8090`), logging per `RUST_LOG`.

use std::net::SocketAddr;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

const DEFAULT_LISTEN: &str = "127.0.0.1:8090";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let listen = std::env::var("SEAM_SIM_LISTEN").unwrap_or_else(|_| DEFAULT_LISTEN.to_owned());
    let addr: SocketAddr = match listen.parse() {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("seam-sim: SEAM_SIM_LISTEN={listen:?} is not an address like {DEFAULT_LISTEN}: {error}");
            return ExitCode::FAILURE;
        }
    };
    match seam_sim::run_standalone(addr).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("seam-sim: cannot serve on {addr}: {error}");
            ExitCode::FAILURE
        }
    }
}
