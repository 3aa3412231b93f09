//! Where an upload's bytes live on disk: `uploads/<upload id>` while it is received (its length
//! is the tus offset), `videos/<video id>/original.<ext>` once it became a video.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::container::Container;
use crate::error::ApiError;

pub fn part_path(uploads_dir: &Path, id: &str) -> PathBuf {
    uploads_dir.join(id)
}

pub fn video_dir(videos_dir: &Path, video_id: &str) -> PathBuf {
    videos_dir.join(video_id)
}

pub fn original_path(videos_dir: &Path, video_id: &str, container: Container) -> PathBuf {
    video_dir(videos_dir, video_id).join(format!("original.{}", container.extension()))
}

/// Bytes received so far: the part file's length (`None` when there is no part file).
pub fn received(uploads_dir: &Path, id: &str) -> Option<u64> {
    std::fs::metadata(part_path(uploads_dir, id))
        .ok()
        .map(|m| m.len())
}

/// The original already moved into `videos/<video id>/`, if any, with its size.
pub fn find_original(videos_dir: &Path, video_id: &str) -> Option<(Container, u64)> {
    Container::ALL.into_iter().find_map(|c| {
        std::fs::metadata(original_path(videos_dir, video_id, c))
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| (c, m.len()))
    })
}

/// Removes a file or a whole folder; one that is already gone is not an error.
pub fn remove_quietly(path: &Path) -> std::io::Result<()> {
    let result = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(err) => Err(err),
    };
    match result {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// [`remove_quietly`] off the async workers.
pub async fn remove_quietly_async(path: PathBuf, doing: &'static str) -> Result<(), ApiError> {
    tokio::task::spawn_blocking(move || remove_quietly(&path))
        .await
        .map_err(|err| anyhow::anyhow!("file removal task failed: {err}"))?
        .map_err(|e| ApiError::storage(e, doing))
}

pub fn sync_dir(dir: &Path) -> Result<(), ApiError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ApiError::storage(e, "syncing a folder"))
}
