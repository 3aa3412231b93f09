//! Settings → Updates: asks the connected server for a newer release (tauri-plugin-updater),
//! downloads and verifies it, then installs it and restarts.

use std::sync::{Mutex, PoisonError};

use clipdesk_core::updates::{
    self, NOT_SIGNED_WITH_THIS_APPS_KEY, UpdateCheck, UpdateDownload, UpdateProgress,
};
use clipdesk_core::{CoreError, UserError};
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_updater::{Error as UpdaterError, Update, UpdaterExt};

use crate::Desktop;

/// The release last offered, and its package once downloaded and verified.
#[derive(Default)]
pub struct PendingUpdate(Mutex<Option<(Update, Option<Vec<u8>>)>>);

impl PendingUpdate {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Update, Option<Vec<u8>>)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn unavailable(err: UpdaterError) -> UserError {
    UserError::from(&CoreError::Unavailable(format!(
        "cannot check the server for updates: {err}"
    )))
}

/// The key built in (`plugins.updater.pubkey`, filled at package time); a debug build also
/// takes `CLIPDESK_UPDATER_PUBKEY`, so a test can use a key it made.
fn public_key(app: &AppHandle) -> Option<String> {
    let built_in = app
        .config()
        .plugins
        .0
        .get("updater")
        .and_then(|updater| updater.get("pubkey"))
        .and_then(|key| key.as_str())
        .map(str::to_owned);
    let from_env = if cfg!(debug_assertions) {
        std::env::var("CLIPDESK_UPDATER_PUBKEY").ok()
    } else {
        None
    };
    updates::public_key(built_in.as_deref(), from_env.as_deref())
}

/// The format this copy was installed as; a debug build (installed from nothing) asks for
/// `CLIPDESK_UPDATER_FORMAT` or `deb`.
fn package_format() -> Result<String, String> {
    use tauri::utils::config::BundleType;
    use tauri::utils::platform::bundle_type;
    let installed = bundle_type().map(|bundle| match bundle {
        BundleType::Deb => "deb",
        BundleType::Rpm => "rpm",
        BundleType::AppImage => "an AppImage",
        _ => "another kind of bundle",
    });
    let forced = if cfg!(debug_assertions) {
        Some(std::env::var("CLIPDESK_UPDATER_FORMAT").unwrap_or_else(|_| "deb".to_owned()))
    } else {
        None
    };
    updates::package_format(installed, forced.as_deref())
}

#[tauri::command]
pub async fn update_check(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    pending: State<'_, PendingUpdate>,
) -> Result<UpdateCheck, UserError> {
    let current = app.package_info().version.to_string();
    let Some(key) = public_key(&app) else {
        return Ok(UpdateCheck::Off {
            current,
            reason: "this build has no update signing key, so updates are off".to_owned(),
        });
    };
    let format = match package_format() {
        Ok(format) => format,
        Err(reason) => return Ok(UpdateCheck::Off { current, reason }),
    };
    let client = desktop.client();
    let endpoint = updates::endpoint(client.base_url(), &format);
    let endpoint = endpoint
        .parse::<tauri::Url>()
        .map_err(|err| UserError::from(&CoreError::invalid("server_url", err.to_string())))?;
    let updater = app
        .updater_builder()
        .pubkey(key)
        .endpoints(vec![endpoint])
        .and_then(|builder| builder.header("Authorization", format!("Bearer {}", client.token())))
        .and_then(|builder| builder.build())
        .map_err(unavailable)?;
    let found = updater.check().await.map_err(unavailable)?;
    let answer = match &found {
        None => UpdateCheck::UpToDate { current },
        Some(update) => UpdateCheck::Available {
            current,
            version: update.version.clone(),
            notes: update.body.clone(),
            pub_date: update
                .raw_json
                .get("pub_date")
                .and_then(|date| date.as_str())
                .map(str::to_owned),
        },
    };
    *pending.lock() = found.map(|update| (update, None));
    Ok(answer)
}

/// Downloads the offered package and checks its signature with this app's key, sending
/// `update-progress` events; nothing is installed.
#[tauri::command]
pub async fn update_download(
    app: AppHandle,
    pending: State<'_, PendingUpdate>,
) -> Result<UpdateDownload, UserError> {
    let update = pending
        .lock()
        .as_ref()
        .map(|(update, _)| update.clone())
        .ok_or_else(|| {
            UserError::from(&CoreError::NotFound(
                "no update is offered: check first".into(),
            ))
        })?;
    let mut downloaded = 0u64;
    let result = update
        .download(
            |chunk, total| {
                downloaded += chunk as u64;
                let _ = app.emit("update-progress", UpdateProgress { downloaded, total });
            },
            || {},
        )
        .await;
    let version = update.version.clone();
    match result {
        Ok(bytes) => {
            let size = bytes.len() as u64;
            *pending.lock() = Some((update, Some(bytes)));
            Ok(UpdateDownload::Verified { version, size })
        }
        Err(
            err @ (UpdaterError::Minisign(_)
            | UpdaterError::Base64(_)
            | UpdaterError::SignatureUtf8(_)
            | UpdaterError::SignedVersionMismatch { .. }
            | UpdaterError::MissingSignedVersion),
        ) => {
            tracing::warn!(version, error = %err, "update refused: its signature does not verify");
            Ok(UpdateDownload::Refused {
                version,
                message: NOT_SIGNED_WITH_THIS_APPS_KEY.to_owned(),
            })
        }
        Err(err) => Err(UserError::from(&CoreError::Unavailable(format!(
            "cannot download the update: {err}"
        )))),
    }
}

/// Installs the verified package (the plugin runs dpkg or rpm with elevated rights, which
/// asks for a password) and restarts into the new version.
#[tauri::command]
pub async fn update_install(
    app: AppHandle,
    pending: State<'_, PendingUpdate>,
) -> Result<(), UserError> {
    let ready = pending.lock().take();
    let Some((update, Some(bytes))) = ready else {
        return Err(UserError::from(&CoreError::NotFound(
            "no verified update to install: download it first".into(),
        )));
    };
    let installed = tauri::async_runtime::spawn_blocking(move || update.install(bytes))
        .await
        .map_err(|err| UserError::from(&CoreError::Unexpected(err.into())))?;
    installed.map_err(|err| {
        UserError::from(&CoreError::Unavailable(format!(
            "the update was not installed: {err}"
        )))
    })?;
    app.restart()
}
