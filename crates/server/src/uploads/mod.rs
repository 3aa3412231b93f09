//! Resumable uploads (tus 1.0.0), the domain half: an upload's states, its storage, the lock
//! that lets one PATCH at a time append to it, finishing it into a video, recovery after a
//! crash and the sweeper for abandoned uploads. `routes::uploads` only speaks HTTP over this.
//!
//! Invariants: an upload's offset is the length of `uploads/<id>`, which only its one PATCH in
//! flight appends to; a video exists only after its file was complete, fsynced and renamed to
//! `videos/<video id>/original.<ext>`, so nothing half-written ever carries a video's name. The
//! video id is not the upload id: the one appears in media URLs, the other resumes the upload.

pub mod container;
mod finish;
pub mod headers;
pub mod metadata;
mod receive;
mod session;
pub mod storage;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{OptionalExtension, params};

use crate::state::AppState;
pub use finish::{recover, sweep};
pub use session::{NewUpload, create, location, resume, status, terminate};

/// Where an upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// Bytes are still arriving (or all arrived and finishing has not yet succeeded).
    Receiving,
    /// It became a video.
    Complete,
    /// Its bytes were not a video we take, or its link was revoked before it finished.
    Rejected,
}

impl UploadState {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Receiving => "receiving",
            UploadState::Complete => "complete",
            UploadState::Rejected => "rejected",
        }
    }
}

impl FromSql for UploadState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "receiving" => Ok(UploadState::Receiving),
            "complete" => Ok(UploadState::Complete),
            "rejected" => Ok(UploadState::Rejected),
            other => Err(FromSqlError::Other(
                format!("unknown upload state {other:?}").into(),
            )),
        }
    }
}

impl ToSql for UploadState {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

/// An upload row.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub link: String,
    /// The id its video gets; chosen at creation (older rows may lack one until they finish).
    pub video_id: Option<String>,
    pub length: u64,
    pub metadata: String,
    pub filename: Option<String>,
    pub filetype: Option<String>,
    pub consent: Option<String>,
    pub state: UploadState,
    pub reason: Option<String>,
    pub expires_at: i64,
}

const COLUMNS: &str = "id, link, video_id, length, metadata, filename, filetype, consent, \
                       state, reason, expires_at";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Upload> {
    Ok(Upload {
        id: row.get(0)?,
        link: row.get(1)?,
        video_id: row.get(2)?,
        length: row.get(3)?,
        metadata: row.get(4)?,
        filename: row.get(5)?,
        filetype: row.get(6)?,
        consent: row.get(7)?,
        state: row.get(8)?,
        reason: row.get(9)?,
        expires_at: row.get(10)?,
    })
}

pub fn load(conn: &rusqlite::Connection, id: &str) -> rusqlite::Result<Option<Upload>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM uploads WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Every upload still receiving, for start-up recovery.
fn receiving(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<Upload>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM uploads WHERE state = 'receiving'"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

fn insert(conn: &rusqlite::Connection, upload: &Upload, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO uploads (id, link, video_id, length, metadata, filename, filetype, consent,
                              state, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            upload.id,
            upload.link,
            upload.video_id,
            upload.length,
            upload.metadata,
            upload.filename,
            upload.filetype,
            upload.consent,
            upload.state,
            now,
            upload.expires_at
        ],
    )?;
    Ok(())
}

/// Uploads a link may still start: those that became videos and those still in progress
/// count; rejected, terminated, failed-at-creation and expired ones do not.
pub fn uploads_left(
    conn: &rusqlite::Connection,
    token: &str,
    per_link: u32,
    now: i64,
) -> rusqlite::Result<u32> {
    let used: u32 = conn.query_row(
        "SELECT count(*) FROM uploads
         WHERE link = ?1 AND (state = 'complete' OR (state = 'receiving' AND expires_at > ?2))",
        params![token, now],
        |row| row.get(0),
    )?;
    Ok(per_link.saturating_sub(used))
}

/// The exclusive right to append to, finish or delete one upload; released when dropped.
pub struct UploadLock {
    state: AppState,
    id: String,
}

impl UploadLock {
    pub fn try_take(state: &AppState, id: &str) -> Option<Self> {
        let mut busy = state.busy_uploads.lock().ok()?;
        busy.insert(id.to_owned()).then(|| UploadLock {
            state: state.clone(),
            id: id.to_owned(),
        })
    }
}

impl Drop for UploadLock {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.state.busy_uploads.lock() {
            busy.remove(&self.id);
        }
    }
}
