//! Campaigns: the list, the editor's save, a colleague's clashing edit, and adding contacts
//! to one.

use clipdesk_core::campaigns::{self, Campaign, CampaignInput};
use clipdesk_core::team::{self, CampaignClash};
use clipdesk_core::templates::{self, MessagePreview, Part, Template};
use clipdesk_core::{CoreError, UserError, export, queue};
use tauri::State;

use super::{in_store, shown};
use crate::Desktop;

#[tauri::command]
pub async fn campaigns_list(desktop: State<'_, Desktop>) -> Result<Vec<Campaign>, UserError> {
    in_store(&desktop, |conn| campaigns::list(conn)).await
}

/// A new campaign's form: the default DM addresses and pacing, one empty text part.
#[tauri::command]
pub fn campaign_draft() -> CampaignInput {
    CampaignInput::new(
        "",
        Template {
            parts: vec![Part::text([""])],
        },
    )
}

/// The variables a message template may use, for the editor's help.
#[tauri::command]
pub fn template_variables() -> &'static [&'static str] {
    templates::VARIABLES
}

/// Creates a campaign when `id` is `None`, else replaces that one's settings.
#[tauri::command]
pub async fn campaign_save(
    desktop: State<'_, Desktop>,
    id: Option<i64>,
    input: CampaignInput,
) -> Result<Campaign, UserError> {
    let saved = in_store(&desktop, move |conn| match id {
        Some(id) => campaigns::update(conn, id, &input),
        None => campaigns::create(conn, &input),
    })
    .await?;
    // The server gets the new settings (the page's language, texts, public page) now.
    desktop.nudge();
    Ok(saved)
}

/// A colleague's edit of campaign `id` that clashed with this desktop's, kept beside it.
#[tauri::command]
pub async fn campaign_conflict(
    desktop: State<'_, Desktop>,
    id: i64,
) -> Result<Option<CampaignClash>, UserError> {
    in_store(&desktop, move |conn| team::conflict(conn, id)).await
}

/// Resolves a clash with this desktop's version: saved on the server over the colleague's.
#[tauri::command]
pub async fn campaign_keep_mine(desktop: State<'_, Desktop>, id: i64) -> Result<(), UserError> {
    match team::keep_mine(&desktop.store, &desktop.client(), id).await {
        // Mine is kept here already; the sync saves it when the server is back.
        Err(CoreError::Unavailable(reason)) => {
            tracing::info!(id, %reason, "the kept campaign waits for the server");
            desktop.nudge();
            Ok(())
        }
        other => shown(other),
    }
}

/// Resolves a clash with the colleague's version: it becomes this desktop's.
#[tauri::command]
pub async fn campaign_take_theirs(
    desktop: State<'_, Desktop>,
    id: i64,
) -> Result<Campaign, UserError> {
    in_store(&desktop, move |conn| team::take_theirs(conn, id)).await
}

/// The editor's unsaved message as one contact would get it.
#[tauri::command]
pub async fn campaign_preview(
    desktop: State<'_, Desktop>,
    campaign: Option<i64>,
    name: String,
    template: Template,
    contact: i64,
) -> Result<MessagePreview, UserError> {
    in_store(&desktop, move |conn| {
        campaigns::preview_for(conn, campaign, &name, &template, contact)
    })
    .await
}

/// Writes the campaign's outcomes as CSV to `path` (whole or not at all); returns the rows.
#[tauri::command]
pub async fn campaign_export(
    desktop: State<'_, Desktop>,
    campaign: i64,
    path: String,
) -> Result<usize, UserError> {
    in_store(&desktop, move |conn| {
        export::to_file(conn, campaign, std::path::Path::new(path.trim()))
    })
    .await
}

/// Returns how many were added (contacts already in the campaign are left as they are).
#[tauri::command]
pub async fn campaign_add_contacts(
    desktop: State<'_, Desktop>,
    campaign: i64,
    contact_ids: Vec<i64>,
) -> Result<usize, UserError> {
    let added = in_store(&desktop, move |conn| {
        campaigns::get(conn, campaign)?;
        queue::add_to_campaign(conn, campaign, &contact_ids)
    })
    .await?;
    // Their links are registered now rather than at the sync loop's next round.
    desktop.nudge();
    Ok(added)
}

/// Adds every contact a search matches, page by page, so the UI never holds the table.
#[tauri::command]
pub async fn campaign_add_all_matching(
    desktop: State<'_, Desktop>,
    campaign: i64,
    query: String,
) -> Result<usize, UserError> {
    let added = in_store(&desktop, move |conn| {
        queue::add_all_matching(conn, campaign, &query)
    })
    .await?;
    desktop.nudge();
    Ok(added)
}
