//! CSV import of contacts: headers matched loosely, every row reported by the line a person
//! would count in the file. The good rows are applied in one transaction and the others
//! reported with their reason; a file that cannot be read, or a database failure, changes
//! nothing.
//!
//! `read` turns bytes into rows with their lines, `columns` maps the header row to
//! contact fields, `rules` says what each row means, and [`crate::contacts`] stores it;
//! `rejected` writes the rejected rows back out as CSV to be fixed and imported again.

mod columns;
mod handles;
mod read;
mod rejected;
mod rules;

use rusqlite::{Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use columns::Mapping;
pub use columns::{ColumnChoice, ContactField, ImportColumn};
use read::Rows;
pub use rejected::{rejected_csv, rejected_to_file};
use rules::{Change, FileRules};

use crate::clock;
use crate::contacts::{self, ContactInput};
use crate::error::{CoreError, CoreResult};

/// How often (in rows) `import` reports progress; it also reports once at the end.
pub const PROGRESS_EVERY: u64 = 1_000;

/// New contacts written per statement: large enough that statement overhead vanishes,
/// small enough that the JSON stays a few megabytes.
const INSERT_BATCH: usize = 10_000;

/// How to read a file, as chosen in the import wizard; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ImportOptions {
    /// `","`, `";"`, `"\t"` or `"|"`; detected from the first lines when not given.
    pub delimiter: Option<String>,
    /// The sheet of a spreadsheet to read; the first when not given.
    pub sheet: Option<String>,
    /// Columns the operator mapped by hand, over the automatic mapping.
    pub mapping: Vec<ColumnChoice>,
}

impl ImportOptions {
    fn delimiter(&self) -> CoreResult<Option<u8>> {
        let Some(text) = self.delimiter.as_deref() else {
            return Ok(None);
        };
        match text.as_bytes() {
            [byte] if read::DELIMITERS.contains(byte) => Ok(Some(*byte)),
            _ => Err(CoreError::invalid(
                "delimiter",
                format!(
                    "{text:?} is not a delimiter the import reads: choose comma, semicolon, \
                     tab or pipe"
                ),
            )),
        }
    }
}

/// What the import wizard shows before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportPreview {
    /// How the text was decoded (`UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1252`); `None`
    /// for a spreadsheet.
    pub encoding: Option<String>,
    /// The delimiter used (detected or chosen); `None` for a spreadsheet.
    pub delimiter: Option<String>,
    /// A spreadsheet's sheets in workbook order (empty for text), and the one shown.
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    pub columns: Vec<ImportColumn>,
    /// Headers of the columns that will be ignored, in file order.
    pub ignored: Vec<String>,
    /// The first rows as they are in the file, one value per column (short rows padded
    /// with empty values), before any rule is applied.
    pub rows: Vec<PreviewRow>,
    /// Why the file cannot be imported as mapped (no handle column), for the operator to
    /// fix by choosing the columns' fields; `None` when it can.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PreviewRow {
    /// The line the row starts on, counting the header as line 1.
    pub line: u64,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct ImportProgress {
    pub rows_done: u64,
    pub bytes_read: u64,
    pub bytes_total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    Imported,
    Updated,
    Skipped,
    Rejected,
}

/// What became of one row (or blank line) of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RowOutcome {
    /// The line the row starts on, counting the header as line 1.
    pub line: u64,
    /// The handle as typed in the file (empty for blank lines).
    pub handle: String,
    pub outcome: ImportOutcome,
    /// The field a rejection is about, so the UI can point at it.
    pub field: Option<ContactField>,
    /// Why a row was skipped or rejected, or which fields an update changed.
    pub reason: Option<String>,
    /// Something the import left out of a row it kept, and why.
    pub warning: Option<String>,
    /// A rejected row's values as written in the file, one per column, so it can be
    /// exported to be fixed; empty for every other outcome.
    pub values: Vec<String>,
}

impl RowOutcome {
    fn skipped(line: u64, handle: &str, reason: &str) -> Self {
        RowOutcome {
            line,
            handle: handle.to_owned(),
            outcome: ImportOutcome::Skipped,
            field: None,
            reason: Some(reason.to_owned()),
            warning: None,
            values: Vec::new(),
        }
    }

    fn rejected(line: u64, handle: &str, field: ContactField, reason: String) -> Self {
        RowOutcome {
            line,
            handle: handle.to_owned(),
            outcome: ImportOutcome::Rejected,
            field: Some(field),
            reason: Some(reason),
            warning: None,
            values: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    /// The file's header row as written, for the export of the rejected rows.
    pub headers: Vec<String>,
    pub imported: u64,
    pub updated: u64,
    pub skipped: u64,
    pub rejected: u64,
    /// Every row and blank line of the file, in file order.
    pub rows: Vec<RowOutcome>,
}

impl ImportReport {
    fn push(&mut self, row: RowOutcome) {
        match row.outcome {
            ImportOutcome::Imported => self.imported += 1,
            ImportOutcome::Updated => self.updated += 1,
            ImportOutcome::Skipped => self.skipped += 1,
            ImportOutcome::Rejected => self.rejected += 1,
        }
        self.rows.push(row);
    }
}

/// Reads the header and the first `rows` rows without touching the database.
pub fn preview(bytes: &[u8], rows: usize) -> CoreResult<ImportPreview> {
    preview_with(bytes, rows, &ImportOptions::default())
}

/// [`preview`] with the delimiter, sheet and column mapping chosen in the wizard.
pub fn preview_with(
    bytes: &[u8],
    rows: usize,
    options: &ImportOptions,
) -> CoreResult<ImportPreview> {
    let source = read::load(
        bytes,
        options.delimiter()?,
        options.sheet.as_deref(),
        Some(rows),
    )?;
    let mut file = source.rows();
    let (columns, mapping) = header(file.as_mut(), &options.mapping)?;
    // Shown, not refused: the operator can still pick the handle column in the preview.
    let problem = columns::require_handle(&columns, &mapping)
        .err()
        .map(|err| err.to_string());
    let mut preview_rows = Vec::new();
    while preview_rows.len() < rows {
        let Some(row) = file.next_row()? else {
            break;
        };
        let mut values: Vec<String> = file.values().iter().map(str::to_owned).collect();
        if values.len() < columns.len() {
            values.resize(columns.len(), String::new());
        }
        preview_rows.push(PreviewRow {
            line: row.line,
            values,
        });
    }
    let ignored = columns
        .iter()
        .filter(|c| c.field.is_none())
        .map(|c| c.header.clone())
        .collect();
    Ok(ImportPreview {
        encoding: source.encoding.map(str::to_owned),
        delimiter: source.delimiter.map(|d| char::from(d).to_string()),
        sheets: source.sheets.clone(),
        sheet: source.sheet.clone(),
        columns,
        ignored,
        rows: preview_rows,
        problem,
    })
}

/// Imports every row of `bytes` in one transaction; `source` is stored on new contacts.
/// Rejected rows are reported, not fatal; a file that cannot be read at all (no handle
/// column) or a database failure changes nothing and returns the error.
pub fn import(
    conn: &mut Connection,
    bytes: &[u8],
    source: &str,
    progress: &mut dyn FnMut(ImportProgress),
) -> CoreResult<ImportReport> {
    import_with(conn, bytes, source, &ImportOptions::default(), progress)
}

/// [`import`] with the delimiter, sheet and column mapping chosen in the wizard; options
/// that do not fit the file (a column it does not have, two columns for the handle) are an
/// error and nothing is imported.
pub fn import_with(
    conn: &mut Connection,
    bytes: &[u8],
    source: &str,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
) -> CoreResult<ImportReport> {
    let loaded = read::load(bytes, options.delimiter()?, options.sheet.as_deref(), None)?;
    let mut file = loaded.rows();
    let (columns, mapping) = header(file.as_mut(), &options.mapping)?;
    columns::require_handle(&columns, &mapping)?;
    let bytes_total = file.bytes_total();

    // IMMEDIATE takes the write lock now, so a concurrent writer makes us wait (busy
    // timeout) at the start instead of failing halfway through.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut report = ImportReport {
        headers: columns.into_iter().map(|c| c.header).collect(),
        ..ImportReport::default()
    };
    {
        let mut rows = RowApplier::new(&tx, source)?;
        let mut next_progress = PROGRESS_EVERY;
        while let Some(row) = file.next_row()? {
            for line in row.blank_before.clone() {
                report.push(RowOutcome::skipped(line, "", "blank line"));
            }
            let mut outcome = rows.apply(row.line, &mapping, file.values())?;
            if outcome.outcome == ImportOutcome::Rejected {
                outcome.values = file.values().iter().map(str::to_owned).collect();
            }
            report.push(outcome);
            if report.rows.len() as u64 >= next_progress {
                next_progress += PROGRESS_EVERY;
                progress(ImportProgress {
                    rows_done: report.rows.len() as u64,
                    bytes_read: file.bytes_read(),
                    bytes_total,
                });
            }
        }
        for line in file.trailing_blank_lines() {
            report.push(RowOutcome::skipped(line, "", "blank line"));
        }
        rows.flush()?;
    }
    tx.commit()?;
    progress(ImportProgress {
        rows_done: report.rows.len() as u64,
        bytes_read: bytes_total,
        bytes_total,
    });
    Ok(report)
}

/// The start of a file that is enough for [`preview_with`], cut at a line end (of its own
/// encoding): a large text file need not be read whole to be previewed. A spreadsheet is
/// kept whole (a zip is read from its end).
pub fn preview_prefix(bytes: &[u8], max: usize) -> &[u8] {
    if bytes.len() <= max || bytes.starts_with(b"PK\x03\x04") {
        return bytes;
    }
    let start = &bytes[..max];
    let end = if bytes.starts_with(b"\xFF\xFE") {
        // UTF-16LE: "\n" is 0A 00 at an even offset.
        (2..max.saturating_sub(1))
            .rev()
            .find(|i| i % 2 == 0 && start[*i] == b'\n' && start[i + 1] == 0)
            .map(|i| i + 2)
    } else if bytes.starts_with(b"\xFE\xFF") {
        (2..max.saturating_sub(1))
            .rev()
            .find(|i| i % 2 == 0 && start[*i] == 0 && start[i + 1] == b'\n')
            .map(|i| i + 2)
    } else {
        start.iter().rposition(|b| *b == b'\n').map(|i| i + 1)
    };
    &bytes[..end.unwrap_or(max)]
}

/// The entries of a pasted list of handles or profile links: one per line, or separated by
/// commas, semicolons or spaces.
pub fn pasted_entries(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// Imports a pasted list of handles or profile links as a one-column file of handles; each
/// row's line is the entry's position in the list (1 for the first).
pub fn import_pasted(
    conn: &mut Connection,
    text: &str,
    source: &str,
    progress: &mut dyn FnMut(ImportProgress),
) -> CoreResult<ImportReport> {
    let entries = pasted_entries(text);
    if entries.is_empty() {
        return Err(CoreError::invalid(
            "text",
            "paste handles or TikTok profile links, one per line",
        ));
    }
    let mut csv = String::with_capacity(text.len() + 16);
    csv.push_str("handle\n");
    for entry in entries {
        if entry.contains('"') {
            csv.push('"');
            csv.push_str(&entry.replace('"', "\"\""));
            csv.push('"');
        } else {
            csv.push_str(entry);
        }
        csv.push('\n');
    }
    let options = ImportOptions {
        delimiter: Some(",".to_owned()),
        ..ImportOptions::default()
    };
    let mut report = import_with(conn, csv.as_bytes(), source, &options, progress)?;
    for row in &mut report.rows {
        row.line -= 1;
    }
    Ok(report)
}

/// Reads the header row and maps its columns; refuses an empty file.
fn header(
    file: &mut dyn Rows,
    choices: &[ColumnChoice],
) -> CoreResult<(Vec<ImportColumn>, Mapping)> {
    if file.next_row()?.is_none() {
        return Err(CoreError::invalid("file", "the file is empty"));
    }
    columns::map(file.values(), choices)
}

/// Applies rows to the database: the rules decide, [`contacts`] stores.
struct RowApplier<'c> {
    conn: &'c Connection,
    source: &'c str,
    now: i64,
    rules: FileRules,
    /// Whether any contact was stored before this import. Every row the import keeps is
    /// remembered by the rules, so into an empty table a row that passes them can match no
    /// stored contact: a first import skips the two lookups per row.
    had_contacts: bool,
    /// New contacts not yet written. Nothing reads them back before [`RowApplier::flush`]:
    /// a later row with the same handle or user id is a duplicate within the file, caught
    /// by the rules before any lookup.
    pending: Vec<ContactInput>,
}

impl<'c> RowApplier<'c> {
    fn new(conn: &'c Connection, source: &'c str) -> CoreResult<Self> {
        Ok(Self {
            conn,
            source,
            now: clock::now_ms(),
            rules: FileRules::default(),
            had_contacts: contacts::any(conn)?,
            pending: Vec::new(),
        })
    }

    fn apply(
        &mut self,
        line: u64,
        mapping: &Mapping,
        record: &csv::StringRecord,
    ) -> CoreResult<RowOutcome> {
        let (input, warning) = match self.rules.check(line, mapping, record) {
            Ok(checked) => checked,
            Err(outcome) => return Ok(outcome),
        };
        let by_handle = if self.had_contacts {
            contacts::find_by_handle(self.conn, input.handle.as_str())?
        } else {
            None
        };
        let by_user_id = match &input.user_id {
            Some(user_id) if self.had_contacts => contacts::find_by_user_id(self.conn, user_id)?,
            _ => None,
        };
        let typed_handle = mapping.get(record, ContactField::Handle);
        let (mut outcome, change) = rules::merge(line, typed_handle, &input, by_handle, by_user_id);
        outcome.warning = warning;
        if outcome.outcome != ImportOutcome::Rejected {
            self.rules.remember(line, &input);
        }
        match change {
            Some(Change::Insert(contact)) => {
                self.pending.push(contact);
                if self.pending.len() >= INSERT_BATCH {
                    self.flush()?;
                }
            }
            Some(Change::Update { id, contact }) => {
                contacts::update(self.conn, id, &contact, self.now)?;
            }
            None => {}
        }
        Ok(outcome)
    }

    /// Writes the new contacts queued so far in one statement.
    fn flush(&mut self) -> CoreResult<()> {
        contacts::insert_many(self.conn, &self.pending, Some(self.source), self.now)?;
        self.pending.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts;
    use crate::store::open_in_memory;

    fn run(conn: &mut Connection, csv: &str) -> ImportReport {
        import(conn, csv.as_bytes(), "test", &mut |_| {}).unwrap()
    }

    /// `(line, outcome)` for every row, the shape most assertions read best in.
    fn lines(report: &ImportReport) -> Vec<(u64, ImportOutcome)> {
        report.rows.iter().map(|r| (r.line, r.outcome)).collect()
    }

    fn reason(report: &ImportReport, line: u64) -> String {
        let row = report.rows.iter().find(|r| r.line == line).unwrap();
        row.reason.clone().unwrap_or_default()
    }

    use ImportOutcome::{Imported, Rejected, Skipped, Updated};

    #[test]
    fn headers_are_matched_in_any_case_with_spaces_and_a_bom() {
        let preview = preview(
            "\u{feff} UserName ,TikTok ID,Nickname,TAG,Note,Favourite colour\n".as_bytes(),
            5,
        )
        .unwrap();
        let fields: Vec<_> = preview.columns.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            [
                Some(ContactField::Handle),
                Some(ContactField::UserId),
                Some(ContactField::DisplayName),
                Some(ContactField::Tags),
                Some(ContactField::Notes),
                None
            ]
        );
        assert_eq!(preview.columns[0].header, " UserName ", "shown as written");
        assert_eq!(preview.ignored, ["Favourite colour"]);
        for header in ["handle", "username", "@", "user", "tiktok"] {
            assert_eq!(
                ContactField::from_header(header),
                Some(ContactField::Handle)
            );
        }
        for header in ["user_id", "userid", "id", "tiktok_id", "User ID"] {
            assert_eq!(
                ContactField::from_header(header),
                Some(ContactField::UserId),
                "{header}"
            );
        }
    }

    #[test]
    fn a_second_column_for_the_same_field_is_ignored() {
        let preview = preview(b"handle,username\nmaya,other\n", 5).unwrap();
        assert_eq!(preview.columns[0].field, Some(ContactField::Handle));
        assert_eq!(preview.columns[1].field, None);
        assert_eq!(preview.ignored, ["username"]);
    }

    #[test]
    fn a_file_without_a_handle_column_is_refused_naming_its_headers() {
        let mut conn = open_in_memory().unwrap();
        let err = import(&mut conn, b"ID,Name\n1,Maya\n", "test", &mut |_| {}).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("no handle column"), "{message}");
        assert!(message.contains("\"ID\", \"Name\""), "{message}");
        let shown = preview(b"ID,Name\n", 5).unwrap();
        assert!(
            shown.problem.unwrap().contains("no handle column"),
            "shown, so the handle column can be chosen"
        );
    }

    #[test]
    fn an_empty_file_is_refused() {
        let mut conn = open_in_memory().unwrap();
        let err = import(&mut conn, b"", "test", &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_utf8_is_read_as_windows_1252_and_says_so() {
        let mut conn = open_in_memory().unwrap();
        // "Zoë" and "Müller" in Windows-1252, as old Excel exports them.
        let bytes = b"handle,name\r\nmaya,Maya\r\nzoe,Zo\xEB M\xFCller \x80\r\n";
        let shown = preview(bytes, 5).unwrap();
        assert_eq!(shown.encoding.as_deref(), Some("windows-1252"));
        assert_eq!(shown.rows[1].values[1], "Zoë Müller €");
        let report = run_bytes(&mut conn, bytes);
        assert_eq!(report.imported, 2);
        let zoe = contacts::find_by_handle(&conn, "zoe").unwrap().unwrap();
        assert_eq!(zoe.display_name.as_deref(), Some("Zoë Müller €"));
        // A file that says it is UTF-8 (a BOM) and is not is still refused, naming the line.
        let err = preview(b"\xEF\xBB\xBFhandle\nzo\xEB\n", 5).unwrap_err();
        assert!(err.to_string().contains("line 2 is not UTF-8"), "{err}");
    }

    fn run_bytes(conn: &mut Connection, bytes: &[u8]) -> ImportReport {
        import(conn, bytes, "test", &mut |_| {}).unwrap()
    }

    fn with(options: ImportOptions, bytes: &[u8]) -> CoreResult<ImportPreview> {
        preview_with(bytes, 5, &options)
    }

    #[test]
    fn the_delimiter_is_detected_from_the_first_lines_with_quotes_respected() {
        let cases: [(&[u8], &str); 6] = [
            (b"handle,name\nmaya,Maya\n", ","),
            (
                b"handle;name;tags\nmaya;\"Lopez, Maya\";a,b\njo;Jo;c\n",
                ";",
            ),
            (b"handle\tname\nmaya\tMaya, L\n", "\t"),
            (b"handle|name\nmaya|\"a;b;c\"\n", "|"),
            // Commas only inside quotes: the semicolon splits every line the same way.
            (b"handle;\"name, full\"\n\"maya\";\"a,b,c\"\n", ";"),
            (b"handle\nmaya\n", ","),
        ];
        for (bytes, expected) in cases {
            let shown = preview(bytes, 5).unwrap();
            assert_eq!(
                shown.delimiter.as_deref(),
                Some(expected),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
        let shown = preview(b"handle;name\nmaya;Maya, L\n", 5).unwrap();
        assert_eq!(shown.rows[0].values, ["maya", "Maya, L"]);
    }

    #[test]
    fn the_delimiter_can_be_chosen_and_a_wrong_one_is_named() {
        let bytes = b"handle;name\nmaya;Maya\n";
        let chosen = ImportOptions {
            delimiter: Some(",".into()),
            ..ImportOptions::default()
        };
        let shown = with(chosen, b"handle,name;x\nmaya,Maya;L\n").unwrap();
        assert_eq!(shown.delimiter.as_deref(), Some(","));
        assert_eq!(shown.rows[0].values, ["maya", "Maya;L"]);
        let wrong = ImportOptions {
            delimiter: Some("::".into()),
            ..ImportOptions::default()
        };
        let err = with(wrong.clone(), bytes).unwrap_err();
        assert!(
            err.to_string().contains("\"::\" is not a delimiter"),
            "{err}"
        );
        let mut conn = open_in_memory().unwrap();
        assert!(import_with(&mut conn, bytes, "t", &wrong, &mut |_| {}).is_err());
        assert_eq!(contacts::page(&conn, "", 0, 10).unwrap().total, 0);
    }

    #[test]
    fn a_mapping_chosen_in_the_wizard_overrides_the_headers() {
        let bytes = b"Who,Name,Link\nMaya L,x,https://www.tiktok.com/@maya\n";
        // No header says "handle": the operator points at the link column.
        assert!(preview(bytes, 5).unwrap().problem.is_some());
        let options = ImportOptions {
            mapping: vec![
                ColumnChoice {
                    index: 2,
                    field: Some(ContactField::Handle),
                },
                ColumnChoice {
                    index: 0,
                    field: Some(ContactField::DisplayName),
                },
                ColumnChoice {
                    index: 1,
                    field: None,
                },
            ],
            ..ImportOptions::default()
        };
        let shown = with(options.clone(), bytes).unwrap();
        let fields: Vec<_> = shown.columns.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            [
                Some(ContactField::DisplayName),
                None,
                Some(ContactField::Handle)
            ]
        );
        let mut conn = open_in_memory().unwrap();
        let report = import_with(&mut conn, bytes, "t", &options, &mut |_| {}).unwrap();
        assert_eq!(report.imported, 1, "{report:#?}");
        let maya = contacts::find_by_handle(&conn, "maya").unwrap().unwrap();
        assert_eq!(maya.display_name.as_deref(), Some("Maya L"));
        // A column chosen for the handle takes it from the column whose header said so.
        let shown = with(
            ImportOptions {
                mapping: vec![ColumnChoice {
                    index: 1,
                    field: Some(ContactField::Handle),
                }],
                ..ImportOptions::default()
            },
            b"handle,profile\nx,maya\n",
        )
        .unwrap();
        assert_eq!(shown.columns[0].field, None);
        assert_eq!(shown.columns[1].field, Some(ContactField::Handle));
    }

    #[test]
    fn a_bad_mapping_is_named_and_nothing_is_imported() {
        let bytes = b"handle,profile\nmaya,jo\n";
        let mut conn = open_in_memory().unwrap();
        let two = ImportOptions {
            mapping: vec![
                ColumnChoice {
                    index: 0,
                    field: Some(ContactField::Handle),
                },
                ColumnChoice {
                    index: 1,
                    field: Some(ContactField::Handle),
                },
            ],
            ..ImportOptions::default()
        };
        let err = import_with(&mut conn, bytes, "t", &two, &mut |_| {}).unwrap_err();
        assert!(
            err.to_string().contains(
                "two columns are mapped to handle: \"handle\" (column 1) and \"profile\" (column 2)"
            ),
            "{err}"
        );
        let out_of_range = ImportOptions {
            mapping: vec![ColumnChoice {
                index: 5,
                field: Some(ContactField::Notes),
            }],
            ..ImportOptions::default()
        };
        let err = import_with(&mut conn, bytes, "t", &out_of_range, &mut |_| {}).unwrap_err();
        assert!(
            err.to_string()
                .contains("column 6 does not exist: the file has 2 column(s)"),
            "{err}"
        );
        assert_eq!(contacts::page(&conn, "", 0, 10).unwrap().total, 0);
    }

    #[test]
    fn a_preview_of_a_large_file_reads_whole_lines_in_its_own_encoding() {
        let text = "handle\r\nmaya\r\njo_cooks\r\n";
        assert_eq!(preview_prefix(text.as_bytes(), 14), b"handle\r\nmaya\r\n");
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let cut = preview_prefix(&le, 30);
        assert_eq!(cut.len() % 2, 0);
        let shown = preview(cut, 5).unwrap();
        assert_eq!(shown.rows.len(), 1, "{shown:?}");
        assert_eq!(shown.rows[0].values, ["maya"]);
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let shown = preview(preview_prefix(&be, 30), 5).unwrap();
        assert_eq!(shown.rows[0].values, ["maya"]);
        let zip = b"PK\x03\x04 and more bytes than the limit";
        assert_eq!(preview_prefix(zip, 4), zip);
    }

    #[test]
    fn pasted_handles_and_links_import_like_a_one_column_file() {
        let text = "@maya\nhttps://www.tiktok.com/@jo.cooks?lang=en, tiktok.com/@sam_1/video/12\n\n  bad!handle https://vm.tiktok.com/ZMx/";
        assert_eq!(pasted_entries(text).len(), 5);
        let mut conn = open_in_memory().unwrap();
        let report = import_pasted(&mut conn, text, "pasted", &mut |_| {}).unwrap();
        assert_eq!(
            lines(&report),
            [
                (1, Imported),
                (2, Imported),
                (3, Imported),
                (4, Rejected),
                (5, Rejected)
            ]
        );
        assert!(reason(&report, 5).contains("short link"));
        for handle in ["maya", "jo.cooks", "sam_1"] {
            assert!(
                contacts::find_by_handle(&conn, handle).unwrap().is_some(),
                "{handle}"
            );
        }
        assert!(import_pasted(&mut conn, " \n, ", "pasted", &mut |_| {}).is_err());
    }

    #[test]
    fn lines_are_counted_as_a_person_counts_them() {
        let mut conn = open_in_memory().unwrap();
        for ending in ["\n", "\r\n", "\r"] {
            let mut conn2 = open_in_memory().unwrap();
            let csv = ["handle,name", "aa,A", "", "bb,\"two", "lines\"", "cc,C", ""].join(ending);
            let report = run(&mut conn2, &csv);
            assert_eq!(
                lines(&report),
                [(2, Imported), (3, Skipped), (4, Imported), (6, Imported)],
                "line ends {ending:?}"
            );
            assert_eq!(reason(&report, 3), "blank line");
        }
        // Several blank lines, and blank lines at the end beyond the final line break.
        let report = run(&mut conn, "handle\n\n\naa\nbb\n\n");
        assert_eq!(
            lines(&report),
            [
                (2, Skipped),
                (3, Skipped),
                (4, Imported),
                (5, Imported),
                (6, Skipped)
            ]
        );
    }

    #[test]
    fn all_empty_rows_are_skipped_and_rows_without_a_handle_rejected() {
        let mut conn = open_in_memory().unwrap();
        let report = run(&mut conn, "handle,name,notes\n,,\n  , ,\n,Maya,\n");
        assert_eq!(lines(&report), [(2, Skipped), (3, Skipped), (4, Rejected)]);
        assert_eq!(reason(&report, 2), "empty row");
        assert_eq!(reason(&report, 4), "handle is empty");
        assert_eq!(report.rows[2].field, Some(ContactField::Handle));
    }

    #[test]
    fn short_rows_leave_the_missing_fields_empty_and_long_rows_are_cut() {
        let mut conn = open_in_memory().unwrap();
        let report = run(
            &mut conn,
            "handle,user_id,name\nmaya\njo,12,Jo,extra,more\n",
        );
        assert_eq!(lines(&report), [(2, Imported), (3, Imported)]);
        let jo = contacts::find_by_handle(&conn, "jo").unwrap().unwrap();
        assert_eq!(jo.user_id.as_deref(), Some("12"));
        assert_eq!(jo.display_name.as_deref(), Some("Jo"));
    }

    #[test]
    fn duplicates_in_the_file_name_the_line_they_repeat() {
        let mut conn = open_in_memory().unwrap();
        let report = run(
            &mut conn,
            "handle,user_id\n@Maya.Bakes,1\njo,2\nmaya.bakes,\nzed,2\n",
        );
        assert_eq!(
            lines(&report),
            [(2, Imported), (3, Imported), (4, Rejected), (5, Rejected)]
        );
        assert_eq!(
            reason(&report, 4),
            "handle @maya.bakes is a duplicate of line 2"
        );
        assert_eq!(reason(&report, 5), "user id 2 is a duplicate of line 3");
        assert_eq!(report.rows[3].field, Some(ContactField::UserId));
        assert_eq!(report.rows[2].handle, "maya.bakes", "the handle as typed");
    }

    #[test]
    fn a_rejected_row_does_not_make_a_later_one_a_duplicate() {
        let mut conn = open_in_memory().unwrap();
        let report = run(&mut conn, "handle,user_id\nmaya,12x\nmaya,12\n");
        assert_eq!(lines(&report), [(2, Rejected), (3, Imported)]);
    }

    #[test]
    fn a_known_contact_is_updated_keeping_what_the_row_leaves_empty() {
        let mut conn = open_in_memory().unwrap();
        run(
            &mut conn,
            "handle,user_id,name,tags,notes\nmaya,111,Maya,baker,met at expo\n",
        );
        let report = run(
            &mut conn,
            "handle,user_id,name,tags,notes\n@MAYA,,Maya L,,\n",
        );
        assert_eq!(lines(&report), [(2, Updated)]);
        assert_eq!(reason(&report, 2), "changed display name");
        let maya = contacts::find_by_handle(&conn, "maya").unwrap().unwrap();
        assert_eq!(maya.user_id.as_deref(), Some("111"));
        assert_eq!(maya.display_name.as_deref(), Some("Maya L"));
        assert_eq!(maya.tags, ["baker"]);
        assert_eq!(maya.notes, "met at expo");
        assert_eq!(maya.source.as_deref(), Some("test"));
    }

    #[test]
    fn a_row_identical_to_what_is_stored_is_skipped() {
        let mut conn = open_in_memory().unwrap();
        let csv = "handle,user_id,name,tags\nmaya,111,Maya,\"baker, vegan\"\n";
        run(&mut conn, csv);
        let report = run(&mut conn, csv);
        assert_eq!(lines(&report), [(2, Skipped)]);
        assert_eq!(reason(&report, 2), "already stored with the same details");
        // Only the handle: nothing to change either.
        let report = run(&mut conn, "handle\nmaya\n");
        assert_eq!(lines(&report), [(2, Skipped)]);
    }

    #[test]
    fn a_new_handle_for_a_known_user_id_is_a_renamed_account() {
        let mut conn = open_in_memory().unwrap();
        run(&mut conn, "handle,user_id\nmaya,111\n");
        let report = run(&mut conn, "handle,user_id\nmaya.new,111\n");
        assert_eq!(lines(&report), [(2, Updated)]);
        assert_eq!(reason(&report, 2), "changed handle (was @maya)");
        assert!(contacts::find_by_handle(&conn, "maya").unwrap().is_none());
        let renamed = contacts::find_by_user_id(&conn, "111").unwrap().unwrap();
        assert_eq!(renamed.handle, "maya.new");
    }

    #[test]
    fn a_handle_and_user_id_of_two_different_contacts_are_a_conflict() {
        let mut conn = open_in_memory().unwrap();
        run(&mut conn, "handle,user_id\nmaya,111\njo,222\n");
        let report = run(&mut conn, "handle,user_id\nmaya,222\n");
        assert_eq!(lines(&report), [(2, Rejected)]);
        let why = reason(&report, 2);
        assert!(why.starts_with("conflict"), "{why}");
        assert!(why.contains("@jo"), "{why}");
        let maya = contacts::find_by_handle(&conn, "maya").unwrap().unwrap();
        assert_eq!(maya.user_id.as_deref(), Some("111"), "nothing changed");
    }

    #[test]
    fn a_different_user_id_under_a_known_handle_is_a_conflict() {
        let mut conn = open_in_memory().unwrap();
        run(&mut conn, "handle,user_id\nmaya,111\n");
        let report = run(&mut conn, "handle,user_id\nmaya,333\n");
        assert_eq!(lines(&report), [(2, Rejected)]);
        assert!(reason(&report, 2).contains("stored with user id 111, not 333"));
        // A user id where the stored contact had none is filled in.
        run(&mut conn, "handle\njo\n");
        let report = run(&mut conn, "handle,user_id\njo,444\n");
        assert_eq!(lines(&report), [(2, Updated)]);
        assert_eq!(reason(&report, 2), "changed user id");
    }

    #[test]
    fn progress_is_reported_every_thousand_rows_and_at_the_end() {
        let mut conn = open_in_memory().unwrap();
        let mut csv = String::from("handle\n");
        for i in 0..2_500 {
            csv.push_str(&format!("user_{i}\n"));
        }
        let mut seen = Vec::new();
        let report = import(&mut conn, csv.as_bytes(), "test", &mut |p| seen.push(p)).unwrap();
        assert_eq!(report.imported, 2_500);
        let rows: Vec<u64> = seen.iter().map(|p| p.rows_done).collect();
        assert_eq!(rows, [1_000, 2_000, 2_500]);
        assert!(seen[0].bytes_read > 0 && seen[0].bytes_read < seen[1].bytes_read);
        let last = seen.last().unwrap();
        assert_eq!(last.bytes_read, csv.len() as u64);
        assert_eq!(last.bytes_total, csv.len() as u64);
    }

    #[test]
    fn preview_shows_raw_values_of_the_first_rows_padded_to_the_header() {
        let preview = preview(
            b"\xEF\xBB\xBFUsername,ID,Name\r\n@Maya,12,\"Maya\r\nLopez\"\r\n\r\njo\r\nzed,3,Z\r\n",
            2,
        )
        .unwrap();
        assert_eq!(
            preview.columns[0].header, "Username",
            "the BOM is not part of it"
        );
        assert_eq!(
            preview.rows,
            [
                PreviewRow {
                    line: 2,
                    values: vec!["@Maya".into(), "12".into(), "Maya\r\nLopez".into()]
                },
                PreviewRow {
                    line: 5,
                    values: vec!["jo".into(), String::new(), String::new()]
                },
            ]
        );
    }
}
