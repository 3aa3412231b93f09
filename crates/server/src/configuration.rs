//! What the server needs to know to start: where its data lives and where it listens.

use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8750";

#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the database and the `uploads/` and `videos/` folders.
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// The base that links are built on (`<public_url>/r/<token>`); defaults to the listen address.
    pub public_url: Option<String>,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8750)),
            public_url: None,
        }
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    pub fn videos_dir(&self) -> PathBuf {
        self.data_dir.join("videos")
    }
}
