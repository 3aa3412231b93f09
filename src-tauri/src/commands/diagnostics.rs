//! "Export diagnostics" in Settings: what only the shell knows (the log folder, the webview's
//! version, the live sync status), handed to core, which writes the zip.

use std::path::{Path, PathBuf};

use clipdesk_core::UserError;
use clipdesk_core::diagnostics::{self, About};
use tauri::{AppHandle, Manager, State};

use super::shown;
use crate::Desktop;

/// Where tauri-plugin-log writes the app's files (the same choice as `log_plugin` in lib.rs).
fn log_dir(app: &AppHandle) -> Option<PathBuf> {
    match crate::data_dir_override() {
        Some(dir) => Some(dir.join("logs")),
        None => app.path().app_log_dir().ok(),
    }
}

/// Writes the diagnostics zip to `path` (chosen with the save dialog); returns where it is.
#[tauri::command]
pub async fn export_diagnostics(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    path: String,
) -> Result<String, UserError> {
    let info = desktop.info();
    let about = About {
        app_version: info.version,
        webview_version: tauri::webview_version().ok(),
        server_url: info.server_url,
        embedded_server: info.embedded_server,
        log_dir: log_dir(&app),
        sync: desktop.sync_status(),
    };
    let saved = diagnostics::export(&desktop.store, about, Path::new(path.trim())).await;
    shown(saved.map(|path| path.display().to_string()))
}
