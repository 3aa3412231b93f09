//! `GET /media/{video}/{kind}?exp=…&sig=…`: the original, the rendition or the poster (and
//! `download`: the original as an attachment named `handle-YYYY-MM-DD.ext`), streamed from
//! disk with HTTP Range (206, 416) for players that seek. With a bucket, a redirect to a
//! short-lived presigned bucket URL (`s3_media = "redirect"`, the bucket serves Range) or the
//! object proxied with Range (`"proxy"`); a file still on disk (a folder half migrated, a copy
//! not yet released) is served from disk.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use clipdesk_protocol::media::{original_extension, video_file_stem};

use crate::clock;
use crate::error::{ApiError, ApiQuery};
use crate::media;
use crate::objects::{MAX_PRESIGNED_TTL, MediaStore, S3Media};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct Signed {
    exp: i64,
    sig: String,
}

pub async fn serve(
    State(state): State<AppState>,
    Path((video, kind)): Path<(String, String)>,
    ApiQuery(signed): ApiQuery<Signed>,
    request: Request,
) -> Result<Response, ApiError> {
    let now = clock::now_ms() / 1000;
    if !state.signer.verify(&video, &kind, signed.exp, &signed.sig) {
        return Err(ApiError::Forbidden(
            "this media URL's signature is not valid".into(),
        ));
    }
    if signed.exp < now {
        return Err(ApiError::Forbidden(
            "this media URL has expired; ask the API for a fresh one".into(),
        ));
    }
    let videos_dir = state.config.videos_dir();
    let lookup = video.clone();
    let found: Option<(String, String, String, i64)> = state
        .db()
        .call(move |conn| {
            Ok(rusqlite::OptionalExtension::optional(conn.query_row(
                "SELECT container, state, handle, created_at FROM videos WHERE id = ?1",
                [lookup],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            ))?)
        })
        .await?;
    let (container, video_state, handle, received_ms) =
        found.ok_or_else(|| ApiError::NotFound("no such video".into()))?;
    // The original again, as an attachment with a readable name.
    let disposition = (kind == "download").then(|| {
        let name = format!(
            "{}.{}",
            video_file_stem(&handle, &clock::to_rfc3339(received_ms)),
            original_extension(&container)
        );
        content_disposition(&name)
    });
    let (path, content_type) = match kind.as_str() {
        "original" | "download" => (
            media::original_path(&videos_dir, &video, &container),
            media::original_mime(&container),
        ),
        "rendition" => (media::rendition_path(&videos_dir, &video), "video/mp4"),
        "poster" => (media::poster_path(&videos_dir, &video), "image/jpeg"),
        other => return Err(ApiError::NotFound(format!("no media kind {other:?}"))),
    };
    let on_disk = tokio::fs::try_exists(&path).await.unwrap_or(false);
    let mut response = match &state.objects {
        Some(store) if !on_disk => {
            // The rendition and poster exist once the video is ready; the original always.
            if !matches!(kind.as_str(), "original" | "download") && video_state != "ready" {
                return Err(ApiError::NotFound(format!("this video has no {kind} yet")));
            }
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let key = store.key_for(&video, &file_name);
            let left = Duration::from_secs(u64::try_from(signed.exp - now).unwrap_or(0));
            match state.config.s3_media {
                S3Media::Redirect => {
                    redirect(store, &key, left, content_type, disposition.as_deref()).await?
                }
                S3Media::Proxy => {
                    proxy(
                        store,
                        &key,
                        content_type,
                        request.headers().get(header::RANGE),
                    )
                    .await?
                }
            }
        }
        _ => {
            if !on_disk {
                return Err(ApiError::NotFound(format!("this video has no {kind} yet")));
            }
            let mime = content_type.parse().map_err(anyhow::Error::from)?;
            let Ok(served) = ServeFile::new_with_mime(&path, &mime)
                .oneshot(request)
                .await;
            served.into_response()
        }
    };
    // Cacheable by the player until the URL expires, never by a shared cache. A redirect is
    // not cached at all: its target expires sooner than our URL.
    let max_age = (signed.exp - now).max(0);
    let cache = if response.status().is_redirection() {
        "no-store".to_owned()
    } else {
        format!("private, max-age={max_age}")
    };
    if let Ok(value) = HeaderValue::from_str(&cache) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    if let Some(value) = disposition
        .filter(|_| !response.status().is_redirection())
        .and_then(|d| HeaderValue::from_str(&d).ok())
    {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    // A browser must play or show it as what it says it is, never run it as a page.
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// 307 to a presigned GET of the object, valid no longer than our URL (and at most
/// [`MAX_PRESIGNED_TTL`]), answering with the media type so a browser plays it.
async fn redirect(
    store: &MediaStore,
    key: &str,
    left: Duration,
    content_type: &str,
    disposition: Option<&str>,
) -> Result<Response, ApiError> {
    let ttl = left.min(MAX_PRESIGNED_TTL);
    let url = match disposition {
        None => store.presigned_get_as(key, ttl, Some(content_type)).await?,
        Some(disposition) => {
            store
                .presigned_download(key, ttl, content_type, disposition)
                .await?
        }
    };
    let location = HeaderValue::from_str(url.as_str()).map_err(anyhow::Error::from)?;
    Ok((
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response())
}

/// The object streamed through the server, with Range: 206 and Content-Range for one range,
/// 416 for a range past the end, the whole object for no (or several) ranges.
async fn proxy(
    store: &MediaStore,
    key: &str,
    content_type: &'static str,
    range: Option<&HeaderValue>,
) -> Result<Response, ApiError> {
    let size = store
        .head(key)
        .await?
        .ok_or_else(|| ApiError::NotFound("this video's file is missing from the bucket".into()))?;
    let wanted = match range.and_then(|v| v.to_str().ok()) {
        None => None,
        Some(text) => match parse_range(text, size) {
            RangeAsked::Whole => None,
            RangeAsked::Part(part) => Some(part),
            RangeAsked::Unsatisfiable => {
                return Ok((
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    [
                        (header::CONTENT_RANGE, format!("bytes */{size}")),
                        (header::ACCEPT_RANGES, "bytes".to_owned()),
                    ],
                )
                    .into_response());
            }
        },
    };
    let (status, part) = match wanted {
        Some(part) => (StatusCode::PARTIAL_CONTENT, part),
        None => (StatusCode::OK, 0..size),
    };
    let body = if part.is_empty() {
        Body::empty()
    } else {
        Body::from_stream(store.get_range(key, part.clone()).await?)
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(part.end - part.start),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {}-{}/{size}", part.start, part.end - 1);
        headers.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&value).map_err(anyhow::Error::from)?,
        );
    }
    Ok(response)
}

/// `attachment` with the name twice (RFC 6266): `filename="…"` in ASCII with anything a
/// quoted string or an old client could trip on replaced by `_`, and `filename*` with the
/// UTF-8 name percent-encoded (RFC 5987) for clients that read it.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[derive(Debug, PartialEq, Eq)]
enum RangeAsked {
    /// Several ranges: the whole object, 200 (as RFC 9110 allows).
    Whole,
    Part(std::ops::Range<u64>),
    /// Past the end, or not a byte range: 416, as a file served from disk answers.
    Unsatisfiable,
}

/// A `Range` header against an object of `size` bytes, read by the parser tower-http's
/// ServeFile uses for files on disk, so both backends answer a player alike.
fn parse_range(text: &str, size: u64) -> RangeAsked {
    match http_range_header::parse_range_header(text).and_then(|asked| asked.validate(size)) {
        Ok(ranges) => match ranges.as_slice() {
            [one] => RangeAsked::Part(*one.start()..one.end() + 1),
            _ => RangeAsked::Whole,
        },
        Err(_) => RangeAsked::Unsatisfiable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_name_is_safe_in_a_quoted_string_and_kept_whole_in_utf8() {
        assert_eq!(
            content_disposition("maya.bakes-2026-03-04.mp4"),
            "attachment; filename=\"maya.bakes-2026-03-04.mp4\"; filename*=UTF-8''maya.bakes-2026-03-04.mp4"
        );
        assert_eq!(
            content_disposition("a\"b\\c;ü%.mov"),
            "attachment; filename=\"a_b_c___.mov\"; filename*=UTF-8''a%22b%5Cc%3B%C3%BC%25.mov"
        );
    }

    #[test]
    fn a_single_byte_range_is_read_as_players_send_it() {
        assert_eq!(parse_range("bytes=0-99", 1000), RangeAsked::Part(0..100));
        assert_eq!(parse_range("bytes=900-", 1000), RangeAsked::Part(900..1000));
        assert_eq!(parse_range("bytes=-100", 1000), RangeAsked::Part(900..1000));
        assert_eq!(
            parse_range("bytes=990-5000", 1000),
            RangeAsked::Part(990..1000)
        );
        assert_eq!(parse_range("bytes=1000-", 1000), RangeAsked::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-9", 1000), RangeAsked::Whole);
        assert_eq!(parse_range("items=0-1", 1000), RangeAsked::Unsatisfiable);
    }
}
