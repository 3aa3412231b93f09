//! The recorder page and its assets, built from `ui/recorder` and embedded in the binary
//! (read from disk in debug builds, so a rebuilt page needs no recompile).

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

#[derive(rust_embed::Embed)]
#[folder = "../../ui/recorder/dist"]
struct RecorderDist;

/// `GET /r/{token}`: the page; its script resolves the token through the public API.
pub async fn page(Path(_token): Path<String>) -> Result<Response, ApiError> {
    // Each link's page is the same document; it must not be cached past a deploy.
    asset("index.html", "no-cache")
}

/// `GET /assets/{file}`: content-hashed files, cacheable for a year.
pub async fn assets(Path(file): Path<String>) -> Result<Response, ApiError> {
    asset(
        &format!("assets/{file}"),
        "public, max-age=31536000, immutable",
    )
}

fn asset(path: &str, cache_control: &'static str) -> Result<Response, ApiError> {
    let file = RecorderDist::get(path)
        .ok_or_else(|| ApiError::NotFound(format!("no recorder asset {path}")))?;
    let mime = file.metadata.mimetype();
    let content_type = HeaderValue::from_str(mime)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(cache_control),
            ),
        ],
        file.data,
    )
        .into_response())
}
