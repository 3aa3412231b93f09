//! CSV import of contacts: headers matched loosely, every row reported by the line a person
//! would count in the file, the whole file applied in one transaction or not at all.

use std::collections::HashMap;
use std::ops::Range;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use ts_rs::TS;

use crate::clock;
use crate::contacts::ContactInput;
use crate::error::{CoreError, CoreResult};

/// How often (in rows) `import` reports progress; it also reports once at the end.
pub const PROGRESS_EVERY: u64 = 1_000;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A contact field a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    Handle,
    UserId,
    DisplayName,
    Tags,
    Notes,
}

impl ContactField {
    const ALL: [ContactField; 5] = [
        ContactField::Handle,
        ContactField::UserId,
        ContactField::DisplayName,
        ContactField::Tags,
        ContactField::Notes,
    ];

    /// The header names each field accepts, after [`normalise_header`].
    fn header_names(self) -> &'static [&'static str] {
        match self {
            ContactField::Handle => &["handle", "username", "@", "user", "tiktok"],
            ContactField::UserId => &["user_id", "userid", "id", "tiktok_id"],
            ContactField::DisplayName => &["display_name", "name", "nickname"],
            ContactField::Tags => &["tags", "tag"],
            ContactField::Notes => &["notes", "note"],
        }
    }

    fn from_header(header: &str) -> Option<Self> {
        let header = normalise_header(header);
        Self::ALL
            .into_iter()
            .find(|field| field.header_names().contains(&header.as_str()))
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "handle" => Some(ContactField::Handle),
            "user_id" => Some(ContactField::UserId),
            "display_name" => Some(ContactField::DisplayName),
            "tags" => Some(ContactField::Tags),
            "notes" => Some(ContactField::Notes),
            _ => None,
        }
    }
}

/// `" User ID "` → `user_id`, `"Display-Name"` → `display_name`: trimmed, lower case, BOM
/// stripped, spaces and hyphens read as underscores.
fn normalise_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// One column of the file and the field it fills, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportColumn {
    /// 0-based position in the file's header row.
    pub index: u32,
    /// The header as written in the file.
    pub header: String,
    /// `None` when the column is ignored (unknown, or a second column for a field).
    pub field: Option<ContactField>,
}

/// What the import wizard shows before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportPreview {
    pub columns: Vec<ImportColumn>,
    /// Headers of the columns that will be ignored, in file order.
    pub ignored: Vec<String>,
    /// The first rows as they are in the file, one value per column (short rows padded
    /// with empty values), before any rule is applied.
    pub rows: Vec<PreviewRow>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    Imported,
    Updated,
    Skipped,
    Rejected,
}

/// What became of one row (or blank line) of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
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
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ImportReport {
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
    let mut csv = CsvRows::new(bytes)?;
    let (columns, _) = csv.header()?;
    let mut preview_rows = Vec::new();
    while preview_rows.len() < rows {
        let Some(record) = csv.next_record()? else {
            break;
        };
        let mut values: Vec<String> = csv.record.iter().map(str::to_owned).collect();
        if values.len() < columns.len() {
            values.resize(columns.len(), String::new());
        }
        preview_rows.push(PreviewRow {
            line: record.line,
            values,
        });
    }
    let ignored = columns
        .iter()
        .filter(|c| c.field.is_none())
        .map(|c| c.header.clone())
        .collect();
    Ok(ImportPreview {
        columns,
        ignored,
        rows: preview_rows,
    })
}

/// Imports every row of `bytes` in one transaction; `source` is stored on new contacts.
/// Rejected rows are reported, not fatal; a file that cannot be read at all (not UTF-8, no
/// handle column) or a database failure changes nothing and returns the error.
pub fn import(
    conn: &mut Connection,
    bytes: &[u8],
    source: &str,
    progress: &mut dyn FnMut(ImportProgress),
) -> CoreResult<ImportReport> {
    let mut csv = CsvRows::new(bytes)?;
    let (_, mapping) = csv.header()?;
    let bytes_total = bytes.len() as u64;

    // IMMEDIATE takes the write lock now, so a concurrent writer makes us wait (busy
    // timeout) at the start instead of failing halfway through.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut report = ImportReport::default();
    {
        let mut rows = RowApplier::new(&tx, source);
        let mut next_progress = PROGRESS_EVERY;
        while let Some(record) = csv.next_record()? {
            for line in record.blank_before.clone() {
                report.push(skipped(line, "", "blank line"));
            }
            let outcome = rows.apply(record.line, &mapping, &csv.record)?;
            report.push(outcome);
            if report.rows.len() as u64 >= next_progress {
                next_progress += PROGRESS_EVERY;
                progress(ImportProgress {
                    rows_done: report.rows.len() as u64,
                    bytes_read: csv.bytes_read(),
                    bytes_total,
                });
            }
        }
        for line in csv.trailing_blank_lines() {
            report.push(skipped(line, "", "blank line"));
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

fn skipped(line: u64, handle: &str, reason: &str) -> RowOutcome {
    RowOutcome {
        line,
        handle: handle.to_owned(),
        outcome: ImportOutcome::Skipped,
        field: None,
        reason: Some(reason.to_owned()),
    }
}

fn rejected(line: u64, handle: &str, field: ContactField, reason: String) -> RowOutcome {
    RowOutcome {
        line,
        handle: handle.to_owned(),
        outcome: ImportOutcome::Rejected,
        field: Some(field),
        reason: Some(reason),
    }
}

/// Which column fills which field, indexed by `ContactField as usize`.
struct Mapping {
    columns: [Option<usize>; 5],
}

impl Mapping {
    fn get<'r>(&self, record: &'r csv::StringRecord, field: ContactField) -> &'r str {
        self.columns[field as usize]
            .and_then(|index| record.get(index))
            .unwrap_or("")
    }
}

/// A contact as stored, for comparing with a row.
struct Stored {
    id: i64,
    handle: String,
    user_id: Option<String>,
    display_name: Option<String>,
    tags: Vec<String>,
    notes: String,
}

fn read_stored(row: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    let tags: String = row.get(4)?;
    Ok(Stored {
        id: row.get(0)?,
        handle: row.get(1)?,
        user_id: row.get(2)?,
        display_name: row.get(3)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        notes: row.get(5)?,
    })
}

/// Applies rows to the database with statements prepared once, remembering which handles
/// and user ids this file already used.
struct RowApplier<'c> {
    conn: &'c Connection,
    source: &'c str,
    now: i64,
    handles_seen: HashMap<String, u64>,
    user_ids_seen: HashMap<String, u64>,
    /// New contacts not yet written. Nothing reads them back before [`RowApplier::flush`]:
    /// a later row with the same handle or user id is a duplicate within the file, caught
    /// by the maps above before any lookup.
    pending: Vec<PendingInsert>,
}

/// handle, user id, display name, tags (JSON), notes: an array in JSON, read back by index.
#[derive(Serialize)]
struct PendingInsert(String, Option<String>, Option<String>, String, String);

/// New contacts written per statement: large enough that statement overhead vanishes,
/// small enough that the JSON stays a few megabytes.
const INSERT_BATCH: usize = 10_000;

impl<'c> RowApplier<'c> {
    fn new(conn: &'c Connection, source: &'c str) -> Self {
        Self {
            conn,
            source,
            now: clock::now_ms(),
            handles_seen: HashMap::new(),
            user_ids_seen: HashMap::new(),
            pending: Vec::new(),
        }
    }

    fn apply(
        &mut self,
        line: u64,
        mapping: &Mapping,
        record: &csv::StringRecord,
    ) -> CoreResult<RowOutcome> {
        let typed_handle = mapping.get(record, ContactField::Handle);
        if record.iter().all(|value| value.trim().is_empty()) {
            return Ok(skipped(line, typed_handle, "empty row"));
        }
        let input = match ContactInput::parse(
            typed_handle,
            mapping.get(record, ContactField::UserId),
            mapping.get(record, ContactField::DisplayName),
            mapping.get(record, ContactField::Tags),
            mapping.get(record, ContactField::Notes),
        ) {
            Ok(input) => input,
            Err(err) => {
                let field = ContactField::from_name(err.field).unwrap_or(ContactField::Handle);
                return Ok(rejected(line, typed_handle, field, err.reason));
            }
        };
        let handle = input.handle.as_str();
        if let Some(first) = self.handles_seen.get(handle) {
            return Ok(rejected(
                line,
                typed_handle,
                ContactField::Handle,
                format!("handle @{handle} is a duplicate of line {first}"),
            ));
        }
        if let Some(user_id) = &input.user_id
            && let Some(first) = self.user_ids_seen.get(user_id)
        {
            return Ok(rejected(
                line,
                typed_handle,
                ContactField::UserId,
                format!("user id {user_id} is a duplicate of line {first}"),
            ));
        }

        let outcome = self.store(line, typed_handle, &input)?;
        if outcome.outcome != ImportOutcome::Rejected {
            self.handles_seen.insert(handle.to_owned(), line);
            if let Some(user_id) = &input.user_id {
                self.user_ids_seen.insert(user_id.clone(), line);
            }
        }
        Ok(outcome)
    }

    fn store(
        &mut self,
        line: u64,
        typed_handle: &str,
        input: &ContactInput,
    ) -> CoreResult<RowOutcome> {
        let handle = input.handle.as_str();
        let by_handle = self.find_by_handle(handle)?;
        let by_user_id = match &input.user_id {
            Some(user_id) => self.find_by_user_id(user_id)?,
            None => None,
        };
        let stored = match (by_handle, by_user_id) {
            (None, None) => {
                self.insert(input)?;
                return Ok(RowOutcome {
                    line,
                    handle: typed_handle.to_owned(),
                    outcome: ImportOutcome::Imported,
                    field: None,
                    reason: None,
                });
            }
            (Some(a), Some(b)) if a.id != b.id => {
                return Ok(rejected(
                    line,
                    typed_handle,
                    ContactField::UserId,
                    format!(
                        "conflict: handle @{handle} belongs to one stored contact and user id {} \
                         to another (@{}); fix them by hand",
                        input.user_id.as_deref().unwrap_or_default(),
                        b.handle
                    ),
                ));
            }
            (Some(stored), _) => {
                // The numeric id is TikTok's stable identity; a different one under the same
                // handle is another person (handles are recycled), never an edit.
                if let (Some(stored_id), Some(row_id)) = (&stored.user_id, &input.user_id)
                    && stored_id != row_id
                {
                    return Ok(rejected(
                        line,
                        typed_handle,
                        ContactField::UserId,
                        format!(
                            "conflict: @{handle} is stored with user id {stored_id}, not {row_id}"
                        ),
                    ));
                }
                stored
            }
            // Found by user id under another handle: the user renamed their account, and
            // the row carries the new handle.
            (None, Some(stored)) => stored,
        };

        let merged = Stored {
            id: stored.id,
            handle: handle.to_owned(),
            user_id: input.user_id.clone().or_else(|| stored.user_id.clone()),
            display_name: input
                .display_name
                .clone()
                .or_else(|| stored.display_name.clone()),
            tags: if input.tags.is_empty() {
                stored.tags.clone()
            } else {
                input.tags.clone()
            },
            notes: if input.notes.is_empty() {
                stored.notes.clone()
            } else {
                input.notes.clone()
            },
        };
        let mut changed = Vec::new();
        if merged.handle != stored.handle {
            changed.push(format!("handle (was @{})", stored.handle));
        }
        if merged.user_id != stored.user_id {
            changed.push("user id".to_owned());
        }
        if merged.display_name != stored.display_name {
            changed.push("display name".to_owned());
        }
        if merged.tags != stored.tags {
            changed.push("tags".to_owned());
        }
        if merged.notes != stored.notes {
            changed.push("notes".to_owned());
        }
        if changed.is_empty() {
            return Ok(skipped(
                line,
                typed_handle,
                "already stored with the same details",
            ));
        }
        self.update(&merged)?;
        Ok(RowOutcome {
            line,
            handle: typed_handle.to_owned(),
            outcome: ImportOutcome::Updated,
            field: None,
            reason: Some(format!("changed {}", changed.join(", "))),
        })
    }

    fn find_by_handle(&self, handle: &str) -> CoreResult<Option<Stored>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, handle, user_id, display_name, tags, notes FROM contacts WHERE handle = ?1",
        )?;
        Ok(stmt.query_row([handle], read_stored).optional()?)
    }

    fn find_by_user_id(&self, user_id: &str) -> CoreResult<Option<Stored>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, handle, user_id, display_name, tags, notes FROM contacts WHERE user_id = ?1",
        )?;
        Ok(stmt.query_row([user_id], read_stored).optional()?)
    }

    /// Queues a new contact; [`RowApplier::flush`] writes the queue in one statement.
    fn insert(&mut self, input: &ContactInput) -> CoreResult<()> {
        self.pending.push(PendingInsert(
            input.handle.as_str().to_owned(),
            input.user_id.clone(),
            input.display_name.clone(),
            tags_json(&input.tags)?,
            input.notes.clone(),
        ));
        if self.pending.len() >= INSERT_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the queued contacts with one INSERT … SELECT over a JSON array: with the FTS
    /// triggers, 100,000 single-row INSERTs took twice as long as this.
    fn flush(&mut self) -> CoreResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = serde_json::to_string(&self.pending).map_err(anyhow::Error::from)?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO contacts (handle, user_id, display_name, tags, notes, source,
                                   created_at, updated_at)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, ?2, ?3, ?3
             FROM json_each(?1) ORDER BY key",
        )?;
        stmt.execute(params![rows, self.source, self.now])?;
        self.pending.clear();
        Ok(())
    }

    fn update(&self, contact: &Stored) -> CoreResult<()> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE contacts SET handle = ?2, user_id = ?3, display_name = ?4, tags = ?5,
                    notes = ?6, updated_at = ?7
             WHERE id = ?1",
        )?;
        stmt.execute(params![
            contact.id,
            contact.handle,
            contact.user_id,
            contact.display_name,
            tags_json(&contact.tags)?,
            contact.notes,
            self.now
        ])?;
        Ok(())
    }
}

fn tags_json(tags: &[String]) -> CoreResult<String> {
    Ok(serde_json::to_string(tags).map_err(anyhow::Error::from)?)
}

/// Where a record sits in the file.
struct RecordAt {
    /// The line the record starts on.
    line: u64,
    /// Blank lines between the previous record and this one (the csv crate skips them).
    blank_before: Range<u64>,
}

/// The csv crate's reader with line numbers as a person counts them. The crate's own
/// `Position::line()` lags by one line after a CRLF (it consumes the LF with the next
/// record), so lines are counted here from each record's byte offset instead.
struct CsvRows<'a> {
    /// The file without its BOM; every offset below is into this.
    text: &'a [u8],
    bom: usize,
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    lines: LineCounter<'a>,
    /// Where the previous record's content ended (before its line break).
    prev_end: Option<usize>,
}

impl<'a> CsvRows<'a> {
    fn new(bytes: &'a [u8]) -> CoreResult<Self> {
        let bom = if bytes.starts_with(UTF8_BOM) {
            UTF8_BOM.len()
        } else {
            0
        };
        let text = &bytes[bom..];
        // Checked up front so the error names the exact line of the first bad byte.
        if let Err(err) = std::str::from_utf8(text) {
            let line = LineCounter::new(text).line_at(err.valid_up_to());
            return Err(CoreError::invalid(
                "file",
                format!(
                    "line {line} is not UTF-8 text; save the file as \"CSV UTF-8\" and import it again"
                ),
            ));
        }
        Ok(Self {
            text,
            bom,
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text),
            record: csv::StringRecord::new(),
            lines: LineCounter::new(text),
            prev_end: None,
        })
    }

    /// Reads the header row and maps its columns; refuses a file without a handle column.
    fn header(&mut self) -> CoreResult<(Vec<ImportColumn>, Mapping)> {
        if self.next_record()?.is_none() {
            return Err(CoreError::invalid("file", "the file is empty"));
        }
        let mut mapping = Mapping { columns: [None; 5] };
        let mut columns = Vec::with_capacity(self.record.len());
        for (index, header) in self.record.iter().enumerate() {
            // The first column for a field wins; a second one is shown as ignored.
            let field = ContactField::from_header(header)
                .filter(|field| mapping.columns[*field as usize].is_none());
            if let Some(field) = field {
                mapping.columns[field as usize] = Some(index);
            }
            columns.push(ImportColumn {
                index: index as u32,
                header: header.trim_start_matches('\u{feff}').to_owned(),
                field,
            });
        }
        if mapping.columns[ContactField::Handle as usize].is_none() {
            let found: Vec<String> = columns.iter().map(|c| format!("{:?}", c.header)).collect();
            return Err(CoreError::invalid(
                "file",
                format!(
                    "no handle column among the headers {}; name the column of TikTok handles \
                     one of: {}",
                    found.join(", "),
                    ContactField::Handle.header_names().join(", ")
                ),
            ));
        }
        Ok((columns, mapping))
    }

    /// Reads the next record into `self.record`.
    fn next_record(&mut self) -> CoreResult<Option<RecordAt>> {
        let more = self.reader.read_record(&mut self.record).map_err(|err| {
            CoreError::invalid("file", format!("the file cannot be read as CSV: {err}"))
        })?;
        if !more {
            return Ok(None);
        }
        // The record's offset may point at the line break that ended the previous one.
        let mut start = self
            .record
            .position()
            .map_or(0, |position| position.byte() as usize);
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let previous_line = self.prev_end.map(|end| self.lines.line_at(end));
        let line = self.lines.line_at(start);
        let blank_before = match previous_line {
            Some(previous) => previous + 1..line,
            None => line..line,
        };
        let mut end = (self.reader.position().byte() as usize).min(self.text.len());
        while end > start && matches!(self.text[end - 1], b'\r' | b'\n') {
            end -= 1;
        }
        self.prev_end = Some(end);
        Ok(Some(RecordAt { line, blank_before }))
    }

    /// Blank lines after the last record (a final line break ends a line, it adds none).
    fn trailing_blank_lines(&mut self) -> Range<u64> {
        match self.prev_end {
            Some(end) => {
                let last = self.lines.line_at(end);
                last + 1..self.lines.line_at(self.text.len())
            }
            None => 0..0,
        }
    }

    fn bytes_read(&self) -> u64 {
        self.reader.position().byte() + self.bom as u64
    }
}

/// Counts lines up to a byte offset, moving forward only. CRLF, LF and a lone CR each end
/// one line, as text editors count them.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the byte at `target`; `target` never goes backwards.
    fn line_at(&mut self, target: usize) -> u64 {
        let target = target.min(self.bytes.len());
        let bytes = self.bytes;
        for (index, &byte) in bytes.iter().enumerate().take(target).skip(self.offset) {
            match byte {
                b'\n' => self.line += 1,
                b'\r' if bytes.get(index + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
        }
        self.offset = self.offset.max(target);
        self.line
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
        assert!(preview(b"ID,Name\n", 5).is_err());
    }

    #[test]
    fn an_empty_file_is_refused() {
        let mut conn = open_in_memory().unwrap();
        let err = import(&mut conn, b"", "test", &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_naming_the_line() {
        let mut conn = open_in_memory().unwrap();
        // "Zoë" in Latin-1, as old Excel exports it.
        let bytes = b"handle,name\r\nmaya,Maya\r\nzoe,Zo\xEB\r\n";
        let err = import(&mut conn, bytes, "test", &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("line 3 is not UTF-8"), "{err}");
        assert!(matches!(err, CoreError::Invalid { .. }));
        assert!(preview(bytes, 5).is_err());
        assert_eq!(contacts::page(&conn, "", 0, 10).unwrap().total, 0);
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
