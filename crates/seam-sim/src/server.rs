//! Serving the simulator over HTTP: in-process for tests ([`spawn`], port 0 allowed) and as a
//! standalone process ([`run_standalone`], used by the `seam-sim` binary and `doorway sim`).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::options::SimOptions;
use crate::simulator::Simulator;
use crate::ticker;

/// A simulator serving on a local port, until [`RunningSim::shutdown`] or drop.
pub struct RunningSim {
    local_addr: SocketAddr,
    simulator: Simulator,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
    ticker: JoinHandle<()>,
}

/// Binds `addr` and serves a new simulator in a background task, with its ticker.
pub async fn spawn(addr: SocketAddr, options: SimOptions) -> io::Result<RunningSim> {
    let listener = TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let simulator = Simulator::new(options);
    let ticker = ticker::start(&simulator);
    let app = simulator.router();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                // Either an explicit stop or the handle being dropped ends the server.
                let _ = stopped.await;
            })
            .await
    });
    tracing::debug!(%local_addr, "seam-sim serving");
    Ok(RunningSim {
        local_addr,
        simulator,
        stop: Some(stop),
        task: Some(task),
        ticker,
    })
}

impl RunningSim {
    /// `http://127.0.0.1:PORT`, without a trailing slash; a wildcard bind is reported as
    /// loopback, since that is where a local client reaches it.
    pub fn base_url(&self) -> String {
        let mut addr = self.local_addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the server.
    pub async fn shutdown(mut self) {
        self.ticker.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "seam-sim server ended with an error"),
                Err(error) => tracing::warn!(%error, "seam-sim server task failed"),
            }
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.ticker.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves a default simulator on `addr` until SIGINT or SIGTERM, printing its base URL on
/// stdout.
pub async fn run_standalone(addr: SocketAddr) -> io::Result<()> {
    run_standalone_with(addr, SimOptions::default()).await
}

/// [`run_standalone`] with `options`; the `seam-sim` binary tunes a few from its environment.
pub async fn run_standalone_with(addr: SocketAddr, options: SimOptions) -> io::Result<()> {
    serve_until_signal(spawn(addr, options).await?).await;
    Ok(())
}

/// Prints the base URL of a spawned simulator on stdout, serves until SIGINT or SIGTERM,
/// then shuts it down.
pub async fn serve_until_signal(running: RunningSim) {
    println!("{}", running.base_url());
    tracing::info!(
        base_url = %running.base_url(),
        "seam-sim ready: POST /_sim/workspaces for an API key"
    );
    shutdown_signal().await;
    tracing::info!("seam-sim shutting down");
    running.shutdown().await;
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
