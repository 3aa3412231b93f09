//! The shared contact fixtures imported into a real SQLite file, as the desktop does it.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use clipdesk_core::import::{
    ContactField, ImportOutcome, ImportReport, import, preview, rejected_to_file,
};
use clipdesk_core::{contacts, store};
use rusqlite::Connection;

const SAMPLE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/contacts-sample.csv"
));
const MESSY: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/contacts-messy.csv"
));

fn database() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = store::open(&dir.path().join("clipdesk.db")).unwrap();
    (dir, conn)
}

fn run(conn: &mut Connection, bytes: &[u8]) -> ImportReport {
    import(conn, bytes, "fixture.csv", &mut |_| {}).unwrap()
}

fn count(conn: &Connection) -> i64 {
    contacts::page(conn, "", 0, 1).unwrap().total
}

#[test]
fn every_sample_contact_imports_with_its_fields_intact() {
    let (_dir, mut conn) = database();
    let report = run(&mut conn, SAMPLE);
    assert_eq!(
        (
            report.imported,
            report.updated,
            report.skipped,
            report.rejected
        ),
        (10, 0, 0, 0),
        "{report:#?}"
    );
    let lines: Vec<u64> = report.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, (2..=11).collect::<Vec<_>>());

    let zoe = contacts::find_by_handle(&conn, "zoe.travels")
        .unwrap()
        .unwrap();
    assert_eq!(zoe.display_name.as_deref(), Some("Zoë Müller"));
    assert_eq!(zoe.user_id, None);
    assert_eq!(zoe.tags, ["travel", "de"]);
    assert_eq!(zoe.notes, "umlaut in name");
    assert_eq!(zoe.source.as_deref(), Some("fixture.csv"));
    let lena = contacts::find_by_handle(&conn, "lena.art_")
        .unwrap()
        .unwrap();
    assert_eq!(lena.display_name.as_deref(), Some("Lena, the painter"));
    let tom = contacts::find_by_handle(&conn, "tom.and.jerry.fan")
        .unwrap()
        .unwrap();
    assert_eq!(tom.display_name.as_deref(), Some("\"Tommy\" T"));
    let kenji = contacts::find_by_user_id(&conn, "7011223344556677889")
        .unwrap()
        .unwrap();
    assert_eq!(kenji.display_name.as_deref(), Some("健二"));
    let noor = contacts::find_by_handle(&conn, "noor.cooks")
        .unwrap()
        .unwrap();
    assert_eq!(noor.display_name, None, "an empty display name stays empty");
    assert_eq!(count(&conn), 10);
}

#[test]
fn importing_the_same_file_twice_changes_nothing_the_second_time() {
    let (_dir, mut conn) = database();
    run(&mut conn, SAMPLE);
    let again = run(&mut conn, SAMPLE);
    assert_eq!(again.skipped, 10, "{again:#?}");
    assert_eq!(count(&conn), 10);
}

#[test]
fn import_reports_every_rejected_row_with_its_line() {
    use ImportOutcome::{Imported, Rejected, Skipped};
    let (_dir, mut conn) = database();
    let report = run(&mut conn, MESSY);
    let rows: Vec<(u64, &str, ImportOutcome, &str)> = report
        .rows
        .iter()
        .map(|r| {
            (
                r.line,
                r.handle.as_str(),
                r.outcome,
                r.reason.as_deref().unwrap_or(""),
            )
        })
        .collect();
    // Line 1 is the header; the quoted name on line 10 runs on to line 11.
    let expected: &[(u64, &str, ImportOutcome, &str)] = &[
        (2, "@maya.bakes", Imported, ""),
        (
            3,
            "MAYA.BAKES",
            Rejected,
            "handle @maya.bakes is a duplicate of line 2",
        ),
        (4, "", Skipped, "blank line"),
        (
            5,
            "@this_handle_is_way_too_long_for_tiktok",
            Rejected,
            "handle is too long: 38 characters, at most 24",
        ),
        (
            6,
            "bad handle!",
            Rejected,
            "handle has a bad character ' ' at position 4: only letters, digits, '_' and '.' are allowed",
        ),
        (7, "ends.with.dot.", Rejected, "handle ends with a dot"),
        (
            8,
            "a",
            Rejected,
            "handle is too short: 1 character(s), at least 2",
        ),
        (
            9,
            "@valid_one",
            Rejected,
            "user id \"notanumber\" is not digits only",
        ),
        (10, "@valid_two", Imported, ""),
        (12, "@valid_three", Imported, ""),
        (13, "", Skipped, "empty row"),
        (
            14,
            "@valid_two",
            Rejected,
            "handle @valid_two is a duplicate of line 10",
        ),
    ];
    assert_eq!(rows, expected);
    assert_eq!(
        (
            report.imported,
            report.updated,
            report.skipped,
            report.rejected
        ),
        (3, 0, 2, 7)
    );
    let fields: Vec<Option<ContactField>> = report
        .rows
        .iter()
        .filter(|r| r.outcome == Rejected)
        .map(|r| r.field)
        .collect();
    assert_eq!(
        fields,
        [
            Some(ContactField::Handle),
            Some(ContactField::Handle),
            Some(ContactField::Handle),
            Some(ContactField::Handle),
            Some(ContactField::Handle),
            Some(ContactField::UserId),
            Some(ContactField::Handle),
        ]
    );

    let mut handles: Vec<String> = contacts::page(&conn, "", 0, 50)
        .unwrap()
        .contacts
        .into_iter()
        .map(|c| c.handle)
        .collect();
    handles.sort();
    assert_eq!(handles, ["maya.bakes", "valid_three", "valid_two"]);
    let two = contacts::find_by_handle(&conn, "valid_two")
        .unwrap()
        .unwrap();
    assert_eq!(two.display_name.as_deref(), Some("Multi\nline name"));
    let three = contacts::find_by_handle(&conn, "valid_three")
        .unwrap()
        .unwrap();
    assert_eq!(three.tags, ["a", "b"]);
}

#[test]
fn the_messy_preview_maps_its_spreadsheet_headers() {
    let preview = preview(MESSY, 3).unwrap();
    let mapped: Vec<(&str, Option<ContactField>)> = preview
        .columns
        .iter()
        .map(|c| (c.header.as_str(), c.field))
        .collect();
    assert_eq!(
        mapped,
        [
            ("Username", Some(ContactField::Handle)),
            ("ID", Some(ContactField::UserId)),
            ("Name", Some(ContactField::DisplayName)),
            ("Tags", Some(ContactField::Tags)),
        ]
    );
    assert!(preview.ignored.is_empty());
    let lines: Vec<u64> = preview.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 5], "the blank line 4 is not a row");
    assert_eq!(
        preview.rows[1].values[0], "MAYA.BAKES",
        "raw, before any rule"
    );
}

#[test]
fn a_database_failure_halfway_leaves_the_contacts_as_they_were() {
    let (_dir, mut conn) = database();
    run(&mut conn, b"handle,name\nkept,Before\nchanged,Before\n");
    // A real constraint failure late in a long file, after thousands of rows went in.
    conn.execute_batch(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON contacts WHEN new.handle = 'user_24000'
         BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;",
    )
    .unwrap();
    let mut csv = String::from("handle,name\nchanged,After\n");
    for i in 0..25_000 {
        csv.push_str(&format!("user_{i},\n"));
    }
    let mut progress = 0;
    let err = import(&mut conn, csv.as_bytes(), "big.csv", &mut |p| {
        progress = p.rows_done
    })
    .unwrap_err();
    assert!(progress >= 20_000, "the failure came late: {progress}");
    assert!(
        format!("{err:#}").contains("database"),
        "reported as a database error: {err:#}"
    );
    assert_eq!(
        count(&conn),
        2,
        "none of the rows before the failure stayed"
    );
    let changed = contacts::find_by_handle(&conn, "changed").unwrap().unwrap();
    assert_eq!(
        changed.display_name.as_deref(),
        Some("Before"),
        "the update was rolled back too"
    );
}

/// The rejected rows as a person opens them: header, then one record per row.
fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

/// Writes `rows` under `headers` as a person saving the fixed file would.
fn write_csv(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(headers).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.into_inner().unwrap()
}

#[test]
fn rejected_rows_export_with_line_and_reason_and_import_again_once_fixed() {
    use ImportOutcome::{Imported, Rejected, Updated};
    let (dir, mut conn) = database();
    let report = run(&mut conn, MESSY);
    let path = dir.path().join("rejected.csv");
    assert_eq!(rejected_to_file(&report, &path).unwrap(), 7);

    let (headers, rows) = read_csv(&path);
    assert_eq!(
        headers,
        ["line", "reason", "Username", "ID", "Name", "Tags"],
        "the file's own headers, without its BOM, after the line and the reason"
    );
    let lines: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(lines, ["3", "5", "6", "7", "8", "9", "14"]);
    for (row, outcome) in rows
        .iter()
        .zip(report.rows.iter().filter(|r| r.outcome == Rejected))
    {
        assert_eq!(Some(row[1].as_str()), outcome.reason.as_deref());
    }
    assert_eq!(rows[0][2..], ["MAYA.BAKES", "", "Maya dup upper", "food"]);
    assert_eq!(
        rows[5][2..],
        ["'@valid_one", "notanumber", "Bad id", ""],
        "a handle's @ would start a formula in a spreadsheet: it stays neutralised"
    );
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@']),
            "no cell may run as a formula: {cell:?}"
        );
    }
    let no_temp: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".part"))
        .collect();
    assert!(no_temp.is_empty(), "{no_temp:?}");

    // The person fixes the user id of line 9 and imports the file as it is otherwise.
    let mut fixed = rows.clone();
    fixed[5][3] = "7300000000000000009".into();
    let again = run(&mut conn, &write_csv(&headers, &fixed));
    let outcomes: Vec<(u64, &str, ImportOutcome)> = again
        .rows
        .iter()
        .map(|r| (r.line, r.handle.as_str(), r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            // Once its first row is stored, a duplicate within the file is an update of it.
            (2, "MAYA.BAKES", Updated),
            (3, "@this_handle_is_way_too_long_for_tiktok", Rejected),
            (4, "bad handle!", Rejected),
            (5, "ends.with.dot.", Rejected),
            (6, "a", Rejected),
            (7, "@valid_one", Imported),
            (8, "@valid_two", Updated),
        ],
        "the neutralised '@valid_one reads as @valid_one; the line and reason columns are ignored"
    );
    let one = contacts::find_by_handle(&conn, "valid_one")
        .unwrap()
        .unwrap();
    assert_eq!(one.user_id.as_deref(), Some("7300000000000000009"));
    assert_eq!(one.display_name.as_deref(), Some("Bad id"));

    // What is still rejected exports again under the same columns, with its new line.
    rejected_to_file(&again, &path).unwrap();
    let (headers, rows) = read_csv(&path);
    assert_eq!(
        headers,
        ["line", "reason", "Username", "ID", "Name", "Tags"]
    );
    let lines: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(lines, ["3", "4", "5", "6"]);
    assert_eq!(rows[0][2], "'@this_handle_is_way_too_long_for_tiktok");
}

#[test]
fn a_formula_in_a_rejected_row_stays_text_through_export_and_reimport() {
    let (dir, mut conn) = database();
    let csv = "handle,name,tags\n\
               bad handle!,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-3\n\
               short,+1,\n\
               x,,\n";
    let report = run(&mut conn, csv.as_bytes());
    assert_eq!((report.imported, report.rejected), (1, 2), "{report:#?}");
    let path = dir.path().join("rejected.csv");
    assert_eq!(rejected_to_file(&report, &path).unwrap(), 2);
    let (headers, rows) = read_csv(&path);
    assert_eq!(headers, ["line", "reason", "handle", "name", "tags"]);
    assert_eq!(
        rows[0][2..],
        ["bad handle!", "'=HYPERLINK(\"http://x\",\"y\")", "'-3"]
    );

    let mut fixed = rows.clone();
    fixed[0][2] = "bad_handle".into();
    let again = run(&mut conn, &write_csv(&headers, &fixed));
    assert_eq!((again.imported, again.rejected), (1, 1), "{again:#?}");
    let stored = contacts::find_by_handle(&conn, "bad_handle")
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.display_name.as_deref(),
        Some("=HYPERLINK(\"http://x\",\"y\")"),
        "stored as the first file had it; every export neutralises it again"
    );
    assert_eq!(stored.tags, ["-3"]);

    rejected_to_file(&again, &path).unwrap();
    let (_, rows) = read_csv(&path);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][2], "x");
}

#[test]
fn a_user_id_excel_shortened_keeps_the_contact_without_it_and_says_why() {
    use ImportOutcome::{Imported, Skipped};
    let (_dir, mut conn) = database();
    run(&mut conn, b"handle,user_id\njo,7263710000000000001\n");
    let report = run(
        &mut conn,
        b"handle,user_id,name\nmaya,7.26371E+18,Maya\nzoe,\"7,26371E+18\",Zoe\njo,7.26371E+18,\n",
    );
    let rows: Vec<(u64, ImportOutcome, Option<&str>)> = report
        .rows
        .iter()
        .map(|r| (r.line, r.outcome, r.warning.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                2,
                Imported,
                Some("user id 7.26371E+18 looks like a number Excel shortened; kept without it")
            ),
            (
                3,
                Imported,
                Some("user id 7,26371E+18 looks like a number Excel shortened; kept without it")
            ),
            (
                4,
                Skipped,
                Some("user id 7.26371E+18 looks like a number Excel shortened; kept without it")
            ),
        ]
    );
    let maya = contacts::find_by_handle(&conn, "maya").unwrap().unwrap();
    assert_eq!(maya.user_id, None, "no id rather than a wrong one");
    assert_eq!(maya.display_name.as_deref(), Some("Maya"));
    let jo = contacts::find_by_handle(&conn, "jo").unwrap().unwrap();
    assert_eq!(
        jo.user_id.as_deref(),
        Some("7263710000000000001"),
        "a stored id is kept, not blanked"
    );
    assert_eq!(report.rejected, 0);
    assert!(
        report.rows.iter().all(|r| r.values.is_empty()),
        "only rejected rows carry their values"
    );
}

/// The importer fed anything at all: it never panics, a file it cannot read is refused with
/// the reason (and the line, when a line is at fault), and every row of a file it can read is
/// reported by its line with a reason for whatever was not imported.
mod properties {
    use clipdesk_core::CoreError;
    use clipdesk_core::import::RowOutcome;
    use proptest::prelude::*;
    use proptest::sample::{Index, select};

    use super::*;

    const CASES: u32 = 256;

    /// The file split into lines as a person counts them (CRLF, LF and a lone CR each end
    /// one), with the line breaks removed.
    fn lines_of(bytes: &[u8]) -> Vec<&[u8]> {
        let mut lines = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    lines.push(&bytes[start..i]);
                    start = i + 1;
                }
                b'\r' => {
                    lines.push(&bytes[start..i]);
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        lines.push(&bytes[start..]);
        lines
    }

    /// Checks everything the operator is promised about one import into `conn`, and returns
    /// its report (`None` when the file was refused).
    fn check_import(
        conn: &mut Connection,
        bytes: &[u8],
    ) -> Result<Option<ImportReport>, TestCaseError> {
        let before = count(conn);
        let result = import(conn, bytes, "prop.csv", &mut |_| {});
        let previewed = preview(bytes, usize::MAX);
        let last_line = lines_of(bytes).len() as u64;
        let report = match result {
            Err(err) => {
                let CoreError::Invalid { field, reason } = &err else {
                    return Err(TestCaseError::fail(format!(
                        "a file is refused as invalid, not {err:?}"
                    )));
                };
                prop_assert_eq!(field, "file");
                let known = [
                    "the file is empty",
                    "no handle column among the headers",
                    "the file cannot be read as CSV",
                ];
                if let Some(rest) = reason.strip_prefix("line ") {
                    let line: usize = rest
                        .split(' ')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .ok_or_else(|| TestCaseError::fail(format!("no line in {reason:?}")))?;
                    prop_assert!(reason.contains("is not UTF-8"), "{}", reason);
                    // The line named is the first one that is not UTF-8.
                    let lines = lines_of(bytes);
                    prop_assert!((1..=lines.len()).contains(&line), "{}", reason);
                    prop_assert!(std::str::from_utf8(lines[line - 1]).is_err(), "{}", reason);
                    prop_assert!(
                        lines[..line - 1]
                            .iter()
                            .all(|l| std::str::from_utf8(l).is_ok())
                    );
                } else {
                    prop_assert!(
                        known.iter().any(|k| reason.starts_with(k)),
                        "an unexpected refusal: {}",
                        reason
                    );
                }
                // The preview refuses the file as the import does, or, when only the handle
                // column is missing, shows it with the same problem for the operator to fix.
                let previewed = match previewed {
                    Err(e) => Some(e.to_string()),
                    Ok(shown) => shown.problem,
                };
                prop_assert_eq!(
                    previewed,
                    Some(err.to_string()),
                    "the preview names the problem the import refuses the file for"
                );
                prop_assert_eq!(count(conn), before, "a refused file changes nothing");
                return Ok(None);
            }
            Ok(report) => report,
        };

        let mut previous = 1;
        for row in &report.rows {
            prop_assert!(
                row.line > previous && row.line <= last_line,
                "rows come in file order after the header, within the file's {} lines: {:?}",
                last_line,
                row
            );
            previous = row.line;
            let reason = row.reason.as_deref().unwrap_or("");
            match row.outcome {
                ImportOutcome::Imported => {
                    prop_assert!(row.reason.is_none() && row.field.is_none(), "{:?}", row)
                }
                ImportOutcome::Updated => prop_assert!(reason.starts_with("changed "), "{:?}", row),
                ImportOutcome::Skipped => prop_assert!(!reason.is_empty(), "{:?}", row),
                ImportOutcome::Rejected => {
                    prop_assert!(row.field.is_some() && !reason.is_empty(), "{:?}", row)
                }
            }
        }
        let tally = |outcome| report.rows.iter().filter(|r| r.outcome == outcome).count() as u64;
        prop_assert_eq!(
            (
                report.imported,
                report.updated,
                report.skipped,
                report.rejected
            ),
            (
                tally(ImportOutcome::Imported),
                tally(ImportOutcome::Updated),
                tally(ImportOutcome::Skipped),
                tally(ImportOutcome::Rejected)
            )
        );
        prop_assert_eq!(count(conn), before + report.imported as i64);

        // The preview shows the same rows on the same lines, blank lines aside.
        let previewed = previewed.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let shown: Vec<u64> = previewed.rows.iter().map(|r| r.line).collect();
        let rows: Vec<u64> = report
            .rows
            .iter()
            .filter(|r| r.reason.as_deref() != Some("blank line"))
            .map(|r| r.line)
            .collect();
        prop_assert_eq!(shown, rows);
        Ok(Some(report))
    }

    /// A second import of the same file changes nothing: what it imported is now stored
    /// with the same details, every other row meets the same fate for the same reason.
    fn check_again(
        conn: &mut Connection,
        bytes: &[u8],
        first: &ImportReport,
    ) -> Result<(), TestCaseError> {
        let again = check_import(conn, bytes)?
            .ok_or_else(|| TestCaseError::fail("a file read once is read again"))?;
        prop_assert_eq!((again.imported, again.updated), (0, 0));
        let expected: Vec<RowOutcome> = first
            .rows
            .iter()
            .map(|row| match row.outcome {
                ImportOutcome::Imported => RowOutcome {
                    outcome: ImportOutcome::Skipped,
                    reason: Some("already stored with the same details".into()),
                    ..row.clone()
                },
                _ => row.clone(),
            })
            .collect();
        prop_assert_eq!(again.rows, expected);
        Ok(())
    }

    fn text(options: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
        select(options).prop_map(|s| s.as_bytes().to_vec())
    }

    /// One CSV cell: mostly values a contacts file holds (from small pools, so handles and
    /// user ids repeat), some broken ones, and some of anything.
    fn cell() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => text(&["maya", "@Maya", "MAYA", "jo_2", "zed.z", "lena.art_", "@ana", "a",
                        "bad handle!", "ends.", "@@x", "  padded  "]),
            2 => text(&["1", "2", "3", "12x", "", " ", "0099"]),
            3 => text(&["\"Lena, the painter\"", "\"say \"\"hi\"\"\"", "\"multi\r\nline\"",
                        "\"multi\nline\"", "\"unclosed", "a\"b", "\0", "nul\0inside",
                        "\u{feff}bom", "=1+1", "#tag; other|x", "Zoë", "健二", "\t", ","]),
            1 => "(?s).{0,12}".prop_map(String::into_bytes),
        ]
    }

    /// A whole CSV-shaped file: an optional BOM, a header (usually with a handle column),
    /// rows of any length (none: a blank line), each line ended by LF, CRLF or a lone CR,
    /// and now and then a few raw bytes (likely not UTF-8) somewhere.
    fn csv_file() -> impl Strategy<Value = Vec<u8>> {
        let header = (
            prop::option::weighted(
                0.9,
                select(&["handle", "Username", "@", " TikTok ", "\u{feff}handle"][..]),
            ),
            prop::collection::vec(
                select(
                    &[
                        "user_id",
                        "ID",
                        "name",
                        "Display Name",
                        "tags",
                        "notes",
                        "colour",
                        "",
                        "handle",
                    ][..],
                ),
                0..5,
            ),
            any::<Index>(),
        )
            .prop_map(|(handle, mut others, at)| {
                if let Some(handle) = handle {
                    others.insert(at.index(others.len() + 1), handle);
                }
                others.join(",").into_bytes()
            });
        let ending = || text(&["\n", "\r\n", "\r"]);
        (
            any::<bool>(),
            header,
            ending(),
            prop::collection::vec((prop::collection::vec(cell(), 0..6), ending()), 0..10),
            any::<bool>(),
            prop::option::weighted(
                0.15,
                (any::<Index>(), prop::collection::vec(any::<u8>(), 1..4)),
            ),
        )
            .prop_map(|(bom, header, end, rows, last_break, raw)| {
                let mut file = Vec::new();
                if bom {
                    file.extend_from_slice(b"\xEF\xBB\xBF");
                }
                file.extend(header);
                file.extend(end);
                for (i, (cells, end)) in rows.iter().enumerate() {
                    file.extend(cells.join(&b","[..]));
                    if last_break || i + 1 < rows.len() {
                        file.extend(end);
                    }
                }
                if let Some((at, bytes)) = raw {
                    let at = at.index(file.len() + 1);
                    file.splice(at..at, bytes);
                }
                file
            })
    }

    /// A well-formed contacts file over small pools of handles, user ids and names, so that
    /// two of them overlap: updates, renamed accounts, conflicts, duplicates.
    fn contacts_file() -> impl Strategy<Value = Vec<u8>> {
        let row = (
            text(&["maya", "@Maya", "jo_2", "zed.z", "ana", "a", ""]),
            text(&["", "", "1", "2", "3", "4x"]),
            text(&["", "Maya", "Jo", "\"Zed, Z\""]),
            text(&["", "baker", "\"a, b\""]),
            text(&["", "met at expo"]),
        )
            .prop_map(|(handle, user_id, name, tags, notes)| {
                [handle, user_id, name, tags, notes].join(&b","[..])
            });
        (
            text(&["", "\u{feff}"]),
            text(&["\n", "\r\n", "\r"]),
            prop::collection::vec(row, 0..12),
        )
            .prop_map(|(bom, end, rows)| {
                let mut file = [bom, b"handle,user_id,name,tags,notes".to_vec()].concat();
                for row in rows {
                    file.extend_from_slice(&end);
                    file.extend(row);
                }
                file
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(CASES))]

        #[test]
        fn any_bytes_are_imported_or_refused_naming_the_problem(
            start in text(&["", "handle\n", "\u{feff}Username,ID,Name,Tags,Notes\r\n"]),
            rest in prop_oneof![
                prop::collection::vec(any::<u8>(), 0..400),
                // Text, so that more files get past the UTF-8 check: any characters, and
                // ASCII, where commas, quotes, NULs and line breaks are frequent.
                "(?s).{0,200}".prop_map(String::into_bytes),
                "[\\x00-\\x7f]{0,400}".prop_map(String::into_bytes),
            ],
        ) {
            let bytes = [start, rest].concat();
            let mut conn = store::open_in_memory().unwrap();
            if let Some(first) = check_import(&mut conn, &bytes)? {
                check_again(&mut conn, &bytes, &first)?;
            }
        }

        #[test]
        fn any_csv_shaped_file_reports_every_row_by_its_line(bytes in csv_file()) {
            let mut conn = store::open_in_memory().unwrap();
            if let Some(first) = check_import(&mut conn, &bytes)? {
                check_again(&mut conn, &bytes, &first)?;
            }
        }

        #[test]
        fn a_file_over_stored_contacts_updates_them_or_names_the_conflict(
            first in contacts_file(),
            second in contacts_file(),
        ) {
            let mut conn = store::open_in_memory().unwrap();
            check_import(&mut conn, &first)?;
            let report = check_import(&mut conn, &second)?
                .ok_or_else(|| TestCaseError::fail("a contacts file is read"))?;
            for row in &report.rows {
                let reason = row.reason.as_deref().unwrap_or("");
                if reason.starts_with("conflict") {
                    prop_assert_eq!(row.field, Some(ContactField::UserId), "{:?}", row);
                    prop_assert!(reason.contains(" user id "), "{:?}", row);
                }
            }
        }
    }
}
