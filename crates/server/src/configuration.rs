//! What the server needs to know to start: one set of settings with its defaults, layered
//! from an optional TOML file and then flags and environment (figment does the layering).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use figment::value::Value;
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::objects::{S3Media, Storage};

/// Every setting, named in the TOML file, in flags (`--max-upload-bytes`) and in the
/// environment (`CLIPDESK_MAX_UPLOAD_BYTES`) by the `serde` name of its field.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Holds the database and the `uploads/` and `videos/` folders.
    #[serde(rename = "data")]
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
    #[serde(rename = "upload_expiry_secs", deserialize_with = "secs")]
    pub upload_expiry: Duration,
    /// How often the sweeper looks for expired uploads.
    #[serde(rename = "sweep_interval_secs", deserialize_with = "positive_secs")]
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
    /// Media jobs run at once. Default: half the cores, at least one (`default_media_workers`).
    #[serde(deserialize_with = "at_least_one")]
    pub media_workers: usize,
    /// A job still running after this is killed and counts as failed.
    #[serde(rename = "media_job_timeout_secs", deserialize_with = "positive_secs")]
    pub media_job_timeout: Duration,
    /// How long a signed media URL stays valid.
    #[serde(rename = "media_url_ttl_secs", deserialize_with = "positive_secs")]
    pub media_url_ttl: Duration,
    /// A PATCH whose body sends nothing for this long is cut off and its upload unlocked.
    #[serde(rename = "body_idle_timeout_secs", deserialize_with = "positive_secs")]
    pub body_idle_timeout: Duration,
    /// A connection must deliver a whole request head this soon after it opens (and, as
    /// hyper restarts the timer when a response is done, after each response). With TLS the
    /// handshake gets as long again, before it.
    #[serde(
        rename = "header_read_timeout_secs",
        deserialize_with = "positive_secs"
    )]
    pub header_read_timeout: Duration,
    /// A connection that has been answered and has no request in flight is closed after this.
    #[serde(rename = "keep_alive_timeout_secs", deserialize_with = "positive_secs")]
    pub keep_alive_timeout: Duration,
    /// Connections held at once; `None` derives it from the open-files limit so the database,
    /// uploads and videos always have descriptors left.
    #[serde(deserialize_with = "some_at_least_one")]
    pub max_connections: Option<usize>,
    /// Connections one peer IP may hold; `None` is 64, or no cap with `trust_forwarded_for`
    /// (every peer is then the proxy); 0 turns the cap off.
    pub max_connections_per_ip: Option<usize>,
    /// After SIGTERM, requests in flight get this long to finish before the server exits.
    #[serde(rename = "shutdown_grace_secs", deserialize_with = "secs")]
    pub shutdown_grace: Duration,
    /// Self-reported links one client IP may make on campaign pages per hour; 0 = no limit.
    pub self_reported_links_per_hour: u32,
    /// Who recipients give their videos to, named in the consent sentence of campaigns that
    /// name no organisation of their own. Blank is the same as unset.
    #[serde(deserialize_with = "trimmed_name")]
    pub organisation: Option<String>,
    /// PEM certificate chain (leaf first) to serve HTTPS with, together with `tls_key`; both
    /// files are read again when they change. Neither: plain HTTP (behind a proxy).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert` (PKCS#8, PKCS#1 or SEC1).
    pub tls_key: Option<PathBuf>,
    /// Where originals, renditions and posters are kept: `local` (`videos/` in the data
    /// folder) or a bucket, `s3://BUCKET/PREFIX`. Uploads in progress stay local either way.
    pub storage: Storage,
    /// The S3-compatible server's URL (R2, B2, MinIO, Garage…); unset for AWS itself.
    pub s3_endpoint: Option<String>,
    pub s3_region: String,
    /// Address the bucket in the path (`endpoint/bucket/key`), as MinIO and Garage want.
    pub s3_path_style: bool,
    /// Unset: `AWS_ACCESS_KEY_ID` from the environment.
    pub s3_access_key_id: Option<String>,
    /// Unset: `AWS_SECRET_ACCESS_KEY` from the environment.
    pub s3_secret_access_key: Option<String>,
    /// `redirect` desktops to a short-lived presigned bucket URL, or `proxy` the bytes.
    pub s3_media: S3Media,
    /// A webhook delivery's first retry waits this long (milliseconds); later ones back off
    /// exponentially from it (×60, ×360, … up to ×7200: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h).
    pub webhook_retry_base_ms: u64,
    /// A delivery still failing this long after its event is given up (`failed`).
    #[serde(
        rename = "webhook_retry_window_secs",
        deserialize_with = "positive_secs"
    )]
    pub webhook_retry_window: Duration,
}

/// The certificate and key files TLS is served from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
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
            media_workers: default_media_workers(),
            media_job_timeout: Duration::from_secs(600),
            media_url_ttl: Duration::from_secs(3600),
            body_idle_timeout: Duration::from_secs(60),
            header_read_timeout: Duration::from_secs(20),
            keep_alive_timeout: Duration::from_secs(10),
            max_connections: None,
            max_connections_per_ip: None,
            shutdown_grace: Duration::from_secs(10),
            self_reported_links_per_hour: 10,
            organisation: None,
            tls_cert: None,
            tls_key: None,
            storage: Storage::Local,
            s3_endpoint: None,
            s3_region: "us-east-1".to_owned(),
            s3_path_style: false,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_media: S3Media::Redirect,
            webhook_retry_base_ms: 5000,
            webhook_retry_window: Duration::from_secs(24 * 3600),
        }
    }

    /// The defaults, then the TOML file at `file`, then what flags and environment `given`.
    pub fn load(file: Option<&Path>, given: &Flags) -> anyhow::Result<Self> {
        let mut layers = Figment::new();
        if let Some(path) = file {
            layers = layers.merge(Toml::file_exact(path));
        }
        layers = layers.merge(Serialized::defaults(given.present()?));
        // figment's message names the key and the file it came from.
        let config: Self = layers
            .extract()
            .map_err(|err| anyhow::anyhow!("invalid settings: {err}"))?;
        config.tls_files()?;
        // A wrong bucket setting stops the start with its name, before anything is served.
        crate::objects::MediaStore::from_config(&config)?;
        Ok(config)
    }

    /// The files to serve HTTPS from, `None` for plain HTTP; an error when only one is set.
    pub fn tls_files(&self) -> anyhow::Result<Option<TlsFiles>> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            })),
            (None, None) => Ok(None),
            (Some(_), None) => anyhow::bail!(
                "invalid settings: tls_cert (--tls-cert) is set but tls_key (--tls-key) is not; \
                 HTTPS needs both, plain HTTP neither"
            ),
            (None, Some(_)) => anyhow::bail!(
                "invalid settings: tls_key (--tls-key) is set but tls_cert (--tls-cert) is not; \
                 HTTPS needs both, plain HTTP neither"
            ),
        }
    }

    /// The base links are built on: the public URL when set, else the address `addr` the
    /// server listens on, `https://` when it serves TLS itself.
    pub fn public_url_or(&self, addr: impl std::fmt::Display) -> String {
        let scheme = if matches!(self.tls_files(), Ok(Some(_))) {
            "https"
        } else {
            "http"
        };
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{addr}"))
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    pub fn videos_dir(&self) -> PathBuf {
        self.data_dir.join("videos")
    }

    /// Desktop releases an admin published, one folder per version.
    pub fn releases_dir(&self) -> PathBuf {
        self.data_dir.join("releases")
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("clipdesk-server.sqlite3")
    }
}

impl Default for Config {
    /// What `clipdesk-server serve` uses when nothing is set: data in `./clipdesk-data`.
    fn default() -> Self {
        Self::new("clipdesk-data")
    }
}

/// Flags and environment (clap reads both; a flag wins over its variable). Each field is
/// named like its key in [`Config`]; `None` means "not given", so the file or the default
/// applies. Defaults live in [`Config::new`] only; the `[default: …]` notes are for `--help`.
#[derive(Debug, Default, Clone, clap::Args, Serialize)]
pub struct Flags {
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
    #[arg(
        long,
        env = "CLIPDESK_TRUST_FORWARDED_FOR",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub trust_forwarded_for: Option<bool>,
    /// Fsync after every PATCH, not only on completion
    #[arg(
        long,
        env = "CLIPDESK_FSYNC_EVERY_PATCH",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub fsync_every_patch: Option<bool>,
    /// ffmpeg to run: a path or a name on PATH [default: ffmpeg]
    #[arg(long, env = "CLIPDESK_FFMPEG")]
    pub ffmpeg: Option<PathBuf>,
    /// ffprobe to run: a path or a name on PATH [default: ffprobe]
    #[arg(long, env = "CLIPDESK_FFPROBE")]
    pub ffprobe: Option<PathBuf>,
    /// Media jobs run at once [default: half the cores, at least 1]
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
    /// Seconds a connection has to send a whole request head (and to finish a TLS handshake) [default: 20]
    #[arg(long, env = "CLIPDESK_HEADER_READ_TIMEOUT_SECS")]
    pub header_read_timeout_secs: Option<u64>,
    /// Seconds an answered connection may wait idle for its next request [default: 10]
    #[arg(long, env = "CLIPDESK_KEEP_ALIVE_TIMEOUT_SECS")]
    pub keep_alive_timeout_secs: Option<u64>,
    /// Connections held at once [default: from the open-files limit]
    #[arg(long, env = "CLIPDESK_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Connections one peer IP may hold, 0 = no cap [default: 64; none with --trust-forwarded-for]
    #[arg(long, env = "CLIPDESK_MAX_CONNECTIONS_PER_IP")]
    pub max_connections_per_ip: Option<usize>,
    /// Seconds requests in flight get after SIGTERM before the server exits [default: 10]
    #[arg(long, env = "CLIPDESK_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Self-reported links per client IP an hour on campaign pages, 0 = no limit [default: 10]
    #[arg(long, env = "CLIPDESK_SELF_REPORTED_LINKS_PER_HOUR")]
    pub self_reported_links_per_hour: Option<u32>,
    /// Organisation the consent sentence names when a campaign names none, e.g. "Crumb & Co."
    #[arg(long, env = "CLIPDESK_ORGANISATION")]
    pub organisation: Option<String>,
    /// PEM certificate chain to serve HTTPS with (with --tls-key); reloaded when it changes
    #[arg(long, env = "CLIPDESK_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert
    #[arg(long, env = "CLIPDESK_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Where media are kept: local, or s3://BUCKET/PREFIX [default: local]
    #[arg(long, env = "CLIPDESK_STORAGE")]
    pub storage: Option<String>,
    /// S3-compatible server URL (R2, B2, MinIO, Garage…); unset for AWS
    #[arg(long, env = "CLIPDESK_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The bucket's region [default: us-east-1]
    #[arg(long, env = "CLIPDESK_S3_REGION")]
    pub s3_region: Option<String>,
    /// Path-style bucket URLs (endpoint/bucket/key), as MinIO and Garage want
    #[arg(
        long,
        env = "CLIPDESK_S3_PATH_STYLE",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub s3_path_style: Option<bool>,
    /// How media URLs answer with a bucket: redirect (presigned URL) or proxy [default: redirect]
    #[arg(long, env = "CLIPDESK_S3_MEDIA")]
    pub s3_media: Option<String>,
}

impl Flags {
    /// Only what was given, so an absent flag does not hide the file's value.
    fn present(&self) -> anyhow::Result<figment::value::Dict> {
        let mut given = Value::serialize(self)
            .context("cannot read the flags")?
            .into_dict()
            .context("flags are not a table")?;
        given.retain(|_, value| !matches!(value, Value::Empty(..)));
        Ok(given)
    }
}

fn trimmed_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let name = String::deserialize(d)?;
    let name = name.trim();
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

fn secs<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_secs)
}

/// Zero would make a timer fire at once or a loop spin: it means one second.
fn positive_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(|s| Duration::from_secs(s.max(1)))
}

/// Half the cores, at least one: on 2 cores one media job at a time already doubles the
/// upload path's p99 (ffmpeg under `nice`), a second one raises it again and finishes no more
/// videos per minute (bench/media/README.md).
pub fn default_media_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    usize::deserialize(d).map(|n| n.max(1))
}

fn some_at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    at_least_one(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let toml = file(
            "listen = \"127.0.0.1:9000\"\nuploads_per_link = 5\n\
             public_url = \"https://file.example\"\nupload_expiry_secs = 7\n\
             keep_alive_timeout_secs = 4\n",
        );
        let flags = Flags {
            public_url: Some("https://flag.example".into()),
            keep_alive_timeout_secs: Some(2),
            ..Flags::default()
        };
        let config = Config::load(Some(toml.path()), &flags).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.uploads_per_link, 5);
        assert_eq!(config.upload_expiry, Duration::from_secs(7));
        assert_eq!(config.public_url.as_deref(), Some("https://flag.example"));
        assert_eq!(config.keep_alive_timeout, Duration::from_secs(2));
        assert_eq!(
            config.max_upload_bytes,
            1 << 30,
            "default when nobody set it"
        );
        assert_eq!(config.data_dir, PathBuf::from("clipdesk-data"));
    }

    #[test]
    fn every_flag_is_a_key_of_the_settings() {
        // A flag named unlike its field in Config would be refused as an unknown key.
        let flags = Flags {
            data: Some("d".into()),
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 1))),
            public_url: Some("https://x.example".into()),
            max_upload_bytes: Some(1),
            uploads_per_link: Some(1),
            upload_expiry_secs: Some(1),
            sweep_interval_secs: Some(1),
            public_rate_per_minute: Some(1),
            trust_forwarded_for: Some(true),
            fsync_every_patch: Some(true),
            ffmpeg: Some("f".into()),
            ffprobe: Some("p".into()),
            media_workers: Some(1),
            media_job_timeout_secs: Some(1),
            media_url_ttl_secs: Some(1),
            body_idle_timeout_secs: Some(1),
            header_read_timeout_secs: Some(1),
            keep_alive_timeout_secs: Some(1),
            max_connections: Some(1),
            max_connections_per_ip: Some(1),
            shutdown_grace_secs: Some(1),
            self_reported_links_per_hour: Some(1),
            organisation: Some("o".into()),
            tls_cert: Some("c.pem".into()),
            tls_key: Some("k.pem".into()),
            storage: Some("local".into()),
            s3_endpoint: Some("http://127.0.0.1:9000".into()),
            s3_region: Some("auto".into()),
            s3_path_style: Some(true),
            s3_media: Some("proxy".into()),
        };
        let config = Config::load(None, &flags).unwrap();
        assert_eq!(config.max_connections, Some(1));
        assert_eq!(config.organisation.as_deref(), Some("o"));
        assert_eq!(config.tls_key, Some(PathBuf::from("k.pem")));
        assert_eq!(config.shutdown_grace, Duration::from_secs(1));
    }

    #[test]
    fn media_jobs_get_half_the_cores_by_default_so_uploads_keep_theirs() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let config = Config::load(None, &Flags::default()).unwrap();
        assert_eq!(config.media_workers, (cores / 2).max(1));
        assert!(
            config.media_workers < cores || cores == 1,
            "a core is left to the upload path"
        );
    }

    #[test]
    fn zero_where_zero_cannot_work_means_the_least_that_can() {
        let toml = file("media_workers = 0\nsweep_interval_secs = 0\nmax_connections = 0\n");
        let config = Config::load(Some(toml.path()), &Flags::default()).unwrap();
        assert_eq!(config.media_workers, 1);
        assert_eq!(config.sweep_interval, Duration::from_secs(1));
        assert_eq!(config.max_connections, Some(1));
    }

    #[test]
    fn the_organisation_is_kept_trimmed_and_a_blank_one_is_none() {
        let toml = file("organisation = \"  Crumb & Co.  \"\n");
        let config = Config::load(Some(toml.path()), &Flags::default()).unwrap();
        assert_eq!(config.organisation.as_deref(), Some("Crumb & Co."));
        let blank = Flags {
            organisation: Some(" ".into()),
            ..Flags::default()
        };
        let config = Config::load(Some(toml.path()), &blank).unwrap();
        assert_eq!(
            config.organisation, None,
            "a blank flag clears the file's name"
        );
    }

    #[test]
    fn a_misspelt_key_in_the_file_is_an_error_that_names_it() {
        let toml = file("listne = \"x\"\n");
        let err = Config::load(Some(toml.path()), &Flags::default()).unwrap_err();
        assert!(err.to_string().contains("listne"), "{err}");
    }

    #[test]
    fn tls_needs_both_the_certificate_and_the_key_wherever_each_is_set() {
        let toml = file("tls_cert = \"/etc/clipdesk/cert.pem\"\n");
        let err = Config::load(Some(toml.path()), &Flags::default()).unwrap_err();
        assert!(
            err.to_string().contains("tls_key (--tls-key) is not"),
            "{err}"
        );
        let key_flag = Flags {
            tls_key: Some("/etc/clipdesk/key.pem".into()),
            ..Flags::default()
        };
        let config = Config::load(Some(toml.path()), &key_flag).unwrap();
        assert_eq!(
            config.tls_files().unwrap(),
            Some(TlsFiles {
                cert: "/etc/clipdesk/cert.pem".into(),
                key: "/etc/clipdesk/key.pem".into()
            }),
            "one in the file, the other a flag"
        );
        let err = Config::load(None, &key_flag).unwrap_err();
        assert!(
            err.to_string().contains("tls_cert (--tls-cert) is not"),
            "{err}"
        );
    }

    #[test]
    fn links_default_to_https_when_the_server_serves_tls_itself() {
        let mut config = Config::new("d");
        assert_eq!(
            config.public_url_or("127.0.0.1:8750"),
            "http://127.0.0.1:8750"
        );
        config.tls_cert = Some("c.pem".into());
        config.tls_key = Some("k.pem".into());
        assert_eq!(
            config.public_url_or("127.0.0.1:8750"),
            "https://127.0.0.1:8750"
        );
        config.public_url = Some("https://clips.example.com/".into());
        assert_eq!(
            config.public_url_or("127.0.0.1:8750"),
            "https://clips.example.com",
            "a public URL set is used as it is"
        );
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        assert!(Config::load(Some(&missing), &Flags::default()).is_err());
    }
}
