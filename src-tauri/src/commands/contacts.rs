//! Contacts: the paged, searchable table, CSV import and the export of its rejected rows.

use std::path::Path;

use clipdesk_core::contacts::{self, ContactsPage};
use clipdesk_core::import::{self, ImportOptions, ImportOutcome, ImportPreview, ImportReport};
use clipdesk_core::{CoreError, UserError};
use tauri::{AppHandle, Emitter, State};

use super::{in_store, shown};
use crate::Desktop;

/// Rows the import preview shows.
const PREVIEW_ROWS: usize = 10;
/// The preview reads only the start of a text file, cut at a line end.
const PREVIEW_BYTES: usize = 256 * 1024;
/// Above this many rows the report keeps only the rows that were rejected or carry a warning,
/// and this many skipped ones, so a large file's report stays small enough to cross the bridge.
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
        return shown(Err(CoreError::invalid(
            "path",
            "choose a CSV or spreadsheet file",
        )));
    }
    tokio::fs::read(path).await.map_err(|err| {
        UserError::from(&CoreError::invalid(
            "path",
            format!("cannot read {path}: {err}"),
        ))
    })
}

/// The file's columns, how it was read (encoding, delimiter, sheets) and its first rows, with
/// the delimiter, sheet and mapping chosen in the wizard (`options`, all optional).
#[tauri::command]
pub async fn import_preview(
    path: String,
    options: Option<ImportOptions>,
) -> Result<ImportPreview, UserError> {
    let bytes = read(&path).await?;
    let options = options.unwrap_or_default();
    shown(import::preview_with(
        import::preview_prefix(&bytes, PREVIEW_BYTES),
        PREVIEW_ROWS,
        &options,
    ))
}

#[tauri::command]
pub async fn import_contacts(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    path: String,
    options: Option<ImportOptions>,
) -> Result<ImportReport, UserError> {
    let bytes = read(&path).await?;
    let source = Path::new(path.trim())
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = options.unwrap_or_default();
    let report = in_store(&desktop, move |conn| {
        import::import_with(conn, &bytes, &source, &options, &mut |progress| {
            if let Err(err) = app.emit("import-progress", progress) {
                tracing::warn!(%err, "cannot send import progress to the window");
            }
        })
    })
    .await?;
    Ok(for_the_window(report))
}

/// How many entries a pasted list of handles or profile links holds, before it is imported.
#[tauri::command]
pub fn import_paste_count(text: String) -> usize {
    import::pasted_entries(&text).len()
}

/// Imports a pasted list of handles or profile links like a one-column file.
#[tauri::command]
pub async fn import_pasted(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    text: String,
) -> Result<ImportReport, UserError> {
    let report = in_store(&desktop, move |conn| {
        import::import_pasted(conn, &text, "pasted", &mut |progress| {
            if let Err(err) = app.emit("import-progress", progress) {
                tracing::warn!(%err, "cannot send import progress to the window");
            }
        })
    })
    .await?;
    Ok(for_the_window(report))
}

/// A large file's report keeps the rows the operator acts on (rejected ones, which the export
/// writes back out, and those with a warning) and the first skipped ones; the counts stay
/// whole. A re-import of 100,000 unchanged rows would otherwise send (and the window parse
/// and list) 100,000 "already stored" rows.
fn for_the_window(mut report: ImportReport) -> ImportReport {
    if report.rows.len() > FULL_REPORT_ROWS {
        let mut skipped = 0;
        report.rows.retain(|row| match row.outcome {
            _ if row.warning.is_some() => true,
            ImportOutcome::Rejected => true,
            ImportOutcome::Skipped => {
                skipped += 1;
                skipped <= FULL_REPORT_ROWS
            }
            ImportOutcome::Imported | ImportOutcome::Updated => false,
        });
    }
    report
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

#[cfg(test)]
mod tests {
    use clipdesk_core::import::RowOutcome;

    use super::*;

    fn row(line: u64, outcome: ImportOutcome, warning: Option<&str>) -> RowOutcome {
        RowOutcome {
            line,
            handle: format!("h{line}"),
            outcome,
            field: None,
            reason: None,
            warning: warning.map(str::to_owned),
            values: Vec::new(),
        }
    }

    #[test]
    fn a_large_reimport_sends_the_rejected_rows_and_only_the_first_skipped_ones() {
        let mut rows = Vec::new();
        for line in 2..60_002 {
            rows.push(row(line, ImportOutcome::Skipped, None));
        }
        rows.push(row(60_002, ImportOutcome::Rejected, None));
        rows.push(row(60_003, ImportOutcome::Imported, Some("shortened id")));
        rows.push(row(60_004, ImportOutcome::Imported, None));
        let report = for_the_window(ImportReport {
            headers: vec!["handle".into()],
            imported: 2,
            updated: 0,
            skipped: 60_000,
            rejected: 1,
            rows,
        });
        assert_eq!(report.skipped, 60_000, "the counts stay whole");
        assert_eq!(report.rows.len(), FULL_REPORT_ROWS + 2);
        assert_eq!(report.rows[FULL_REPORT_ROWS].line, 60_002);
        assert_eq!(report.rows[FULL_REPORT_ROWS + 1].line, 60_003);
    }
}
