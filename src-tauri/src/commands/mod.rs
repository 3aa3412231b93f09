//! Commands the UI invokes, by area; each maps one call into core.

pub mod campaigns;
pub mod contacts;
pub mod dashboard;
pub mod diagnostics;
pub mod export;
pub mod people;
pub mod queue;
pub mod review;
pub mod settings;
pub mod updates;
pub mod webhooks;

use clipdesk_core::store::Connection;
use clipdesk_core::sync::SyncStatus;
use clipdesk_core::{AppInfo, CoreResult, UserError};
use tauri::State;

use crate::Desktop;

#[tauri::command]
pub fn app_info(desktop: State<'_, Desktop>) -> AppInfo {
    desktop.info()
}

#[tauri::command]
pub fn sync_status(desktop: State<'_, Desktop>) -> SyncStatus {
    desktop.sync_status()
}

/// What the UI is shown when a core call fails.
fn shown<T>(result: CoreResult<T>) -> Result<T, UserError> {
    result.map_err(|err| UserError::from(&err))
}

/// Runs `f` on the store's thread; a failure as the UI is shown it.
async fn in_store<T, F>(desktop: &Desktop, f: F) -> Result<T, UserError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> CoreResult<T> + Send + 'static,
{
    shown(desktop.store.call(f).await)
}
