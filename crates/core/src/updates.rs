//! The desktop's updates: which route of its server the updater asks, for which package
//! format and with which key, and what Settings → Updates shows.

use serde::Serialize;
use ts_rs::TS;

/// Shown when a downloaded package does not verify: it is never installed.
pub const NOT_SIGNED_WITH_THIS_APPS_KEY: &str =
    "The update is not signed with this app's key: not installed.";

/// What "Check for updates" found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UpdateCheck {
    /// This build cannot update itself (no signing key built in, not installed from a package).
    Off {
        current: String,
        reason: String,
    },
    UpToDate {
        current: String,
    },
    Available {
        current: String,
        version: String,
        notes: Option<String>,
        /// RFC 3339, when the server said.
        pub_date: Option<String>,
    },
}

/// What downloading the offered package ended with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UpdateDownload {
    /// The signature checked out with this app's key; ready to install.
    Verified {
        version: String,
        #[ts(type = "number")]
        size: u64,
    },
    /// The bytes do not match the signature with this app's key.
    Refused { version: String, message: String },
}

/// Sent as the `update-progress` event while a package downloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UpdateProgress {
    #[ts(type = "number")]
    pub downloaded: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// The updater's endpoint on `server_url` (tauri-plugin-updater fills in the `{{…}}`).
pub fn endpoint(server_url: &str, format: &str) -> String {
    format!(
        "{}/api/v1/updates/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}?format={format}",
        server_url.trim_end_matches('/')
    )
}

/// The package format to ask for: the one this copy was installed from. `forced` is a debug
/// build's choice (it was installed from nothing).
pub fn package_format(
    installed_from: Option<&str>,
    forced: Option<&str>,
) -> Result<String, String> {
    match forced.or(installed_from) {
        Some(format @ ("deb" | "rpm")) => Ok(format.to_owned()),
        Some(other) => Err(format!(
            "updates come as .deb and .rpm packages, and this copy was installed as {other}"
        )),
        None => Err("this copy was not installed from a .deb or .rpm package".to_owned()),
    }
}

/// The minisign public key updates must be signed with: the one built in, or in a debug
/// build `from_env` (a test's own key). `None` when there is none: updates are off.
pub fn public_key(built_in: Option<&str>, from_env: Option<&str>) -> Option<String> {
    from_env
        .or(built_in)
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_updater_asks_the_connected_servers_route_for_its_own_format() {
        assert_eq!(
            endpoint("http://127.0.0.1:8750/", "rpm"),
            "http://127.0.0.1:8750/api/v1/updates/{{target}}/{{arch}}/{{current_version}}?format=rpm"
        );
        assert_eq!(package_format(Some("deb"), None), Ok("deb".to_owned()));
        assert_eq!(
            package_format(Some("deb"), Some("rpm")),
            Ok("rpm".to_owned())
        );
        assert!(package_format(Some("appimage"), None).is_err());
        assert!(package_format(None, None).is_err());
    }

    #[test]
    fn without_a_key_updates_are_off() {
        assert_eq!(public_key(Some(""), None), None);
        assert_eq!(public_key(Some("  "), Some("")), None);
        assert_eq!(public_key(Some("A"), None).as_deref(), Some("A"));
        assert_eq!(public_key(Some("A"), Some("B")).as_deref(), Some("B"));
    }
}
