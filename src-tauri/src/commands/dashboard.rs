//! The Dashboard's figures.

use clipdesk_core::UserError;
use clipdesk_core::dashboard::{self, Dashboard};
use tauri::State;

use super::in_store;
use crate::Desktop;

/// Funnels per campaign and sends per day over the last `days` days in the operator's zone.
#[tauri::command]
pub async fn dashboard(
    desktop: State<'_, Desktop>,
    days: u32,
    utc_offset_minutes: i32,
) -> Result<Dashboard, UserError> {
    in_store(&desktop, move |conn| {
        dashboard::load(conn, days, utc_offset_minutes)
    })
    .await
}
