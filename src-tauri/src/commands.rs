//! Commands the UI invokes; each maps one call into core.

use clipdesk_core::AppInfo;
use clipdesk_core::sync::SyncStatus;
use tauri::State;

use crate::Desktop;

#[tauri::command]
pub fn app_info(desktop: State<'_, Desktop>) -> AppInfo {
    desktop.info.clone()
}

#[tauri::command]
pub fn sync_status(desktop: State<'_, Desktop>) -> SyncStatus {
    desktop.sync.borrow().clone()
}
