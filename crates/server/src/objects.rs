//! Videos on S3-compatible object storage: the `storage`/`s3_*` settings, and [`MediaStore`],
//! the bucket a video's original, rendition and poster live in when `storage = "s3://…"`.
//! Keys mirror the local layout: `PREFIX/videos/<video id>/original.<ext>` and so on.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, Checksum};
use object_store::path::Path as ObjectPath;
use object_store::signer::{SignedUrlOptions, Signer};
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::configuration::Config;

/// S3 wants parts of at least 5 MiB (but the last); 8 MiB keeps a 1 GiB original at 128 parts.
const PART_SIZE: usize = 8 << 20;
/// Files up to one part go up in one PUT (read whole into memory); larger ones in parts.
const MULTIPART_THRESHOLD: u64 = PART_SIZE as u64;
/// Parts in flight per file, besides the one being filled.
const PARTS_IN_FLIGHT: usize = 2;
/// Files put to the bucket at once, server-wide; the others wait their turn. Memory for puts
/// stays under PUTS_AT_ONCE × (PARTS_IN_FLIGHT + 1) × PART_SIZE = 48 MiB however many uploads
/// complete together (200 finishing at once held 4 GB before this limit, measured by
/// bench/run), and the bucket is not flooded.
const PUTS_AT_ONCE: usize = 2;
/// The longest a presigned bucket URL lives, whatever the media URL's own expiry.
pub const MAX_PRESIGNED_TTL: Duration = Duration::from_secs(15 * 60);

/// Where media are kept: `local` (the data folder's `videos/`) or a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub enum Storage {
    #[default]
    Local,
    S3 {
        bucket: String,
        /// Without leading or trailing `/`; empty for the bucket's root.
        prefix: String,
    },
}

impl Storage {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "local" {
            return Ok(Storage::Local);
        }
        let Some(rest) = text.strip_prefix("s3://") else {
            return Err(format!(
                "{text:?} is not a storage: expected `local` or `s3://BUCKET/PREFIX`"
            ));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = !bucket.is_empty()
            && bucket
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !valid_bucket {
            return Err(format!(
                "{text:?} names no valid bucket: expected `s3://BUCKET/PREFIX` with a bucket name \
                 of letters, digits, `-`, `.` or `_`"
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|part| part == "." || part == "..") || prefix.contains("//") {
            return Err(format!(
                "{text:?} has an invalid prefix: no empty, `.` or `..` parts"
            ));
        }
        Ok(Storage::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }

    pub fn is_local(&self) -> bool {
        matches!(self, Storage::Local)
    }
}

impl fmt::Display for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Storage::Local => f.write_str("local"),
            Storage::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Storage::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

impl TryFrom<String> for Storage {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Storage::parse(&text)
    }
}

impl From<Storage> for String {
    fn from(storage: Storage) -> String {
        storage.to_string()
    }
}

/// How `GET /media/…` answers with a bucket: a redirect to a short-lived presigned URL (the
/// bucket serves the bytes and Range), or the bytes proxied through the server (for buckets
/// desktops cannot reach).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum S3Media {
    #[default]
    Redirect,
    Proxy,
}

/// How to reach a bucket, apart from its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    /// `None` for AWS itself; R2, B2, MinIO, Garage and s3s-fs need theirs.
    pub endpoint: Option<String>,
    pub region: String,
    /// `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`.
    pub path_style: bool,
    /// `None`: `AWS_ACCESS_KEY_ID` from the environment.
    pub access_key_id: Option<String>,
    /// `None`: `AWS_SECRET_ACCESS_KEY` from the environment.
    pub secret_access_key: Option<String>,
}

impl S3Settings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            endpoint: config.s3_endpoint.clone(),
            region: config.s3_region.clone(),
            path_style: config.s3_path_style,
            access_key_id: config.s3_access_key_id.clone(),
            secret_access_key: config.s3_secret_access_key.clone(),
        }
    }
}

/// What a put stored, checked against the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutReport {
    pub size: u64,
    /// Of the bytes read from the local file and sent (S3 checks each request's
    /// `x-amz-checksum-sha256` against it).
    pub sha256_hex: String,
}

/// A bucket (and prefix) media are kept in. Cheap to clone.
#[derive(Clone)]
pub struct MediaStore {
    s3: Arc<AmazonS3>,
    storage: Arc<Storage>,
    prefix: Arc<str>,
    /// [`PUTS_AT_ONCE`] permits, shared by the clones.
    puts: Arc<tokio::sync::Semaphore>,
}

impl fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MediaStore({})", self.storage)
    }
}

impl MediaStore {
    /// The configured bucket, `None` with `storage = "local"`; an error names the setting that
    /// is wrong. Makes no request.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        match &config.storage {
            Storage::Local => Ok(None),
            storage => Self::open(storage, &S3Settings::from_config(config)).map(Some),
        }
    }

    /// A bucket given by its URL (`s3://BUCKET/PREFIX`), e.g. the target of a migration.
    pub fn from_url(storage_url: &str, settings: &S3Settings) -> anyhow::Result<Self> {
        let storage = Storage::parse(storage_url)
            .map_err(|reason| anyhow::anyhow!("invalid settings: storage: {reason}"))?;
        if storage.is_local() {
            anyhow::bail!("invalid settings: storage: expected a bucket (`s3://BUCKET/PREFIX`)");
        }
        Self::open(&storage, settings)
    }

    fn open(storage: &Storage, settings: &S3Settings) -> anyhow::Result<Self> {
        let Storage::S3 { bucket, prefix } = storage else {
            anyhow::bail!("invalid settings: storage: expected a bucket (`s3://BUCKET/PREFIX`)");
        };
        install_crypto_provider();
        let region = settings.region.trim();
        if region.is_empty() {
            anyhow::bail!(
                "invalid settings: s3_region (--s3-region) is empty; name the bucket's region \
                 (us-east-1 for most S3-compatible servers, auto for R2)"
            );
        }
        let key_id = settings
            .access_key_id
            .clone()
            .or_else(|| std::env::var("AWS_ACCESS_KEY_ID").ok())
            .filter(|k| !k.trim().is_empty());
        let secret = settings
            .secret_access_key
            .clone()
            .or_else(|| std::env::var("AWS_SECRET_ACCESS_KEY").ok())
            .filter(|k| !k.trim().is_empty());
        let (Some(key_id), Some(secret)) = (key_id, secret) else {
            anyhow::bail!(
                "invalid settings: storage {storage} needs credentials: set s3_access_key_id and \
                 s3_secret_access_key in the config file, or AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY in the environment"
            );
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(region)
            .with_access_key_id(key_id)
            .with_secret_access_key(secret)
            .with_virtual_hosted_style_request(!settings.path_style)
            // Every PUT and part carries x-amz-checksum-sha256, which the bucket verifies.
            .with_checksum_algorithm(Checksum::SHA256);
        if let Some(endpoint) = &settings.endpoint {
            let url = url::Url::parse(endpoint).map_err(|err| {
                anyhow::anyhow!(
                    "invalid settings: s3_endpoint (--s3-endpoint) {endpoint:?} is not a URL: {err}"
                )
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                anyhow::bail!(
                    "invalid settings: s3_endpoint (--s3-endpoint) {endpoint:?} must be an \
                     http:// or https:// URL, e.g. https://s3.eu-central-003.backblazeb2.com"
                );
            }
            let by_address = matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)))
                || url.host_str() == Some("localhost");
            if by_address && !settings.path_style {
                anyhow::bail!(
                    "invalid settings: s3_endpoint (--s3-endpoint) {endpoint:?} is an address, \
                     which cannot carry the bucket in its host name: set s3_path_style \
                     (--s3-path-style)"
                );
            }
            builder = builder
                .with_endpoint(endpoint.trim_end_matches('/'))
                .with_allow_http(url.scheme() == "http");
        }
        let s3 = builder
            .build()
            .with_context(|| format!("invalid settings: cannot use storage {storage}"))?;
        Ok(Self {
            s3: Arc::new(s3),
            puts: Arc::new(tokio::sync::Semaphore::new(PUTS_AT_ONCE)),
            storage: Arc::new(storage.clone()),
            prefix: prefix.as_str().into(),
        })
    }

    /// `s3://BUCKET/PREFIX`, for messages.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The key of one of a video's files (`original.mp4`, `rendition.mp4`, `poster.jpg`).
    pub fn key_for(&self, video_id: &str, file_name: &str) -> String {
        if self.prefix.is_empty() {
            format!("videos/{video_id}/{file_name}")
        } else {
            format!("{}/videos/{video_id}/{file_name}", self.prefix)
        }
    }

    /// A key at the top of the prefix, beside `videos/` (the doctor's probe).
    pub fn root_key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }

    /// Puts, reads back and deletes a small object: the bucket is reachable with these
    /// credentials, and writable.
    pub async fn probe(&self) -> anyhow::Result<()> {
        let key = self.root_key(&format!(".clipdesk-doctor-{}", std::process::id()));
        // A listing first: it fails on a missing bucket, where some S3-compatible servers
        // (s3s-fs) would quietly create one on the first put.
        let _: Vec<_> = self
            .s3
            .list(Some(&ObjectPath::from(key.as_str())))
            .try_collect()
            .await
            .with_context(|| format!("cannot list {}", self.storage))?;
        let body = Bytes::from_static(b"clipdesk-server doctor probe\n");
        self.put_bytes(&key, body.clone()).await?;
        let stored = self.head(&key).await;
        self.delete(&key).await?;
        match stored? {
            Some(size) if size == body.len() as u64 => Ok(()),
            other => anyhow::bail!("the probe object {key} read back as {other:?} bytes"),
        }
    }

    fn video_prefix(&self, video_id: &str) -> String {
        self.key_for(video_id, "")
    }

    /// Stores the file at `path` under `key` (in parts when large), then checks by HEAD that
    /// the bucket holds all of it. An object already there is replaced.
    pub async fn put_file(&self, key: &str, path: &Path) -> anyhow::Result<PutReport> {
        let _turn = self.puts.acquire().await?;
        let location = ObjectPath::from(key);
        let mut file = tokio::fs::File::open(path)
            .await
            .with_context(|| format!("cannot read {}", path.display()))?;
        let size = file
            .metadata()
            .await
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        let mut hasher = Sha256::new();
        if size <= MULTIPART_THRESHOLD {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            file.read_to_end(&mut bytes)
                .await
                .with_context(|| format!("cannot read {}", path.display()))?;
            hasher.update(&bytes);
            let options = object_store::PutOptions {
                attributes: attributes_for(key),
                ..Default::default()
            };
            self.s3
                .put_opts(&location, Bytes::from(bytes).into(), options)
                .await
                .with_context(|| format!("cannot store {key} in {}", self.storage))?;
        } else {
            let options = object_store::PutMultipartOptions {
                attributes: attributes_for(key),
                ..Default::default()
            };
            let upload = self
                .s3
                .put_multipart_opts(&location, options)
                .await
                .with_context(|| format!("cannot start storing {key} in {}", self.storage))?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
            let mut buffer = vec![0u8; 1 << 20];
            let sent: anyhow::Result<()> = async {
                loop {
                    let read = file
                        .read(&mut buffer)
                        .await
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    if read == 0 {
                        return Ok(());
                    }
                    hasher.update(&buffer[..read]);
                    writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                    writer.write(&buffer[..read]);
                }
            }
            .await;
            match sent {
                Ok(()) => {
                    writer
                        .finish()
                        .await
                        .with_context(|| format!("cannot store {key} in {}", self.storage))?;
                }
                Err(err) => {
                    // Parts already sent would otherwise be kept (and billed) by the bucket.
                    let _ = writer.abort().await;
                    return Err(err.context(format!("cannot store {key} in {}", self.storage)));
                }
            }
        }
        let stored = self.head(key).await?;
        if stored != Some(size) {
            anyhow::bail!(
                "{key} in {} holds {} bytes after storing {size}",
                self.storage,
                stored.map_or("no".to_owned(), |n| n.to_string())
            );
        }
        Ok(PutReport {
            size,
            sha256_hex: hex(&hasher.finalize()),
        })
    }

    /// Copies the object `key` to the file `path` (written under a temporary name, then
    /// renamed into place); its size.
    pub async fn get_to_file(&self, key: &str, path: &Path) -> anyhow::Result<u64> {
        let result = self
            .s3
            .get(&ObjectPath::from(key))
            .await
            .with_context(|| format!("cannot read {key} from {}", self.storage))?;
        let partial = partial_path(path);
        let copied: anyhow::Result<u64> = async {
            let mut file = tokio::fs::File::create(&partial)
                .await
                .with_context(|| format!("cannot create {}", partial.display()))?;
            let mut stream = result.into_stream();
            let mut size = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk =
                    chunk.with_context(|| format!("cannot read {key} from {}", self.storage))?;
                size += chunk.len() as u64;
                file.write_all(&chunk)
                    .await
                    .with_context(|| format!("cannot write {}", partial.display()))?;
            }
            file.flush()
                .await
                .with_context(|| format!("cannot write {}", partial.display()))?;
            Ok(size)
        }
        .await;
        match copied {
            Ok(size) => {
                tokio::fs::rename(&partial, path)
                    .await
                    .with_context(|| format!("cannot rename into {}", path.display()))?;
                Ok(size)
            }
            Err(err) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(err)
            }
        }
    }

    /// The object's size, `None` when there is no such object.
    pub async fn head(&self, key: &str) -> anyhow::Result<Option<u64>> {
        match self.s3.head(&ObjectPath::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(anyhow::Error::new(err)
                .context(format!("cannot look up {key} in {}", self.storage))),
        }
    }

    /// Stores small bytes under `key` (the doctor's probe).
    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        self.s3
            .put(&ObjectPath::from(key), bytes.into())
            .await
            .with_context(|| format!("cannot store {key} in {}", self.storage))?;
        Ok(())
    }

    /// Deletes one object; one already gone is not an error.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.s3.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(anyhow::Error::new(err)
                .context(format!("cannot delete {key} from {}", self.storage))),
        }
    }

    /// Deletes every object of one video; a video without objects is not an error.
    pub async fn delete_prefix(&self, video_id: &str) -> anyhow::Result<()> {
        let prefix = ObjectPath::from(self.video_prefix(video_id));
        let keys: Vec<ObjectPath> = self
            .s3
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .with_context(|| format!("cannot list video {video_id} in {}", self.storage))?;
        for key in keys {
            self.delete(key.as_ref()).await?;
        }
        Ok(())
    }

    /// Keys of every object under this store's prefix (`videos/…`), for checks and tests.
    pub async fn list_keys(&self) -> anyhow::Result<Vec<String>> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(&*self.prefix));
        self.s3
            .list(prefix.as_ref())
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .with_context(|| format!("cannot list {}", self.storage))
    }

    /// A URL anyone may GET `key` with for `ttl` (at most [`MAX_PRESIGNED_TTL`]).
    pub async fn presigned_get(&self, key: &str, ttl: Duration) -> anyhow::Result<url::Url> {
        self.presigned_get_as(key, ttl, None).await
    }

    /// [`MediaStore::presigned_get`], the bucket answering with `content_type` (so a browser
    /// plays what an uploader's client stored as `application/octet-stream`).
    pub async fn presigned_get_as(
        &self,
        key: &str,
        ttl: Duration,
        content_type: Option<&str>,
    ) -> anyhow::Result<url::Url> {
        let query: Vec<(&str, &str)> = content_type
            .map(|content_type| ("response-content-type", content_type))
            .into_iter()
            .collect();
        self.presign(key, ttl, &query).await
    }

    /// [`MediaStore::presigned_get_as`], the bucket also answering with `disposition` as the
    /// `Content-Disposition` (a download with its file name).
    pub async fn presigned_download(
        &self,
        key: &str,
        ttl: Duration,
        content_type: &str,
        disposition: &str,
    ) -> anyhow::Result<url::Url> {
        let query = [
            ("response-content-type", content_type),
            ("response-content-disposition", disposition),
        ];
        self.presign(key, ttl, &query).await
    }

    /// A presigned GET of `key` for `ttl` (1 s to [`MAX_PRESIGNED_TTL`]), the bucket's answer
    /// shaped by the `response-*` parameters in `query`.
    async fn presign(
        &self,
        key: &str,
        ttl: Duration,
        query: &[(&str, &str)],
    ) -> anyhow::Result<url::Url> {
        let options = SignedUrlOptions::default().with_query(query.iter().copied());
        self.s3
            .signed_url_opts(
                http::Method::GET,
                &ObjectPath::from(key),
                ttl.clamp(Duration::from_secs(1), MAX_PRESIGNED_TTL),
                &options,
            )
            .await
            .with_context(|| format!("cannot presign {key} in {}", self.storage))
    }

    /// The bytes `range` of `key` as a stream (the caller knows the size from [`Self::head`]).
    pub async fn get_range(
        &self,
        key: &str,
        range: Range<u64>,
    ) -> anyhow::Result<BoxStream<'static, std::io::Result<Bytes>>> {
        let options = object_store::GetOptions {
            range: Some(range.into()),
            ..Default::default()
        };
        let result = self
            .s3
            .get_opts(&ObjectPath::from(key), options)
            .await
            .with_context(|| format!("cannot read {key} from {}", self.storage))?;
        Ok(result.into_stream().map_err(std::io::Error::other).boxed())
    }
}

/// The object's Content-Type from its name, so the bucket answers presigned GETs as a browser
/// plays them (with `response-content-type` in the URL as well, for buckets that keep none).
fn attributes_for(key: &str) -> object_store::Attributes {
    let content_type = match key.rsplit_once('.').map(|(_, ext)| ext) {
        Some("mp4" | "m4v") => "video/mp4",
        Some("webm") => "video/webm",
        Some("mov") => "video/quicktime",
        Some("mkv") => "video/x-matroska",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => return object_store::Attributes::new(),
    };
    [(object_store::Attribute::ContentType, content_type)]
        .into_iter()
        .collect()
}

/// Where [`MediaStore::get_to_file`] writes before the rename.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

/// object_store's HTTP client takes rustls's process-wide provider: ring, as the server's own
/// TLS. A second call (or another part that installed it first) changes nothing.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A digest as lowercase hex, as manifests, logs and `storage migrate` compare them.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file's size and SHA-256 (lowercase hex), read once; blocking.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<(u64, String)> {
    use sha2::Digest;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher)?;
    Ok((size, hex(&hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_is_local_or_a_bucket_with_an_optional_prefix() {
        assert_eq!(Storage::parse("local"), Ok(Storage::Local));
        assert_eq!(
            Storage::parse("s3://clips"),
            Ok(Storage::S3 {
                bucket: "clips".into(),
                prefix: String::new()
            })
        );
        assert_eq!(
            Storage::parse("s3://clips/team-a/"),
            Ok(Storage::S3 {
                bucket: "clips".into(),
                prefix: "team-a".into()
            })
        );
        assert_eq!(
            Storage::parse("s3://clips/team-a").unwrap().to_string(),
            "s3://clips/team-a"
        );
        for bad in [
            "s3://",
            "s3:///x",
            "gs://clips",
            "clips",
            "s3://clips/a/../b",
        ] {
            assert!(Storage::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn keys_mirror_the_local_layout_under_the_prefix() {
        let settings = S3Settings {
            endpoint: Some("http://127.0.0.1:9".into()),
            region: "us-east-1".into(),
            path_style: true,
            access_key_id: Some("k".into()),
            secret_access_key: Some("s".into()),
        };
        let store = MediaStore::from_url("s3://clips/team-a", &settings).unwrap();
        assert_eq!(
            store.key_for("v1", "poster.jpg"),
            "team-a/videos/v1/poster.jpg"
        );
        let root = MediaStore::from_url("s3://clips", &settings).unwrap();
        assert_eq!(root.key_for("v1", "original.mp4"), "videos/v1/original.mp4");
    }
}
