//! The shapes operators' lists really come in (profile links, header names from the wild,
//! other delimiters and encodings, spreadsheets, a pasted list), each from a fixture file in
//! tests/fixtures/import/ (made once by make-fixtures.py there) imported into real SQLite.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use clipdesk_core::import::{
    ColumnChoice, ContactField, ImportOptions, ImportOutcome, ImportReport, import_pasted,
    import_with, pasted_entries, preview_with,
};
use clipdesk_core::{contacts, store};
use rusqlite::Connection;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn database() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = store::open(&dir.path().join("clipdesk.db")).unwrap();
    (dir, conn)
}

fn run(conn: &mut Connection, name: &str, options: &ImportOptions) -> ImportReport {
    import_with(conn, &fixture(name), name, options, &mut |_| {}).unwrap()
}

fn outcomes(report: &ImportReport) -> Vec<(u64, ImportOutcome, String)> {
    report
        .rows
        .iter()
        .map(|r| (r.line, r.outcome, r.reason.clone().unwrap_or_default()))
        .collect()
}

fn display_name(conn: &Connection, handle: &str) -> Option<String> {
    contacts::find_by_handle(conn, handle)
        .unwrap()
        .unwrap_or_else(|| panic!("@{handle} was not imported"))
        .display_name
}

fn user_id(conn: &Connection, handle: &str) -> Option<String> {
    contacts::find_by_handle(conn, handle)
        .unwrap()
        .unwrap_or_else(|| panic!("@{handle} was not imported"))
        .user_id
}

#[test]
fn handles_come_out_of_profile_and_video_links_and_links_without_one_are_named() {
    use ImportOutcome::{Imported, Rejected};
    let (_dir, mut conn) = database();
    let report = run(&mut conn, "profile-links.csv", &ImportOptions::default());
    let rows = outcomes(&report);
    let kinds: Vec<(u64, ImportOutcome)> = rows.iter().map(|(l, o, _)| (*l, *o)).collect();
    assert_eq!(
        kinds,
        [
            (2, Imported),
            (3, Imported),
            (4, Imported),
            (5, Imported),
            (6, Imported),
            (7, Imported),
            (8, Imported),
            (9, Rejected),
            (10, Rejected),
            (11, Rejected),
            (12, Rejected),
        ],
        "{rows:#?}"
    );
    for handle in [
        "maya.bakes",
        "jo_cooks",
        "lena.art_",
        "noor.cooks",
        "sam.runs",
        "kenji_eats",
        "zoe.travels",
    ] {
        assert!(display_name(&conn, handle).is_some(), "{handle}");
    }
    assert!(
        rows[7]
            .2
            .contains("\"https://vm.tiktok.com/ZMhvqR2Ab/\" is a TikTok short link"),
        "{}",
        rows[7].2
    );
    assert!(rows[8].2.contains("without an @handle"), "{}", rows[8].2);
    assert!(rows[9].2.contains("is not a TikTok link"), "{}", rows[9].2);
    assert!(
        rows[10].2.contains("handle has a bad character '!'"),
        "the handle's own rules still apply: {}",
        rows[10].2
    );
    assert_eq!(
        report.rows[7].handle, "https://vm.tiktok.com/ZMhvqR2Ab/",
        "the report shows the value as typed"
    );
}

#[test]
fn a_semicolon_separated_windows_1252_file_shows_its_names_decoded() {
    let bytes = fixture("semicolon-windows-1252.csv");
    let shown = preview_with(&bytes, 10, &ImportOptions::default()).unwrap();
    assert_eq!(shown.encoding.as_deref(), Some("windows-1252"));
    assert_eq!(shown.delimiter.as_deref(), Some(";"));
    let fields: Vec<(&str, Option<ContactField>)> = shown
        .columns
        .iter()
        .map(|c| (c.header.as_str(), c.field))
        .collect();
    assert_eq!(
        fields,
        [
            ("TikTok URL", Some(ContactField::Handle)),
            ("Creator name", None),
            ("Tags", Some(ContactField::Tags)),
            ("Notizen", None),
        ]
    );
    assert_eq!(shown.rows[0].values[1], "Zoë Müller");
    assert_eq!(shown.rows[1].values[3], "café crème €5");

    // The operator maps "Creator name" to the display name and the notes column to notes.
    let options = ImportOptions {
        mapping: vec![
            ColumnChoice {
                index: 1,
                field: Some(ContactField::DisplayName),
            },
            ColumnChoice {
                index: 3,
                field: Some(ContactField::Notes),
            },
        ],
        ..ImportOptions::default()
    };
    let (_dir, mut conn) = database();
    let report = run(&mut conn, "semicolon-windows-1252.csv", &options);
    assert_eq!(report.imported, 3, "{report:#?}");
    assert_eq!(
        display_name(&conn, "zoe.mueller").as_deref(),
        Some("Zoë Müller")
    );
    assert_eq!(
        display_name(&conn, "senor.pena").as_deref(),
        Some("Señor Peña")
    );
    let francois = contacts::find_by_handle(&conn, "francois.cuisine")
        .unwrap()
        .unwrap();
    assert_eq!(francois.notes, "café crème €5");
    let zoe = contacts::find_by_handle(&conn, "zoe.mueller")
        .unwrap()
        .unwrap();
    assert_eq!(zoe.tags, ["travel", "de"]);
}

#[test]
fn a_spreadsheets_unicode_text_in_utf16_either_way_round_imports_tab_separated() {
    for (name, encoding) in [
        ("unicode-text-utf16le.txt", "UTF-16LE"),
        ("unicode-text-utf16be.txt", "UTF-16BE"),
    ] {
        let shown = preview_with(&fixture(name), 10, &ImportOptions::default()).unwrap();
        assert_eq!(shown.encoding.as_deref(), Some(encoding), "{name}");
        assert_eq!(shown.delimiter.as_deref(), Some("\t"), "{name}");
        assert_eq!(shown.columns[0].header, "Username", "no BOM in it: {name}");
        let (_dir, mut conn) = database();
        let report = run(&mut conn, name, &ImportOptions::default());
        assert_eq!(report.imported, 2, "{name}: {report:#?}");
        assert_eq!(display_name(&conn, "kenji_eats").as_deref(), Some("健二"));
        assert_eq!(
            user_id(&conn, "kenji_eats").as_deref(),
            Some("7011223344556677889")
        );
        assert_eq!(display_name(&conn, "zoe.travels").as_deref(), Some("Zoë"));
    }
}

#[test]
fn a_pipe_separated_file_with_profile_link_and_account_id_headers_imports() {
    let (_dir, mut conn) = database();
    let shown = preview_with(&fixture("pipe.csv"), 10, &ImportOptions::default()).unwrap();
    assert_eq!(shown.delimiter.as_deref(), Some("|"));
    let report = run(&mut conn, "pipe.csv", &ImportOptions::default());
    assert_eq!(report.imported, 2, "{report:#?}");
    assert_eq!(
        display_name(&conn, "pipe.two").as_deref(),
        Some("Pipe, Two")
    );
    // "Account ID" is the user id, not the handle, though "Account" alone is a handle.
    assert_eq!(
        user_id(&conn, "pipe.one").as_deref(),
        Some("7011223344556677001")
    );
    // Read with the wrong delimiter, chosen by hand: one column, and no handle header.
    let comma = ImportOptions {
        delimiter: Some(",".into()),
        ..ImportOptions::default()
    };
    let shown = preview_with(&fixture("pipe.csv"), 10, &comma).unwrap();
    assert_eq!(shown.columns.len(), 1);
    let problem = shown.problem.unwrap_or_default();
    assert!(problem.contains("no handle column"), "{problem}");
}

#[test]
fn header_names_from_the_wild_map_to_the_handle() {
    for header in [
        "TikTok",
        "TikTok URL",
        "TikTok handle",
        "Profile",
        "Profile link",
        "Profile URL",
        "Username",
        "User name",
        "Creator",
        "Account",
        "Handle",
        " tiktok_url ",
        "PROFILE-LINK:",
        "Profile (URL)",
    ] {
        let csv = format!("{header},Name\nmaya,Maya\n");
        let shown = preview_with(csv.as_bytes(), 5, &ImportOptions::default()).unwrap();
        assert_eq!(
            shown.columns[0].field,
            Some(ContactField::Handle),
            "{header}"
        );
        assert_eq!(
            shown.columns[1].field,
            Some(ContactField::DisplayName),
            "{header}"
        );
    }
}

/// Both spreadsheet formats hold the same two sheets (make-fixtures.py).
fn spreadsheet_imports(name: &str) {
    let bytes = fixture(name);
    let shown = preview_with(&bytes, 10, &ImportOptions::default()).unwrap();
    assert_eq!(shown.sheets, ["Creators", "Later"], "{name}");
    assert_eq!(shown.problem, None);
    assert_eq!(
        shown.sheet.as_deref(),
        Some("Creators"),
        "the first by default"
    );
    assert_eq!(
        (shown.encoding.as_deref(), shown.delimiter.as_deref()),
        (None, None)
    );
    let fields: Vec<Option<ContactField>> = shown.columns.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [
            Some(ContactField::Handle),
            Some(ContactField::UserId),
            Some(ContactField::DisplayName),
            Some(ContactField::Tags)
        ]
    );
    assert_eq!(
        shown.rows[0].values[1], "7277192393706324999",
        "{name}: an id typed as text keeps every digit"
    );
    assert_eq!(
        shown.rows[1].values[1], "123456",
        "{name}: a whole number has no .0"
    );
    let lines: Vec<u64> = shown.rows.iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        [2, 3, 5],
        "{name}: spreadsheet row numbers, the empty row 4 left out"
    );

    let (_dir, mut conn) = database();
    let report = run(&mut conn, name, &ImportOptions::default());
    let kinds: Vec<(u64, ImportOutcome)> =
        report.rows.iter().map(|r| (r.line, r.outcome)).collect();
    use ImportOutcome::{Imported, Skipped};
    assert_eq!(
        kinds,
        [(2, Imported), (3, Imported), (4, Skipped), (5, Imported)],
        "{name}: {report:#?}"
    );
    assert_eq!(
        user_id(&conn, "maya.bakes").as_deref(),
        Some("7277192393706324999")
    );
    assert_eq!(user_id(&conn, "jo_cooks").as_deref(), Some("123456"));
    // A 19-digit id saved as a number lost its last digits in the spreadsheet itself: the
    // contact is kept without a wrong id, and the report says why.
    assert_eq!(user_id(&conn, "lena.art_"), None, "{name}");
    let lena = report.rows.iter().find(|r| r.line == 5).unwrap();
    assert!(
        lena.warning
            .as_deref()
            .unwrap_or_default()
            .contains("looks like a number Excel shortened"),
        "{name}: {lena:?}"
    );
    let maya = contacts::find_by_handle(&conn, "maya.bakes")
        .unwrap()
        .unwrap();
    assert_eq!(maya.tags, ["food", "baking"]);

    // The second sheet, chosen by name.
    let later = ImportOptions {
        sheet: Some("Later".into()),
        ..ImportOptions::default()
    };
    let report = run(&mut conn, name, &later);
    assert_eq!(report.imported, 1, "{name}");
    assert!(
        contacts::find_by_handle(&conn, "second.sheet")
            .unwrap()
            .is_some()
    );
    let missing = ImportOptions {
        sheet: Some("Nope".into()),
        ..ImportOptions::default()
    };
    let err = preview_with(&bytes, 10, &missing).unwrap_err();
    assert!(
        err.to_string()
            .contains("no sheet \"Nope\"; its sheets are \"Creators\", \"Later\""),
        "{err}"
    );
}

#[test]
fn an_xlsx_imports_its_first_sheet_with_ids_as_typed() {
    spreadsheet_imports("creators.xlsx");
}

#[test]
fn an_ods_imports_its_first_sheet_with_ids_as_typed() {
    spreadsheet_imports("creators.ods");
}

#[test]
fn a_damaged_spreadsheet_is_refused_naming_the_format() {
    let mut bytes = fixture("creators.xlsx");
    bytes.truncate(bytes.len() / 2);
    let err = preview_with(&bytes, 10, &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains(".xlsx or .ods"), "{err}");
}

#[test]
fn a_pasted_list_of_links_and_handles_imports_like_a_one_column_file() {
    use ImportOutcome::{Imported, Rejected};
    let text = String::from_utf8(fixture("pasted.txt")).unwrap();
    assert_eq!(pasted_entries(&text).len(), 5);
    let (_dir, mut conn) = database();
    let report = import_pasted(&mut conn, &text, "pasted", &mut |_| {}).unwrap();
    let kinds: Vec<(u64, ImportOutcome)> =
        report.rows.iter().map(|r| (r.line, r.outcome)).collect();
    assert_eq!(
        kinds,
        [
            (1, Imported),
            (2, Imported),
            (3, Imported),
            (4, Imported),
            (5, Rejected)
        ]
    );
    for handle in ["paste.one", "paste.two", "paste.three", "paste.four"] {
        let stored = contacts::find_by_handle(&conn, handle).unwrap().unwrap();
        assert_eq!(stored.source.as_deref(), Some("pasted"));
    }
}
