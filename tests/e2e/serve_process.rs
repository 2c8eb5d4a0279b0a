//! A real `doorway serve` process in place of the in-process app, for what only a process
//! shows: its logs, its environment-driven start-up (OpenTelemetry), its exit.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::helpers::TestApp;

/// The `doorway` binary with `args`, against this test's database and simulator and nothing
/// else from the test's environment; with `secrets`, the keys the test app runs with (the
/// demo's), so that both read each other's data.
pub fn doorway_command(app: &TestApp, args: &[&str], secrets: bool) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_doorway"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SEAM_ENDPOINT", app.sim.base_url())
        .env("DATABASE_URL", app.database_url(false))
        .kill_on_drop(true);
    if secrets {
        command
            .env(
                "DOORWAY_SECRET_KEY",
                "ZG9vcndheS1kZW1vLWtleS1ub3QtZm9yLXByb2QhISE=",
            )
            .env(
                "DOORWAY_JWT_HS256_SECRET",
                doorway_api::config::DEMO_JWT_SECRET,
            );
    }
    command
}

/// `doorway serve` on `listen`, its output captured.
fn serve_command(app: &TestApp, listen: std::net::SocketAddr) -> Command {
    let mut command = doorway_command(app, &["serve"], true);
    command
        .env("DOORWAY_LISTEN", listen.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn free_address() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Reads a pipe to its end as it fills (a full pipe would block the process).
fn drain(pipe: Option<impl AsyncRead + Unpin + Send + 'static>) -> JoinHandle<String> {
    tokio::spawn(async move {
        let mut text = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut text).await;
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}

pub struct ServeProcess {
    child: Child,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
}

impl ServeProcess {
    /// Kills the process; returns everything it wrote.
    pub async fn stop(mut self) -> String {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
        format!(
            "{}{}",
            self.stdout.await.unwrap(),
            self.stderr.await.unwrap()
        )
    }
}

impl TestApp {
    /// Stops the in-process app and starts `doorway serve` with `env` added, on the same
    /// database and simulator; the app's address points at it once it is ready.
    pub async fn serve_as_process(&mut self, env: &[(&str, &str)]) -> ServeProcess {
        self.stop().await;
        let listen = free_address();
        let mut child = serve_command(self, listen)
            .envs(env.iter().copied())
            .spawn()
            .unwrap();
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        self.address = format!("http://{listen}");
        let client = self.client.clone();
        let ready = format!("{}/readyz", self.address);
        crate::lifecycle_helpers::wait_until(Duration::from_secs(30), "doorway serve", || {
            let (client, ready) = (client.clone(), ready.clone());
            async move {
                match client.get(ready).send().await {
                    Ok(r) if r.status().is_success() => Ok(()),
                    other => Err(format!("{other:?}")),
                }
            }
        })
        .await;
        ServeProcess {
            child,
            stdout,
            stderr,
        }
    }

    /// Runs `doorway serve` with `env` added until it exits on its own (a refused start-up);
    /// returns its exit success and everything it wrote.
    pub async fn serve_process_exit(&self, env: &[(&str, &str)]) -> (bool, String) {
        let output = serve_command(self, free_address())
            .envs(env.iter().copied())
            .output();
        let output = tokio::time::timeout(Duration::from_secs(30), output)
            .await
            .unwrap_or_else(|_| panic!("doorway serve should exit by itself"))
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }
}
