//! Export of videos to a folder: one subfolder per campaign with each video's original,
//! rendition and poster under readable names, and `manifest.json` + `manifest.csv` with the
//! consent record of each. Files are written to `.<name>.part` and renamed; a second export
//! into the same folder skips files whose sha256 already matches, so an interrupted one
//! resumes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use clipdesk_protocol::media::{Video, original_extension, video_file_stem};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use ts_rs::TS;

use crate::client::{MEDIA_CHUNK_TIMEOUT, ServerClient};
use crate::error::{CoreError, CoreResult};
use crate::export::CsvWriter;

pub const MANIFEST_JSON: &str = "manifest.json";
pub const MANIFEST_CSV: &str = "manifest.csv";

/// The manifest's columns, in `manifest.csv`'s order.
pub const CSV_HEADER: [&str; 22] = [
    "video_id",
    "handle",
    "user_id",
    "display_name",
    "campaign",
    "uploaded_at",
    "duration_s",
    "size",
    "sha256",
    "consent",
    "consent_at",
    "decision",
    "reviewer",
    "note",
    "tags",
    "rating",
    "original",
    "rendition",
    "poster",
    "original_sha256",
    "rendition_sha256",
    "poster_sha256",
];

/// How far an export is, sent after every chunk written and every video finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportProgress {
    pub videos_done: u32,
    pub videos_total: u32,
    pub bytes_done: u64,
    /// The file being written, as `campaign/name`.
    pub current: Option<String>,
}

/// A video that could not be exported, and why (the message names the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportFailure {
    pub video_id: String,
    /// `@handle`, or the video id when the server did not say whose it is.
    pub name: String,
    pub message: String,
}

/// What an export came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportReport {
    pub folder: String,
    /// Videos with at least one file put in place.
    pub exported: u32,
    /// Videos whose files were all there already, unchanged.
    pub skipped: u32,
    pub failed: Vec<ExportFailure>,
    pub cancelled: bool,
    pub bytes: u64,
}

/// One file of a video in the folder: its name and the sha256 of what was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    pub sha256: String,
}

/// One video's record in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub video_id: String,
    pub handle: String,
    pub user_id: Option<String>,
    pub display_name: Option<String>,
    pub campaign: String,
    pub uploaded_at: String,
    pub duration_ms: Option<u64>,
    pub size: u64,
    /// Of the original, as the server recorded it.
    pub sha256: Option<String>,
    /// Exactly as the page showed it.
    pub consent: Option<String>,
    pub consent_at: Option<String>,
    pub decision: String,
    pub reviewer: Option<String>,
    pub note: String,
    pub tags: Vec<String>,
    pub rating: Option<u8>,
    pub original: Option<ManifestFile>,
    pub rendition: Option<ManifestFile>,
    pub poster: Option<ManifestFile>,
}

/// `manifest.json`: the campaign folder's videos, in export order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub campaign: String,
    pub exported_at: String,
    pub videos: Vec<ManifestEntry>,
}

/// The names a video's files get in its campaign folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileNames {
    pub original: String,
    pub rendition: String,
    pub poster: String,
}

/// Names for `videos` (already in export order): `handle-YYYY-MM-DD.ext`, `…-rendition.mp4`
/// and `…-poster.jpg`. A video a campaign folder's manifest already lists keeps the names it
/// was written under; a new one takes the first of `stem`, `stem-2`, `stem-3`… that no other
/// video in that folder uses, so exports into one folder never overwrite each other's files
/// and the same selection always gets the same names.
pub fn file_names(videos: &[Video], manifests: &BTreeMap<String, Manifest>) -> Vec<FileNames> {
    let mut used: HashMap<&str, HashSet<String>> = HashMap::new();
    for (campaign, manifest) in manifests {
        let stems = manifest
            .videos
            .iter()
            .filter_map(|e| e.original.as_ref())
            .map(|f| stem_of(&f.name).to_owned());
        used.entry(campaign.as_str()).or_default().extend(stems);
    }
    videos
        .iter()
        .map(|v| {
            let recorded = manifests
                .get(&v.campaign)
                .and_then(|m| m.videos.iter().find(|e| e.video_id == v.id))
                .and_then(|e| e.original.as_ref());
            let stem = match recorded {
                Some(original) => stem_of(&original.name).to_owned(),
                None => {
                    let taken = used.entry(v.campaign.as_str()).or_default();
                    let base = video_file_stem(&v.handle, &v.received_at);
                    let stem = (1..)
                        .map(|n| {
                            if n == 1 {
                                base.clone()
                            } else {
                                format!("{base}-{n}")
                            }
                        })
                        .find(|stem| !taken.contains(stem))
                        .unwrap_or(base);
                    taken.insert(stem.clone());
                    stem
                }
            };
            FileNames {
                original: format!("{stem}.{}", extension_of(v)),
                rendition: format!("{stem}-rendition.mp4"),
                poster: format!("{stem}-poster.jpg"),
            }
        })
        .collect()
}

/// A file name without its extension.
fn stem_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// The original's extension: from the container the server probed, else the type the
/// uploader's browser claimed.
fn extension_of(v: &Video) -> &'static str {
    if let Some(probe) = &v.probe {
        return original_extension(&probe.container);
    }
    match v.filetype.as_deref() {
        Some("video/webm") => "webm",
        Some("video/quicktime") => "mov",
        Some("video/x-matroska") => "mkv",
        _ => "mp4",
    }
}

/// A campaign slug as a folder name (slugs are already safe; this keeps it so).
fn campaign_folder(slug: &str) -> String {
    let name: String = slug
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "campaign".into()
    } else {
        name
    }
}

/// Exports the videos `ids` into `folder` (made if missing). Each video's record is read
/// afresh from the server; a video that fails is reported with the file and reason and the
/// others go on. `cancel` is checked between chunks: a cancelled export leaves only `.part`
/// files removed and finished files in place, so the next export resumes.
pub async fn export_videos(
    client: &ServerClient,
    ids: &[String],
    folder: &Path,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&ExportProgress) + Send,
) -> CoreResult<ExportReport> {
    if ids.is_empty() {
        return Err(CoreError::invalid("ids", "choose at least one video"));
    }
    let folder_text = folder.to_string_lossy().into_owned();
    if folder_text.trim().is_empty() || !folder.is_absolute() {
        return Err(CoreError::invalid(
            "folder",
            format!("must be a full path to a folder, not {folder_text:?}"),
        ));
    }
    std::fs::create_dir_all(folder)
        .map_err(|e| CoreError::invalid("folder", format!("cannot create {folder_text}: {e}")))?;
    let mut report = ExportReport {
        folder: folder_text,
        exported: 0,
        skipped: 0,
        failed: Vec::new(),
        cancelled: false,
        bytes: 0,
    };
    let mut state = ExportProgress {
        videos_done: 0,
        videos_total: u32::try_from(ids.len()).unwrap_or(u32::MAX),
        bytes_done: 0,
        current: None,
    };
    progress(&state);

    // Each video's record as it stands now (review, URLs signed just now).
    let mut videos = Vec::new();
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    for id in &unique {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            return Ok(report);
        }
        match client.video(id).await {
            Ok(video) => videos.push(video),
            Err(err) => {
                report.failed.push(ExportFailure {
                    video_id: id.clone(),
                    name: id.clone(),
                    message: format!("video {id}: cannot read it from the server: {err}"),
                });
                state.videos_done += 1;
                progress(&state);
            }
        }
    }
    videos.sort_by(|a, b| {
        (a.received_at.as_str(), a.id.as_str()).cmp(&(b.received_at.as_str(), b.id.as_str()))
    });

    // Each campaign folder's manifest, as a previous export left it.
    let mut manifests: BTreeMap<String, Manifest> = BTreeMap::new();
    for v in &videos {
        if !manifests.contains_key(&v.campaign) {
            let dir = folder.join(campaign_folder(&v.campaign));
            std::fs::create_dir_all(&dir).map_err(|e| {
                CoreError::invalid("folder", format!("cannot create {}: {e}", dir.display()))
            })?;
            let manifest = read_manifest(&dir).unwrap_or_else(|| Manifest {
                campaign: v.campaign.clone(),
                exported_at: String::new(),
                videos: Vec::new(),
            });
            manifests.insert(v.campaign.clone(), manifest);
        }
    }

    let names = file_names(&videos, &manifests);

    for (video, names) in videos.iter().zip(&names) {
        if cancel.load(Ordering::Relaxed) {
            report.cancelled = true;
            break;
        }
        let dir = folder.join(campaign_folder(&video.campaign));
        let manifest = manifests
            .get_mut(&video.campaign)
            .ok_or_else(|| anyhow::anyhow!("no manifest for {}", video.campaign))?;
        let before = manifest
            .videos
            .iter()
            .find(|e| e.video_id == video.id)
            .cloned();
        let mut job = VideoJob {
            client,
            dir: &dir,
            video,
            cancel,
            state: &mut state,
            progress: &mut progress,
            written: 0,
            changed: false,
        };
        match job.run(names, before.as_ref()).await {
            Ok(Done::Cancelled) => {
                report.cancelled = true;
                break;
            }
            Ok(Done::Finished(entry)) => {
                if job.changed {
                    report.exported += 1;
                } else {
                    report.skipped += 1;
                }
                report.bytes += job.written;
                match manifest.videos.iter_mut().find(|e| e.video_id == video.id) {
                    Some(old) => *old = *entry,
                    None => manifest.videos.push(*entry),
                }
                manifest.exported_at = crate::clock::to_rfc3339(crate::clock::now_ms());
                write_manifests(&dir, manifest).map_err(|err| {
                    CoreError::Unavailable(format!(
                        "cannot write the manifest in {}: {err}",
                        dir.display()
                    ))
                })?;
            }
            Err(err) => {
                report.bytes += job.written;
                report.failed.push(ExportFailure {
                    video_id: video.id.clone(),
                    name: format!("@{}", video.handle),
                    message: err.to_string(),
                });
            }
        }
        state.videos_done += 1;
        state.current = None;
        progress(&state);
    }
    Ok(report)
}

enum Done {
    Finished(Box<ManifestEntry>),
    Cancelled,
}

/// Which of a video's files.
#[derive(Clone, Copy)]
enum Kind {
    Original,
    Rendition,
    Poster,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Original => "original",
            Kind::Rendition => "rendition",
            Kind::Poster => "poster",
        }
    }
}

struct VideoJob<'a, P> {
    client: &'a ServerClient,
    dir: &'a Path,
    video: &'a Video,
    cancel: &'a AtomicBool,
    state: &'a mut ExportProgress,
    progress: &'a mut P,
    /// Bytes downloaded.
    written: u64,
    /// Whether a file was put in place (else the video counts as skipped).
    changed: bool,
}

impl<P: FnMut(&ExportProgress)> VideoJob<'_, P> {
    async fn run(
        &mut self,
        names: &FileNames,
        before: Option<&ManifestEntry>,
    ) -> Result<Done, ExportError> {
        let v = self.video;
        let original_url = if v.urls.download.is_empty() {
            v.urls.original.clone()
        } else {
            v.urls.download.clone()
        };
        let wanted = [
            (Kind::Original, Some(original_url), &names.original),
            (Kind::Rendition, v.urls.rendition.clone(), &names.rendition),
            (Kind::Poster, v.urls.poster.clone(), &names.poster),
        ];
        let mut files: [Option<ManifestFile>; 3] = [None, None, None];
        for (slot, (kind, url, name)) in wanted.into_iter().enumerate() {
            let Some(url) = url else { continue };
            let recorded = before.and_then(|b| match kind {
                Kind::Original => b.original.as_ref(),
                Kind::Rendition => b.rendition.as_ref(),
                Kind::Poster => b.poster.as_ref(),
            });
            // The original is checked against the server's sha256; the others against what
            // the previous export recorded having written under this name.
            let expected = match kind {
                Kind::Original => v.sha256.clone(),
                _ => None,
            }
            .or_else(|| {
                recorded
                    .filter(|r| r.name == *name)
                    .map(|r| r.sha256.clone())
            });
            let target = self.dir.join(name);
            // The poster can be chosen again on the server (from a frame) under the same
            // URL: it is small, so it is always fetched and replaced only when it differs.
            let expected = if matches!(kind, Kind::Poster) {
                None
            } else {
                expected
            };
            if let Some(expected) = &expected {
                let path = target.clone();
                let present = tokio::task::spawn_blocking(move || sha256_of(&path).ok())
                    .await
                    .map_err(|e| self.fail(name, format!("checking the file failed: {e}")))?;
                if present.as_deref() == Some(expected.as_str()) {
                    files[slot] = Some(ManifestFile {
                        name: name.clone(),
                        sha256: expected.clone(),
                    });
                    continue;
                }
            }
            let check = match kind {
                Kind::Original => v.sha256.as_deref(),
                _ => None,
            };
            match self.download(kind, &url, name, check).await? {
                Some(sha256) => {
                    files[slot] = Some(ManifestFile {
                        name: name.clone(),
                        sha256,
                    })
                }
                None => return Ok(Done::Cancelled),
            }
        }
        let [original, rendition, poster] = files;
        Ok(Done::Finished(Box::new(ManifestEntry {
            video_id: v.id.clone(),
            handle: v.handle.clone(),
            user_id: v.user_id.clone(),
            display_name: v.display_name.clone(),
            campaign: v.campaign.clone(),
            uploaded_at: v.received_at.clone(),
            duration_ms: v.probe.as_ref().map(|p| p.duration_ms),
            size: v.size,
            sha256: v.sha256.clone(),
            consent: v.consent.clone(),
            consent_at: v.consent_at.clone(),
            decision: v.review.decision.as_str().to_owned(),
            reviewer: v.review.reviewer.clone(),
            note: v.review.note.clone(),
            tags: v.review.tags.clone(),
            rating: v.review.rating,
            original,
            rendition,
            poster,
        })))
    }

    fn fail(&self, file: &str, reason: String) -> ExportError {
        ExportError {
            message: format!(
                "@{} (video {}), {file}: {reason}",
                self.video.handle, self.video.id
            ),
        }
    }

    /// Downloads `url` to `.<name>.part`, fsyncs it and renames it to `name`; the sha256 of
    /// what was written, or None when cancelled (the part file removed).
    async fn download(
        &mut self,
        kind: Kind,
        url: &str,
        name: &str,
        check: Option<&str>,
    ) -> Result<Option<String>, ExportError> {
        let target = self.dir.join(name);
        let part = self.dir.join(format!(".{name}.part"));
        let label = kind.label();
        let outcome = self.fetch_to(url, &part, name, label).await;
        let sha256 = match outcome {
            Ok(Some(sha256)) => sha256,
            Ok(None) => {
                let _ = std::fs::remove_file(&part);
                return Ok(None);
            }
            Err(err) => {
                let _ = std::fs::remove_file(&part);
                return Err(err);
            }
        };
        if let Some(expected) = check
            && expected != sha256
        {
            let _ = std::fs::remove_file(&part);
            return Err(self.fail(
                name,
                format!(
                    "the {label} downloaded does not match the server's sha256 ({sha256} instead of {expected}); it was not kept"
                ),
            ));
        }
        let same = {
            let target = target.clone();
            tokio::task::spawn_blocking(move || sha256_of(&target).ok())
                .await
                .ok()
                .flatten()
        };
        if same.as_deref() == Some(sha256.as_str()) {
            let _ = std::fs::remove_file(&part);
            return Ok(Some(sha256));
        }
        std::fs::rename(&part, &target)
            .map_err(|e| self.fail(name, format!("cannot rename it into place: {e}")))?;
        self.changed = true;
        if let Ok(dir) = std::fs::File::open(self.dir) {
            let _ = dir.sync_all();
        }
        Ok(Some(sha256))
    }

    async fn fetch_to(
        &mut self,
        url: &str,
        part: &Path,
        name: &str,
        label: &str,
    ) -> Result<Option<String>, ExportError> {
        let doing = format!("downloading the {label} of @{}", self.video.handle);
        let mut response = self
            .client
            .media(url, &doing)
            .await
            .map_err(|e| self.fail(name, e.to_string()))?;
        let mut file = std::fs::File::create(part)
            .map_err(|e| self.fail(name, format!("cannot create {}: {e}", part.display())))?;
        let mut hasher = sha2::Sha256::new();
        self.state.current = Some(format!("{}/{name}", campaign_folder(&self.video.campaign)));
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let chunk = tokio::time::timeout(MEDIA_CHUNK_TIMEOUT, response.chunk())
                .await
                .map_err(|_| {
                    self.fail(
                        name,
                        format!(
                            "the download stalled: nothing for {} s",
                            MEDIA_CHUNK_TIMEOUT.as_secs()
                        ),
                    )
                })?
                .map_err(|e| self.fail(name, format!("the download broke off: {e}")))?;
            let Some(chunk) = chunk else { break };
            hasher.update(&chunk);
            file.write_all(&chunk)
                .map_err(|e| self.fail(name, format!("cannot write: {e}")))?;
            let n = chunk.len() as u64;
            self.written += n;
            self.state.bytes_done += n;
            (self.progress)(self.state);
        }
        file.sync_all()
            .map_err(|e| self.fail(name, format!("cannot flush to disk: {e}")))?;
        Ok(Some(hex(&hasher.finalize())))
    }
}

/// A video's export failed; the message names the video and the file.
#[derive(Debug)]
struct ExportError {
    message: String,
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of a file, lowercase hex.
pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = std::fs::read(dir.join(MANIFEST_JSON)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Writes both manifests through temporary names, so a reader never sees half of one.
fn write_manifests(dir: &Path, manifest: &Manifest) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(manifest).map_err(std::io::Error::other)?;
    replace(dir, MANIFEST_JSON, &json)?;
    let mut csv = Vec::new();
    {
        let mut writer = CsvWriter::new(&mut csv);
        let io = |e: CoreError| std::io::Error::other(e.to_string());
        writer.write_row(CSV_HEADER).map_err(io)?;
        for e in &manifest.videos {
            let file =
                |f: &Option<ManifestFile>| f.as_ref().map(|f| f.name.clone()).unwrap_or_default();
            let sum =
                |f: &Option<ManifestFile>| f.as_ref().map(|f| f.sha256.clone()).unwrap_or_default();
            writer
                .write_row([
                    e.video_id.clone(),
                    e.handle.clone(),
                    e.user_id.clone().unwrap_or_default(),
                    e.display_name.clone().unwrap_or_default(),
                    e.campaign.clone(),
                    e.uploaded_at.clone(),
                    e.duration_ms
                        .map(|ms| format!("{:.3}", ms as f64 / 1000.0))
                        .unwrap_or_default(),
                    e.size.to_string(),
                    e.sha256.clone().unwrap_or_default(),
                    e.consent.clone().unwrap_or_default(),
                    e.consent_at.clone().unwrap_or_default(),
                    e.decision.clone(),
                    e.reviewer.clone().unwrap_or_default(),
                    e.note.clone(),
                    e.tags.join("; "),
                    e.rating.map(|r| r.to_string()).unwrap_or_default(),
                    file(&e.original),
                    file(&e.rendition),
                    file(&e.poster),
                    sum(&e.original),
                    sum(&e.rendition),
                    sum(&e.poster),
                ])
                .map_err(io)?;
        }
        writer.finish().map_err(io)?;
    }
    replace(dir, MANIFEST_CSV, &csv)
}

fn replace(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp: PathBuf = dir.join(format!(".{name}.part"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))
}
