//! Contacts: the paged, searchable table, CSV import and the export of its rejected rows.

use std::path::Path;

use clipdesk_core::contacts::{self, ContactsPage};
use clipdesk_core::import::{self, ImportOutcome, ImportPreview, ImportReport};
use clipdesk_core::{CoreError, UserError};
use tauri::{AppHandle, Emitter, State};

use super::{in_store, shown};
use crate::Desktop;

/// Rows the import preview shows.
const PREVIEW_ROWS: usize = 10;
/// The preview reads only the start of the file, cut at a line end.
const PREVIEW_BYTES: usize = 256 * 1024;
/// Above this many rows the report keeps only the rows that were not imported or carry a
/// warning, so a large file's report stays small enough to cross the bridge.
const FULL_REPORT_ROWS: usize = 1_000;

#[tauri::command]
pub async fn contacts_page(
    desktop: State<'_, Desktop>,
    query: String,
    after: i64,
    limit: u32,
) -> Result<ContactsPage, UserError> {
    in_store(&desktop, move |conn| {
        contacts::page(conn, &query, after, limit)
    })
    .await
}

async fn read(path: &str) -> Result<Vec<u8>, UserError> {
    let path = path.trim();
    if path.is_empty() {
        return shown(Err(CoreError::invalid("path", "choose a CSV file")));
    }
    tokio::fs::read(path).await.map_err(|err| {
        UserError::from(&CoreError::invalid(
            "path",
            format!("cannot read {path}: {err}"),
        ))
    })
}

#[tauri::command]
pub async fn import_preview(path: String) -> Result<ImportPreview, UserError> {
    let mut bytes = read(&path).await?;
    if bytes.len() > PREVIEW_BYTES {
        let end = bytes[..PREVIEW_BYTES]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(PREVIEW_BYTES, |i| i + 1);
        bytes.truncate(end);
    }
    shown(import::preview(&bytes, PREVIEW_ROWS))
}

#[tauri::command]
pub async fn import_contacts(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    path: String,
) -> Result<ImportReport, UserError> {
    let bytes = read(&path).await?;
    let source = Path::new(path.trim())
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut report = in_store(&desktop, move |conn| {
        import::import(conn, &bytes, &source, &mut |progress| {
            if let Err(err) = app.emit("import-progress", progress) {
                tracing::warn!(%err, "cannot send import progress to the window");
            }
        })
    })
    .await?;
    if report.rows.len() > FULL_REPORT_ROWS {
        report.rows.retain(|row| {
            row.warning.is_some()
                || matches!(
                    row.outcome,
                    ImportOutcome::Skipped | ImportOutcome::Rejected
                )
        });
    }
    Ok(report)
}

/// Writes the report's rejected rows as CSV to `path` (whole or not at all), to be fixed and
/// imported again; returns the rows.
#[tauri::command]
pub async fn import_export_rejected(
    report: ImportReport,
    path: String,
) -> Result<usize, UserError> {
    let written = tokio::task::spawn_blocking(move || {
        import::rejected_to_file(&report, Path::new(path.trim()))
    })
    .await
    .map_err(|err| CoreError::from(anyhow::Error::from(err)));
    shown(written.and_then(|rows| rows))
}
