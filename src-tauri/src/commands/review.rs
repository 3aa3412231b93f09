//! Review: the local list of videos, signed media addresses from the server, decisions.

use clipdesk_core::UserError;
use clipdesk_core::reviews::{self, LabelFilter, ReviewFilter, ReviewItem};
use clipdesk_protocol::media::{MediaUrls, ReviewDecision};
use tauri::State;

use super::{in_store, shown};
use crate::Desktop;

#[tauri::command]
pub async fn reviews_list(
    desktop: State<'_, Desktop>,
    filter: ReviewFilter,
    campaign: Option<String>,
    labels: Option<LabelFilter>,
) -> Result<Vec<ReviewItem>, UserError> {
    in_store(&desktop, move |conn| {
        reviews::list_labelled(
            conn,
            filter,
            campaign.as_deref(),
            &labels.unwrap_or_default(),
        )
    })
    .await
}

/// Every tag in use, most used first, for completion.
#[tauri::command]
pub async fn review_tags(desktop: State<'_, Desktop>) -> Result<Vec<String>, UserError> {
    in_store(&desktop, |conn| reviews::tags_in_use(conn)).await
}

/// Sets a video's tags and rating (sent by the sync loop at once); the video's row.
#[tauri::command]
pub async fn review_label(
    desktop: State<'_, Desktop>,
    video: String,
    tags: Vec<String>,
    rating: Option<u8>,
) -> Result<ReviewItem, UserError> {
    let item = in_store(&desktop, move |conn| {
        reviews::label(conn, &video, &tags, rating)
    })
    .await?;
    desktop.nudge();
    Ok(item)
}

/// Makes the frame at `at_ms` the video's poster; the list shows it once the feed says so.
#[tauri::command]
pub async fn review_poster(
    desktop: State<'_, Desktop>,
    video: String,
    at_ms: u64,
) -> Result<(), UserError> {
    let client = desktop.client();
    shown(client.put_poster(&video, at_ms).await.map(|_| ()))?;
    desktop.nudge();
    Ok(())
}

#[tauri::command]
pub async fn review_get(
    desktop: State<'_, Desktop>,
    video: String,
) -> Result<ReviewItem, UserError> {
    in_store(&desktop, move |conn| reviews::get(conn, &video)).await
}

/// Videos waiting for a decision, for the navigation badge.
#[tauri::command]
pub async fn reviews_waiting(desktop: State<'_, Desktop>) -> Result<u32, UserError> {
    in_store(&desktop, |conn| reviews::waiting(conn)).await
}

/// Fresh signed addresses of a video's poster, rendition and original (they expire).
#[tauri::command]
pub async fn review_media(
    desktop: State<'_, Desktop>,
    video: String,
) -> Result<MediaUrls, UserError> {
    let client = desktop.client();
    shown(client.video(&video).await.map(|v| v.urls))
}

/// Records a decision (sent by the sync loop at once) and returns the video's row.
#[tauri::command]
pub async fn review_decide(
    desktop: State<'_, Desktop>,
    video: String,
    decision: ReviewDecision,
    note: String,
) -> Result<ReviewItem, UserError> {
    let item = in_store(&desktop, move |conn| {
        reviews::decide(conn, &video, decision, &note)
    })
    .await?;
    desktop.nudge();
    Ok(item)
}
