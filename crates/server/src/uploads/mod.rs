//! Resumable uploads (tus 1.0.0): the bytes on disk, the checks when an upload completes,
//! recovery after a crash and the sweeper for abandoned uploads.
//!
//! Invariants: an upload's offset is the length of `uploads/<id>`, which only its one PATCH
//! in flight appends to; a video exists only after its file was complete, fsynced and renamed
//! to `videos/<id>/original.<ext>`, so nothing half-written ever carries a video's name.

pub mod container;
pub mod metadata;
mod receive;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use clipdesk_protocol::api::EventKind;
use rusqlite::{OptionalExtension, params};

use crate::clock;
use crate::error::ApiError;
use crate::events::{Feed, NewEvent, Tx};
use crate::state::AppState;
pub use receive::{Checksum, Received, receive};

use self::container::{Container, SNIFF_LEN};

/// An upload row as the tus handlers need it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub link: String,
    pub length: u64,
    pub metadata: String,
    pub filename: Option<String>,
    pub filetype: Option<String>,
    pub consent: Option<String>,
    pub state: String,
    pub reason: Option<String>,
    pub expires_at: i64,
}

pub fn load(conn: &rusqlite::Connection, id: &str) -> rusqlite::Result<Option<Upload>> {
    conn.query_row(
        "SELECT id, link, length, metadata, filename, filetype, consent, state, reason, expires_at
         FROM uploads WHERE id = ?1",
        [id],
        |row| {
            Ok(Upload {
                id: row.get(0)?,
                link: row.get(1)?,
                length: row.get(2)?,
                metadata: row.get(3)?,
                filename: row.get(4)?,
                filetype: row.get(5)?,
                consent: row.get(6)?,
                state: row.get(7)?,
                reason: row.get(8)?,
                expires_at: row.get(9)?,
            })
        },
    )
    .optional()
}

pub fn part_path(uploads_dir: &Path, id: &str) -> PathBuf {
    uploads_dir.join(id)
}

pub fn video_dir(videos_dir: &Path, id: &str) -> PathBuf {
    videos_dir.join(id)
}

/// Bytes received so far: the part file's length (0 when it is gone).
pub fn offset(uploads_dir: &Path, id: &str) -> u64 {
    std::fs::metadata(part_path(uploads_dir, id)).map_or(0, |m| m.len())
}

/// What became of a complete upload.
#[derive(Debug)]
pub enum Outcome {
    Accepted,
    Rejected(String),
}

/// Checks a complete upload and turns it into a video or a rejection. Called with the
/// upload's PATCH lock held (or at start-up, before any request).
pub async fn finish(state: &AppState, upload: Upload) -> Result<Outcome, ApiError> {
    let uploads_dir = state.config.uploads_dir();
    let videos_dir = state.config.videos_dir();
    let id = upload.id.clone();
    let checked =
        tokio::task::spawn_blocking(move || check_and_move(&uploads_dir, &videos_dir, &id))
            .await
            .map_err(|err| anyhow::anyhow!("finishing task failed: {err}"))??;
    record(&state.feed, upload, checked).await
}

/// The file-system half of finishing: fsync, sniff, and either move into `videos/` or delete.
fn check_and_move(
    uploads_dir: &Path,
    videos_dir: &Path,
    id: &str,
) -> Result<Result<(Container, u64), String>, ApiError> {
    let part = part_path(uploads_dir, id);
    let mut file = File::open(&part).map_err(|e| ApiError::storage(e, "opening the upload"))?;
    // Durable before anyone is told a video arrived.
    file.sync_all()
        .map_err(|e| ApiError::storage(e, "syncing the upload to disk"))?;
    let size = file
        .metadata()
        .map_err(|e| ApiError::storage(e, "reading the upload's size"))?
        .len();
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut file)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| ApiError::storage(e, "reading the upload"))?;
    match container::sniff(&head) {
        Err(reason) => {
            std::fs::remove_file(&part)
                .map_err(|e| ApiError::storage(e, "deleting a rejected upload"))?;
            Ok(Err(reason))
        }
        Ok(container) => {
            let dir = video_dir(videos_dir, id);
            std::fs::create_dir_all(&dir)
                .map_err(|e| ApiError::storage(e, "creating the video folder"))?;
            let original = dir.join(format!("original.{}", container.extension()));
            std::fs::rename(&part, &original)
                .map_err(|e| ApiError::storage(e, "moving the upload into videos/"))?;
            sync_dir(&dir)?;
            sync_dir(uploads_dir)?;
            Ok(Ok((container, size)))
        }
    }
}

fn sync_dir(dir: &Path) -> Result<(), ApiError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ApiError::storage(e, "syncing a folder"))
}

/// The database half of finishing, in one transaction with its event.
async fn record(
    feed: &Feed,
    upload: Upload,
    checked: Result<(Container, u64), String>,
) -> Result<Outcome, ApiError> {
    feed.transact(move |tx| record_in(tx, &upload, checked))
        .await
}

fn record_in(
    tx: &mut Tx<'_>,
    upload: &Upload,
    checked: Result<(Container, u64), String>,
) -> Result<Outcome, ApiError> {
    let (campaign, handle): (String, String) = tx.query_row(
        "SELECT campaign, handle FROM links WHERE token = ?1",
        [&upload.link],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let now = clock::now_ms();
    match checked {
        Err(reason) => {
            tx.execute(
                "UPDATE uploads SET state = 'rejected', reason = ?2, finished_at = ?3 WHERE id = ?1",
                params![upload.id, reason, now],
            )?;
            tx.append(
                EventKind::VideoRejected,
                NewEvent {
                    campaign: Some(&campaign),
                    handle: Some(&handle),
                    link: Some(&upload.link),
                    upload_id: Some(&upload.id),
                    detail: Some(serde_json::json!({
                        "reason": reason,
                        "filename": upload.filename,
                        "size": upload.length,
                    })),
                    ..NewEvent::default()
                },
            )?;
            Ok(Outcome::Rejected(reason))
        }
        Ok((container, size)) => {
            tx.execute(
                "UPDATE uploads SET state = 'complete', finished_at = ?2 WHERE id = ?1",
                params![upload.id, now],
            )?;
            tx.execute(
                "INSERT INTO videos (id, link, campaign, handle, size, container, filename,
                                     filetype, consent, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    upload.id,
                    upload.link,
                    campaign,
                    handle,
                    size,
                    container.name(),
                    upload.filename,
                    upload.filetype,
                    upload.consent,
                    now
                ],
            )?;
            // The media job is queued with the video, so a crash cannot leave one without it.
            tx.execute(
                "INSERT INTO media_jobs (video_id, state, created_at, updated_at)
                 VALUES (?1, 'queued', ?2, ?2)",
                params![upload.id, now],
            )?;
            tx.execute(
                "INSERT INTO reviews (video_id, decision, version, updated_at)
                 VALUES (?1, 'pending', 0, ?2)",
                params![upload.id, now],
            )?;
            tx.append(
                EventKind::VideoReceived,
                NewEvent {
                    campaign: Some(&campaign),
                    handle: Some(&handle),
                    link: Some(&upload.link),
                    upload_id: Some(&upload.id),
                    video_id: Some(&upload.id),
                    detail: Some(serde_json::json!({
                        "size": size,
                        "container": container.name(),
                        "filename": upload.filename,
                        "filetype": upload.filetype,
                    })),
                },
            )?;
            Ok(Outcome::Accepted)
        }
    }
}

/// Start-up repair after a crash, before any request is served:
/// - a complete part file whose upload was never finished is finished now;
/// - a part file already moved into `videos/` whose row was not updated is recorded;
/// - part files without a row (the crash came between creating the file and the row) go.
pub fn recover(state: &AppState) -> anyhow::Result<()> {
    let uploads_dir = state.config.uploads_dir();
    let videos_dir = state.config.videos_dir();
    let receiving: Vec<Upload> = {
        let conn = state.db().lock()?;
        let mut stmt = conn.prepare("SELECT id FROM uploads WHERE state = 'receiving'")?;
        let ids = stmt
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        ids.iter()
            .filter_map(|id| load(&conn, id).transpose())
            .collect::<rusqlite::Result<_>>()?
    };
    let mut known = std::collections::HashSet::new();
    for upload in receiving {
        known.insert(upload.id.clone());
        let part = part_path(&uploads_dir, &upload.id);
        let moved = find_original(&video_dir(&videos_dir, &upload.id));
        let checked = if part.exists() {
            if offset(&uploads_dir, &upload.id) < upload.length {
                continue; // still resumable: the client HEADs and goes on
            }
            check_and_move(&uploads_dir, &videos_dir, &upload.id)?
        } else if let Some((container, size)) = moved {
            Ok((container, size))
        } else {
            tracing::warn!(upload = %upload.id, "upload lost its file; it can be retried");
            state
                .db()
                .lock()?
                .execute("DELETE FROM uploads WHERE id = ?1", [&upload.id])?;
            continue;
        };
        tracing::info!(upload = %upload.id, "finishing an upload interrupted by a restart");
        state
            .feed
            .transact_blocking(|tx| record_in(tx, &upload, checked))?;
    }
    // Video folders without a video or an upload row: a forget whose file deletion a crash cut short.
    for entry in std::fs::read_dir(&videos_dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let owned: bool = state
            .db()
            .lock()?
            .query_row(
                "SELECT 1 FROM videos WHERE id = ?1 UNION ALL SELECT 1 FROM uploads WHERE id = ?1",
                [&name],
                |_| Ok(true),
            )
            .optional()?
            .unwrap_or(false);
        if !owned {
            tracing::warn!(folder = %name, "removing a video folder without a video");
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    for entry in std::fs::read_dir(&uploads_dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !known.contains(&name) {
            let exists: bool = state
                .db()
                .lock()?
                .query_row("SELECT 1 FROM uploads WHERE id = ?1", [&name], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            if !exists {
                tracing::warn!(file = %name, "removing an upload file without an upload");
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

fn find_original(dir: &Path) -> Option<(Container, u64)> {
    [
        Container::Webm,
        Container::Matroska,
        Container::Mp4,
        Container::QuickTime,
    ]
    .into_iter()
    .find_map(|c| {
        let path = dir.join(format!("original.{}", c.extension()));
        std::fs::metadata(path).ok().map(|m| (c, m.len()))
    })
}

/// Deletes uploads that expired unfinished, with their files; skips any with a PATCH in flight.
pub async fn sweep(state: &AppState) -> Result<usize, ApiError> {
    let now = clock::now_ms();
    let expired: Vec<String> = state
        .db()
        .call(move |conn| {
            let mut stmt = conn
                .prepare("SELECT id FROM uploads WHERE state = 'receiving' AND expires_at <= ?1")?;
            let ids = stmt
                .query_map([now], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(ids)
        })
        .await?;
    let mut removed = 0;
    for id in expired {
        let Some(_lock) = crate::routes::uploads::UploadLock::try_take(state, &id) else {
            continue;
        };
        let part = part_path(&state.config.uploads_dir(), &id);
        match tokio::fs::remove_file(&part).await {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(ApiError::storage(err, "deleting an expired upload")),
        }
        let id_for_db = id.clone();
        state
            .db()
            .call(move |conn| {
                conn.execute(
                    "DELETE FROM uploads WHERE id = ?1 AND state = 'receiving'",
                    [id_for_db],
                )?;
                Ok(())
            })
            .await?;
        tracing::info!(upload = %id, "deleted an expired unfinished upload");
        removed += 1;
    }
    Ok(removed)
}
