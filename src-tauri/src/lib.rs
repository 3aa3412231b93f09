//! The Tauri shell: plugins, state and commands; every command is a thin call into
//! `clipdesk-core`, and the embedded server is clipdesk-server's own library.

mod commands;
mod embedded;

use std::path::PathBuf;

use clipdesk_core::client::ServerClient;
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync::{self, SyncStatus};
use clipdesk_core::{AppInfo, settings};
use tauri::Manager;
use tokio::sync::watch;

/// What the commands share.
pub struct Desktop {
    pub store: StoreHandle,
    pub info: AppInfo,
    pub sync: watch::Receiver<SyncStatus>,
    /// Kept alive for as long as the app runs.
    _server: Option<clipdesk_server::RunningServer>,
}

/// Where this installation keeps its data: `CLIPDESK_DATA_DIR` when set (tests, portable
/// installs), else the platform's app data folder.
fn data_dir(app: &tauri::App) -> anyhow::Result<PathBuf> {
    Ok(match std::env::var_os("CLIPDESK_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_data_dir()?,
    })
}

async fn start(dir: PathBuf) -> anyhow::Result<Desktop> {
    std::fs::create_dir_all(&dir)?;
    let store = StoreHandle::start(&dir.join("clipdesk.sqlite3"))?;
    let mut settings = store.call(|conn| settings::load(conn)).await?;
    let (server, url, token) = match settings.server_url.clone() {
        Some(url) => (None, url, settings.server_token.clone().unwrap_or_default()),
        None => {
            let (server, url, saved) = embedded::start(&dir, &settings).await?;
            settings = saved.clone();
            store.call(move |conn| settings::save(conn, &saved)).await?;
            let token = settings.embedded_token.clone().unwrap_or_default();
            (Some(server), url, token)
        }
    };
    let client = ServerClient::new(&url, &token)?;
    let (status_tx, status) = watch::channel(SyncStatus::default());
    sync::spawn(store.clone(), client, status_tx, |videos| {
        tracing::info!(count = videos.len(), "new videos arrived");
    });
    let info = AppInfo::new(
        env!("CARGO_PKG_VERSION"),
        &dir,
        &url,
        server.is_some(),
        &settings.operator,
    );
    Ok(Desktop {
        store,
        info,
        sync: status,
        _server: server,
    })
}

pub fn run() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            let dir = data_dir(app)?;
            let desktop = tauri::async_runtime::block_on(start(dir))?;
            app.manage(desktop);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::sync_status,
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
        ])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("clipdesk failed to start: {err}");
        std::process::exit(1);
    }
}
