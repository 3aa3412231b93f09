//! The desktop's updater: `GET /api/v1/updates/{target}/{arch}/{current_version}?format=` answers
//! the newest published release as tauri-plugin-updater's dynamic manifest (204 when there is
//! none), and `GET /api/v1/updates/download/{version}/{file}` serves its package.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clipdesk_protocol::api::UpdateManifest;
use semver::Version;
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::auth::Caller;
use crate::clock;
use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::releases::{self, PackageFormat};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct Format {
    format: Option<String>,
}

pub async fn manifest(
    State(state): State<AppState>,
    _caller: Caller,
    Path((target, arch, current)): Path<(String, String, String)>,
    ApiQuery(query): ApiQuery<Format>,
) -> Result<Response, ApiError> {
    let asked = query.format.unwrap_or_default();
    let format = PackageFormat::parse(&asked).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "format {asked:?} is not one this server publishes: ask for format=deb or format=rpm"
        ))
    })?;
    let current = Version::parse(current.trim_start_matches('v')).map_err(|err| {
        ApiError::BadRequest(format!(
            "current version {current:?} is not a semantic version: {err}"
        ))
    })?;
    if target != "linux" {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let newer = state
        .db()
        .call(move |conn| Ok(releases::newer_than(conn, format, &arch, &current)?))
        .await?;
    let Some(release) = newer else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let url = format!(
        "{}/api/v1/updates/download/{}/{}",
        state.public_url, release.version, release.file_name
    );
    Ok(ApiJson(UpdateManifest {
        version: release.version.to_string(),
        notes: release.notes,
        pub_date: clock::to_rfc3339(release.published_at_ms),
        url,
        signature: release.signature,
    })
    .into_response())
}

pub async fn download(
    State(state): State<AppState>,
    _caller: Caller,
    Path((version, file_name)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no release {version} file {file_name}"));
    let parsed = Version::parse(&version).map_err(|_| not_found())?;
    let wanted = file_name.clone();
    let release = state
        .db()
        .call(move |conn| Ok(releases::find(conn, &parsed, &wanted)?))
        .await?
        .ok_or_else(not_found)?;
    let path = release.path(&state.config);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(ApiError::NotFound(format!(
            "release {version}'s file {file_name} is missing from the server's data folder"
        )));
    }
    let mime = match release.format {
        PackageFormat::Deb => "application/vnd.debian.binary-package",
        PackageFormat::Rpm => "application/x-rpm",
    };
    let mime = mime.parse().map_err(anyhow::Error::from)?;
    let Ok(served) = ServeFile::new_with_mime(&path, &mime)
        .oneshot(request)
        .await;
    let mut response = served.into_response();
    // The file name is checked against the database, so it holds no quote or path.
    if let Ok(value) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", release.file_name))
    {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
