//! Building the app on a listener and running it until it is told to stop.

mod connections;
mod tls;

use std::collections::HashSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
use crate::{instance, media, routes, uploads};
use connections::{Connections, Limits, Slot, TrackedBody};
use tls::Tls;

pub struct Server;

/// A server accepting connections; [`RunningServer::stop`] lets running requests finish
/// within the shutdown grace.
pub struct RunningServer {
    addr: SocketAddr,
    /// `https` when the server terminates TLS itself.
    scheme: &'static str,
    public_url: String,
    instance_id: instance::InstanceId,
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
        // First, so a wrong certificate stops the start before anything is written.
        let tls = match config.tls_files()? {
            Some(files) => Some((Tls::load(&files).await?, files)),
            None => None,
        };
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
        let public_url = config.public_url_or(addr);
        let db_path = config.database_path();
        let db = tokio::task::spawn_blocking(move || Db::open(&db_path))
            .await
            .context("database task failed")??;
        let data_dir = config.data_dir.clone();
        let signer = tokio::task::spawn_blocking(move || Signer::load_or_create(&data_dir))
            .await
            .context("secret task failed")??;
        let data_dir = config.data_dir.clone();
        let instance_id = tokio::task::spawn_blocking(move || instance::load_or_create(&data_dir))
            .await
            .context("instance id task failed")??;
        let (stop, stopping) = watch::channel(false);
        let state = AppState {
            media_wake: Arc::new(tokio::sync::Notify::new()),
            objects: crate::objects::MediaStore::from_config(&config)?,
            signer: Arc::new(signer),
            instance_id: instance_id.as_str().into(),
            feed: Feed::new(db)?,
            limiter: Arc::new(RateLimiter::new(&config)),
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
        let mut background = vec![
            tokio::spawn(sweep_forever(state.clone())),
            crate::webhooks::start(&state)?,
        ];
        let tls = tls.map(|((tls, seen), files)| {
            tracing::info!(cert = %files.cert.display(), key = %files.key.display(), "serving HTTPS");
            background.push(tokio::spawn(tls.clone().reload_forever(files, seen)));
            tls
        });
        let scheme = if tls.is_some() { "https" } else { "http" };
        match media::Tools::detect(&state.config).await {
            Ok(tools) => background.extend(media::start_workers(&state, tools)),
            Err(reason) => tracing::error!(
                %reason,
                "ffmpeg/ffprobe missing: videos stay 'received' until a restart finds them \
                 (install Debian's ffmpeg or set --ffmpeg/--ffprobe)"
            ),
        }
        let rules = ConnectionRules {
            limits: Limits::from_config(&state.config),
            header_read_timeout: state.config.header_read_timeout,
            shutdown_grace: state.config.shutdown_grace,
        };
        tracing::info!(
            max_connections = rules.limits.total,
            max_connections_per_ip = rules.limits.per_ip.unwrap_or(0),
            header_read_timeout_secs = rules.header_read_timeout.as_secs(),
            keep_alive_timeout_secs = rules.limits.keep_alive.as_secs(),
            shutdown_grace_secs = rules.shutdown_grace.as_secs(),
            "connection limits"
        );
        let app = routes::router(state.clone()).layer(TraceLayer::new_for_http());
        let task = tokio::spawn(serve(listener, app, stopping, rules, tls));
        tracing::info!(%addr, scheme, %public_url, data = %state.config.data_dir.display(), "clipdesk-server listening");
        Ok(RunningServer {
            addr,
            scheme,
            public_url,
            instance_id,
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

/// How the accept loop treats connections, from [`Config`].
struct ConnectionRules {
    limits: Limits,
    header_read_timeout: Duration,
    shutdown_grace: Duration,
}

/// The accept loop: axum's router on hyper's HTTP/1.1 with a bounded read buffer and a header
/// timeout, each connection held in [`Connections`] and told the peer's address (for rate
/// limits), and a graceful stop bounded by the shutdown grace.
///
/// With `tls`, a connection's TLS handshake comes first, within the header read timeout, while
/// it already holds its slot (so a handshake flood is capped and pushed out like a slow-header
/// one); a connection refused at the cap is then closed without an answer.
///
/// HTTP/1.1 only (also what TLS offers by ALPN): cleartext HTTP/2 would bring up to 200
/// requests per connection with no header timeout, and HTTP/1.1 serves a recipient's page and
/// upload well.
/// hyper 1.x starts the header timer when a connection opens and again as soon as a response
/// is done, so it also bounds a keep-alive connection waiting for its next request; the
/// shorter keep-alive timeout is `Slot::closing`'s. hyper has no timeout on a request body:
/// the shutdown grace does not wait for one.
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    mut stopping: watch::Receiver<bool>,
    rules: ConnectionRules,
    tls: Option<Tls>,
) -> std::io::Result<()> {
    use hyper::server::conn::http1;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use tower::ServiceExt;

    let connections = Connections::new(rules.limits);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(rules.header_read_timeout)
        .max_buf_size(MAX_READ_BUFFER);
    let graceful = GracefulShutdown::new();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        connections.settled().await;
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            // Reaps finished connections so the set holds only open ones.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            () = async { let _ = stopping.wait_for(|stop| *stop).await; } => break,
        };
        let slot = match connections.admit(remote.ip()) {
            Ok(slot) => slot,
            Err(refused) => {
                // A fresh socket's send buffer is empty: this never waits on the client. A
                // TLS client would read plain HTTP as garbage: it only sees the close.
                if tls.is_none() {
                    let _ = stream.try_write(&refused.response());
                }
                continue;
            }
        };
        let requests = slot.requests();
        let router = app.clone();
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(remote));
                let in_flight = requests.begin();
                let response = router.clone().oneshot(request.map(axum::body::Body::new));
                async move {
                    let response = response.await?;
                    Ok::<_, Infallible>(response.map(|body| TrackedBody::new(body, in_flight)))
                }
            },
        );
        let watcher = graceful.watcher();
        let http = http.clone();
        let tls = tls.clone();
        let mut stopped = stopping.clone();
        let handshake_timeout = rules.header_read_timeout;
        tasks.spawn(async move {
            let io: Box<dyn Io> = match tls {
                None => Box::new(stream),
                Some(tls) => {
                    match handshake(&tls, stream, handshake_timeout, &slot, &mut stopped).await {
                        Some(stream) => Box::new(stream),
                        None => {
                            drop(slot);
                            return;
                        }
                    }
                }
            };
            let mut connection =
                Box::pin(watcher.watch(http.serve_connection(TokioIo::new(io), service)));
            tokio::select! {
                result = &mut connection => if let Err(err) = result {
                    tracing::debug!(%err, "connection ended with an error");
                },
                () = slot.closing() => tracing::debug!("connection closed: idle, or room made"),
            }
            // The socket closes before the slot is freed: a free slot is a free descriptor.
            drop(connection);
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(rules.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = tasks.len(),
            grace_secs = rules.shutdown_grace.as_secs(),
            "shutdown grace over: closing connections with requests still in flight"
        );
    }
    // Drops every connection left, which closes its socket and cancels its request.
    tasks.shutdown().await;
    Ok(())
}

/// A connection's byte stream: the TCP socket, or the TLS session over it.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}

impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

/// The TLS handshake of a held connection, given up when it takes longer than `timeout`, when
/// the connection is closed to make room, or when the server stops.
async fn handshake(
    tls: &Tls,
    stream: tokio::net::TcpStream,
    timeout: Duration,
    slot: &Slot,
    stopping: &mut watch::Receiver<bool>,
) -> Option<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {
    tokio::select! {
        accepted = tokio::time::timeout(timeout, tls.accept(stream)) => match accepted {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(err)) => {
                tracing::debug!(%err, "TLS handshake failed");
                None
            }
            Err(_) => {
                tracing::debug!("no TLS handshake within the header read timeout");
                None
            }
        },
        () = slot.closing() => {
            tracing::debug!("connection closed in its TLS handshake: room made");
            None
        }
        _ = stopping.wait_for(|stop| *stop) => None,
    }
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

    /// Where the server answers: `http://` or, when it serves TLS itself, `https://`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The base links are built on.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// This data folder's instance id, as `/healthz` answers it.
    pub fn instance_id(&self) -> &str {
        self.instance_id.as_str()
    }

    /// Stops accepting connections, wakes long-polls, and waits for requests in flight, for
    /// the shutdown grace at most; then closes what is left.
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
