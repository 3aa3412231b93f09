//! tus 1.0.0 at `/api/v1/uploads`: core, creation, creation-with-upload, termination,
//! expiration and checksum (sha1, sha256). The link token in `Upload-Metadata` is what
//! allows an upload; the upload's random id is what allows resuming it.

use std::fs::OpenOptions;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clipdesk_protocol::api::EventKind;
use rusqlite::params;

use crate::clock;
use crate::domain::{LinkToken, UploadId};
use crate::error::ApiError;
use crate::events::NewEvent;
use crate::links;
use crate::state::AppState;
use crate::uploads::{self, Checksum, Outcome, Received, Upload, metadata};

pub const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,creation-with-upload,termination,expiration,checksum";
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// The exclusive right to append to one upload; released when dropped.
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

/// Headers every tus answer carries, errors included.
fn with_tus(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    response
}

fn tus_result(result: Result<Response, ApiError>) -> Response {
    with_tus(result.unwrap_or_else(IntoResponse::into_response))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn require_tus(headers: &HeaderMap) -> Result<(), ApiError> {
    match header_str(headers, "tus-resumable") {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(ApiError::TusVersion),
    }
}

fn set(headers: &mut HeaderMap, name: &'static str, value: impl ToString) {
    if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// `OPTIONS /api/v1/uploads`: what this server supports.
pub async fn options(State(state): State<AppState>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    set(headers, "tus-version", TUS_VERSION);
    set(headers, "tus-extension", EXTENSIONS);
    set(headers, "tus-max-size", state.config.max_upload_bytes);
    set(headers, "tus-checksum-algorithm", "sha1,sha256");
    with_tus(response)
}

/// `POST /api/v1/uploads`: creation, and creation-with-upload when a body comes along.
pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    tus_result(create_inner(state, headers, body).await)
}

async fn create_inner(
    state: AppState,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    if headers.contains_key("upload-defer-length") {
        return Err(ApiError::invalid(
            "Upload-Defer-Length",
            "deferred lengths are not supported; send Upload-Length",
        ));
    }
    let length: u64 = header_str(&headers, "upload-length")
        .ok_or_else(|| ApiError::invalid("Upload-Length", "is required"))?
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid("Upload-Length", "must be a non-negative integer"))?;
    if length > state.config.max_upload_bytes {
        return Err(ApiError::PayloadTooLarge(format!(
            "Upload-Length {length} is over this server's Tus-Max-Size of {} bytes",
            state.config.max_upload_bytes
        )));
    }
    let raw_metadata = header_str(&headers, "upload-metadata")
        .unwrap_or_default()
        .to_owned();
    let meta = metadata::parse(&raw_metadata)
        .map_err(|reason| ApiError::invalid("Upload-Metadata", reason))?;
    let token = meta.get("token").filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::Unauthorized("Upload-Metadata must carry the link's token".into())
    })?;
    let token = LinkToken::parse(token)
        .ok_or_else(|| ApiError::NotFound("this link does not exist".into()))?;
    let text = |key: &str, max: usize| -> Result<Option<String>, ApiError> {
        match meta.get(key).filter(|v| !v.is_empty()) {
            Some(v) if v.chars().count() > max => Err(ApiError::invalid(
                format!("Upload-Metadata.{key}"),
                format!("at most {max} characters"),
            )),
            other => Ok(other.cloned()),
        }
    };
    let filename = text("filename", 255)?;
    let filetype = text("filetype", 255)?;
    let consent = text("consent", 4000)?;

    let id = UploadId::generate();
    let part = uploads::part_path(&state.config.uploads_dir(), id.as_str());
    // The file exists before the row, so a crash in between leaves only a file that
    // start-up recovery removes, never a row pointing at nothing.
    let file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&part)
        .map_err(|e| ApiError::storage(e, "creating the upload file"))?;
    let expires_at = clock::now_ms()
        + i64::try_from(state.config.upload_expiry.as_millis()).unwrap_or(i64::MAX / 2);
    let per_link = state.config.uploads_per_link;
    let row = Upload {
        id: id.as_str().to_owned(),
        link: token.as_str().to_owned(),
        length,
        metadata: raw_metadata,
        filename,
        filetype,
        consent,
        state: "receiving".into(),
        reason: None,
        expires_at,
    };
    let insert = row.clone();
    let created = state
        .feed
        .transact(move |tx| {
            let link = links::usable(tx, &insert.link)?;
            if links::uploads_left(tx, &insert.link, per_link)? == 0 {
                return Err(ApiError::LimitReached(format!(
                    "this link has used all of its {per_link} uploads"
                )));
            }
            tx.execute(
                "INSERT INTO uploads (id, link, length, metadata, filename, filetype, consent,
                                      state, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'receiving', ?8, ?9)",
                params![
                    insert.id,
                    insert.link,
                    insert.length,
                    insert.metadata,
                    insert.filename,
                    insert.filetype,
                    insert.consent,
                    clock::now_ms(),
                    insert.expires_at
                ],
            )?;
            tx.append(
                EventKind::UploadStarted,
                NewEvent {
                    campaign: Some(&link.campaign),
                    handle: Some(&link.handle),
                    link: Some(&link.token),
                    upload_id: Some(&insert.id),
                    detail: Some(serde_json::json!({
                        "length": insert.length,
                        "filename": insert.filename,
                        "filetype": insert.filetype,
                    })),
                    ..NewEvent::default()
                },
            )?;
            Ok(())
        })
        .await;
    if let Err(err) = created {
        drop(file);
        let _ = std::fs::remove_file(&part);
        return Err(err);
    }

    let location = format!("/api/v1/uploads/{}", id.as_str());
    let with_body = header_str(&headers, "content-type") == Some(OFFSET_OCTET_STREAM);
    let mut response = if with_body || length == 0 {
        let lock = UploadLock::try_take(&state, id.as_str())
            .ok_or_else(|| ApiError::Locked("this upload is busy".into()))?;
        let checksum = header_str(&headers, "upload-checksum")
            .map(Checksum::parse)
            .transpose()?;
        append(&state, lock, row, file, 0, checksum, body).await?
    } else {
        StatusCode::CREATED.into_response()
    };
    *response.status_mut() = StatusCode::CREATED;
    let h = response.headers_mut();
    set(h, "location", location);
    set(h, "upload-expires", clock::to_http_date(expires_at));
    Ok(response)
}

/// `HEAD /api/v1/uploads/{id}`: where to resume.
pub async fn head(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    tus_result(head_inner(state, id, headers).await)
}

async fn head_inner(state: AppState, id: String, headers: HeaderMap) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    let upload = find(&state, &id).await?;
    let uploads_dir = state.config.uploads_dir();
    let offset = match upload.state.as_str() {
        "complete" => upload.length,
        // Moved into videos/ and being recorded right now: every byte is here.
        _ if !uploads::part_path(&uploads_dir, &upload.id).exists() => upload.length,
        _ => uploads::offset(&uploads_dir, &upload.id),
    };
    let mut response = StatusCode::OK.into_response();
    let h = response.headers_mut();
    set(h, "upload-offset", offset);
    set(h, "upload-length", upload.length);
    if !upload.metadata.is_empty() {
        set(h, "upload-metadata", &upload.metadata);
    }
    set(h, "upload-expires", clock::to_http_date(upload.expires_at));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `PATCH /api/v1/uploads/{id}`: append bytes at `Upload-Offset`.
pub async fn patch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    tus_result(patch_inner(state, id, headers, body).await)
}

async fn patch_inner(
    state: AppState,
    id: String,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    if header_str(&headers, "content-type") != Some(OFFSET_OCTET_STREAM) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "PATCH bodies must be Content-Type: {OFFSET_OCTET_STREAM}"
        )));
    }
    let claimed: u64 = header_str(&headers, "upload-offset")
        .ok_or_else(|| ApiError::invalid("Upload-Offset", "is required"))?
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid("Upload-Offset", "must be a non-negative integer"))?;
    let checksum = header_str(&headers, "upload-checksum")
        .map(Checksum::parse)
        .transpose()?;
    let lock = UploadLock::try_take(&state, &id).ok_or_else(|| {
        ApiError::Locked("another PATCH is writing to this upload; retry when it ends".into())
    })?;
    let upload = find(&state, &id).await?;
    if upload.state != "receiving" {
        return Err(ApiError::Conflict("this upload is already complete".into()));
    }
    let part = uploads::part_path(&state.config.uploads_dir(), &upload.id);
    let file = match OpenOptions::new().append(true).open(&part) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::Conflict(
                "this upload has all its bytes and is being finished".into(),
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
    append(&state, lock, upload, file, current, checksum, body).await
}

/// Writes a body at `start`, then finishes the upload if that completed it.
async fn append(
    state: &AppState,
    lock: UploadLock,
    upload: Upload,
    file: std::fs::File,
    start: u64,
    checksum: Option<Checksum>,
    body: Body,
) -> Result<Response, ApiError> {
    let remaining = upload.length - start;
    let verify = checksum.is_some();
    let sync_each = state.config.fsync_every_patch;
    let handle = file
        .try_clone()
        .map_err(|e| ApiError::storage(e, "opening the upload file"))?;
    let received = uploads::receive(body, file, remaining, checksum).await?;
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
                "the request body broke off; HEAD the upload and resume",
            ));
        }
        Received::WriteFailed { error, .. } => {
            if verify {
                rollback("discarding a body after a write error")?;
            }
            return Err(ApiError::storage(error, "writing the upload"));
        }
    }
    if sync_each {
        let h = handle
            .try_clone()
            .map_err(|e| ApiError::storage(e, "syncing"))?;
        tokio::task::spawn_blocking(move || h.sync_data())
            .await
            .map_err(|err| anyhow::anyhow!("sync task failed: {err}"))?
            .map_err(|e| ApiError::storage(e, "syncing the upload"))?;
    }
    drop(handle);
    let offset = start + written;
    let expires = upload.expires_at;
    if offset == upload.length {
        // Finishing runs in its own task that holds the upload's lock: a client that hangs up
        // right after its last byte must not cut it between the rename and the database write.
        let finishing = state.clone();
        let outcome = tokio::spawn(async move {
            let _lock = lock;
            uploads::finish(&finishing, upload).await
        })
        .await
        .map_err(|err| anyhow::anyhow!("finishing an upload failed: {err}"))??;
        if let Outcome::Rejected(reason) = outcome {
            return Err(ApiError::NotAVideo(reason));
        }
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    set(h, "upload-offset", offset);
    set(h, "upload-expires", clock::to_http_date(expires));
    Ok(response)
}

/// `DELETE /api/v1/uploads/{id}`: termination of an unfinished upload.
pub async fn terminate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    tus_result(terminate_inner(state, id, headers).await)
}

async fn terminate_inner(
    state: AppState,
    id: String,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_tus(&headers)?;
    let _lock = UploadLock::try_take(&state, &id)
        .ok_or_else(|| ApiError::Locked("a PATCH is writing to this upload".into()))?;
    let upload = find(&state, &id).await?;
    if upload.state != "receiving" {
        return Err(ApiError::Conflict(
            "this upload is complete; only an operator can remove its video".into(),
        ));
    }
    let part = uploads::part_path(&state.config.uploads_dir(), &upload.id);
    match tokio::fs::remove_file(&part).await {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(ApiError::storage(err, "deleting the upload")),
    }
    state
        .db()
        .call(move |conn| {
            conn.execute("DELETE FROM uploads WHERE id = ?1", [upload.id])?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An upload that can still be answered about: not unknown, not expired unfinished.
async fn find(state: &AppState, id: &str) -> Result<Upload, ApiError> {
    let not_found = || ApiError::NotFound("no such upload".into());
    let id = UploadId::parse(id).ok_or_else(not_found)?;
    let upload = state
        .db()
        .call(move |conn| Ok(uploads::load(conn, id.as_str())?))
        .await?
        .ok_or_else(not_found)?;
    match upload.state.as_str() {
        "rejected" => Err(ApiError::NotFound(format!(
            "this upload was refused: {}",
            upload.reason.as_deref().unwrap_or("not a video")
        ))),
        "receiving" if upload.expires_at <= clock::now_ms() => {
            Err(ApiError::NotFound("this upload expired unfinished".into()))
        }
        _ => Ok(upload),
    }
}
