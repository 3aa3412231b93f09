//! Commands the UI invokes; each maps one call into core.

use clipdesk_core::AppInfo;
use tauri::State;

use crate::DataDir;

#[tauri::command]
pub fn app_info(data_dir: State<'_, DataDir>) -> AppInfo {
    AppInfo::new(env!("CARGO_PKG_VERSION"), &data_dir.0)
}
