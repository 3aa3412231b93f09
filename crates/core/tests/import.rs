//! The shared contact fixtures imported into a real SQLite file, as the desktop does it.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use clipdesk_core::import::{ContactField, ImportOutcome, ImportReport, import, preview};
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
