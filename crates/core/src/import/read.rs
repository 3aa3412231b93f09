//! Reading: a file's bytes into rows of text values, each with the line a person would count
//! in the file. A new source format (another delimiter or encoding, a spreadsheet) is a new
//! [`Rows`]; the header mapping and the rules after it do not change.
//!
//! A file that is not valid UTF-8 is read as Windows-1252, the single-byte encoding older
//! spreadsheets save "CSV" in on most Western machines (every byte decodes, so such a file is
//! never refused: the preview shows the decoded names for a person to check).

use std::borrow::Cow;
use std::ops::Range;

use crate::error::{CoreError, CoreResult};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where a row sits in the file.
pub(super) struct RowAt {
    /// The line the row starts on, counting the file's first line as 1.
    pub line: u64,
    /// Blank lines between the previous row and this one, which are not rows.
    pub blank_before: Range<u64>,
}

/// A file read row by row, the header being the first row.
pub(super) trait Rows {
    /// Reads the next row; its values are then [`Rows::values`].
    fn next_row(&mut self) -> CoreResult<Option<RowAt>>;

    /// The values of the row last read, as written in the file (csv's `StringRecord` is only
    /// the container: one buffer for a row of text, whatever the format).
    fn values(&self) -> &csv::StringRecord;

    /// Blank lines after the last row (a final line break ends a line, it adds none).
    fn trailing_blank_lines(&mut self) -> Range<u64>;

    /// How many bytes of the file are behind us, for progress.
    fn bytes_read(&self) -> u64;

    /// How many bytes there are in all, in the unit of [`Rows::bytes_read`].
    fn bytes_total(&self) -> u64;
}

/// A file decoded and ready to be read row by row: delimited text in whatever encoding it came
/// in, or one sheet of a spreadsheet.
pub(super) struct Source<'a> {
    body: Body<'a>,
    /// How the text was decoded (`UTF-8`, `UTF-16LE`, `windows-1252`…); `None` for a
    /// spreadsheet.
    pub encoding: Option<&'static str>,
    /// The delimiter used, detected or chosen; `None` for a spreadsheet.
    pub delimiter: Option<u8>,
    /// A spreadsheet's sheets, in workbook order; empty for text.
    pub sheets: Vec<String>,
    /// The sheet read.
    pub sheet: Option<String>,
}

enum Body<'a> {
    Text { text: Cow<'a, [u8]>, bom: usize },
    Sheet(calamine::Range<calamine::Data>),
}

/// The delimiters a file may use, in the order a tie is decided.
pub(super) const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Decodes `bytes`: an `.xlsx` or `.ods` (a zip) by its sheet `sheet` (the first by default);
/// text as UTF-8 (with or without BOM), UTF-16 with a BOM, or else Windows-1252, split by
/// `delimiter` or the one detected from its first lines. `rows`, for a preview, bounds the
/// rows of an .xlsx sheet read (text is cut by the caller, see `preview_prefix`).
pub(super) fn load<'a>(
    bytes: &'a [u8],
    delimiter: Option<u8>,
    sheet: Option<&str>,
    rows: Option<usize>,
) -> CoreResult<Source<'a>> {
    if bytes.starts_with(b"PK\x03\x04") {
        return load_sheet(bytes, sheet, rows);
    }
    if let Some(delimiter) = delimiter
        && !DELIMITERS.contains(&delimiter)
    {
        return Err(CoreError::invalid(
            "delimiter",
            format!(
                "{:?} is not a delimiter the import reads: choose comma, semicolon, tab or pipe",
                delimiter as char
            ),
        ));
    }
    let (text, bom, encoding): (Cow<'a, [u8]>, usize, &'static str) = if bytes.starts_with(UTF8_BOM)
    {
        let text = &bytes[UTF8_BOM.len()..];
        if let Err(err) = std::str::from_utf8(text) {
            let line = LineCounter::new(text).line_at(err.valid_up_to());
            return Err(CoreError::invalid(
                "file",
                format!(
                    "line {line} is not UTF-8 text although the file says it is; save it \
                         as \"CSV UTF-8\" and import it again"
                ),
            ));
        }
        (Cow::Borrowed(text), UTF8_BOM.len(), "UTF-8")
    } else if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        (
            Cow::Owned(text.into_owned().into_bytes()),
            0,
            encoding.name(),
        )
    } else if std::str::from_utf8(bytes).is_ok() {
        (Cow::Borrowed(bytes), 0, "UTF-8")
    } else {
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
        (
            Cow::Owned(text.into_owned().into_bytes()),
            0,
            encoding_rs::WINDOWS_1252.name(),
        )
    };
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&text));
    Ok(Source {
        body: Body::Text { text, bom },
        encoding: Some(encoding),
        delimiter: Some(delimiter),
        sheets: Vec::new(),
        sheet: None,
    })
}

fn load_sheet<'a>(
    bytes: &'a [u8],
    sheet: Option<&str>,
    rows: Option<usize>,
) -> CoreResult<Source<'a>> {
    use calamine::Reader;
    let unreadable = |err: calamine::Error| {
        CoreError::invalid(
            "file",
            format!("the file cannot be read as an .xlsx or .ods spreadsheet: {err}"),
        )
    };
    let mut book =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let sheets = book.sheet_names();
    let name = match sheet {
        Some(name) if !sheets.iter().any(|s| s == name) => {
            return Err(CoreError::invalid(
                "sheet",
                format!(
                    "the spreadsheet has no sheet {name:?}; its sheets are {}",
                    sheets
                        .iter()
                        .map(|s| format!("{s:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Some(name) => name.to_owned(),
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| CoreError::invalid("file", "the spreadsheet has no sheet"))?,
    };
    let range = match (&mut book, rows) {
        // A preview of a large .xlsx reads its first rows only: the whole sheet takes seconds.
        (calamine::Sheets::Xlsx(xlsx), Some(rows)) => {
            let unreadable = |err| unreadable(calamine::Error::Xlsx(err));
            let mut reader = xlsx.worksheet_cells_reader(&name).map_err(unreadable)?;
            let mut cells = Vec::new();
            let mut first_row = None;
            // The header, the rows, and room for blank rows among them.
            let span = (rows as u32).saturating_mul(2).saturating_add(2);
            while let Some(cell) = reader.next_cell().map_err(unreadable)? {
                let (row, column) = cell.get_position();
                let first = *first_row.get_or_insert(row);
                if row >= first.saturating_add(span) {
                    break;
                }
                let value = calamine::Data::from(cell.get_value().clone());
                cells.push(calamine::Cell::new((row, column), value));
            }
            calamine::Range::from_sparse(cells)
        }
        _ => book.worksheet_range(&name).map_err(unreadable)?,
    };
    Ok(Source {
        body: Body::Sheet(range),
        encoding: None,
        delimiter: None,
        sheets,
        sheet: Some(name),
    })
}

impl Source<'_> {
    /// The rows, the header first.
    pub(super) fn rows(&self) -> Box<dyn Rows + '_> {
        match &self.body {
            Body::Text { text, bom } => {
                Box::new(CsvRows::new(text, *bom, self.delimiter.unwrap_or(b',')))
            }
            Body::Sheet(range) => Box::new(SheetRows::new(range)),
        }
    }
}

/// The delimiter that splits the first lines (quotes respected) into the same number of
/// fields most consistently; a comma when none splits them.
fn detect_delimiter(text: &[u8]) -> u8 {
    const LINES: usize = 50;
    let mut counts = [[0u32; 4]; LINES];
    let mut lines = 0;
    let mut quoted = false;
    for &byte in text {
        if lines == LINES {
            break;
        }
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => lines += 1,
            _ if !quoted => {
                if let Some(which) = DELIMITERS.iter().position(|d| *d == byte) {
                    counts[lines][which] += 1;
                }
            }
            _ => {}
        }
    }
    let lines = &counts[..(lines + 1).min(LINES)];
    let mut best = (0usize, 0u32, b',');
    for (which, delimiter) in DELIMITERS.into_iter().enumerate() {
        let in_header = lines[0][which];
        if in_header == 0 {
            continue;
        }
        // Lines that split as the header does; a last line cut short counts as well.
        let agreeing = lines
            .iter()
            .filter(|line| line[which] == in_header || line.iter().all(|n| *n == 0))
            .count();
        if (agreeing, in_header) > (best.0, best.1) {
            best = (agreeing, in_header, delimiter);
        }
    }
    best.2
}

/// The csv crate's reader with line numbers as a person counts them. The crate's own
/// `Position::line()` lags by one line after a CRLF (it consumes the LF with the next
/// record), so lines are counted here from each record's byte offset instead.
struct CsvRows<'a> {
    /// The decoded text without its BOM; every offset below is into this.
    text: &'a [u8],
    bom: usize,
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    lines: LineCounter<'a>,
    /// Where the previous record's content ended (before its line break).
    prev_end: Option<usize>,
}

impl<'a> CsvRows<'a> {
    fn new(text: &'a [u8], bom: usize, delimiter: u8) -> Self {
        Self {
            text,
            bom,
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(text),
            record: csv::StringRecord::new(),
            lines: LineCounter::new(text),
            prev_end: None,
        }
    }
}

impl Rows for CsvRows<'_> {
    fn next_row(&mut self) -> CoreResult<Option<RowAt>> {
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
        Ok(Some(RowAt { line, blank_before }))
    }

    fn values(&self) -> &csv::StringRecord {
        &self.record
    }

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

    fn bytes_total(&self) -> u64 {
        (self.text.len() + self.bom) as u64
    }
}

/// A sheet's rows; a row's line is its row number in the spreadsheet, and rows with no value
/// are blank lines.
struct SheetRows<'a> {
    rows: calamine::Rows<'a, calamine::Data>,
    /// The sheet row number of the range's first row.
    first: u64,
    next: u64,
    record: csv::StringRecord,
    prev: Option<u64>,
    /// The sheet's cells, for progress (a sheet has no bytes of its own once read).
    cells: u64,
    width: u64,
}

impl<'a> SheetRows<'a> {
    fn new(range: &'a calamine::Range<calamine::Data>) -> Self {
        let first = range.start().map_or(1, |(row, _)| u64::from(row) + 1);
        let (height, width) = range.get_size();
        Self {
            rows: range.rows(),
            first,
            next: first,
            record: csv::StringRecord::new(),
            prev: None,
            cells: (height * width) as u64,
            width: width as u64,
        }
    }
}

/// A cell as a person reads it. Whole numbers come out as their digits, never `7.27e18`; a
/// whole number too large for a spreadsheet to keep exactly (a 19-digit user id typed as a
/// number) comes out in scientific notation, which the rules know as a shortened id.
fn cell_text(cell: &calamine::Data, out: &mut String) {
    use std::fmt::Write;
    out.clear();
    match cell {
        calamine::Data::Empty => {}
        calamine::Data::String(text) => out.push_str(text),
        calamine::Data::Float(number) if number.fract() == 0.0 && number.abs() < 9.0e15 => {
            let _ = write!(out, "{number:.0}");
        }
        calamine::Data::Float(number) if number.fract() == 0.0 => {
            let _ = write!(out, "{number:E}");
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

impl Rows for SheetRows<'_> {
    fn next_row(&mut self) -> CoreResult<Option<RowAt>> {
        let mut text = String::new();
        loop {
            let Some(cells) = self.rows.next() else {
                return Ok(None);
            };
            let line = self.next;
            self.next += 1;
            if cells.iter().all(|c| matches!(c, calamine::Data::Empty)) {
                continue;
            }
            self.record.clear();
            // Trailing empty cells are not values (the range is as wide as its widest row).
            let used = cells
                .iter()
                .rposition(|c| !matches!(c, calamine::Data::Empty))
                .map_or(0, |i| i + 1);
            for cell in &cells[..used] {
                if let calamine::Data::String(value) = cell {
                    self.record.push_field(value);
                } else {
                    cell_text(cell, &mut text);
                    self.record.push_field(&text);
                }
            }
            let blank_before = match self.prev {
                Some(previous) => previous + 1..line,
                None => line..line,
            };
            self.prev = Some(line);
            return Ok(Some(RowAt { line, blank_before }));
        }
    }

    fn values(&self) -> &csv::StringRecord {
        &self.record
    }

    fn trailing_blank_lines(&mut self) -> Range<u64> {
        // A sheet's empty rows at the end are not part of it.
        0..0
    }

    fn bytes_read(&self) -> u64 {
        (self.next - self.first) * self.width
    }

    fn bytes_total(&self) -> u64 {
        self.cells
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
