//! The Tauri shell: plugins, state and commands; every command is a thin call into
//! `clipdesk-core`, and the embedded server is clipdesk-server's own library.

mod commands;
mod connection;
mod embedded;

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use clipdesk_core::client::ServerClient;
use clipdesk_core::settings;
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync::SyncStatus;
use clipdesk_core::{AppInfo, CoreResult};
use tauri::{AppHandle, Manager};

pub use connection::SYNC_APPLIED;
use connection::{Connector, ServerLink, When};

/// What the commands share.
pub struct Desktop {
    pub store: StoreHandle,
    connector: Connector,
    /// The server this desktop syncs with; replaced when Settings switch servers.
    link: Mutex<ServerLink>,
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

    /// The embedded server's instance id, while it runs (what "Check" compares with).
    pub async fn embedded_instance_id(&self) -> Option<String> {
        self.connector.embedded_instance_id().await
    }

    /// Asks the sync loop to run a round now (new links, review decisions).
    pub fn nudge(&self) {
        self.link().nudge.notify_one();
    }

    /// Applies settings: they are checked, a new server is tried, the embedded one is started
    /// if it is wanted and not running, and only then is anything saved (once) and the sync
    /// loop moved over. `server_token: None` keeps the stored token of a remote server;
    /// `embedded: None` keeps the embedded server's public address and listening choice.
    pub async fn apply_settings(
        &self,
        server_url: Option<String>,
        server_token: Option<String>,
        operator: &str,
        embedded: Option<(Option<String>, bool)>,
    ) -> CoreResult<AppInfo> {
        let mut wanted = self.store.call(|conn| settings::load(conn)).await?;
        wanted.server_token = match (&server_url, server_token) {
            (None, _) => None,
            (Some(_), Some(token)) => Some(token),
            (Some(_), None) => wanted.server_token,
        };
        wanted.server_url = server_url;
        wanted.operator = operator.trim().to_owned();
        if let Some((public_url, listen_all)) = embedded {
            wanted.embedded_public_url = public_url;
            wanted.embedded_listen_all = listen_all;
        }
        settings::validate(&wanted)?;
        let link = self.connector.connect(wanted, When::SettingsSaved).await?;
        let info = link.info.clone();
        *self.link() = link;
        Ok(info)
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

async fn start(app: AppHandle, dir: PathBuf) -> anyhow::Result<Desktop> {
    std::fs::create_dir_all(&dir)?;
    let store = StoreHandle::start(&dir.join("clipdesk.sqlite3"))?;
    let settings = store.call(|conn| settings::load(conn)).await?;
    let connector = Connector::new(app, store.clone(), dir);
    let link = connector.connect(settings, When::Launch).await?;
    Ok(Desktop {
        store,
        connector,
        link: Mutex::new(link),
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
    // Debug builds only: end-to-end tests shift the desktop's clock (follow-ups due in days).
    #[cfg(debug_assertions)]
    if let Some(file) = std::env::var_os("CLIPDESK_CLOCK_FILE") {
        clipdesk_core::clock::use_offset_file(file);
    }
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
        // Endpoint, token and key are set per check (the connected server, this build's key).
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(commands::updates::PendingUpdate::default())
        .manage(commands::export::Exports::default())
        .setup(|app| {
            let dir = data_dir(app)?;
            let handle = app.handle().clone();
            let desktop = tauri::async_runtime::block_on(start(handle, dir))?;
            app.manage(desktop);
            exit_on_signals(app.handle().clone());
            Ok(())
        })
        // A new command goes in build.rs, the capability and api.ts too (tests/command_names.rs).
        .invoke_handler(tauri::generate_handler![
            commands::export::export_videos,
            commands::export::export_cancel,
            commands::export::export_open_folder,
            commands::app_info,
            commands::sync_status,
            commands::settings::settings_get,
            commands::settings::settings_test,
            commands::settings::settings_save,
            commands::settings::settings_check_address,
            commands::settings::settings_doctor,
            commands::contacts::contacts_page,
            commands::contacts::import_preview,
            commands::contacts::import_contacts,
            commands::contacts::import_export_rejected,
            commands::contacts::import_paste_count,
            commands::contacts::import_pasted,
            commands::people::person_get,
            commands::people::campaign_people,
            commands::people::contact_edit,
            commands::people::contact_delete,
            commands::people::contact_remove_from_campaign,
            commands::people::link_revoke,
            commands::people::contact_forget,
            commands::campaigns::campaigns_list,
            commands::campaigns::campaign_save,
            commands::campaigns::template_variables,
            commands::campaigns::campaign_draft,
            commands::campaigns::campaign_add_contacts,
            commands::campaigns::campaign_add_all_matching,
            commands::queue::queue_start_next,
            commands::queue::queue_overview,
            commands::queue::queue_send_anyway,
            commands::queue::queue_mark,
            commands::queue::queue_undo,
            commands::queue::queue_give_back,
            commands::queue::queue_held,
            commands::queue::queue_start_held,
            commands::queue::contact_history,
            commands::campaigns::campaign_preview,
            commands::campaigns::campaign_export,
            commands::campaigns::campaign_conflict,
            commands::campaigns::campaign_keep_mine,
            commands::campaigns::campaign_take_theirs,
            commands::review::reviews_list,
            commands::review::review_media,
            commands::review::review_decide,
            commands::review::reviews_waiting,
            commands::review::review_get,
            commands::review::review_tags,
            commands::review::review_label,
            commands::review::review_poster,
            commands::dashboard::dashboard,
            commands::diagnostics::export_diagnostics,
            commands::updates::update_check,
            commands::updates::update_download,
            commands::updates::update_install,
            commands::webhooks::webhook_event_kinds,
            commands::webhooks::webhooks_list,
            commands::webhooks::webhook_add,
            commands::webhooks::webhook_remove,
            commands::webhooks::webhook_deliveries,
        ])
        .build(context);
    match result {
        Ok(app) => app.run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                // First the claims, while the embedded server (if it is the one) still runs.
                give_back_claims(app);
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

/// How long a closing app waits for the server to take its claims back; past it the leases
/// run out on their own.
const GIVE_BACK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Gives back every person this desktop holds, so a closed app returns them at once instead
/// of after the lease.
fn give_back_claims(app: &AppHandle) {
    let Some(desktop) = app.try_state::<Desktop>() else {
        return;
    };
    let client = desktop.client();
    // The timeout is made inside the runtime: its timer needs the runtime's context.
    let given = tauri::async_runtime::block_on(async {
        let all = clipdesk_core::team::give_back_all(&desktop.store, &client);
        tokio::time::timeout(GIVE_BACK_TIMEOUT, all).await
    });
    match given {
        Ok(Ok(0)) => {}
        Ok(Ok(count)) => tracing::info!(count, "claims given back on exit"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "claims not given back on exit; their leases run out")
        }
        Err(_) => tracing::warn!(
            "the server did not take the claims back within 2 s; their leases run out"
        ),
    }
}

/// Stops the embedded server before the app leaves.
fn stop_embedded(app: &AppHandle) {
    let Some(desktop) = app.try_state::<Desktop>() else {
        return;
    };
    tauri::async_runtime::block_on(desktop.connector.stop_embedded());
}
