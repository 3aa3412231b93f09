//! tus 1.0.0 at `/api/v1/uploads`: core, creation, creation-with-upload, termination,
//! expiration and checksum (sha1, sha256). The link token in `Upload-Metadata` is what
//! allows an upload; the upload's random id is what allows resuming it. This module only
//! speaks HTTP: the upload itself is `crate::uploads`.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::clock;
use crate::domain::LinkToken;
use crate::error::ApiError;
use crate::state::AppState;
use crate::uploads::{self, NewUpload, headers as tus};

pub const TUS_VERSION: &str = "1.0.0";
const EXTENSIONS: &str = "creation,creation-with-upload,termination,expiration,checksum";
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

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

fn raw<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a [u8]> {
    headers.get(name).map(HeaderValue::as_bytes)
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

/// Answers with the new offset and the expiry, as PATCH and creation-with-upload do.
fn offset_response(status: StatusCode, offset: u64, expires_at: i64) -> Response {
    let mut response = status.into_response();
    let h = response.headers_mut();
    set(h, "upload-offset", offset);
    set(h, "upload-expires", clock::to_http_date(expires_at));
    response
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
    let length = tus::upload_length(raw(&headers, "upload-length"))?;
    if length > state.config.max_upload_bytes {
        return Err(ApiError::PayloadTooLarge(format!(
            "Upload-Length {length} is over this server's Tus-Max-Size of {} bytes",
            state.config.max_upload_bytes
        )));
    }
    let new = new_upload(&headers, length)?;
    let with_body = header_str(&headers, "content-type") == Some(OFFSET_OCTET_STREAM);
    let body = if with_body {
        Some((
            body,
            tus::upload_checksum(raw(&headers, "upload-checksum"))?,
        ))
    } else {
        None
    };
    let (upload, offset) = uploads::create(&state, new, body).await?;
    let mut response = offset_response(StatusCode::CREATED, offset, upload.expires_at);
    set(
        response.headers_mut(),
        "location",
        uploads::location(&upload),
    );
    Ok(response)
}

/// The upload asked for: its length, and what `Upload-Metadata` carries (the link's token,
/// required, and what the page tells us).
fn new_upload(headers: &HeaderMap, length: u64) -> Result<NewUpload, ApiError> {
    let metadata = header_str(headers, "upload-metadata")
        .unwrap_or_default()
        .to_owned();
    let meta = tus::parse_metadata(&metadata)
        .map_err(|reason| ApiError::invalid("Upload-Metadata", reason))?;
    let token = meta.get("token").filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::Unauthorized("Upload-Metadata must carry the link's token".into())
    })?;
    let link = LinkToken::parse(token)
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
    Ok(NewUpload {
        link,
        length,
        filename: text("filename", 255)?,
        filetype: text("filetype", 255)?,
        consent: text("consent", 4000)?,
        metadata,
    })
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
    let status = uploads::status(&state, &id).await?;
    let mut response = StatusCode::OK.into_response();
    let h = response.headers_mut();
    set(h, "upload-offset", status.offset);
    set(h, "upload-length", status.length);
    if !status.metadata.is_empty() {
        set(h, "upload-metadata", &status.metadata);
    }
    set(h, "upload-expires", clock::to_http_date(status.expires_at));
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
    let claimed = tus::upload_offset(raw(&headers, "upload-offset"))?;
    let checksum = tus::upload_checksum(raw(&headers, "upload-checksum"))?;
    let (offset, expires_at) = uploads::resume(&state, &id, claimed, checksum, body).await?;
    Ok(offset_response(StatusCode::NO_CONTENT, offset, expires_at))
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
    uploads::terminate(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
