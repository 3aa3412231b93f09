//! An upload's life as tus drives it: create, append (and finish), ask where it stands,
//! terminate. Each step takes the upload's lock, checks the link behind it, and either
//! changes nothing or leaves a state the next request (or recovery) can carry on from.

use std::fs::{File, OpenOptions};

use axum::body::Body;
use clipdesk_protocol::api::EventKind;

use super::finish::{Outcome, bytes_here, finish};
use super::receive::{Checksum, Received, receive};
use super::storage::{self, part_path, remove_quietly_async};
use super::{Upload, UploadLock, UploadState, insert, load, uploads_left};
use crate::clock;
use crate::domain::{LinkToken, UploadId};
use crate::error::ApiError;
use crate::events::NewEvent;
use crate::links;
use crate::state::AppState;

/// What a creation request asks for, already parsed.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub link: LinkToken,
    pub length: u64,
    /// `Upload-Metadata` as sent (kept for the record; HEAD echoes it without the token).
    pub metadata: String,
    pub filename: Option<String>,
    pub filetype: Option<String>,
    pub consent: Option<String>,
}

/// Where an upload stands, as HEAD reports it.
#[derive(Debug, Clone)]
pub struct Status {
    pub offset: u64,
    pub length: u64,
    pub metadata: String,
    pub expires_at: i64,
}

/// Creates an upload on a usable link with uploads left: its empty file first, then its row
/// (a crash in between leaves a file recovery removes, never a row without a file). With
/// `body`, the bytes follow at once (creation-with-upload); if they fail, the upload is
/// removed again, since its client never learnt where it was.
pub async fn create(
    state: &AppState,
    new: NewUpload,
    body: Option<(Body, Option<Checksum>)>,
) -> Result<(Upload, u64), ApiError> {
    let id = UploadId::generate();
    let part = part_path(&state.config.uploads_dir(), id.as_str());
    let file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&part)
        .map_err(|e| ApiError::storage(e, "creating the upload file"))?;
    let upload = Upload {
        id: id.as_str().to_owned(),
        link: new.link.as_str().to_owned(),
        video_id: Some(UploadId::generate().as_str().to_owned()),
        length: new.length,
        metadata: new.metadata,
        filename: new.filename,
        filetype: new.filetype,
        consent: new.consent,
        state: UploadState::Receiving,
        reason: None,
        expires_at: clock::now_ms()
            + i64::try_from(state.config.upload_expiry.as_millis()).unwrap_or(i64::MAX / 2),
    };
    let per_link = state.config.uploads_per_link;
    let row = upload.clone();
    let created = state
        .feed
        .transact(move |tx| {
            let link = links::usable(tx, &row.link)?;
            let now = clock::now_ms();
            if uploads_left(tx, &row.link, per_link, now)? == 0 {
                return Err(ApiError::LimitReached(format!(
                    "this link has used all of its {per_link} uploads"
                )));
            }
            insert(tx, &row, now)?;
            tx.append(
                EventKind::UploadStarted,
                NewEvent {
                    campaign: Some(&link.campaign),
                    handle: Some(&link.handle),
                    link: Some(&link.token),
                    upload_id: Some(&row.id),
                    detail: Some(serde_json::json!({
                        "length": row.length,
                        "filename": row.filename,
                        "filetype": row.filetype,
                    })),
                    ..NewEvent::default()
                },
            )?;
            Ok(())
        })
        .await;
    if let Err(err) = created {
        drop(file);
        remove_quietly_async(part, "removing a refused upload").await?;
        return Err(err);
    }
    let Some((body, checksum)) = body else {
        if upload.length == 0 {
            // Nothing to wait for: an empty upload finishes (and is refused as empty) now.
            let lock = take(state, &upload.id)?;
            return appended(state, lock, upload, file, 0, None, Body::empty()).await;
        }
        return Ok((upload, 0));
    };
    let lock = take(state, &upload.id)?;
    match appended(state, lock, upload.clone(), file, 0, checksum, body).await {
        Ok(done) => Ok(done),
        // A refused video is recorded as such; it does not count against the link.
        Err(
            err @ (ApiError::NotAVideo(_)
            | ApiError::LinkRevoked
            | ApiError::LinkExpired
            | ApiError::LinkDeclined),
        ) => Err(err),
        Err(err) => {
            discard(state, &upload).await?;
            Err(err)
        }
    }
}

/// Removes an upload whose creation failed half way: its row (if still receiving) and files.
async fn discard(state: &AppState, upload: &Upload) -> Result<(), ApiError> {
    let _lock = take(state, &upload.id)?;
    let id = upload.id.clone();
    let removed = state
        .db()
        .call(move |conn| {
            Ok(conn.execute(
                "DELETE FROM uploads WHERE id = ?1 AND state = 'receiving'",
                [id],
            )?)
        })
        .await?;
    if removed > 0 {
        remove_quietly_async(
            part_path(&state.config.uploads_dir(), &upload.id),
            "removing a failed upload",
        )
        .await?;
        if let Some(video_id) = &upload.video_id {
            // With a bucket, a finishing step that failed after its put left an object too.
            storage::delete_video_files(
                &state.config,
                state.objects.as_ref(),
                video_id,
                "removing a failed upload",
            )
            .await?;
        }
    }
    Ok(())
}

fn take(state: &AppState, id: &str) -> Result<UploadLock, ApiError> {
    UploadLock::try_take(state, id).ok_or_else(|| {
        ApiError::Locked("another request is writing to this upload; retry when it ends".into())
    })
}

/// An upload that can still be answered about: not unknown, refused, or expired unfinished.
async fn find(state: &AppState, id: &str) -> Result<Upload, ApiError> {
    let not_found = || ApiError::NotFound("no such upload".into());
    let id = UploadId::parse(id).ok_or_else(not_found)?;
    let upload = state
        .db()
        .call(move |conn| Ok(load(conn, id.as_str())?))
        .await?
        .ok_or_else(not_found)?;
    match upload.state {
        UploadState::Rejected => Err(ApiError::NotFound(format!(
            "this upload was refused: {}",
            upload.reason.as_deref().unwrap_or("not a video")
        ))),
        UploadState::Receiving if upload.expires_at <= clock::now_ms() => {
            Err(ApiError::NotFound("this upload expired unfinished".into()))
        }
        _ => Ok(upload),
    }
}

/// The link behind an upload must still be usable for every byte it sends.
async fn check_link(state: &AppState, upload: &Upload) -> Result<(), ApiError> {
    let token = upload.link.clone();
    state
        .db()
        .call(move |conn| links::usable(conn, &token).map(drop))
        .await
}

/// Where an upload stands. An upload whose bytes are all here is finished first, so
/// "complete" is only ever reported once its video is recorded.
pub async fn status(state: &AppState, id: &str) -> Result<Status, ApiError> {
    let upload = find(state, id).await?;
    let offset = match upload.state {
        UploadState::Complete => upload.length,
        _ => match bytes_here(state, &upload) {
            None => {
                return Err(ApiError::NotFound(
                    "this upload lost its bytes; start it again".into(),
                ));
            }
            Some(here) if here < upload.length => here,
            Some(_) => {
                let lock = UploadLock::try_take(state, &upload.id).ok_or_else(|| {
                    ApiError::Locked("this upload is being finished; retry in a moment".into())
                })?;
                // Read again under the lock: a PATCH may have finished it in between.
                finished(state, lock, find(state, id).await?).await?;
                upload.length
            }
        },
    };
    Ok(Status {
        offset,
        length: upload.length,
        metadata: super::headers::public_metadata(&upload.metadata),
        expires_at: upload.expires_at,
    })
}

/// Appends a PATCH body at `claimed`, finishing the upload if that completes it. A PATCH at
/// the end with an empty body finishes an upload whose earlier finishing failed.
pub async fn resume(
    state: &AppState,
    id: &str,
    claimed: u64,
    checksum: Option<Checksum>,
    body: Body,
) -> Result<(u64, i64), ApiError> {
    let lock = take(state, id)?;
    let upload = find(state, id).await?;
    check_link(state, &upload).await?;
    if upload.state == UploadState::Complete {
        return if claimed == upload.length {
            Ok((upload.length, upload.expires_at))
        } else {
            Err(ApiError::Conflict("this upload is already complete".into()))
        };
    }
    let part = part_path(&state.config.uploads_dir(), &upload.id);
    let file = match OpenOptions::new().append(true).open(&part) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            // Moved into videos/ by a finishing run that failed after the move.
            if claimed == upload.length && bytes_here(state, &upload) == Some(upload.length) {
                let expires = upload.expires_at;
                finished(state, lock, upload).await?;
                return Ok((claimed, expires));
            }
            return Err(ApiError::NotFound(
                "this upload lost its bytes; start it again".into(),
            ));
        }
        Err(err) => return Err(ApiError::storage(err, "opening the upload file")),
    };
    let current = file
        .metadata()
        .map_err(|e| ApiError::storage(e, "reading the upload's size"))?
        .len();
    if claimed != current {
        return Err(ApiError::Conflict(format!(
            "Upload-Offset {claimed} does not match the upload's offset {current}; HEAD it and resume"
        )));
    }
    let expires = upload.expires_at;
    let (_, offset) = appended(state, lock, upload, file, current, checksum, body).await?;
    Ok((offset, expires))
}

/// Writes a body at `start`, then finishes the upload if that completed it.
async fn appended(
    state: &AppState,
    lock: UploadLock,
    upload: Upload,
    file: File,
    start: u64,
    checksum: Option<Checksum>,
    body: Body,
) -> Result<(Upload, u64), ApiError> {
    let remaining = upload.length - start;
    let verify = checksum.is_some();
    let handle = file
        .try_clone()
        .map_err(|e| ApiError::storage(e, "opening the upload file"))?;
    let received = receive(
        body,
        file,
        remaining,
        checksum,
        state.config.body_idle_timeout,
    )
    .await?;
    let written = received.written();
    let rollback = |why: &str| -> Result<(), ApiError> {
        handle.set_len(start).map_err(|e| ApiError::storage(e, why))
    };
    match received {
        Received::Complete { .. } => {}
        Received::ChecksumMismatch { .. } => {
            rollback("discarding a body whose checksum did not match")?;
            return Err(ApiError::ChecksumMismatch);
        }
        Received::TooLong { .. } => {
            rollback("discarding an over-long body")?;
            return Err(ApiError::PayloadTooLarge(format!(
                "the body is longer than the {remaining} bytes this upload still expects"
            )));
        }
        Received::Interrupted { .. } => {
            // Unverifiable bytes are dropped; plain ones are kept so the client resumes after them.
            if verify {
                rollback("discarding a broken body")?;
            }
            return Err(ApiError::invalid(
                "body",
                "the request body broke off or stalled; HEAD the upload and resume",
            ));
        }
        Received::WriteFailed { error, .. } => {
            if verify {
                rollback("discarding a body after a write error")?;
            }
            return Err(ApiError::storage(error, "writing the upload"));
        }
    }
    if state.config.fsync_every_patch {
        tokio::task::spawn_blocking(move || handle.sync_data())
            .await
            .map_err(|err| anyhow::anyhow!("sync task failed: {err}"))?
            .map_err(|e| ApiError::storage(e, "syncing the upload"))?;
    } else {
        drop(handle);
    }
    let offset = start + written;
    if offset == upload.length {
        finished(state, lock, upload.clone()).await?;
    }
    Ok((upload, offset))
}

/// Finishes in its own task that holds the upload's lock: a client that hangs up right after
/// its last byte must not cut it between the rename and the database write.
async fn finished(state: &AppState, lock: UploadLock, upload: Upload) -> Result<(), ApiError> {
    let finishing = state.clone();
    let outcome = tokio::spawn(async move {
        let _lock = lock;
        finish(&finishing, upload).await
    })
    .await
    .map_err(|err| anyhow::anyhow!("finishing an upload failed: {err}"))??;
    match outcome {
        Outcome::Accepted { .. } => Ok(()),
        Outcome::Rejected(reason) => Err(ApiError::NotAVideo(reason)),
        Outcome::LinkClosed(closed) => Err(closed.error()),
    }
}

/// Termination: deletes an unfinished upload, its file first (on a full disk that is what
/// makes room for the database write), then its row; a crash in between leaves a row without
/// bytes, which answers "lost" and which start-up removes.
pub async fn terminate(state: &AppState, id: &str) -> Result<(), ApiError> {
    let _lock = take(state, id)?;
    let upload = find(state, id).await?;
    if upload.state != UploadState::Receiving {
        return Err(ApiError::Conflict(
            "this upload is complete; only an operator can remove its video".into(),
        ));
    }
    remove_quietly_async(
        part_path(&state.config.uploads_dir(), &upload.id),
        "deleting the upload",
    )
    .await?;
    let row = upload.id.clone();
    state
        .db()
        .call(move |conn| {
            conn.execute(
                "DELETE FROM uploads WHERE id = ?1 AND state = 'receiving'",
                [row],
            )?;
            Ok(())
        })
        .await
}

/// Where a created upload is resumed: its `Location`.
pub fn location(upload: &Upload) -> String {
    format!("/api/v1/uploads/{}", upload.id)
}
