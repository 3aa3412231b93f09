//! `clipdesk-server storage migrate`: moves the videos of a local data folder into a bucket,
//! resumably. A video's local folder is deleted only once every one of its files is in the
//! bucket with the same size and SHA-256; unfinished uploads stay local (they always do).

use std::path::{Path, PathBuf};

use anyhow::Context;
use futures_util::StreamExt;
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};

use crate::configuration::Config;
use crate::db::Db;
use crate::domain::UploadId;
use crate::objects::{MediaStore, Storage, hex};
use crate::uploads::container::Container;
use crate::uploads::storage::remove_quietly;

/// How long the bucket has to answer the first requests (object_store retries for minutes).
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What a run did, for the closing lines.
#[derive(Debug, Default)]
pub struct Summary {
    /// Videos with at least one file sent, all verified, local folder removed.
    pub moved: usize,
    /// Videos whose every file was in the bucket already (a run cut short after sending them).
    pub already_there: usize,
    /// Videos left local for now: their media job has not finished, or they are still being
    /// received. A later run takes them.
    pub waiting: usize,
    pub files_sent: usize,
    pub bytes_sent: u64,
    /// In the order they happened; their local folders are untouched.
    pub failures: Vec<(String, anyhow::Error)>,
    /// Uploads in progress in `uploads/`, which stay on local disk.
    pub uploads_in_progress: usize,
    /// Video folders found in `videos/`.
    pub folders: usize,
}

impl Summary {
    /// The closing lines: the totals, what stays local, and the admin's next step with the
    /// server's `configured` storage in mind.
    pub fn closing(&self, config: &Config, to: &Storage) -> Vec<String> {
        let mut lines = Vec::new();
        if self.folders == 0 {
            lines.push(format!(
                "nothing to move: {} holds no videos",
                config.videos_dir().display()
            ));
        } else {
            lines.push(format!(
                "{} video(s) moved to {to} ({} file(s), {} sent), {} already there, {} left \
                 local for now, {} failed",
                self.moved,
                self.files_sent,
                mib(self.bytes_sent),
                self.already_there,
                self.waiting,
                self.failures.len()
            ));
        }
        lines.push(format!(
            "unfinished uploads stay local in {} ({} now): uploads are received on disk and \
             stored in the bucket when they complete, once the server uses it",
            config.uploads_dir().display(),
            self.uploads_in_progress
        ));
        if self.waiting > 0 {
            lines.push(
                "run migrate again later for the videos left local (it skips what is moved)"
                    .to_owned(),
            );
        }
        if !self.failures.is_empty() {
            lines.push(
                "fix the failure and run migrate again: moved videos are skipped, and a video's \
                 local files are deleted only once all its objects are verified"
                    .to_owned(),
            );
        } else if config.storage == *to {
            lines.push(format!(
                "clipdesk-server is already set to storage = \"{to}\": nothing else to do"
            ));
        } else {
            let until = if self.moved + self.already_there > 0 {
                "; until then it cannot serve the videos moved"
            } else {
                ""
            };
            lines.push(format!(
                "next: set storage = \"{to}\" (and the same s3_* settings) in the config file, \
                 or --storage {to}, and restart clipdesk-server{until}"
            ));
        }
        lines
    }
}

/// How one video went.
enum Outcome {
    Moved {
        files: usize,
        bytes: u64,
    },
    AlreadyThere {
        files: usize,
    },
    Waiting(String),
    /// Forgotten by an operator while it was being moved: its objects were deleted again.
    Forgotten,
}

/// The files of a video folder that are media (anything else there is a leftover of an
/// interrupted media step).
fn is_media_file(name: &str) -> bool {
    name == "rendition.mp4"
        || name == "poster.jpg"
        || Container::ALL
            .iter()
            .any(|c| name == format!("original.{}", c.extension()))
}

/// Moves every video folder of `config`'s data folder into `store`, saying what happens to
/// each through `say`. An error is returned only when nothing could start (no data folder, a
/// bucket that cannot be written); a video that fails is counted and the others go on.
pub async fn migrate(
    config: &Config,
    store: &MediaStore,
    mut say: impl FnMut(String),
) -> anyhow::Result<Summary> {
    let database = config.database_path();
    if !database.is_file() {
        anyhow::bail!(
            "{} holds no clipdesk-server data (no {}): name the server's data folder with \
             --data or the config file",
            config.data_dir.display(),
            database.display()
        );
    }
    check_bucket(store).await?;
    let db = Db::open(&database)?;
    let mut summary = Summary {
        uploads_in_progress: count_entries(&config.uploads_dir())?,
        ..Summary::default()
    };
    let folders = video_folders(&config.videos_dir())?;
    summary.folders = folders.len();
    for (i, video_id) in folders.iter().enumerate() {
        let n = format!("[{}/{}]", i + 1, folders.len());
        let dir = config.videos_dir().join(video_id);
        match migrate_video(&db, store, video_id, &dir).await {
            Ok(Outcome::Moved { files, bytes }) => {
                summary.moved += 1;
                summary.files_sent += files;
                summary.bytes_sent += bytes;
                say(format!(
                    "{n} moved {video_id}: {files} file(s), {}, verified; local copy removed",
                    mib(bytes)
                ));
            }
            Ok(Outcome::AlreadyThere { files }) => {
                summary.already_there += 1;
                say(format!(
                    "{n} {video_id} was already in the bucket ({files} file(s) verified); local \
                     copy removed"
                ));
            }
            Ok(Outcome::Waiting(why)) => {
                summary.waiting += 1;
                say(format!("{n} left {video_id} local for now: {why}"));
            }
            Ok(Outcome::Forgotten) => {
                say(format!(
                    "{n} {video_id} was forgotten by an operator meanwhile: its objects were \
                     deleted again"
                ));
            }
            Err(err) => {
                say(format!("{n} FAILED {video_id}: {err:#}"));
                summary.failures.push((video_id.clone(), err));
            }
        }
    }
    Ok(summary)
}

/// Lists the bucket, then puts, reads back and deletes a probe object, so a wrong endpoint,
/// bucket or key stops the run before any video is touched.
async fn check_bucket(store: &MediaStore) -> anyhow::Result<()> {
    let checked = match tokio::time::timeout(CHECK_TIMEOUT, store.probe()).await {
        Ok(checked) => checked,
        Err(_) => Err(anyhow::anyhow!(
            "no answer within {} s",
            CHECK_TIMEOUT.as_secs()
        )),
    };
    checked.with_context(|| {
        format!(
            "cannot use {} (check the bucket name in --to, s3_endpoint, s3_region, \
             s3_path_style and the credentials); nothing was moved",
            store.storage()
        )
    })
}

/// The folders of `videos/` named like our ids, sorted (anything else is not ours to move).
fn video_folders(videos_dir: &Path) -> anyhow::Result<Vec<String>> {
    let entries = match std::fs::read_dir(videos_dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read {}", videos_dir.display()));
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", videos_dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_dir()) && UploadId::parse(&name).is_some() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn count_entries(dir: &Path) -> anyhow::Result<usize> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries.count()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", dir.display())),
    }
}

/// The video's original container and its media job's state (`None`: no job row), or `None`
/// when there is no such video.
type VideoRow = Option<(String, Option<String>)>;

fn video_row(db: &Db, video_id: &str) -> anyhow::Result<VideoRow> {
    let conn = db.lock()?;
    Ok(conn
        .query_row(
            "SELECT v.container, j.state FROM videos v
             LEFT JOIN media_jobs j ON j.video_id = v.id WHERE v.id = ?1",
            [video_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

async fn migrate_video(
    db: &Db,
    store: &MediaStore,
    video_id: &str,
    dir: &Path,
) -> anyhow::Result<Outcome> {
    let Some((container, job)) = video_row(db, video_id)? else {
        // Its upload is being finished (the folder comes before the row), or a forget's
        // deletion was cut short (the server's start-up removes those).
        return Ok(Outcome::Waiting(
            "no video has this id (an upload being finished, or a forgotten video's folder \
             the server removes at its next start)"
                .to_owned(),
        ));
    };
    if matches!(job.as_deref(), Some("queued" | "running")) {
        return Ok(Outcome::Waiting(
            "its media job has not finished; run migrate again once it has".to_owned(),
        ));
    }
    let original = Container::from_name(&container)
        .map(|c| format!("original.{}", c.extension()))
        .with_context(|| format!("the database names an unknown container {container:?}"))?;
    let mut files = media_files(dir)?;
    if !files.iter().any(|(name, _)| *name == original) {
        // Sent and its local copy removed by a run cut short while deleting the folder.
        let key = store.key_for(video_id, &original);
        if store.head(&key).await?.is_none() {
            anyhow::bail!(
                "{original} is neither in {} nor in the bucket",
                dir.display()
            );
        }
    }
    files.sort();
    let (mut sent, mut bytes) = (0, 0);
    for (name, path) in &files {
        let key = store.key_for(video_id, name);
        if let Some(size) = put_verified(store, &key, path).await? {
            sent += 1;
            bytes += size;
        }
    }
    remove_dir(dir)?;
    // A forget between the lookup above and here deleted the row and (with a bucket
    // configured) the objects it knew of; what this run sent must not outlive it.
    if video_row(db, video_id)?.is_none() {
        store.delete_prefix(video_id).await?;
        return Ok(Outcome::Forgotten);
    }
    Ok(if sent > 0 {
        Outcome::Moved { files: sent, bytes }
    } else {
        Outcome::AlreadyThere { files: files.len() }
    })
}

/// The media files in a video folder, by name.
fn media_files(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_file()) && is_media_file(&name) {
            files.push((name, entry.path()));
        }
    }
    Ok(files)
}

/// Makes sure the object `key` holds exactly the file at `path`: left alone when it already
/// does (same size and SHA-256, read back from the bucket), else stored and checked. The bytes
/// sent, `None` when nothing had to be.
async fn put_verified(store: &MediaStore, key: &str, path: &Path) -> anyhow::Result<Option<u64>> {
    let (size, sha256) = hash_file(path).await?;
    if store.head(key).await? == Some(size) && hash_object(store, key, size).await? == sha256 {
        return Ok(None);
    }
    // The bucket checks each request's x-amz-checksum-sha256 and put_file the stored size;
    // the report's hash is of the bytes read for sending, which must be the ones hashed above
    // (a file changed in between is not deleted).
    let report = store.put_file(key, path).await?;
    if report.size != size || report.sha256_hex != sha256 {
        anyhow::bail!(
            "{} changed while it was stored as {key} ({size} bytes, sha256 {sha256} before; \
             {} bytes, sha256 {} sent)",
            path.display(),
            report.size,
            report.sha256_hex
        );
    }
    Ok(Some(size))
}

async fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        crate::objects::sha256_file(&path)
            .with_context(|| format!("cannot read {}", path.display()))
    })
    .await
    .context("the hashing task stopped")?
}

/// The SHA-256 of the object's first `size` bytes, as the bucket serves them.
async fn hash_object(store: &MediaStore, key: &str, size: u64) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    if size > 0 {
        let mut stream = store.get_range(key, 0..size).await?;
        while let Some(chunk) = stream.next().await {
            hasher.update(chunk.with_context(|| format!("cannot read {key} back"))?);
        }
    }
    Ok(hex(&hasher.finalize()))
}

/// Removes a moved video's folder (with any leftover of an interrupted media step).
fn remove_dir(dir: &Path) -> anyhow::Result<()> {
    remove_quietly(dir).with_context(|| {
        format!(
            "its objects are in the bucket, but {} could not be removed",
            dir.display()
        )
    })
}

/// Bytes as MiB with one decimal, as `backup` reports them.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1048576.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_originals_renditions_and_posters_are_moved() {
        for name in [
            "original.webm",
            "original.mp4",
            "rendition.mp4",
            "poster.jpg",
        ] {
            assert!(is_media_file(name), "{name}");
        }
        for name in [
            "rendition.mp4.tmp",
            "poster.jpg.tmp",
            "original.exe",
            "notes.txt",
        ] {
            assert!(!is_media_file(name), "{name} is a leftover, not media");
        }
    }
}
