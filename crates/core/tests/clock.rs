//! The desktop's clock shifted by a file (debug builds of the app, for end-to-end tests): its
//! own process, since the shift is global once set.

use clipdesk_core::clock;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn shift() -> i64 {
    clock::now_ms() - clipdesk_protocol::clock::now_ms()
}

#[test]
fn the_clock_moves_by_the_offset_in_its_file_re_read_at_every_call() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("offset-ms");
    assert!(shift().abs() < 1000, "no file set: real time");
    clock::use_offset_file(&file);
    assert!(shift().abs() < 1000, "a missing file is no shift");
    std::fs::write(&file, (3 * DAY_MS).to_string()).unwrap();
    assert!((shift() - 3 * DAY_MS).abs() < 1000, "three days on");
    std::fs::write(&file, format!("{}\n", 30 * DAY_MS)).unwrap();
    assert!((shift() - 30 * DAY_MS).abs() < 1000, "moved again mid-run");
    std::fs::write(&file, "not a number").unwrap();
    assert!(shift().abs() < 1000, "an unreadable offset is no shift");
}
