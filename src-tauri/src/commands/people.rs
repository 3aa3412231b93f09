//! One contact's controls on the Contacts screen: their campaigns and history, edit, delete,
//! remove from a campaign, revoke a link, forget. The rules live in `clipdesk_core::people`.

use clipdesk_core::people::{self, ContactEdit, Deleted, Edited, Forgotten, Person, Removed};
use clipdesk_core::status::{self, PeopleFilter, PeoplePage};
use clipdesk_core::{UserError, settings};
use tauri::State;

use super::{in_store, shown};
use crate::Desktop;

/// The operator named in Settings, who the audit log records.
async fn operator(desktop: &Desktop) -> Result<String, UserError> {
    in_store(desktop, |conn| Ok(settings::load(conn)?.operator)).await
}

#[tauri::command]
pub async fn person_get(desktop: State<'_, Desktop>, contact: i64) -> Result<Person, UserError> {
    in_store(&desktop, move |conn| people::person(conn, contact)).await
}

/// A campaign's people with their status, filtered, a page at a time, with counts per status.
#[tauri::command]
pub async fn campaign_people(
    desktop: State<'_, Desktop>,
    campaign: i64,
    filter: PeopleFilter,
    after: i64,
    limit: u32,
) -> Result<PeoplePage, UserError> {
    in_store(&desktop, move |conn| {
        status::page(conn, campaign, filter, after, limit)
    })
    .await
}

#[tauri::command]
pub async fn contact_edit(
    desktop: State<'_, Desktop>,
    contact: i64,
    edit: ContactEdit,
) -> Result<Edited, UserError> {
    let edited = in_store(&desktop, move |conn| {
        let operator = settings::load(conn)?.operator;
        people::edit(conn, contact, &edit, &operator)
    })
    .await?;
    if edited.links_reissued > 0 {
        // Links dropped by the edit are registered again under the new handle now.
        desktop.nudge();
    }
    Ok(edited)
}

#[tauri::command]
pub async fn contact_delete(
    desktop: State<'_, Desktop>,
    contact: i64,
) -> Result<Deleted, UserError> {
    let operator = operator(&desktop).await?;
    shown(people::delete(&desktop.store, &desktop.client(), contact, &operator).await)
}

#[tauri::command]
pub async fn contact_remove_from_campaign(
    desktop: State<'_, Desktop>,
    outreach: i64,
) -> Result<Removed, UserError> {
    let operator = operator(&desktop).await?;
    shown(
        people::remove_from_campaign(&desktop.store, &desktop.client(), outreach, &operator).await,
    )
}

#[tauri::command]
pub async fn link_revoke(desktop: State<'_, Desktop>, outreach: i64) -> Result<(), UserError> {
    let operator = operator(&desktop).await?;
    shown(people::revoke(&desktop.store, &desktop.client(), outreach, &operator).await)
}

#[tauri::command]
pub async fn contact_forget(
    desktop: State<'_, Desktop>,
    contact: i64,
) -> Result<Forgotten, UserError> {
    let operator = operator(&desktop).await?;
    shown(people::forget(&desktop.store, &desktop.client(), contact, &operator).await)
}
