//! What the server needs to know to start, merged from flags, environment and an optional
//! TOML file (in that order of precedence), with defaults for everything but the data folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8750";

#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the database and the `uploads/` and `videos/` folders.
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// The base that links are built on (`<public_url>/r/<token>`); defaults to the address
    /// the server listens on.
    pub public_url: Option<String>,
    /// `Tus-Max-Size`: the largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// Uploads one link may make (rejected ones do not count).
    pub uploads_per_link: u32,
    /// How long an unfinished upload is kept before the sweeper deletes it.
    pub upload_expiry: Duration,
    /// How often the sweeper looks for expired uploads.
    pub sweep_interval: Duration,
    /// Requests a minute one client IP may make to the public routes; 0 turns the limit off.
    pub public_rate_per_minute: u32,
    /// Take the client IP from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_forwarded_for: bool,
    /// Fsync the upload file after every PATCH, not only when the upload completes.
    pub fsync_every_patch: bool,
    /// `ffmpeg` and `ffprobe`: a path, or a name looked up on PATH.
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
    /// Media jobs run at once.
    pub media_workers: usize,
    /// A job still running after this is killed and counts as failed.
    pub media_job_timeout: Duration,
    /// How long a signed media URL stays valid.
    pub media_url_ttl: Duration,
    /// A PATCH whose body sends nothing for this long is cut off and its upload unlocked.
    pub body_idle_timeout: Duration,
}

impl Config {
    /// Defaults for everything, data in `data_dir`, listening on 127.0.0.1:8750.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8750)),
            public_url: None,
            max_upload_bytes: 1 << 30,
            uploads_per_link: 3,
            upload_expiry: Duration::from_secs(24 * 3600),
            sweep_interval: Duration::from_secs(60),
            public_rate_per_minute: 120,
            trust_forwarded_for: false,
            fsync_every_patch: false,
            ffmpeg: PathBuf::from("ffmpeg"),
            ffprobe: PathBuf::from("ffprobe"),
            media_workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            media_job_timeout: Duration::from_secs(600),
            media_url_ttl: Duration::from_secs(3600),
            body_idle_timeout: Duration::from_secs(60),
        }
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    pub fn videos_dir(&self) -> PathBuf {
        self.data_dir.join("videos")
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("clipdesk-server.sqlite3")
    }
}

/// The optional TOML file (`--config FILE`); every key is optional and named like its flag.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub public_url: Option<String>,
    pub max_upload_bytes: Option<u64>,
    pub uploads_per_link: Option<u32>,
    pub upload_expiry_secs: Option<u64>,
    pub sweep_interval_secs: Option<u64>,
    pub public_rate_per_minute: Option<u32>,
    pub trust_forwarded_for: Option<bool>,
    pub fsync_every_patch: Option<bool>,
    pub ffmpeg: Option<PathBuf>,
    pub ffprobe: Option<PathBuf>,
    pub media_workers: Option<usize>,
    pub media_job_timeout_secs: Option<u64>,
    pub media_url_ttl_secs: Option<u64>,
    pub body_idle_timeout_secs: Option<u64>,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("config file {} is invalid", path.display()))
    }
}

/// Flags and environment (clap fills both); `None` means "not given", so the file or the
/// default applies.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Overrides {
    /// Folder for the database, uploads and videos (created when missing) [default: clipdesk-data]
    #[arg(long, env = "CLIPDESK_DATA")]
    pub data: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8750]
    #[arg(long, env = "CLIPDESK_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Base URL recipients' links are built on, e.g. https://clips.example.com
    #[arg(long, env = "CLIPDESK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest upload accepted, in bytes [default: 1 GiB]
    #[arg(long, env = "CLIPDESK_MAX_UPLOAD_BYTES")]
    pub max_upload_bytes: Option<u64>,
    /// Uploads one link may make [default: 3]
    #[arg(long, env = "CLIPDESK_UPLOADS_PER_LINK")]
    pub uploads_per_link: Option<u32>,
    /// Seconds an unfinished upload is kept [default: 86400]
    #[arg(long, env = "CLIPDESK_UPLOAD_EXPIRY_SECS")]
    pub upload_expiry_secs: Option<u64>,
    /// Seconds between sweeps for expired uploads [default: 60]
    #[arg(long, env = "CLIPDESK_SWEEP_INTERVAL_SECS")]
    pub sweep_interval_secs: Option<u64>,
    /// Requests a minute per client IP on public routes, 0 = no limit [default: 120]
    #[arg(long, env = "CLIPDESK_PUBLIC_RATE_PER_MINUTE")]
    pub public_rate_per_minute: Option<u32>,
    /// Take the client IP from X-Forwarded-For (only behind your own proxy)
    #[arg(long, env = "CLIPDESK_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: Option<bool>,
    /// Fsync after every PATCH, not only on completion
    #[arg(long, env = "CLIPDESK_FSYNC_EVERY_PATCH")]
    pub fsync_every_patch: Option<bool>,
    /// ffmpeg to run: a path or a name on PATH [default: ffmpeg]
    #[arg(long, env = "CLIPDESK_FFMPEG")]
    pub ffmpeg: Option<PathBuf>,
    /// ffprobe to run: a path or a name on PATH [default: ffprobe]
    #[arg(long, env = "CLIPDESK_FFPROBE")]
    pub ffprobe: Option<PathBuf>,
    /// Media jobs run at once [default: one per core]
    #[arg(long, env = "CLIPDESK_MEDIA_WORKERS")]
    pub media_workers: Option<usize>,
    /// Seconds before a media job is killed as hung [default: 600]
    #[arg(long, env = "CLIPDESK_MEDIA_JOB_TIMEOUT_SECS")]
    pub media_job_timeout_secs: Option<u64>,
    /// Seconds a signed media URL stays valid [default: 3600]
    #[arg(long, env = "CLIPDESK_MEDIA_URL_TTL_SECS")]
    pub media_url_ttl_secs: Option<u64>,
    /// Seconds a PATCH body may send nothing before it is cut off [default: 60]
    #[arg(long, env = "CLIPDESK_BODY_IDLE_TIMEOUT_SECS")]
    pub body_idle_timeout_secs: Option<u64>,
}

impl Overrides {
    /// Flags/environment over the file over the defaults.
    pub fn resolve(self, file: FileConfig) -> Config {
        let data = self
            .data
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from("clipdesk-data"));
        let mut config = Config::new(data);
        if let Some(listen) = self.listen.or(file.listen) {
            config.listen = listen;
        }
        config.public_url = self.public_url.or(file.public_url);
        if let Some(v) = self.max_upload_bytes.or(file.max_upload_bytes) {
            config.max_upload_bytes = v;
        }
        if let Some(v) = self.uploads_per_link.or(file.uploads_per_link) {
            config.uploads_per_link = v;
        }
        if let Some(v) = self.upload_expiry_secs.or(file.upload_expiry_secs) {
            config.upload_expiry = Duration::from_secs(v);
        }
        if let Some(v) = self.sweep_interval_secs.or(file.sweep_interval_secs) {
            config.sweep_interval = Duration::from_secs(v.max(1));
        }
        if let Some(v) = self.public_rate_per_minute.or(file.public_rate_per_minute) {
            config.public_rate_per_minute = v;
        }
        if let Some(v) = self.trust_forwarded_for.or(file.trust_forwarded_for) {
            config.trust_forwarded_for = v;
        }
        if let Some(v) = self.fsync_every_patch.or(file.fsync_every_patch) {
            config.fsync_every_patch = v;
        }
        if let Some(v) = self.ffmpeg.or(file.ffmpeg) {
            config.ffmpeg = v;
        }
        if let Some(v) = self.ffprobe.or(file.ffprobe) {
            config.ffprobe = v;
        }
        if let Some(v) = self.media_workers.or(file.media_workers) {
            config.media_workers = v.max(1);
        }
        if let Some(v) = self.media_job_timeout_secs.or(file.media_job_timeout_secs) {
            config.media_job_timeout = Duration::from_secs(v.max(1));
        }
        if let Some(v) = self.media_url_ttl_secs.or(file.media_url_ttl_secs) {
            config.media_url_ttl = Duration::from_secs(v.max(1));
        }
        if let Some(v) = self.body_idle_timeout_secs.or(file.body_idle_timeout_secs) {
            config.body_idle_timeout = Duration::from_secs(v.max(1));
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let file: FileConfig = toml::from_str(
            "listen = \"127.0.0.1:9000\"\nuploads_per_link = 5\npublic_url = \"https://file.example\"",
        )
        .unwrap();
        let flags = Overrides {
            public_url: Some("https://flag.example".into()),
            ..Overrides::default()
        };
        let config = flags.resolve(file);
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.uploads_per_link, 5);
        assert_eq!(config.public_url.as_deref(), Some("https://flag.example"));
        assert_eq!(
            config.max_upload_bytes,
            1 << 30,
            "default when nobody set it"
        );
    }

    #[test]
    fn a_misspelt_key_in_the_file_is_an_error_that_names_it() {
        let err = toml::from_str::<FileConfig>("listne = \"x\"").unwrap_err();
        assert!(err.to_string().contains("listne"), "{err}");
    }
}
