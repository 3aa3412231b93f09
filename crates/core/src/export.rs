//! Export to CSV: a campaign's outcomes, one row per contact with what happened, and the
//! [`CsvWriter`] every CSV the app writes goes through, so no cell runs as a formula.

use std::io::Write;
use std::path::Path;

use rusqlite::Connection;

use crate::clock;
use crate::error::{CoreError, CoreResult};

pub const HEADER: [&str; 9] = [
    "handle",
    "display_name",
    "state",
    "cant_dm_reason",
    "sent_at",
    "link_opened_at",
    "video_state",
    "review",
    "note",
];

/// Characters that make a spreadsheet read a cell as a formula when they come first: OWASP's
/// CSV-injection list (`=`, `+`, `-`, `@`, tab, carriage return) and the full-width forms of
/// the first four, which some spreadsheets (Excel with an East Asian locale) read the same.
const FORMULA_STARTS: [char; 10] = [
    '=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

/// A cell as it is safe to open in a spreadsheet: one that starts like a formula gets a `'`
/// in front, which spreadsheets show as text and do not run (OWASP's CSV-injection advice);
/// anything else is unchanged. This applies to a negative number such as `-5` too, as OWASP
/// recommends: a number that looks like text is harmless, a formula is not.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A cell as it was before [`neutralise_formula`]: a file the app exported and a person
/// fixed comes back with `'@maya` or `'=1`, which is read as `@maya` or `=1`. Any other cell
/// is unchanged (a `'` before anything that does not start a formula is the person's own).
pub fn restore_neutralised(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// The one way the app writes CSV (RFC 4180, UTF-8): the csv crate's writer, with every
/// cell passed through [`neutralise_formula`] first, so the crate's quoting still applies to
/// what is written. Names, notes and reviews come from TikTok users and reviewers, and an
/// exported `=HYPERLINK(…)` must stay text.
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W) -> Self {
        Self {
            inner: csv::Writer::from_writer(out),
        }
    }

    pub fn write_row<I, T>(&mut self, cells: I) -> CoreResult<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        for cell in cells {
            self.inner
                .write_field(neutralise_formula(cell.as_ref()).as_ref())
                .map_err(anyhow::Error::from)?;
        }
        // An empty record ends the one the fields began: the csv crate's way to write a row
        // cell by cell without collecting it first.
        self.inner
            .write_record(None::<&[u8]>)
            .map_err(anyhow::Error::from)?;
        Ok(())
    }

    /// Flushes and hands back the output.
    pub fn finish(self) -> CoreResult<W> {
        Ok(self
            .inner
            .into_inner()
            .map_err(|e| anyhow::Error::from(e.into_error()))?)
    }
}

/// Writes the campaign's outcomes as CSV (RFC 4180, UTF-8) into `out`, streaming the rows.
pub fn outcomes(conn: &Connection, campaign: i64, out: impl Write) -> CoreResult<usize> {
    let mut writer = CsvWriter::new(out);
    writer.write_row(HEADER)?;
    let mut stmt = conn.prepare(
        "SELECT k.handle, k.display_name, o.state, o.cant_dm_reason, o.sent_at, o.link_opened_at,
                o.video_state, o.review, o.review_note
         FROM outreach o JOIN contacts k ON k.id = o.contact_id
         WHERE o.campaign_id = ?1 ORDER BY o.id",
    )?;
    let mut rows = stmt.query([campaign])?;
    let mut count = 0;
    let time = |ms: Option<i64>| ms.map(clock::to_rfc3339).unwrap_or_default();
    while let Some(row) = rows.next()? {
        let text = |i: usize| -> rusqlite::Result<String> {
            Ok(row.get::<_, Option<String>>(i)?.unwrap_or_default())
        };
        writer.write_row([
            text(0)?,
            text(1)?,
            text(2)?,
            text(3)?,
            time(row.get(4)?),
            time(row.get(5)?),
            text(6)?,
            text(7)?,
            text(8)?,
        ])?;
        count += 1;
    }
    writer.finish()?;
    Ok(count)
}

/// Writes the export to `path` whole or not at all (see [`write_file`]). Returns the number
/// of rows.
pub fn to_file(conn: &Connection, campaign: i64, path: &Path) -> CoreResult<usize> {
    crate::campaigns::get(conn, campaign)?;
    write_file(path, |out| outcomes(conn, campaign, out))
}

/// Writes a file whole or not at all: `write` fills a temporary file beside `path`, which is
/// synced, then renamed over it; on any failure the temporary file is removed. `path` must
/// be a full path into an existing folder. Returns what `write` returned.
pub fn write_file<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> CoreResult<T>,
) -> CoreResult<T> {
    let name = path
        .file_name()
        .filter(|_| path.is_absolute())
        .ok_or_else(|| CoreError::invalid("path", "must be a full path to a file"))?;
    let dir = path.parent().unwrap_or(Path::new("/"));
    if !dir.is_dir() {
        return Err(CoreError::invalid(
            "path",
            format!("the folder {} does not exist", dir.display()),
        ));
    }
    let temp = dir.join(format!(
        ".{}.{}.part",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| -> CoreResult<T> {
        let file = std::fs::File::create(&temp)
            .map_err(|e| CoreError::invalid("path", format!("cannot write there: {e}")))?;
        let mut out = std::io::BufWriter::new(file);
        let value = write(&mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| anyhow::Error::from(e.into_error()))?;
        file.sync_all().map_err(anyhow::Error::from)?;
        std::fs::rename(&temp, path)
            .map_err(|e| CoreError::invalid("path", format!("cannot replace the file: {e}")))?;
        Ok(value)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::{CampaignInput, create};
    use crate::contacts::{ContactInput, insert};
    use crate::queue::{Claim, Outcome, add_to_campaign, claim_next, mark};
    use crate::store::open_in_memory;
    use crate::templates::{Part, Template};

    #[test]
    fn the_export_has_one_row_per_contact_with_its_outcome() {
        let mut conn = open_in_memory().unwrap();
        let template = Template {
            parts: vec![Part::text(["{{link}}"])],
        };
        let campaign = create(&mut conn, &CampaignInput::new("Spring", template)).unwrap();
        let ids: Vec<i64> = ["maya", "jo, \"the runner\""]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                insert(
                    &conn,
                    &ContactInput::parse(&format!("user_{i}"), "", name, "", "").unwrap(),
                    None,
                )
                .unwrap()
            })
            .collect();
        add_to_campaign(&mut conn, campaign.id, &ids).unwrap();
        conn.execute(
            "UPDATE outreach SET link_token = 't' || id, link_url = 'u'",
            [],
        )
        .unwrap();
        let Claim::Item(id) = claim_next(&mut conn, campaign.id, "ana", campaign.pacing).unwrap()
        else {
            panic!()
        };
        mark(&mut conn, id, Outcome::Sent, "ana").unwrap();

        let mut out = Vec::new();
        assert_eq!(outcomes(&conn, campaign.id, &mut out).unwrap(), 2);
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][0], "user_0");
        assert_eq!(&rows[0][2], "sent");
        assert!(
            rows[0][4].ends_with('Z'),
            "sent_at is RFC 3339: {}",
            &rows[0][4]
        );
        assert_eq!(
            &rows[1][1], "jo, \"the runner\"",
            "commas and quotes survive"
        );
        assert_eq!(&rows[1][2], "queued");
    }

    #[test]
    fn cells_starting_like_a_formula_get_a_quote_in_front_as_owasp_advises() {
        for cell in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1:A2)",
            "\tx",
            "\rx",
            "\u{FF1D}1+1",
            "\u{FF0B}1",
            "\u{FF0D}1",
            "\u{FF20}SUM(A1)",
        ] {
            assert_eq!(neutralise_formula(cell), format!("'{cell}"), "{cell:?}");
        }
        assert_eq!(
            neutralise_formula("-5"),
            "'-5",
            "a negative number is neutralised too (OWASP's rule has no exception for it)"
        );
        for cell in [
            "",
            "maya",
            "Zoë",
            "1+1",
            " =1",
            "a=b",
            "'=1",
            "2026-01-01T00:00:00Z",
        ] {
            assert_eq!(neutralise_formula(cell), cell, "{cell:?} is left as it is");
        }
    }

    #[test]
    fn a_neutralised_cell_reads_back_as_it_was() {
        for cell in [
            "=1+1",
            "@maya",
            "-5",
            "+1",
            "\u{FF20}x",
            "maya",
            "",
            "'",
            "'maya",
            "1'",
        ] {
            assert_eq!(
                restore_neutralised(&neutralise_formula(cell)),
                cell,
                "{cell:?}"
            );
        }
        assert_eq!(restore_neutralised("'maya"), "'maya", "not one of ours");
    }

    #[test]
    fn the_writer_neutralises_every_cell_and_still_quotes_them() {
        let mut writer = CsvWriter::new(Vec::new());
        writer.write_row(["=A1,\"x\"", "plain", "-"]).unwrap();
        writer
            .write_row([String::from("@b"), String::new(), "x".into()])
            .unwrap();
        let out = writer.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"'=A1,\"\"x\"\"\",plain,'-\n'@b,,x\n",
            "the quote goes inside the csv quoting, which still escapes commas and quotes"
        );
    }

    #[test]
    fn an_exported_name_or_note_from_a_user_never_runs_as_a_formula() {
        let mut conn = open_in_memory().unwrap();
        let template = Template {
            parts: vec![Part::text(["{{link}}"])],
        };
        let campaign = create(&mut conn, &CampaignInput::new("Spring", template)).unwrap();
        // (display name, review note) as stored: written raw, since the contact rules would
        // trim the tab and the carriage return; a name synced or typed elsewhere need not be.
        let hostile = [
            ("=HYPERLINK(\"http://x\",\"y\")", "+1+1"),
            ("+SUM(1)", "-2"),
            ("-3", "@cmd"),
            ("@SUM(A1)", "\t=1"),
            ("\tname", "\r=1"),
            ("\rname", "=1"),
        ];
        let ids: Vec<i64> = (0..hostile.len())
            .map(|i| {
                let input = ContactInput::parse(&format!("user_{i}"), "", "", "", "").unwrap();
                insert(&conn, &input, None).unwrap()
            })
            .collect();
        add_to_campaign(&mut conn, campaign.id, &ids).unwrap();
        for (id, (name, note)) in ids.iter().zip(hostile) {
            conn.execute(
                "UPDATE contacts SET display_name = ?2 WHERE id = ?1",
                rusqlite::params![id, name],
            )
            .unwrap();
            conn.execute(
                "UPDATE outreach SET review_note = ?2 WHERE contact_id = ?1",
                rusqlite::params![id, note],
            )
            .unwrap();
        }
        // A handle is checked against TikTok's rules and can start with none of these, but a
        // stored one is exported through the same writer.
        conn.execute(
            "UPDATE contacts SET handle = '@user' WHERE id = ?1",
            [ids[0]],
        )
        .unwrap();

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spring.csv");
        assert_eq!(to_file(&conn, campaign.id, &path).unwrap(), hostile.len());
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), hostile.len());
        assert_eq!(&rows[0][0], "'@user");
        assert_eq!(&rows[0][1], "'=HYPERLINK(\"http://x\",\"y\")");
        for (row, (name, note)) in rows.iter().zip(hostile) {
            assert_eq!(
                &row[1],
                format!("'{name}"),
                "display name kept whole after the quote"
            );
            assert_eq!(
                &row[8],
                format!("'{note}"),
                "review note kept whole after the quote"
            );
        }
    }

    #[test]
    fn an_export_to_a_file_is_whole_or_absent() {
        let mut conn = open_in_memory().unwrap();
        let template = Template {
            parts: vec![Part::text(["{{link}}"])],
        };
        let campaign = create(&mut conn, &CampaignInput::new("Spring", template)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spring.csv");
        assert_eq!(to_file(&conn, campaign.id, &path).unwrap(), 0);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("handle,display_name,state"), "{text}");

        let err = to_file(&conn, campaign.id, &dir.path().join("nope/x.csv")).unwrap_err();
        assert!(err.to_string().starts_with("path: the folder"), "{err}");
        let err = to_file(&conn, campaign.id, Path::new("relative.csv")).unwrap_err();
        assert!(err.to_string().starts_with("path:"), "{err}");
        let err = to_file(&conn, campaign.id + 1, &path).unwrap_err();
        assert!(matches!(err, CoreError::NotFound(_)), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }
}
