//! Settings: which server (none = the embedded one) with a connection test, and the
//! operator's name.

use clipdesk_core::client::ServerClient;
use clipdesk_core::reach::{self, AddressCheck};
use clipdesk_core::settings::{self, Settings};
use clipdesk_core::{AppInfo, UserError};
use clipdesk_protocol::Health;
use clipdesk_protocol::reach::DoctorReport;
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
/// The server's own doctor (`GET /api/v1/doctor`) for a server and token, without saving them.
#[tauri::command]
pub async fn settings_doctor(
    server_url: String,
    server_token: String,
) -> Result<DoctorReport, UserError> {
    shown(
        async {
            ServerClient::new(&server_url, &server_token)?
                .doctor()
                .await
        }
        .await,
    )
}

/// "Check": fetches `<public_url>/healthz` and says whether it reaches this app's embedded
/// server, or what it reached instead.
#[tauri::command]
pub async fn settings_check_address(
    desktop: State<'_, Desktop>,
    public_url: String,
) -> Result<AddressCheck, UserError> {
    let own = desktop.embedded_instance_id().await.unwrap_or_default();
    Ok(reach::check_address(&public_url, &own, reach::CHECK_TIMEOUT).await)
}

/// `embedded_public_url`: `null` keeps the saved one, `""` clears it; `embedded_listen_all`:
/// `null` keeps the saved choice. A change restarts the embedded server.
#[tauri::command]
pub async fn settings_save(
    desktop: State<'_, Desktop>,
    server_url: Option<String>,
    server_token: Option<String>,
    operator: String,
    embedded_public_url: Option<String>,
    embedded_listen_all: Option<bool>,
) -> Result<AppInfo, UserError> {
    let server_url = server_url
        .map(|url| url.trim().trim_end_matches('/').to_owned())
        .filter(|url| !url.is_empty());
    let server_token = server_token
        .map(|token| token.trim().to_owned())
        .filter(|token| !token.is_empty());
    let embedded = match (embedded_public_url, embedded_listen_all) {
        (None, None) => None,
        (public_url, listen_all) => {
            let saved = desktop.store.call(|conn| settings::load(conn)).await;
            let saved = shown(saved)?;
            let public_url = match public_url {
                None => saved.embedded_public_url,
                Some(url) => {
                    Some(url.trim().trim_end_matches('/').to_owned()).filter(|url| !url.is_empty())
                }
            };
            Some((public_url, listen_all.unwrap_or(saved.embedded_listen_all)))
        }
    };
    shown(
        desktop
            .apply_settings(server_url, server_token, &operator, embedded)
            .await,
    )
}
