//! Review: the local list of videos, signed media addresses from the server, decisions.

use clipdesk_core::UserError;
use clipdesk_core::reviews::{self, ReviewFilter, ReviewItem};
use clipdesk_protocol::media::{MediaUrls, ReviewDecision};
use tauri::State;

use super::{in_store, shown};
use crate::Desktop;

#[tauri::command]
pub async fn reviews_list(
    desktop: State<'_, Desktop>,
    filter: ReviewFilter,
    campaign: Option<String>,
) -> Result<Vec<ReviewItem>, UserError> {
    in_store(&desktop, move |conn| {
        reviews::list(conn, filter, campaign.as_deref())
    })
    .await
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
