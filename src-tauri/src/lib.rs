//! The Tauri shell: plugins, state and commands; every command is a thin call into
//! `clipdesk-core`, and the embedded server is clipdesk-server's own library.

mod commands;
mod embedded;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use clipdesk_core::client::ServerClient;
use clipdesk_core::settings::{self, Settings};
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync::{self, Applied, SyncStatus};
use clipdesk_core::{AppInfo, CoreError, CoreResult};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::{Notify, watch};

/// The event the UI hears after a feed page changed something (payload: [`Applied`]).
pub const SYNC_APPLIED: &str = "sync-applied";

/// What the commands share.
pub struct Desktop {
    pub store: StoreHandle,
    dir: PathBuf,
    app: AppHandle,
    /// The server this desktop syncs with; replaced when Settings switch servers.
    link: Mutex<ServerLink>,
    /// The embedded server, once started; kept for as long as the app runs.
    embedded: tokio::sync::Mutex<Option<clipdesk_server::RunningServer>>,
}

/// One server connection and the sync loop running over it.
struct ServerLink {
    client: ServerClient,
    info: AppInfo,
    status: watch::Receiver<SyncStatus>,
    nudge: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ServerLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Desktop {
    fn link(&self) -> std::sync::MutexGuard<'_, ServerLink> {
        self.link.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn client(&self) -> ServerClient {
        self.link().client.clone()
    }

    pub fn info(&self) -> AppInfo {
        self.link().info.clone()
    }

    pub fn sync_status(&self) -> SyncStatus {
        self.link().status.borrow().clone()
    }

    /// Asks the sync loop to run a round now (new links, review decisions).
    pub fn nudge(&self) {
        self.link().nudge.notify_one();
    }

    /// Applies settings: they are checked, a new server is tried, the embedded one is started
    /// if it is wanted and not running, and only then is anything saved (once) and the sync
    /// loop moved over. `server_token: None` keeps the stored token of a remote server.
    pub async fn apply_settings(
        &self,
        server_url: Option<String>,
        server_token: Option<String>,
        operator: &str,
    ) -> CoreResult<AppInfo> {
        let mut wanted = self.store.call(|conn| settings::load(conn)).await?;
        wanted.server_token = match (&server_url, server_token) {
            (None, _) => None,
            (Some(_), Some(token)) => Some(token),
            (Some(_), None) => wanted.server_token,
        };
        wanted.server_url = server_url;
        wanted.operator = operator.trim().to_owned();
        settings::validate(&wanted)?;
        let (url, token) = match &wanted.server_url {
            Some(url) => {
                let token = wanted.server_token.clone().unwrap_or_default();
                let client = ServerClient::new(url, &token)?;
                client.check().await?;
                (client.base_url().to_owned(), token)
            }
            None => {
                let url = self.ensure_embedded(&mut wanted).await?;
                (url, wanted.embedded_token.clone().unwrap_or_default())
            }
        };
        let to_save = wanted.clone();
        self.store
            .call(move |conn| settings::save_switching(conn, &to_save))
            .await?;
        let link = connect(
            &self.app,
            &self.store,
            &self.dir,
            &url,
            &token,
            wanted.server_url.is_none(),
            &wanted.operator,
        )?;
        let info = link.info.clone();
        *self.link() = link;
        Ok(info)
    }

    /// Starts the embedded server unless it runs (its port and token go into `settings`);
    /// returns its URL.
    async fn ensure_embedded(&self, settings: &mut Settings) -> CoreResult<String> {
        let mut embedded = self.embedded.lock().await;
        if let Some(server) = embedded.as_ref() {
            return Ok(server.url());
        }
        let (server, url, with_embedded) = embedded::start(&self.dir, settings)
            .await
            .map_err(CoreError::Unexpected)?;
        *settings = with_embedded;
        *embedded = Some(server);
        Ok(url)
    }
}

/// Where this installation keeps its data: `CLIPDESK_DATA_DIR` when set (tests, portable
/// installs), else the platform's app data folder.
fn data_dir_override() -> Option<PathBuf> {
    std::env::var_os("CLIPDESK_DATA_DIR").map(PathBuf::from)
}

fn data_dir(app: &tauri::App) -> anyhow::Result<PathBuf> {
    Ok(match data_dir_override() {
        Some(dir) => dir,
        None => app.path().app_data_dir()?,
    })
}

/// Connects to a server and starts the sync loop over it.
fn connect(
    app: &AppHandle,
    store: &StoreHandle,
    dir: &Path,
    url: &str,
    token: &str,
    embedded: bool,
    operator: &str,
) -> CoreResult<ServerLink> {
    let client = ServerClient::new(url, token)?;
    let (status_tx, status) = watch::channel(SyncStatus::default());
    let nudge = Arc::new(Notify::new());
    let app = app.clone();
    // Called inside the app's Tokio runtime (setup's block_on, async commands).
    let task = sync::spawn(
        store.clone(),
        client.clone(),
        status_tx,
        nudge.clone(),
        move |applied| announce(&app, applied),
    );
    Ok(ServerLink {
        info: AppInfo::new(
            env!("CARGO_PKG_VERSION"),
            dir,
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

async fn start(app: AppHandle, dir: PathBuf) -> anyhow::Result<Desktop> {
    std::fs::create_dir_all(&dir)?;
    let store = StoreHandle::start(&dir.join("clipdesk.sqlite3"))?;
    let settings = store.call(|conn| settings::load(conn)).await?;
    let mut server = None;
    let (url, token) = match settings.server_url.clone() {
        Some(url) => (url, settings.server_token.clone().unwrap_or_default()),
        None => {
            let (running, url, saved) = embedded::start(&dir, &settings).await?;
            let token = saved.embedded_token.clone().unwrap_or_default();
            // Written only the first time, or when the saved port was taken.
            if saved != settings {
                store.call(move |conn| settings::save(conn, &saved)).await?;
            }
            server = Some(running);
            (url, token)
        }
    };
    let link = connect(
        &app,
        &store,
        &dir,
        &url,
        &token,
        server.is_some(),
        &settings.operator,
    )?;
    Ok(Desktop {
        store,
        dir,
        app,
        link: Mutex::new(link),
        embedded: tokio::sync::Mutex::new(server),
    })
}

/// A D-Bus name per data folder, so two portable installations can run side by side while
/// a second start of the same one focuses the first.
fn instance_id(identifier: &str) -> String {
    use std::hash::{Hash, Hasher};
    match data_dir_override() {
        None => identifier.to_owned(),
        Some(dir) => {
            let mut hasher = std::hash::DefaultHasher::new();
            dir.hash(&mut hasher);
            format!("{identifier}.d{:016x}", hasher.finish())
        }
    }
}

fn log_plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    use tauri_plugin_log::{Target, TargetKind};
    let file = match data_dir_override() {
        Some(dir) => TargetKind::Folder {
            path: dir.join("logs"),
            file_name: None,
        },
        None => TargetKind::LogDir { file_name: None },
    };
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([Target::new(TargetKind::Stdout), Target::new(file)])
        .level(tauri_plugin_log::log::LevelFilter::Info)
        .max_file_size(10 * 1024 * 1024)
        .build()
}

fn window_state_plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let builder = tauri_plugin_window_state::Builder::new();
    // A portable installation keeps its window where it keeps its data.
    match data_dir_override() {
        Some(dir) => builder
            .with_filename(dir.join("window-state.json").to_string_lossy())
            .build(),
        None => builder.build(),
    }
}

pub fn run() {
    let context = tauri::generate_context!();
    let instance = instance_id(&context.config().identifier);
    let result = tauri::Builder::default()
        // First, so a second start hands over before anything else starts.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance)
                .callback(|app, _argv, _cwd| {
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.set_focus();
                    }
                })
                .build(),
        )
        .plugin(log_plugin())
        .plugin(window_state_plugin())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let dir = data_dir(app)?;
            let handle = app.handle().clone();
            let desktop = tauri::async_runtime::block_on(start(handle, dir))?;
            app.manage(desktop);
            exit_on_signals(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::sync_status,
            commands::settings::settings_get,
            commands::settings::settings_test,
            commands::settings::settings_save,
            commands::contacts::contacts_page,
            commands::contacts::import_preview,
            commands::contacts::import_contacts,
            commands::campaigns::campaigns_list,
            commands::campaigns::campaign_save,
            commands::campaigns::template_variables,
            commands::campaigns::campaign_draft,
            commands::campaigns::campaign_add_contacts,
            commands::campaigns::campaign_add_all_matching,
            commands::queue::queue_start_next,
            commands::queue::queue_mark,
            commands::queue::queue_undo,
            commands::queue::contact_history,
            commands::campaigns::campaign_preview,
            commands::campaigns::campaign_export,
            commands::review::reviews_list,
            commands::review::review_media,
            commands::review::review_decide,
            commands::review::reviews_waiting,
            commands::review::review_get,
            commands::dashboard::dashboard,
        ])
        .build(context);
    match result {
        Ok(app) => app.run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                stop_embedded(app);
            }
        }),
        Err(err) => {
            eprintln!("clipdesk failed to start: {err}");
            std::process::exit(1);
        }
    }
}

/// SIGTERM (a logout, `kill`, a test harness) and SIGINT leave through the app's normal exit,
/// like closing the window: plugins save their state and the embedded server stops cleanly.
fn exit_on_signals(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot listen for SIGTERM/SIGINT; they will end the app abruptly");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: exiting"),
            _ = int.recv() => tracing::info!("SIGINT: exiting"),
        }
        app.exit(0);
    });
}

/// Lets the embedded server finish what it is answering, for a few seconds at most: an
/// upload cut off here resumes from its last byte at the next start.
fn stop_embedded(app: &AppHandle) {
    let Some(desktop) = app.try_state::<Desktop>() else {
        return;
    };
    tauri::async_runtime::block_on(async {
        let Some(server) = desktop.embedded.lock().await.take() else {
            return;
        };
        match tokio::time::timeout(std::time::Duration::from_secs(5), server.stop()).await {
            Ok(Ok(())) => tracing::info!("the embedded server stopped"),
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "the embedded server did not stop cleanly")
            }
            Err(_) => tracing::warn!("the embedded server was still answering after 5 s; leaving"),
        }
    });
}
