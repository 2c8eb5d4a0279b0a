//! `seam-sim`: the Seam simulator as a process. Every setting is a flag with an environment
//! variable beside it (`seam-sim --help`); `--help` also lists the `/_sim/` control API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Parser;
use seam_sim::SimOptions;
use tracing_subscriber::EnvFilter;

/// A local Seam (`https://connect.getseam.com`) for tests, demos and mobile apps: Seam's
/// paths, bodies and errors, with the Latch, Salto KS and smart-lock rules, webhooks, fault
/// injection and a deterministic mode.
#[derive(Debug, Parser)]
#[command(name = "seam-sim", version, after_long_help = include_str!("control_api.txt"))]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "SEAM_SIM_LISTEN", default_value = "127.0.0.1:8090")]
    listen: SocketAddr,

    /// Seed every random choice (ids, keys, PINs, fault rolls, webhook jitter). Also freezes
    /// the clocks at --clock-start (2025-01-01T00:00:00Z by default) unless --running-clock:
    /// the same requests then get byte-identical answers.
    #[arg(long, env = "SEAM_SIM_SEED")]
    seed: Option<u64>,

    /// What the clocks show at start (ISO 8601, e.g. 2025-06-01T09:00:00Z).
    #[arg(long, env = "SEAM_SIM_CLOCK_START", value_parser = parse_time)]
    clock_start: Option<DateTime<Utc>>,

    /// Start with the clocks frozen (they move only through /_sim/clock/*).
    #[arg(long, env = "SEAM_SIM_FREEZE_CLOCK", conflicts_with = "running_clock")]
    freeze_clock: bool,

    /// Keep the clocks running even with --seed.
    #[arg(long, env = "SEAM_SIM_RUNNING_CLOCK")]
    running_clock: bool,

    /// Seam's per-device rate-limit window, in whole seconds above 0.
    #[arg(long, env = "SEAM_SIM_DEVICE_RATE_WINDOW_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    device_rate_window_seconds: Option<u64>,

    /// Turn Seam's per-device rate limits off.
    #[arg(long, env = "SEAM_SIM_NO_DEVICE_RATE_LIMITS")]
    no_device_rate_limits: bool,

    /// Simulator milliseconds from creating a credential to its being issued.
    #[arg(long, env = "SEAM_SIM_CREDENTIAL_ISSUE_DELAY_MS")]
    credential_issue_delay_ms: Option<u64>,

    /// Simulator milliseconds an access code spends in `setting`.
    #[arg(long, env = "SEAM_SIM_CODE_SET_DELAY_MS")]
    code_set_delay_ms: Option<u64>,

    /// Simulator milliseconds an access code spends in `removing`.
    #[arg(long, env = "SEAM_SIM_CODE_REMOVE_DELAY_MS")]
    code_remove_delay_ms: Option<u64>,

    /// Webhook deliveries wait a random time up to this many milliseconds.
    #[arg(long, env = "SEAM_SIM_WEBHOOK_MAX_JITTER_MS")]
    webhook_max_jitter_ms: Option<u64>,

    /// Chance (0 to 1) that a delivered webhook message is delivered again.
    #[arg(long, env = "SEAM_SIM_WEBHOOK_DUPLICATE_RATE")]
    webhook_duplicate_rate: Option<f64>,

    /// Load these workspace dumps (GET /_sim/dump answers) at start.
    #[arg(long = "load", env = "SEAM_SIM_LOAD", value_delimiter = ',')]
    loads: Vec<PathBuf>,
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| format!("not an ISO 8601 time like 2025-06-01T09:00:00Z: {e}"))
}

impl Cli {
    fn options(&self) -> Result<SimOptions, String> {
        let mut options = match self.seed {
            Some(seed) => SimOptions::deterministic(seed),
            None => SimOptions::default(),
        };
        if self.clock_start.is_some() {
            options.clock_start = self.clock_start;
        }
        options.clock_frozen = (options.clock_frozen || self.freeze_clock) && !self.running_clock;
        if self.no_device_rate_limits {
            options.device_rate_limits = None;
        } else if let (Some(seconds), Some(limits)) = (
            self.device_rate_window_seconds,
            options.device_rate_limits.as_mut(),
        ) {
            limits.window = Duration::from_secs(seconds);
        }
        let ms = Duration::from_millis;
        if let Some(delay) = self.credential_issue_delay_ms {
            options.credential_issue_delay = ms(delay);
        }
        if let Some(delay) = self.code_set_delay_ms {
            options.access_codes.set_delay = ms(delay);
        }
        if let Some(delay) = self.code_remove_delay_ms {
            options.access_codes.remove_delay = ms(delay);
        }
        if let Some(jitter) = self.webhook_max_jitter_ms {
            options.webhooks.max_jitter = ms(jitter);
        }
        if let Some(rate) = self.webhook_duplicate_rate {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!(
                    "--webhook-duplicate-rate {rate} is not from 0 to 1"
                ));
            }
            options.webhooks.duplicate_rate = rate;
        }
        Ok(options)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let options = match cli.options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("seam-sim: {message}");
            return ExitCode::FAILURE;
        }
    };
    let running = match seam_sim::spawn(cli.listen, options).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("seam-sim: cannot serve on {}: {error}", cli.listen);
            return ExitCode::FAILURE;
        }
    };
    for path in &cli.loads {
        let loaded = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| running.simulator().load_workspace(&text));
        match loaded {
            Ok(ws) => {
                tracing::info!(path = %path.display(), workspace_id = %ws.workspace_id, "loaded a workspace")
            }
            Err(message) => {
                eprintln!("seam-sim: cannot load {}: {message}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    seam_sim::serve_until_signal(running).await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("seam-sim").chain(args.iter().copied()))
    }

    #[test]
    fn the_rate_window_is_whole_seconds_above_zero() {
        let options = cli(&["--device-rate-window-seconds", "2"])
            .unwrap()
            .options()
            .unwrap();
        assert_eq!(
            options.device_rate_limits.unwrap().window,
            Duration::from_secs(2)
        );
        for bad in ["0", "-1", "1.5", "", "a minute"] {
            assert!(
                cli(&["--device-rate-window-seconds", bad]).is_err(),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn a_seed_freezes_the_clock_unless_told_to_run() {
        let seeded = cli(&["--seed", "7"]).unwrap().options().unwrap();
        assert_eq!(seeded.seed, Some(7));
        assert!(seeded.clock_frozen);
        assert!(seeded.clock_start.is_some());
        let running = cli(&["--seed", "7", "--running-clock"])
            .unwrap()
            .options()
            .unwrap();
        assert!(!running.clock_frozen);
        let start = cli(&["--freeze-clock", "--clock-start", "2030-01-01T00:00:00Z"])
            .unwrap()
            .options()
            .unwrap();
        assert!(start.clock_frozen && start.seed.is_none());
        assert!(cli(&["--clock-start", "tomorrow"]).is_err());
    }

    #[test]
    fn the_help_documents_every_control_route() {
        let help = Cli::command_help();
        let control = include_str!("control/mod.rs");
        let paths: Vec<&str> = control
            .split(".route(")
            .skip(1)
            .filter_map(|call| call.trim_start().strip_prefix('"')?.split('"').next())
            .collect();
        assert!(paths.len() >= 15, "{paths:?}");
        for path in paths {
            assert!(
                help.contains(&format!("/_sim{path}")),
                "--help misses /_sim{path}"
            );
        }
    }

    impl Cli {
        fn command_help() -> String {
            use clap::CommandFactory;
            Cli::command().render_long_help().to_string()
        }
    }
}
