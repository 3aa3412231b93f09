//! The server this desktop syncs with, and the one way to connect to it: at launch and when
//! Settings are saved alike, [`Connector::connect`] starts the embedded server if it is
//! wanted and not running, saves the settings and starts the sync loop over the server.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clipdesk_core::client::ServerClient;
use clipdesk_core::settings::{self, Settings};
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync::{self, Applied, SyncStatus};
use clipdesk_core::{AppInfo, CoreError, CoreResult};
use clipdesk_server::RunningServer;
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::{Mutex, Notify, watch};

use crate::embedded;

/// The event the UI hears after a feed page changed something (payload: [`Applied`]).
pub const SYNC_APPLIED: &str = "sync-applied";

/// One server connection and the sync loop running over it; dropping it stops the loop.
pub struct ServerLink {
    pub client: ServerClient,
    pub info: AppInfo,
    pub status: watch::Receiver<SyncStatus>,
    pub nudge: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ServerLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// When a connection is made, which decides what is checked and saved on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// The app starts with its saved settings: a remote server is not checked (the app
    /// opens offline too), and only what starting the embedded server changed (its first
    /// token, another port) is saved.
    Launch,
    /// The operator saved new settings: a remote server must answer first, then the
    /// settings are saved (a new server resets the sync state) before the loop moves over.
    SettingsSaved,
}

/// What connecting needs, and the embedded server once started.
pub struct Connector {
    app: AppHandle,
    store: StoreHandle,
    dir: PathBuf,
    /// Kept for as long as the app runs, even while the desktop syncs with another server.
    embedded: Mutex<Option<Embedded>>,
}

/// The running embedded server and what it was started with.
struct Embedded {
    server: RunningServer,
    url: String,
    started_with: EmbeddedSetup,
}

/// The settings that decide how the embedded server runs: a change restarts it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EmbeddedSetup {
    public_url: Option<String>,
    listen_all: bool,
}

impl EmbeddedSetup {
    fn of(settings: &Settings) -> Self {
        Self {
            public_url: settings.embedded_public_url.clone(),
            listen_all: settings.embedded_listen_all,
        }
    }
}

impl Connector {
    pub fn new(app: AppHandle, store: StoreHandle, dir: PathBuf) -> Self {
        Self {
            app,
            store,
            dir,
            embedded: Mutex::new(None),
        }
    }

    /// Connects to the server `settings` name (none: the embedded one). Nothing is saved and
    /// no loop starts when that server cannot be reached or started.
    pub async fn connect(&self, mut settings: Settings, when: When) -> CoreResult<ServerLink> {
        let loaded = settings.clone();
        let (url, token, links_base) = match &settings.server_url {
            Some(url) => {
                let token = settings.server_token.clone().unwrap_or_default();
                if when == When::SettingsSaved {
                    ServerClient::new(url, &token)?.check().await?;
                }
                (url.clone(), token, None)
            }
            None => {
                let (url, links_base) = self.ensure_embedded(&mut settings).await?;
                let token = settings.embedded_token.clone().unwrap_or_default();
                (url, token, Some(links_base))
            }
        };
        match when {
            // Written only the first time, or when the saved port was taken.
            When::Launch if settings == loaded => {}
            When::Launch => {
                let to_save = settings.clone();
                self.store
                    .call(move |conn| settings::save(conn, &to_save))
                    .await?;
            }
            When::SettingsSaved => {
                let to_save = settings.clone();
                self.store
                    .call(move |conn| settings::save_switching(conn, &to_save).map(drop))
                    .await?;
            }
        }
        let mut link = self.start_sync(
            &url,
            &token,
            settings.server_url.is_none(),
            &settings.operator,
        )?;
        if let Some(base) = links_base {
            link.info = link.info.clone().with_links_base(&base);
        }
        Ok(link)
    }

    /// The embedded server's instance id, while it runs.
    pub async fn embedded_instance_id(&self) -> Option<String> {
        let embedded = self.embedded.lock().await;
        embedded
            .as_ref()
            .map(|running| running.server.instance_id().to_owned())
    }

    /// Starts the embedded server unless it runs as `settings` want it (a new public address
    /// or listening choice restarts it on the same port; its port and token go into
    /// `settings`); returns its URL and the base its links are built on.
    async fn ensure_embedded(&self, settings: &mut Settings) -> CoreResult<(String, String)> {
        let mut embedded = self.embedded.lock().await;
        let wanted = EmbeddedSetup::of(settings);
        if let Some(running) = embedded.as_ref()
            && running.started_with == wanted
        {
            return Ok((running.url.clone(), running.server.public_url().to_owned()));
        }
        if let Some(running) = embedded.take() {
            tracing::info!("the embedded server's address changed: restarting it");
            stop_server(running.server).await;
        }
        let (server, url, with_embedded) = embedded::start(&self.dir, settings)
            .await
            .map_err(CoreError::Unexpected)?;
        *settings = with_embedded;
        let links_base = server.public_url().to_owned();
        *embedded = Some(Embedded {
            server,
            url: url.clone(),
            started_with: wanted,
        });
        Ok((url, links_base))
    }

    /// Starts the sync loop over a server.
    fn start_sync(
        &self,
        url: &str,
        token: &str,
        embedded: bool,
        operator: &str,
    ) -> CoreResult<ServerLink> {
        let client = ServerClient::new(url, token)?;
        let (status_tx, status) = watch::channel(SyncStatus::default());
        let nudge = Arc::new(Notify::new());
        let app = self.app.clone();
        // Called inside the app's Tokio runtime (setup's block_on, async commands).
        let task = sync::spawn(
            self.store.clone(),
            client.clone(),
            status_tx,
            nudge.clone(),
            move |applied| announce(&app, applied),
        );
        Ok(ServerLink {
            info: AppInfo::new(
                env!("CARGO_PKG_VERSION"),
                &self.dir,
                client.base_url(),
                embedded,
                operator,
            ),
            client,
            status,
            nudge,
            task,
        })
    }

    /// Lets the embedded server finish what it is answering, for a few seconds at most: an
    /// upload cut off here resumes from its last byte at the next start.
    pub async fn stop_embedded(&self) {
        let Some(running) = self.embedded.lock().await.take() else {
            return;
        };
        stop_server(running.server).await;
    }
}

async fn stop_server(server: RunningServer) {
    match tokio::time::timeout(Duration::from_secs(5), server.stop()).await {
        Ok(Ok(())) => tracing::info!("the embedded server stopped"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "the embedded server did not stop cleanly")
        }
        Err(_) => tracing::warn!("the embedded server was still answering after 5 s; leaving"),
    }
}

/// Tells the UI a page changed something, and the person at the desk that videos arrived.
fn announce(app: &AppHandle, applied: Applied) {
    let count = applied.new_videos.len();
    if count > 0 {
        let body = if count == 1 {
            "A new video arrived. Open Review to watch it.".to_owned()
        } else {
            format!("{count} new videos arrived. Open Review to watch them.")
        };
        // Showing one is a blocking D-Bus call: kept off the sync loop.
        let app = app.clone();
        tauri::async_runtime::spawn_blocking(move || {
            if let Err(err) = app
                .notification()
                .builder()
                .title("clipdesk")
                .body(body)
                .show()
            {
                // No notification service (a bare X session, CI): the Review badge still says it.
                tracing::info!(%err, "cannot show a notification");
            }
        });
    }
    if let Err(err) = app.emit(SYNC_APPLIED, applied) {
        tracing::warn!(%err, "cannot tell the UI about synced events");
    }
}
