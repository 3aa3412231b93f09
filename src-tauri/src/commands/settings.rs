//! Settings: which server (none = the embedded one) with a connection test, and the
//! operator's name.

use clipdesk_core::client::ServerClient;
use clipdesk_core::settings::{self, Settings};
use clipdesk_core::{AppInfo, UserError};
use clipdesk_protocol::Health;
use tauri::State;

use super::{in_store, shown};
use crate::Desktop;

#[tauri::command]
pub async fn settings_get(desktop: State<'_, Desktop>) -> Result<Settings, UserError> {
    in_store(&desktop, |conn| settings::load(conn)).await
}

/// Tries a server and token without saving them: the health check, then an authenticated
/// call, so the answer says which of the two is wrong.
#[tauri::command]
pub async fn settings_test(server_url: String, server_token: String) -> Result<Health, UserError> {
    shown(async { ServerClient::new(&server_url, &server_token)?.check().await }.await)
}

/// Saves the settings and moves the sync loop to the chosen server (checked first; nothing
/// is saved when it fails). `server_token: null` or empty keeps the stored token.
#[tauri::command]
pub async fn settings_save(
    desktop: State<'_, Desktop>,
    server_url: Option<String>,
    server_token: Option<String>,
    operator: String,
) -> Result<AppInfo, UserError> {
    let server_url = server_url
        .map(|url| url.trim().trim_end_matches('/').to_owned())
        .filter(|url| !url.is_empty());
    let server_token = server_token
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty());
    shown(
        desktop
            .apply_settings(server_url, server_token, &operator)
            .await,
    )
}
