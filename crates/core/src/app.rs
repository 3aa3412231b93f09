//! Facts about this installation of the app that Settings shows.

use std::path::Path;

use clipdesk_protocol::reach::{LinkReach, link_reach};
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
    /// The base the server builds links on, when known (the embedded server's public
    /// address, or its own loopback URL).
    pub links_base: Option<String>,
    /// Who can open those links; `None` when the base is not known (a remote server).
    pub links_reach: Option<LinkReach>,
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
            links_base: None,
            links_reach: None,
        }
    }

    /// Records the base links are built on, and who can open them.
    pub fn with_links_base(mut self, base: &str) -> Self {
        self.links_reach = Some(link_reach(base));
        self.links_base = Some(base.to_owned());
        self
    }
}
