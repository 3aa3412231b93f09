//! Export of videos to a folder: runs off the UI thread, progress on a channel, cancellable;
//! the work is `clipdesk_core::video_export`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use clipdesk_core::video_export::{self, ExportProgress, ExportReport};
use clipdesk_core::{CoreError, UserError};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use super::shown;
use crate::Desktop;

/// The export running (its cancel flag) and the folder of the last one, which "Open folder"
/// may open (and no other).
#[derive(Default)]
pub struct Exports {
    cancel: Mutex<Option<Arc<AtomicBool>>>,
    last_folder: Mutex<Option<PathBuf>>,
}

#[tauri::command]
pub async fn export_videos(
    desktop: State<'_, Desktop>,
    exports: State<'_, Exports>,
    ids: Vec<String>,
    folder: String,
    progress: Channel<ExportProgress>,
) -> Result<ExportReport, UserError> {
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut running = exports
            .cancel
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if running.is_some() {
            return shown(Err(CoreError::Conflict(
                "an export is already running; wait for it or cancel it".into(),
            )));
        }
        *running = Some(cancel.clone());
    }
    let folder = PathBuf::from(folder.trim());
    let client = desktop.client();
    let task = {
        let folder = folder.clone();
        tauri::async_runtime::spawn(async move {
            // The window hears a video finished at once, bytes at most every 100 ms.
            let mut last: Option<(std::time::Instant, u32)> = None;
            video_export::export_videos(&client, &ids, &folder, &cancel, |p| {
                let due = last.is_none_or(|(at, done)| {
                    done != p.videos_done || at.elapsed() >= std::time::Duration::from_millis(100)
                });
                if due {
                    last = Some((std::time::Instant::now(), p.videos_done));
                    let _ = progress.send(p.clone());
                }
            })
            .await
        })
    };
    let result = task
        .await
        .map_err(|err| CoreError::from(anyhow::anyhow!("export task failed: {err}")))
        .and_then(|r| r);
    *exports
        .cancel
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = None;
    if result.is_ok() {
        *exports
            .last_folder
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(folder);
    }
    shown(result)
}

/// Asks the running export to stop after the chunk it is writing; its part file is removed.
#[tauri::command]
pub fn export_cancel(exports: State<'_, Exports>) {
    if let Some(cancel) = exports
        .cancel
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
    {
        cancel.store(true, Ordering::Relaxed);
    }
}

/// Opens the last export's folder in the file manager.
#[tauri::command]
pub fn export_open_folder(app: AppHandle, exports: State<'_, Exports>) -> Result<(), UserError> {
    let folder = exports
        .last_folder
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let Some(folder) = folder else {
        return shown(Err(CoreError::NotFound("nothing was exported yet".into())));
    };
    shown(
        app.opener()
            .open_path(folder.to_string_lossy(), None::<&str>)
            .map_err(|e| CoreError::Unavailable(format!("cannot open {}: {e}", folder.display()))),
    )
}
