//! Building the app on a listener and running it until it is told to stop.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::trace::TraceLayer;

use crate::configuration::Config;
use crate::db::Db;
use crate::events::Feed;
use crate::rate_limit::RateLimiter;
use crate::signing::Signer;
use crate::state::AppState;
use crate::{media, routes, uploads};

pub struct Server;

/// A server accepting connections; [`RunningServer::stop`] lets running requests finish.
pub struct RunningServer {
    addr: SocketAddr,
    public_url: String,
    stop: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
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
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        let db_path = config.database_path();
        let db = tokio::task::spawn_blocking(move || Db::open(&db_path))
            .await
            .context("database task failed")??;
        let data_dir = config.data_dir.clone();
        let signer = tokio::task::spawn_blocking(move || Signer::load_or_create(&data_dir))
            .await
            .context("secret task failed")??;
        let (stop, stopping) = watch::channel(false);
        let state = AppState {
            media_wake: Arc::new(tokio::sync::Notify::new()),
            signer: Arc::new(signer),
            feed: Feed::new(db)?,
            limiter: Arc::new(RateLimiter::new(
                config.public_rate_per_minute,
                config.trust_forwarded_for,
            )),
            busy_uploads: Arc::new(Mutex::new(HashSet::new())),
            public_url: public_url.clone().into(),
            config: Arc::new(config),
            stopping: stopping.clone(),
        };
        let recovering = state.clone();
        tokio::task::spawn_blocking(move || uploads::recover(&recovering))
            .await
            .context("recovery task failed")?
            .context("cannot recover unfinished uploads")?;

        let requeued = media::requeue_interrupted(&state)?;
        if requeued > 0 {
            tracing::info!(
                jobs = requeued,
                "media jobs interrupted by a restart run again"
            );
        }
        let mut background = vec![tokio::spawn(sweep_forever(state.clone()))];
        match media::Tools::detect(&state.config).await {
            Ok(tools) => background.extend(media::start_workers(&state, tools)),
            Err(reason) => tracing::error!(
                %reason,
                "ffmpeg/ffprobe missing: videos stay 'received' until a restart finds them \
                 (install Debian's ffmpeg or set --ffmpeg/--ffprobe)"
            ),
        }
        let app = routes::router(state.clone()).layer(TraceLayer::new_for_http());
        let task = tokio::spawn(serve(listener, app, stopping));
        tracing::info!(%addr, %public_url, data = %state.config.data_dir.display(), "clipdesk-server listening");
        Ok(RunningServer {
            addr,
            public_url,
            stop,
            task,
            background,
        })
    }
}

/// Largest read buffer per connection. hyper's default (~400 KB, grown on fast sockets) times
/// a few body frames in flight made 200 concurrent uploads cost ~150 MB; 64 KB keeps loopback
/// throughput and bounds memory per upload.
const MAX_READ_BUFFER: usize = 64 * 1024;

/// The accept loop: axum's router on hyper with a bounded read buffer, each connection told
/// the peer's address (for rate limits), and a graceful stop that lets requests finish.
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    mut stopping: watch::Receiver<bool>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use tower::ServiceExt;

    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().max_buf_size(MAX_READ_BUFFER);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = async { let _ = stopping.wait_for(|stop| *stop).await; } => break,
        };
        let router = app.clone();
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(remote));
                router.clone().oneshot(request.map(axum::body::Body::new))
            },
        );
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Deletes expired unfinished uploads and forgets idle rate-limit entries, every interval.
async fn sweep_forever(state: AppState) {
    let mut ticker = tokio::time::interval(state.config.sweep_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Err(err) = uploads::sweep(&state).await {
            tracing::error!(error = %err, "sweeping expired uploads failed");
        }
        state.limiter.shrink();
    }
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base links are built on.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Stops accepting connections, wakes long-polls, and waits for requests in flight.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        // Workers are aborted mid-job: ffmpeg is killed with them and the job, still
        // 'running' in the database, runs again at the next start.
        for task in &self.background {
            task.abort();
        }
        self.task.await.context("server task panicked")??;
        Ok(())
    }

    /// Runs until one of `signals` arrives, then stops gracefully.
    pub async fn run_until(self, signals: &mut StopSignals) -> anyhow::Result<()> {
        signals.recv().await;
        tracing::info!("shutting down: letting running requests finish");
        self.stop().await
    }
}

/// SIGINT and SIGTERM, listened for from the moment this is made: install it before the
/// server starts, so a signal sent right after "listening" is a clean stop, not a kill.
pub struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    pub fn install() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    pub async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {},
            _ = self.terminate.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
