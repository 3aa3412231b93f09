//! The outreach queue, as the operator named in settings.

use clipdesk_core::queue::{self, HistoryEntry, NextStep, Outcome, QueueOverview};
use clipdesk_core::{UserError, settings};
use tauri::State;

use super::in_store;
use crate::Desktop;

#[tauri::command]
pub async fn queue_start_next(
    desktop: State<'_, Desktop>,
    campaign: i64,
) -> Result<NextStep, UserError> {
    in_store(&desktop, move |conn| {
        let operator = settings::load(conn)?.operator;
        queue::start_next(conn, campaign, &operator)
    })
    .await
}

/// Pacing, how many are left and who is next, for the Queue to show whatever it is doing;
/// claims nothing.
#[tauri::command]
pub async fn queue_overview(
    desktop: State<'_, Desktop>,
    campaign: i64,
) -> Result<QueueOverview, UserError> {
    in_store(&desktop, move |conn| {
        let operator = settings::load(conn)?.operator;
        queue::overview(conn, campaign, &operator)
    })
    .await
}

/// "Send anyway…", confirmed: starts the next contact past pacing, logged as an override.
#[tauri::command]
pub async fn queue_send_anyway(
    desktop: State<'_, Desktop>,
    campaign: i64,
) -> Result<NextStep, UserError> {
    in_store(&desktop, move |conn| {
        let operator = settings::load(conn)?.operator;
        queue::start_despite_pacing(conn, campaign, &operator)
    })
    .await
}

#[tauri::command]
pub async fn queue_mark(
    desktop: State<'_, Desktop>,
    outreach: i64,
    outcome: Outcome,
) -> Result<(), UserError> {
    in_store(&desktop, move |conn| {
        let operator = settings::load(conn)?.operator;
        queue::mark(conn, outreach, outcome, &operator)
    })
    .await
}

/// The other campaigns a contact has been in, for the Queue's history.
#[tauri::command]
pub async fn contact_history(
    desktop: State<'_, Desktop>,
    contact: i64,
    except: Option<i64>,
) -> Result<Vec<HistoryEntry>, UserError> {
    in_store(&desktop, move |conn| {
        queue::contact_history(conn, contact, except)
    })
    .await
}

/// Undoes the operator's last outcome; returns the item put back.
#[tauri::command]
pub async fn queue_undo(desktop: State<'_, Desktop>) -> Result<i64, UserError> {
    in_store(&desktop, |conn| {
        let operator = settings::load(conn)?.operator;
        queue::undo_last(conn, &operator)
    })
    .await
}
