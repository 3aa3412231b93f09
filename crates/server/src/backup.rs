//! Backups of a data folder, taken while the server runs, and restoring one into a new folder.
//!
//! A backup is a folder holding `clipdesk-server.sqlite3` (one consistent snapshot, made with
//! SQLite's online backup API), the media files that snapshot names (`videos/<id>/…`, and the
//! bytes of uploads in progress), the packages of the desktop releases it lists
//! (`releases/<version>/<file>`) and `manifest.json`, which lists every file with its size and
//! SHA-256. It is written under a temporary name, the manifest last, and renamed into place:
//! a folder without a manifest is an interrupted backup and is never restored.
//!
//! With a bucket (`storage = "s3://…"`) the media are in the bucket and not copied (only files
//! still on disk are, e.g. of a folder half migrated); the manifest names the bucket
//! (`media_storage`), and the bucket is backed up with its own tools.
//!
//! Left out: `secret.key` (a restored server makes its own; signed media URLs expire anyway)
//! and `instance-id` (a restored copy is another instance and gets a new id).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::objects::hex;

use crate::configuration::Config;
use crate::domain::UploadId;
use crate::instance::{self, InstanceId};
use crate::uploads::container::Container;
use crate::uploads::storage::find_original;
use crate::{clock, db, releases};

/// The last file a backup gets; its presence marks the backup complete.
pub const MANIFEST: &str = "manifest.json";
/// The layout of the backup folder and its manifest.
const FORMAT: u32 = 1;
/// The database's name, in the data folder and in a backup.
const DATABASE: &str = "clipdesk-server.sqlite3";
/// A restore is assembled here, inside the target folder, then moved into place.
const RESTORING: &str = ".restoring";
/// How often a backup takes a new snapshot when files it names vanish while it copies.
const ATTEMPTS: usize = 3;
/// How long the snapshot waits for a database busy with a checkpoint.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(60);

/// `manifest.json`: what the backup holds, file by file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The clipdesk-server that made the backup.
    pub server_version: String,
    pub created_at: String,
    /// The instance the backup was taken from (a restore gets an id of its own).
    pub instance_id: Option<String>,
    /// `PRAGMA user_version` of the snapshot.
    pub schema_version: usize,
    /// The snapshot holds the event feed up to and including this `seq`.
    pub last_event_seq: i64,
    pub videos: usize,
    /// Published desktop packages (absent in backups made before releases existed).
    #[serde(default)]
    pub releases: usize,
    pub files: Vec<FileEntry>,
    /// The bucket the media are in, not copied (`s3://BUCKET/PREFIX`); absent when the media
    /// are in the backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_storage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the backup folder, `/`-separated.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// Copies the data folder of `config` into a new backup folder `to` (absent or empty) while the
/// server may be running. The manifest of the backup made.
pub fn backup(config: &Config, to: &Path) -> anyhow::Result<Manifest> {
    let source = config.database_path();
    if !source.is_file() {
        bail!(
            "there is no database at {}: is --data the server's data folder?",
            source.display()
        );
    }
    if let Some(entries) = entries_of(to)?
        && !entries.is_empty()
    {
        bail!(
            "{} already holds {}: back up into a new (or empty) folder each time",
            to.display(),
            entries.join(", ")
        );
    }
    let name = to
        .file_name()
        .with_context(|| format!("--to {} does not name a folder", to.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = parent_of(to);
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = parent.join(format!(
        ".{name}.partial-{}-{}",
        std::process::id(),
        clock::now_ms()
    ));
    let mut missing = Vec::new();
    for _ in 0..ATTEMPTS {
        let guard = Cleanup::new(staging.clone());
        create_private_dir(&staging)?;
        match snapshot(config, &staging)? {
            Snapshot::Complete(manifest) => {
                write_manifest(&staging, &manifest)?;
                sync_tree(&staging)?;
                fs::rename(&staging, to).with_context(|| {
                    format!("cannot rename {} to {}", staging.display(), to.display())
                })?;
                sync_dir(&parent)?;
                guard.disarm();
                return Ok(manifest);
            }
            // A video forgotten (or a release removed) while its files were copied: a new
            // snapshot no longer has it.
            Snapshot::FilesVanished(paths) => missing = paths,
        }
    }
    bail!(
        "the database names files the data folder does not have, even after {ATTEMPTS} \
         snapshots: {} (a damaged data folder? `clipdesk-server doctor` checks it)",
        missing.join(", ")
    )
}

enum Snapshot {
    Complete(Manifest),
    FilesVanished(Vec<String>),
}

/// One snapshot of the database into `staging` and the files it names.
fn snapshot(config: &Config, staging: &Path) -> anyhow::Result<Snapshot> {
    let copy = staging.join(DATABASE);
    let named = copy_database(&config.database_path(), &copy)?;
    let mut files = vec![hash_file(&copy, DATABASE)?];
    let mut missing = Vec::new();
    let in_bucket = !config.storage.is_local();
    for (id, container, state) in &named.videos {
        let ext = Container::from_name(container)
            .unwrap_or(Container::Mp4)
            .extension();
        let mut names = vec![format!("original.{ext}")];
        if state == "ready" {
            names.extend(["rendition.mp4".to_owned(), "poster.jpg".to_owned()]);
        }
        for name in names {
            let path = format!("videos/{id}/{name}");
            match copy_hashed(&config.data_dir.join(&path), &staging.join(&path), &path) {
                Ok(entry) => files.push(entry),
                // With a bucket, a file not on disk is in the bucket.
                Err(err) if err.kind() == std::io::ErrorKind::NotFound && in_bucket => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => missing.push(path),
                Err(err) => return Err(err).with_context(|| format!("cannot copy {path}")),
            }
        }
    }
    // A release's row is written after its file is in place and removed before the file: a
    // file missing here is one being removed, or a damaged folder (as for videos).
    for (version, file_name) in &named.releases {
        let path = format!("releases/{version}/{file_name}");
        if !is_backup_path(&path) {
            bail!(
                "the database lists a release file {path:?} that `clipdesk-server release add` \
                 would not have made: remove it with `clipdesk-server release remove --version \
                 {version}` and back up again"
            );
        }
        match copy_hashed(&config.data_dir.join(&path), &staging.join(&path), &path) {
            Ok(entry) => files.push(entry),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => missing.push(path),
            Err(err) => return Err(err).with_context(|| format!("cannot copy {path}")),
        }
    }
    if !missing.is_empty() {
        return Ok(Snapshot::FilesVanished(missing));
    }
    // Uploads in progress keep what has arrived, so their clients can resume after a restore.
    // One that finished since the snapshot has its bytes in `videos/<video id>/` already: the
    // restored server finishes it again at start-up. One whose bytes are gone is dropped there.
    for (id, video_id) in &named.receiving {
        let part = format!("uploads/{id}");
        match copy_hashed(&config.data_dir.join(&part), &staging.join(&part), &part) {
            Ok(entry) => {
                files.push(entry);
                continue;
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err).with_context(|| format!("cannot copy {part}")),
        }
        let Some((container, _)) = video_id
            .as_deref()
            .and_then(|v| find_original(&config.videos_dir(), v))
        else {
            continue;
        };
        let path = format!(
            "videos/{}/original.{}",
            video_id.as_deref().unwrap_or_default(),
            container.extension()
        );
        if files.iter().any(|f| f.path == path) {
            continue;
        }
        match copy_hashed(&config.data_dir.join(&path), &staging.join(&path), &path) {
            Ok(entry) => files.push(entry),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err).with_context(|| format!("cannot copy {path}")),
        }
    }
    Ok(Snapshot::Complete(Manifest {
        format: FORMAT,
        server_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: clock::to_rfc3339(clock::now_ms()),
        instance_id: instance::read(&config.data_dir)
            .ok()
            .flatten()
            .map(|id| id.to_string()),
        schema_version: named.schema_version,
        last_event_seq: named.last_event_seq,
        videos: named.videos.len(),
        releases: named.releases.len(),
        files,
        media_storage: in_bucket.then(|| config.storage.to_string()),
    }))
}

/// What a snapshot of the database holds that the backup needs besides the database.
struct Named {
    schema_version: usize,
    last_event_seq: i64,
    /// (id, container, state)
    videos: Vec<(String, String, String)>,
    /// (upload id, video id it will become)
    receiving: Vec<(String, Option<String>)>,
    /// (version, file name) of each published release package
    releases: Vec<(String, String)>,
}

/// Copies the live database at `source` into `copy` in one step of the online backup API, so
/// the copy is one consistent snapshot however busy the server is.
fn copy_database(source: &Path, copy: &Path) -> anyhow::Result<Named> {
    let flags = OpenFlags::default().difference(OpenFlags::SQLITE_OPEN_CREATE);
    let from = Connection::open_with_flags(source, flags)
        .with_context(|| format!("cannot open {}", source.display()))?;
    from.busy_timeout(Duration::from_secs(5))?;
    let mut to =
        Connection::open(copy).with_context(|| format!("cannot create {}", copy.display()))?;
    {
        let backup = Backup::new(&from, &mut to)?;
        let started = Instant::now();
        loop {
            // All pages at once: one read transaction, one point in time. (Steps of a few pages
            // would start over each time the server writes.)
            match backup.step(-1).context("the database snapshot failed")? {
                StepResult::Done => break,
                StepResult::More => {}
                // Busy or locked (a checkpoint running): wait and step again.
                _ if started.elapsed() < SNAPSHOT_WAIT => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => bail!(
                    "the database stayed busy for {} s; try again",
                    SNAPSHOT_WAIT.as_secs()
                ),
            }
        }
    }
    drop(from);
    // One self-contained file: no -wal beside it.
    to.pragma_update(None, "journal_mode", "DELETE")?;
    let schema_version: usize = to.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let last_event_seq: i64 =
        to.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?;
    let videos = {
        let mut stmt = to.prepare("SELECT id, container, state FROM videos ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let receiving = {
        let mut stmt =
            to.prepare("SELECT id, video_id FROM uploads WHERE state = 'receiving' ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    // A data folder last served by a clipdesk-server from before releases has no such table.
    let has_releases: bool = to.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'releases'",
        [],
        |r| r.get(0),
    )?;
    let releases = if has_releases {
        let mut stmt =
            to.prepare("SELECT version, file_name FROM releases ORDER BY version, file_name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    to.close()
        .map_err(|(_, err)| err)
        .context("cannot close the snapshot")?;
    Ok(Named {
        schema_version,
        last_event_seq,
        videos,
        receiving,
        releases,
    })
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let tmp = dir.join(format!("{MANIFEST}.tmp"));
    let mut file = File::create(&tmp)?;
    serde_json::to_writer_pretty(&mut file, manifest)?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    fs::rename(&tmp, dir.join(MANIFEST))?;
    Ok(())
}

/// What `restore` made.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// The restored folder's own instance id.
    pub instance_id: InstanceId,
}

/// Restores the backup in `from` into `data_dir`, which must be empty or absent. Every file is
/// checked against the manifest while it is copied; on any problem nothing is left behind.
pub fn restore(from: &Path, data_dir: &Path) -> anyhow::Result<Restored> {
    let manifest = read_manifest(from)?;
    if manifest.schema_version > db::schema_version() {
        bail!(
            "the backup's database is at schema version {}, newer than this clipdesk-server \
             knows ({}): restore it with clipdesk-server {} or newer",
            manifest.schema_version,
            db::schema_version(),
            manifest.server_version
        );
    }
    let created = match entries_of(data_dir)? {
        Some(entries) if !entries.is_empty() => bail!(
            "{} is not empty (it holds {}): restore only into an empty or new folder, so \
             nothing of another server's data is mixed in",
            data_dir.display(),
            entries.join(", ")
        ),
        Some(_) => false,
        None => {
            fs::create_dir_all(data_dir)
                .with_context(|| format!("cannot create {}", data_dir.display()))?;
            true
        }
    };
    let staging = data_dir.join(RESTORING);
    let mut guard = Cleanup::new(staging.clone());
    if created {
        guard.created_folder = Some(data_dir.to_owned());
    }
    create_private_dir(&staging)?;
    for entry in &manifest.files {
        copy_checked(from, &staging, entry)?;
    }
    check_database(&staging.join(DATABASE), &manifest)?;
    let instance_id = instance::write_new(&staging)?;
    for dir in ["uploads", "videos", "releases"] {
        fs::create_dir_all(staging.join(dir))?;
    }
    sync_tree(&staging)?;
    // The database last: a folder with a database in it is a restored one.
    for name in ["uploads", "videos", "releases", instance::FILE, DATABASE] {
        fs::rename(staging.join(name), data_dir.join(name))
            .with_context(|| format!("cannot move {name} into {}", data_dir.display()))?;
        guard.moved.push(data_dir.join(name));
    }
    fs::remove_dir(&staging)?;
    sync_dir(data_dir)?;
    guard.disarm();
    Ok(Restored {
        manifest,
        instance_id,
    })
}

/// The manifest of a complete backup, every path in it one a backup holds.
fn read_manifest(from: &Path) -> anyhow::Result<Manifest> {
    if !from.is_dir() {
        bail!("there is no backup folder at {}", from.display());
    }
    let path = from.join(MANIFEST);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} is not a complete backup: it has no {MANIFEST} (a backup that was interrupted \
             never gets one); take a new backup",
            from.display()
        ),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let manifest: Manifest =
        serde_json::from_slice(&text).with_context(|| format!("{} is damaged", path.display()))?;
    if manifest.format != FORMAT {
        bail!(
            "{} is of backup format {}, which this clipdesk-server does not know (it reads {FORMAT})",
            path.display(),
            manifest.format
        );
    }
    let mut seen = HashSet::new();
    for entry in &manifest.files {
        if !is_backup_path(&entry.path) {
            bail!(
                "{MANIFEST} lists {:?}, which is not a file a backup holds: the backup was \
                 changed after it was made",
                entry.path
            );
        }
        if !seen.insert(entry.path.as_str()) {
            bail!(
                "{MANIFEST} lists {:?} twice: the backup is damaged",
                entry.path
            );
        }
    }
    if !seen.contains(DATABASE) {
        bail!("{MANIFEST} lists no {DATABASE}: the backup is damaged");
    }
    Ok(manifest)
}

/// The database, `videos/<id>/<original|rendition|poster>`, `uploads/<id>` and
/// `releases/<version>/<package>`: nothing that could name a file outside the folder restored
/// into.
fn is_backup_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [DATABASE] => true,
        ["videos", id, file] => {
            UploadId::parse(id).is_some()
                && (*file == "rendition.mp4"
                    || *file == "poster.jpg"
                    || Container::ALL
                        .iter()
                        .any(|c| *file == format!("original.{}", c.extension())))
        }
        ["uploads", id] => UploadId::parse(id).is_some(),
        ["releases", version, file] => releases::is_release_file(version, file),
        _ => false,
    }
}

/// Copies one file of the backup into `staging`, refusing it unless its size and SHA-256 are
/// the manifest's.
fn copy_checked(from: &Path, staging: &Path, entry: &FileEntry) -> anyhow::Result<()> {
    let source = from.join(&entry.path);
    let size = match fs::metadata(&source) {
        Ok(meta) => meta.len(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => bail!(
            "the backup is incomplete: {} is in {MANIFEST} but not in {}",
            entry.path,
            from.display()
        ),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", source.display())),
    };
    let changed = "the backup was changed or damaged after it was made";
    if size != entry.size {
        bail!(
            "{} is {size} bytes but {MANIFEST} says {}: {changed}",
            entry.path,
            entry.size
        );
    }
    let copied = copy_hashed(&source, &staging.join(&entry.path), &entry.path)
        .with_context(|| format!("cannot copy {}", entry.path))?;
    if copied.size != entry.size || copied.sha256 != entry.sha256 {
        bail!(
            "{} does not match its SHA-256 in {MANIFEST}: {changed}",
            entry.path
        );
    }
    Ok(())
}

/// The restored database opens, is intact, and is the snapshot the manifest describes.
fn check_database(path: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("the backup's {DATABASE} does not open"))?;
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .with_context(|| format!("the backup's {DATABASE} is not a database"))?;
    if verdict != "ok" {
        bail!("the backup's {DATABASE} is damaged: {verdict}");
    }
    let schema: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let last: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?;
    if schema != manifest.schema_version || last != manifest.last_event_seq {
        bail!(
            "the backup's {DATABASE} (schema {schema}, events up to {last}) is not the one \
             {MANIFEST} describes (schema {}, events up to {})",
            manifest.schema_version,
            manifest.last_event_seq
        );
    }
    conn.close().map_err(|(_, err)| err)?;
    Ok(())
}

/// Copies `from` to `to` (a new file, parents made), hashing the bytes written; `NotFound`
/// when `from` is not there.
fn copy_hashed(from: &Path, to: &Path, name: &str) -> std::io::Result<FileEntry> {
    let mut source = File::open(from)?;
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut target = File::create_new(to)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = source.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        target.write_all(&buffer[..n])?;
        size += n as u64;
    }
    target.sync_all()?;
    Ok(FileEntry {
        path: name.to_owned(),
        size,
        sha256: hex(&hasher.finalize()),
    })
}

fn hash_file(path: &Path, name: &str) -> anyhow::Result<FileEntry> {
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    file.sync_all()?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher)?;
    Ok(FileEntry {
        path: name.to_owned(),
        size,
        sha256: hex(&hasher.finalize()),
    })
}

/// The names in `dir` (at most a few, for a message), `None` when it does not exist.
fn entries_of(dir: &Path) -> anyhow::Result<Option<Vec<String>>> {
    match fs::read_dir(dir) {
        Ok(entries) => {
            let mut names = Vec::new();
            for entry in entries.take(5) {
                names.push(entry?.file_name().to_string_lossy().into_owned());
            }
            Ok(Some(names))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) if err.kind() == std::io::ErrorKind::NotADirectory => {
            bail!("{} is a file, not a folder", dir.display())
        }
        Err(err) => Err(err).with_context(|| format!("cannot read {}", dir.display())),
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// A backup holds every link token: only its owner may read it.
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

/// Syncs every folder under `dir` (the files were synced as they were written), so the names
/// are durable before the rename that makes them count.
fn sync_tree(dir: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        }
    }
    sync_dir(dir)
}

/// Removes what a backup or restore made unless it finished: the staging folder, what was
/// already moved into the target, and the target itself when it was made for the restore.
struct Cleanup {
    staging: PathBuf,
    moved: Vec<PathBuf>,
    created_folder: Option<PathBuf>,
    armed: bool,
}

impl Cleanup {
    fn new(staging: PathBuf) -> Self {
        Self {
            staging,
            moved: Vec::new(),
            created_folder: None,
            armed: true,
        }
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let _ = crate::uploads::storage::remove_quietly(&self.staging);
        for path in &self.moved {
            let _ = crate::uploads::storage::remove_quietly(path);
        }
        if let Some(folder) = &self.created_folder {
            let _ = fs::remove_dir(folder);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backup_names_the_database_as_the_server_does() {
        assert!(Config::new("d").database_path().ends_with(DATABASE));
    }

    #[test]
    fn only_the_database_video_files_and_upload_parts_are_backup_paths() {
        let id = "AAAAAAAAAAAAAAAAAAAAAA";
        assert!(is_backup_path(DATABASE));
        assert!(is_backup_path(&format!("videos/{id}/original.webm")));
        assert!(is_backup_path(&format!("videos/{id}/rendition.mp4")));
        assert!(is_backup_path(&format!("uploads/{id}")));
        assert!(!is_backup_path("../etc/passwd"));
        assert!(!is_backup_path(&format!("videos/{id}/../../x")));
        assert!(!is_backup_path(&format!("videos/../{id}/poster.jpg")));
        assert!(!is_backup_path("/etc/passwd"));
        assert!(!is_backup_path("secret.key"));
        assert!(!is_backup_path(&format!("videos/{id}/original.exe")));
    }

    #[test]
    fn release_packages_are_backup_paths_only_as_release_add_names_them() {
        assert!(is_backup_path("releases/0.3.0/clipdesk_0.3.0_amd64.deb"));
        assert!(is_backup_path(
            "releases/1.0.0-rc.1/clipdesk-1.0.0-1.x86_64.rpm"
        ));
        assert!(!is_backup_path("releases/0.3.0/../../secret.key"));
        assert!(!is_backup_path("releases/../clipdesk_0.3.0_amd64.deb"));
        assert!(!is_backup_path(
            "releases/0.3.0/../clipdesk_0.3.0_amd64.deb"
        ));
        assert!(!is_backup_path("releases/../../etc/clipdesk_amd64.deb"));
        assert!(!is_backup_path(
            "releases/0.3.0/sub/clipdesk_0.3.0_amd64.deb"
        ));
        assert!(!is_backup_path("releases/0.3.0/clipdesk_0.3.0_amd64.deb/"));
        // `release add` writes the version's canonical form; `v0.3.0` is never a folder of it.
        assert!(!is_backup_path("releases/v0.3.0/clipdesk_0.3.0_amd64.deb"));
        assert!(!is_backup_path("releases/0.3.0/clipdesk_0.3.0_amd64.exe"));
        assert!(!is_backup_path(
            "releases/0.3.0/.clipdesk_0.3.0_amd64.deb.partial"
        ));
        assert!(!is_backup_path("releases/0.3.0"));
    }
}
