//! Reading: a file's bytes into rows of text values, each with the line a person would count
//! in the file. A new source format (another delimiter or encoding, a spreadsheet) is a new
//! [`Rows`]; the header mapping and the rules after it do not change.

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
}

/// The reader for `bytes`. Every file is comma-separated UTF-8 today; this is where a
/// format would be chosen.
pub(super) fn open(bytes: &[u8]) -> CoreResult<impl Rows + '_> {
    CsvRows::new(bytes)
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
