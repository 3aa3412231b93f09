//! Facts about this installation of the app that Settings shows.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppInfo {
    pub version: String,
    /// Where the local database and the embedded server's data live.
    pub data_dir: String,
    /// The server this desktop syncs with.
    pub server_url: String,
    /// True when that server runs inside this app.
    pub embedded_server: bool,
    pub operator: String,
}

impl AppInfo {
    pub fn new(
        version: &str,
        data_dir: &Path,
        server_url: &str,
        embedded_server: bool,
        operator: &str,
    ) -> Self {
        Self {
            version: version.to_owned(),
            data_dir: data_dir.display().to_string(),
            server_url: server_url.to_owned(),
            embedded_server,
            operator: operator.to_owned(),
        }
    }
}
