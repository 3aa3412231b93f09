//! A poster a reviewer picks from a frame: the same ffmpeg run as the media job's poster, at
//! the moment asked for, from the rendition (upright and scaled already), written under a
//! temporary name and renamed, or put to the bucket; then `poster_set` with a new poster
//! version, which changes the poster's URL.

use std::time::Duration;

use clipdesk_protocol::api::EventKind;
use rusqlite::{OptionalExtension, params};

use super::{Tools, poster_path, rendition_path, transcode, video_owner, work_dir};
use crate::clock;
use crate::error::ApiError;
use crate::events::NewEvent;
use crate::state::AppState;

/// A reviewer waits for this one: bounded tighter than a media job.
const LIMIT: Duration = Duration::from_secs(60);

/// Makes the frame at `at_ms` the video's poster and appends `poster_set`.
pub async fn set_from_frame(
    state: &AppState,
    operator: &str,
    video_id: &str,
    at_ms: u64,
) -> Result<(), ApiError> {
    let lookup = video_id.to_owned();
    let found: Option<(String, Option<u64>)> = state
        .db()
        .call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT state, duration_ms FROM videos WHERE id = ?1",
                    [lookup],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?)
        })
        .await?;
    let (video_state, duration_ms) =
        found.ok_or_else(|| ApiError::NotFound("no such video".into()))?;
    if video_state != "ready" {
        return Err(ApiError::Conflict(
            "this video is not ready yet: a poster can be picked once it has been converted".into(),
        ));
    }
    let duration_ms = duration_ms.unwrap_or(0);
    if at_ms > duration_ms {
        return Err(ApiError::invalid(
            "at_ms",
            format!("{at_ms} is past the end of the video ({duration_ms} ms)"),
        ));
    }
    let tools = Tools {
        ffmpeg: state.config.ffmpeg.clone(),
        ffprobe: state.config.ffprobe.clone(),
        nice: None,
    };
    let limit = LIMIT.min(state.config.media_job_timeout);
    let videos_dir = state.config.videos_dir();
    let rendition = rendition_path(&videos_dir, video_id);
    let poster = poster_path(&videos_dir, video_id);
    // Unique per request, so two reviewers picking at once never write the same file.
    let unique = format!("{}-{}", clock::now_ms(), crate::domain::random_b64::<8>());
    let on_disk = tokio::fs::try_exists(&rendition).await.unwrap_or(false);
    match (&state.objects, on_disk) {
        (Some(store), false) => {
            let work = work_dir(&state.config).join(format!("poster-{video_id}-{unique}"));
            let made = async {
                tokio::fs::create_dir_all(&work)
                    .await
                    .map_err(|e| ApiError::storage(e, "creating a poster work folder"))?;
                let input = work.join("rendition.mp4");
                store
                    .get_to_file(&store.key_for(video_id, "rendition.mp4"), &input)
                    .await?;
                let out = work.join("poster.jpg");
                extract(&tools, &input, at_ms, &out, limit).await?;
                store
                    .put_file(&store.key_for(video_id, "poster.jpg"), &out)
                    .await?;
                // A copy left on disk would be served before the bucket's.
                crate::uploads::storage::remove_quietly_async(poster, "removing an old poster")
                    .await
            }
            .await;
            let _ = crate::uploads::storage::remove_quietly_async(
                work,
                "removing a poster work folder",
            )
            .await;
            made?;
        }
        _ => {
            let tmp = poster.with_extension(format!("jpg.{unique}.tmp"));
            let made = extract(&tools, &rendition, at_ms, &tmp, limit).await;
            let made = match made {
                Ok(()) => tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                    std::fs::File::open(&tmp)?.sync_all()?;
                    std::fs::rename(&tmp, &poster)
                })
                .await
                .map_err(|e| anyhow::anyhow!("poster task failed: {e}"))?
                .map_err(|e| ApiError::storage(e, "storing the poster")),
                Err(err) => {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    Err(err)
                }
            };
            made?;
        }
    }
    record(state, operator, video_id, at_ms).await
}

/// One frame with the media job's poster settings; a moment with no frame (the very end of
/// some files) gives no picture and is refused.
async fn extract(
    tools: &Tools,
    input: &std::path::Path,
    at_ms: u64,
    out: &std::path::Path,
    limit: Duration,
) -> Result<(), ApiError> {
    transcode::poster_at(tools, input, at_ms, out, limit)
        .await
        .map_err(|reason| anyhow::anyhow!("making a poster from a frame failed: {reason}"))?;
    let size = tokio::fs::metadata(out).await.map(|m| m.len()).unwrap_or(0);
    if size == 0 {
        let _ = tokio::fs::remove_file(out).await;
        return Err(ApiError::invalid(
            "at_ms",
            format!("the video has no frame at {at_ms} ms; pick an earlier moment"),
        ));
    }
    Ok(())
}

async fn record(
    state: &AppState,
    operator: &str,
    video_id: &str,
    at_ms: u64,
) -> Result<(), ApiError> {
    let video_id = video_id.to_owned();
    let operator = operator.to_owned();
    state
        .feed
        .transact(move |tx| {
            let version: i64 = tx.query_row(
                "UPDATE videos SET poster_version = poster_version + 1 WHERE id = ?1
                 RETURNING poster_version",
                params![video_id],
                |row| row.get(0),
            )?;
            let (campaign, handle, link) = video_owner(tx, &video_id)?;
            tx.append(
                EventKind::PosterSet,
                NewEvent {
                    campaign: Some(&campaign),
                    handle: Some(&handle),
                    link: Some(&link),
                    video_id: Some(&video_id),
                    detail: Some(serde_json::json!({
                        "at_ms": at_ms,
                        "poster_version": version,
                        "token": operator,
                    })),
                    ..NewEvent::default()
                },
            )?;
            Ok(())
        })
        .await
}
