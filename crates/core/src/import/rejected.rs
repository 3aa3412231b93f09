//! Rejected rows back out as CSV: each with the line it was on and why, then its values
//! under the file's own headers, so a person can fix them and import the file again.

use std::io::Write;
use std::path::Path;

use super::{ImportOutcome, ImportReport};
use crate::error::CoreResult;
use crate::export::{CsvWriter, write_file};

/// The columns this export puts first. The import ignores them (no contact field has these
/// names), and drops them again when a file of rejected rows comes back rejected.
const ADDED: [&str; 2] = ["line", "reason"];

/// Writes the report's rejected rows as CSV (through [`CsvWriter`], so no cell runs as a
/// formula): `line`, `reason`, then the file's columns. Returns the number of rows.
pub fn rejected_csv(report: &ImportReport, out: impl Write) -> CoreResult<usize> {
    // A file this export made: its old line and reason give way to the new ones.
    let skip = if report.headers.len() >= ADDED.len()
        && report.headers[..ADDED.len()]
            .iter()
            .zip(ADDED)
            .all(|(header, added)| header.trim() == added)
    {
        ADDED.len()
    } else {
        0
    };
    let width = report.headers.len().saturating_sub(skip);
    let mut writer = CsvWriter::new(out);
    writer.write_row(
        ADDED
            .iter()
            .copied()
            .chain(report.headers.iter().skip(skip).map(String::as_str)),
    )?;
    let mut count = 0;
    for row in &report.rows {
        if row.outcome != ImportOutcome::Rejected {
            continue;
        }
        let line = row.line.to_string();
        let reason = row.reason.as_deref().unwrap_or_default();
        // Short rows are padded to the header; values beyond it are kept at the end.
        let values = row.values.iter().skip(skip).map(String::as_str);
        let padding = width.saturating_sub(row.values.len().saturating_sub(skip));
        writer.write_row(
            [line.as_str(), reason]
                .into_iter()
                .chain(values)
                .chain(std::iter::repeat_n("", padding)),
        )?;
        count += 1;
    }
    writer.finish()?;
    Ok(count)
}

/// Writes the rejected rows to `path` whole or not at all (a temporary file renamed into
/// place). Returns the number of rows.
pub fn rejected_to_file(report: &ImportReport, path: &Path) -> CoreResult<usize> {
    write_file(path, |out| rejected_csv(report, out))
}
