//! `GET /media/{video}/{kind}?exp=…&sig=…`: the original, the rendition or the poster,
//! streamed from disk with HTTP Range (206, 416) for players that seek.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::clock;
use crate::error::{ApiError, ApiQuery};
use crate::media;
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
    let container: Option<String> = state
        .db()
        .call(move |conn| {
            Ok(rusqlite::OptionalExtension::optional(conn.query_row(
                "SELECT container FROM videos WHERE id = ?1",
                [lookup],
                |row| row.get(0),
            ))?)
        })
        .await?;
    let container = container.ok_or_else(|| ApiError::NotFound("no such video".into()))?;
    let (path, content_type) = match kind.as_str() {
        "original" => (
            media::original_path(&videos_dir, &video, &container),
            media::original_mime(&container),
        ),
        "rendition" => (media::rendition_path(&videos_dir, &video), "video/mp4"),
        "poster" => (media::poster_path(&videos_dir, &video), "image/jpeg"),
        other => return Err(ApiError::NotFound(format!("no media kind {other:?}"))),
    };
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(ApiError::NotFound(format!("this video has no {kind} yet")));
    }
    let mime = content_type.parse().map_err(anyhow::Error::from)?;
    let Ok(served) = ServeFile::new_with_mime(&path, &mime)
        .oneshot(request)
        .await;
    let mut response = served.into_response();
    // Cacheable by the player until the URL expires, never by a shared cache.
    let max_age = (signed.exp - now).max(0);
    if let Ok(value) = HeaderValue::from_str(&format!("private, max-age={max_age}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    // A browser must play or show it as what it says it is, never run it as a page.
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
