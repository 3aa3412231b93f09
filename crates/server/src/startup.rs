//! Building the app on a listener and running it until it is told to stop.

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::trace::TraceLayer;

use crate::configuration::Config;
use crate::routes;

pub struct Server;

/// A server accepting connections; [`RunningServer::stop`] lets running requests finish.
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Binds `config.listen` and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<RunningServer> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        Self::start_on(listener, config).await
    }

    /// Serves on a listener the caller bound (port 0 in tests, so the OS picks a free port).
    pub async fn start_on(listener: TcpListener, config: Config) -> anyhow::Result<RunningServer> {
        for dir in [
            config.data_dir.clone(),
            config.uploads_dir(),
            config.videos_dir(),
        ] {
            tokio::fs::create_dir_all(&dir)
                .await
                .with_context(|| format!("cannot create data folder {}", dir.display()))?;
        }
        let addr = listener.local_addr().context("listener has no address")?;
        let app = routes::router().layer(TraceLayer::new_for_http());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%addr, data = %config.data_dir.display(), "clipdesk-server listening");
        Ok(RunningServer {
            addr,
            shutdown,
            task,
        })
    }
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the requests in flight to finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.context("server task panicked")??;
        Ok(())
    }

    /// Runs until SIGINT or SIGTERM, then stops gracefully.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down: letting running requests finish");
        self.stop().await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
