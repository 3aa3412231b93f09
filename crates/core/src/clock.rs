//! Time as the desktop database stores it (Unix milliseconds) and shows it (RFC 3339).
//!
//! `now_ms` is the desktop's "now". Debug builds of the app may shift it by an offset read
//! from a file ([`use_offset_file`], `CLIPDESK_CLOCK_FILE`), so an end-to-end test can make a
//! follow-up due without waiting days; the file is re-read at every call, so the test moves
//! time forward mid-run by rewriting it. Nothing sets it in release builds or in unit tests.

use std::path::PathBuf;
use std::sync::OnceLock;

pub use clipdesk_protocol::clock::{parse_rfc3339, to_rfc3339};

static OFFSET_FILE: OnceLock<PathBuf> = OnceLock::new();

/// Shifts [`now_ms`] by the milliseconds written in `path` (an integer; a missing or
/// unreadable file is no shift). Set once, at start-up; later calls are ignored.
pub fn use_offset_file(path: impl Into<PathBuf>) {
    let _ = OFFSET_FILE.set(path.into());
}

/// The shift currently in force, in milliseconds.
pub fn offset_ms() -> i64 {
    OFFSET_FILE
        .get()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0)
}

/// Now, in Unix milliseconds (shifted when an offset file is in use).
pub fn now_ms() -> i64 {
    clipdesk_protocol::clock::now_ms() + offset_ms()
}
