//! The recorder page and its assets, built from `ui/recorder` and embedded in the binary
//! (read from disk in debug builds, so a rebuilt page needs no recompile).
//!
//! Unknown, expired and revoked links get the same page with status 404: its script asks the
//! API, learns which case it is and says so in the campaign's language, with no recorder.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::domain::{LinkToken, Slug};
use crate::error::ApiError;
use crate::links;
use crate::routes::public::public_campaign;
use crate::state::AppState;

#[derive(rust_embed::Embed)]
#[folder = "../../ui/recorder/dist"]
struct RecorderDist;

/// `GET /r/{token}`.
pub async fn link_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let usable = match LinkToken::parse(&token) {
        None => false,
        Some(token) => {
            state
                .db()
                .call(move |conn| match links::usable(conn, token.as_str()) {
                    Ok(_) => Ok(true),
                    Err(ApiError::Unexpected(err)) => Err(ApiError::Unexpected(err)),
                    Err(_) => Ok(false),
                })
                .await?
        }
    };
    page(usable)
}

/// `GET /c/{slug}`: the campaign page, only for campaigns with `public_page`.
pub async fn campaign_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let open = match Slug::parse(&slug) {
        Err(_) => false,
        Ok(slug) => {
            state
                .db()
                .call(move |conn| match public_campaign(conn, slug.as_str()) {
                    Ok(_) => Ok(true),
                    Err(ApiError::Unexpected(err)) => Err(ApiError::Unexpected(err)),
                    Err(_) => Ok(false),
                })
                .await?
        }
    };
    page(open)
}

fn page(found: bool) -> Result<Response, ApiError> {
    // Each link's page is the same document; it must not be cached past a deploy.
    let mut response = asset("index.html", "no-cache")?;
    if !found {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
        .headers_mut()
        .insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    Ok(response)
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
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        file.data,
    )
        .into_response())
}
