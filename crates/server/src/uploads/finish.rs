//! Turning an upload whose bytes are all here into a video (or a rejection), idempotently:
//! any HEAD or PATCH at the end, the sweeper and start-up recovery may run it again after a
//! failure half way, and each run picks up where the last one stopped.
//!
//! The steps, each safe to repeat: (1) the upload has a video id (chosen at creation); (2) the
//! file is fsynced, its container checked, and renamed to `videos/<video id>/original.<ext>`;
//! (3) one IMMEDIATE transaction records the video, its media job, review and `video_received`
//! (or the rejection and `video_rejected`); (4) a rejected upload's bytes are deleted.
//!
//! With a bucket (`storage = "s3://…"`), between (2) and (3) the original is put to the bucket
//! and checked there (size by HEAD, sha256 by the bucket on every request); after (3) the local
//! copy is removed. A crash before (3) leaves the upload receiving with its local file (the
//! re-run puts it again, or finds it there); after (3) the row points at a checked object, and
//! the re-run (or start-up) removes the local copy left behind.

use std::fs::File;
use std::path::Path;

use clipdesk_protocol::api::EventKind;
use rusqlite::{OptionalExtension, params};

use super::container::{self, Container};
use super::storage::{self, find_original, part_path, received, remove_quietly, sync_dir};
use super::{Upload, UploadLock, UploadState, load};
use crate::clock;
use crate::domain::UploadId;
use crate::error::ApiError;
use crate::events::{NewEvent, Tx};
use crate::links;
use crate::state::AppState;

/// What became of a finished upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted {
        video_id: String,
    },
    /// Not a video we take; the reason is stored with the upload.
    Rejected(String),
    /// The link was revoked, its campaign expired, or the person declined before the last
    /// byte arrived.
    LinkClosed(Closed),
}

/// Why a link took no more uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Revoked,
    Expired,
    Declined,
}

impl Closed {
    /// What the upload's row records as its reason.
    fn reason(self) -> &'static str {
        match self {
            Closed::Revoked => "the link was revoked before the upload finished",
            Closed::Expired => "the link expired before the upload finished",
            Closed::Declined => "the person declined before the upload finished",
        }
    }

    /// The error the uploader's last PATCH gets.
    pub fn error(self) -> ApiError {
        match self {
            Closed::Revoked => ApiError::LinkRevoked,
            Closed::Expired => ApiError::LinkExpired,
            Closed::Declined => ApiError::LinkDeclined,
        }
    }
}

/// What the file-system step found.
enum Checked {
    /// In `videos/<video id>/`, synced.
    Moved { container: Container, size: u64 },
    /// Still in `uploads/`, to be deleted once the rejection is recorded.
    NotAVideo(String),
}

/// Finishes an upload whose bytes are all here. Call with its [`UploadLock`] held.
pub async fn finish(state: &AppState, upload: Upload) -> Result<Outcome, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || finish_blocking(&state, upload))
        .await
        .map_err(|err| anyhow::anyhow!("finishing task failed: {err}"))?
}

fn finish_blocking(state: &AppState, upload: Upload) -> Result<Outcome, ApiError> {
    match upload.state {
        UploadState::Complete => {
            let video_id = upload.video_id.unwrap_or(upload.id);
            release_local_copy(state, &video_id);
            return Ok(Outcome::Accepted { video_id });
        }
        UploadState::Rejected => {
            return Ok(Outcome::Rejected(upload.reason.unwrap_or_default()));
        }
        UploadState::Receiving => {}
    }
    let video_id = match &upload.video_id {
        Some(id) => id.clone(),
        None => assign_video_id(state, &upload.id)?,
    };
    let uploads_dir = state.config.uploads_dir();
    let videos_dir = state.config.videos_dir();
    let checked = check_and_move(&uploads_dir, &videos_dir, &upload, &video_id)?;
    let mut put_sha256 = None;
    if let (Some(store), Checked::Moved { container, size }) = (&state.objects, &checked) {
        let local = storage::original_path(&videos_dir, &video_id, *container);
        let key = store.key_for(&video_id, &format!("original.{}", container.extension()));
        // On the runtime's workers, not this blocking thread: the part buffers are then
        // allocated in their few malloc arenas, not in one more arena per finishing thread
        // (200 uploads finishing at once kept 268 MB that way, bench/run).
        let (store, size) = (store.clone(), *size);
        put_sha256 = block_on(async move {
            tokio::spawn(async move { store_original(&store, &key, &local, size).await })
                .await
                .map_err(|err| anyhow::anyhow!("storing task failed: {err}"))?
        })?;
    }
    let outcome = state
        .feed
        .transact_blocking(|tx| record_in(tx, &upload, &video_id, &checked))?;
    if let (Outcome::Accepted { .. }, Some(sha256)) = (&outcome, put_sha256) {
        // The bucket put read the file whole already: exports need not wait for the media job.
        let conn = state.db().lock()?;
        conn.execute(
            "UPDATE videos SET sha256 = ?2 WHERE id = ?1 AND sha256 IS NULL",
            params![video_id, sha256],
        )?;
    }
    if matches!(outcome, Outcome::Rejected(_) | Outcome::LinkClosed(_)) {
        // Recorded first, deleted second: a crash in between leaves a file recovery removes.
        remove_quietly(&part_path(&uploads_dir, &upload.id))
            .and_then(|()| remove_quietly(&storage::video_dir(&videos_dir, &video_id)))
            .map_err(|e| ApiError::storage(e, "deleting a rejected upload"))?;
        if let Some(store) = &state.objects {
            block_on(store.delete_prefix(&video_id))?;
        }
    } else {
        release_local_copy(state, &video_id);
    }
    Ok(outcome)
}

/// Runs an object-storage step from the finishing thread (a blocking-pool thread, which may
/// wait on the runtime).
fn block_on<T>(step: impl std::future::Future<Output = anyhow::Result<T>>) -> Result<T, ApiError> {
    Ok(tokio::runtime::Handle::current().block_on(step)?)
}

/// Puts the local original to the bucket, unless an earlier run already did: objects are
/// written whole or not at all, so one of the same size under this key is that put. Returns
/// the sha256 the put computed (None when skipped).
async fn store_original(
    store: &crate::objects::MediaStore,
    key: &str,
    local: &Path,
    size: u64,
) -> anyhow::Result<Option<String>> {
    if store.head(key).await? == Some(size) {
        return Ok(None);
    }
    let report = store.put_file(key, local).await?;
    if report.size != size {
        anyhow::bail!("{key}: stored {} bytes of {size}", report.size);
    }
    tracing::info!(%key, size, sha256 = %report.sha256_hex, "original stored in the bucket");
    Ok(Some(report.sha256_hex))
}

/// With a bucket, once the video row exists: the local copy the bucket now holds is removed.
/// A failure only leaves a file behind (served from disk, removed by the next re-run).
fn release_local_copy(state: &AppState, video_id: &str) {
    let Some(store) = &state.objects else {
        return;
    };
    let videos_dir = state.config.videos_dir();
    let released = tokio::runtime::Handle::current().block_on(storage::release_local_copies(
        store,
        &videos_dir,
        video_id,
    ));
    if let Err(err) = released {
        tracing::warn!(video = %video_id, error = %err, "could not remove the local copy of a stored original");
    }
}

/// Rows from before video ids existed get one the first time they finish.
fn assign_video_id(state: &AppState, upload_id: &str) -> Result<String, ApiError> {
    let video_id = UploadId::generate().as_str().to_owned();
    let conn = state.db().lock()?;
    conn.execute(
        "UPDATE uploads SET video_id = coalesce(video_id, ?2) WHERE id = ?1",
        params![upload_id, video_id],
    )?;
    Ok(conn.query_row(
        "SELECT video_id FROM uploads WHERE id = ?1",
        [upload_id],
        |row| row.get(0),
    )?)
}

/// The file-system step: fsync, check the container, and move into `videos/`; or find it
/// already moved by an earlier run whose database step failed.
fn check_and_move(
    uploads_dir: &Path,
    videos_dir: &Path,
    upload: &Upload,
    video_id: &str,
) -> Result<Checked, ApiError> {
    let part = part_path(uploads_dir, &upload.id);
    let mut file = match File::open(&part) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            if let Some((container, size)) = find_original(videos_dir, video_id) {
                return Ok(Checked::Moved { container, size });
            }
            // Moved by a server from before video ids, into a folder named after the upload.
            let (container, size) = find_original(videos_dir, &upload.id).ok_or_else(|| {
                ApiError::NotFound("this upload lost its bytes; start it again".into())
            })?;
            std::fs::rename(
                storage::video_dir(videos_dir, &upload.id),
                storage::video_dir(videos_dir, video_id),
            )
            .map_err(|e| ApiError::storage(e, "renaming a video folder"))?;
            sync_dir(videos_dir)?;
            return Ok(Checked::Moved { container, size });
        }
        Err(err) => return Err(ApiError::storage(err, "opening the upload")),
    };
    let size = file
        .metadata()
        .map_err(|e| ApiError::storage(e, "reading the upload's size"))?
        .len();
    if size != upload.length {
        return Err(ApiError::Conflict(format!(
            "this upload has {size} of its {} bytes",
            upload.length
        )));
    }
    // Durable before anyone is told a video arrived.
    file.sync_all()
        .map_err(|e| ApiError::storage(e, "syncing the upload to disk"))?;
    let container = match container::identify(&mut file, size) {
        Ok(container) => container,
        Err(reason) => return Ok(Checked::NotAVideo(reason)),
    };
    drop(file);
    let dir = storage::video_dir(videos_dir, video_id);
    std::fs::create_dir_all(&dir).map_err(|e| ApiError::storage(e, "creating the video folder"))?;
    std::fs::rename(
        &part,
        storage::original_path(videos_dir, video_id, container),
    )
    .map_err(|e| ApiError::storage(e, "moving the upload into videos/"))?;
    sync_dir(&dir)?;
    sync_dir(uploads_dir)?;
    Ok(Checked::Moved { container, size })
}

/// The database step, in one transaction with its event; a second run after success reports
/// what the first one decided.
fn record_in(
    tx: &mut Tx<'_>,
    upload: &Upload,
    video_id: &str,
    checked: &Checked,
) -> Result<Outcome, ApiError> {
    let current: Option<(UploadState, Option<String>)> = tx
        .query_row(
            "SELECT state, reason FROM uploads WHERE id = ?1",
            [&upload.id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match current {
        None => return Err(ApiError::NotFound("this upload was deleted".into())),
        Some((UploadState::Complete, _)) => {
            return Ok(Outcome::Accepted {
                video_id: video_id.to_owned(),
            });
        }
        Some((UploadState::Rejected, reason)) => {
            return Ok(Outcome::Rejected(reason.unwrap_or_default()));
        }
        Some((UploadState::Receiving, _)) => {}
    }
    let (campaign, handle): (String, String) = tx.query_row(
        "SELECT campaign, handle FROM links WHERE token = ?1",
        [&upload.link],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    // A link revoked, expired or declined while the bytes were on their way takes no video.
    let refused = match links::usable(tx, &upload.link) {
        Ok(_) => None,
        Err(ApiError::LinkRevoked) => Some(Closed::Revoked),
        Err(ApiError::LinkExpired) => Some(Closed::Expired),
        Err(ApiError::LinkDeclined) => Some(Closed::Declined),
        Err(err) => return Err(err),
    };
    let now = clock::now_ms();
    let refusal = match (checked, refused) {
        (_, Some(closed)) => Err((Outcome::LinkClosed(closed), closed.reason().to_owned())),
        (Checked::NotAVideo(reason), None) => {
            Err((Outcome::Rejected(reason.clone()), reason.clone()))
        }
        (Checked::Moved { container, size }, None) => Ok((*container, *size)),
    };
    let (container, size) = match refusal {
        Err((outcome, reason)) => {
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
            return Ok(outcome);
        }
        Ok(found) => found,
    };
    tx.execute(
        "UPDATE uploads SET state = 'complete', video_id = ?2, finished_at = ?3 WHERE id = ?1",
        params![upload.id, video_id, now],
    )?;
    tx.execute(
        "INSERT INTO videos (id, link, campaign, handle, size, container, filename,
                             filetype, consent, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            video_id,
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
        params![video_id, now],
    )?;
    tx.execute(
        "INSERT INTO reviews (video_id, decision, version, updated_at)
         VALUES (?1, 'pending', 0, ?2)",
        params![video_id, now],
    )?;
    tx.append(
        EventKind::VideoReceived,
        NewEvent {
            campaign: Some(&campaign),
            handle: Some(&handle),
            link: Some(&upload.link),
            upload_id: Some(&upload.id),
            video_id: Some(video_id),
            detail: Some(serde_json::json!({
                "size": size,
                "container": container.name(),
                "filename": upload.filename,
                "filetype": upload.filetype,
            })),
        },
    )?;
    Ok(Outcome::Accepted {
        video_id: video_id.to_owned(),
    })
}

/// Bytes of a receiving upload on the server: its part file's length, or all of them when an
/// earlier finishing run already moved it into `videos/`; `None` when its bytes are lost.
pub(super) fn bytes_here(state: &AppState, upload: &Upload) -> Option<u64> {
    received(&state.config.uploads_dir(), &upload.id).or_else(|| {
        let videos_dir = state.config.videos_dir();
        upload
            .video_id
            .as_deref()
            .and_then(|v| find_original(&videos_dir, v))
            .or_else(|| find_original(&videos_dir, &upload.id))
            .map(|_| upload.length)
    })
}

/// Start-up repair, before any request is served:
/// - an upload whose bytes are all here but was never finished is finished now;
/// - an upload that lost its file is forgotten (its client starts again);
/// - files and folders the database does not know are removed, but only ones named like our
///   ids; anything else in the data folder is logged and left alone.
pub fn recover(state: &AppState) -> anyhow::Result<()> {
    let uploads_dir = state.config.uploads_dir();
    let videos_dir = state.config.videos_dir();
    let receiving = super::receiving(&*state.db().lock()?)?;
    for upload in receiving {
        match bytes_here(state, &upload) {
            Some(here) if here >= upload.length => {
                tracing::info!(upload = %upload.id, "finishing an upload interrupted by a restart");
                let id = upload.id.clone();
                // One upload that cannot be finished now must not keep the server down; its
                // client's HEAD or the sweeper tries again.
                if let Err(err) = finish_blocking(state, upload) {
                    tracing::error!(upload = %id, error = %err, "could not finish an upload at start-up");
                }
            }
            Some(_) => {} // still resumable: the client HEADs and goes on
            None => {
                tracing::warn!(upload = %upload.id, "upload lost its file; it can be retried");
                state
                    .db()
                    .lock()?
                    .execute("DELETE FROM uploads WHERE id = ?1", [&upload.id])?;
            }
        }
    }
    for entry in std::fs::read_dir(&videos_dir)? {
        let entry = entry?;
        let Some(name) = own_name(&entry, true) else {
            continue;
        };
        // A folder without a video or an upload: a forget or rejection whose file deletion a
        // crash cut short.
        let owned = knows(
            state,
            "SELECT 1 FROM videos WHERE id = ?1
             UNION ALL SELECT 1 FROM uploads WHERE id = ?1 OR video_id = ?1",
            &name,
        )?;
        if !owned {
            tracing::warn!(folder = %name, "removing a video folder without a video");
            remove_quietly(&entry.path())?;
        } else if state.objects.is_some()
            && !entry.path().join("rendition.mp4").exists()
            && knows(state, "SELECT 1 FROM videos WHERE id = ?1", &name)?
        {
            // A stored original whose local copy a crash kept (a folder with a rendition is
            // one not migrated yet, left to `storage migrate`).
            release_local_copy(state, &name);
        }
    }
    for entry in std::fs::read_dir(&uploads_dir)? {
        let entry = entry?;
        let Some(name) = own_name(&entry, false) else {
            continue;
        };
        let receiving = knows(
            state,
            "SELECT 1 FROM uploads WHERE id = ?1 AND state = 'receiving'",
            &name,
        )?;
        if !receiving {
            tracing::warn!(file = %name, "removing an upload file without an upload in progress");
            remove_quietly(&entry.path())?;
        }
    }
    Ok(())
}

/// Whether `sql` (with the name as ?1) finds a row.
fn knows(state: &AppState, sql: &str, name: &str) -> anyhow::Result<bool> {
    let conn = state.db().lock()?;
    Ok(conn
        .query_row(sql, [name], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The entry's name when it is ours to manage: named like an id, and a folder in `videos/`
/// (`want_dir`) or a file in `uploads/`. Anything else is logged and skipped.
fn own_name(entry: &std::fs::DirEntry, want_dir: bool) -> Option<String> {
    let name = entry.file_name().to_string_lossy().into_owned();
    let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
    if UploadId::parse(&name).is_none() || is_dir != want_dir {
        tracing::warn!(path = %entry.path().display(), "not clipdesk's; left alone");
        return None;
    }
    Some(name)
}

/// Expired unfinished uploads: finished when every byte is in fact here (a finishing step
/// that kept failing), otherwise deleted with their files. Skips any with a request in flight.
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
        let Some(_lock) = UploadLock::try_take(state, &id) else {
            continue;
        };
        let lookup = id.clone();
        let Some(upload) = state
            .db()
            .call(move |conn| Ok(load(conn, &lookup)?))
            .await?
        else {
            continue;
        };
        if upload.state != UploadState::Receiving {
            continue;
        }
        if bytes_here(state, &upload).is_some_and(|here| here >= upload.length) {
            if let Err(err) = finish(state, upload).await {
                tracing::error!(upload = %id, error = %err, "could not finish an expired upload");
            }
            continue;
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
        storage::remove_quietly_async(
            part_path(&state.config.uploads_dir(), &id),
            "deleting an expired upload",
        )
        .await?;
        tracing::info!(upload = %id, "deleted an expired unfinished upload");
        removed += 1;
    }
    Ok(removed)
}
