//! `seam-sim`: the Seam simulator as a process, listening on `SEAM_SIM_LISTEN`
//! (default `127.0.0.1:8090`), logging per `RUST_LOG`. `SEAM_SIM_DEVICE_RATE_WINDOW_SECONDS`
//! (whole seconds, default 60) shortens Seam's per-device rate-limit window, for demos and
//! load tests that want to see a limit lift.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use seam_sim::SimOptions;
use tracing_subscriber::EnvFilter;

const DEFAULT_LISTEN: &str = "127.0.0.1:8090";
const RATE_WINDOW_VAR: &str = "SEAM_SIM_DEVICE_RATE_WINDOW_SECONDS";

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
    let options = match options_from_env() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("seam-sim: {message}");
            return ExitCode::FAILURE;
        }
    };
    match seam_sim::run_standalone_with(addr, options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("seam-sim: cannot serve on {addr}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The default options, with what the environment overrides.
fn options_from_env() -> Result<SimOptions, String> {
    let mut options = SimOptions::default();
    if let Ok(text) = std::env::var(RATE_WINDOW_VAR) {
        let window = rate_window(&text)?;
        if let Some(limits) = options.device_rate_limits.as_mut() {
            limits.window = window;
        }
    }
    Ok(options)
}

/// A window of whole seconds, at least one: a zero window would turn the limits off unseen.
fn rate_window(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|seconds| *seconds > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| {
            format!("{RATE_WINDOW_VAR}={text:?} is not a whole number of seconds above 0")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_window_is_whole_seconds_above_zero() {
        assert_eq!(rate_window(" 2 "), Ok(Duration::from_secs(2)));
        for bad in ["0", "-1", "1.5", "", "a minute"] {
            assert!(rate_window(bad).is_err(), "{bad:?} accepted");
        }
    }
}
