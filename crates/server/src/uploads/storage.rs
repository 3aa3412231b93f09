//! Where an upload's bytes live on disk: `uploads/<upload id>` while it is received (its length
//! is the tus offset), `videos/<video id>/original.<ext>` once it became a video (with a bucket:
//! until the bucket holds it; then the object of the same key under the bucket's prefix).

use std::fs::File;
use std::path::{Path, PathBuf};

use super::container::Container;
use crate::error::ApiError;
use crate::objects::MediaStore;

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

/// With a bucket: removes the files of `videos/<video id>/` the bucket holds in full (same
/// key, same size), then the folder once empty. What the bucket lacks stays (and is served
/// from disk), so this never loses a file. Objects are written whole or not at all, so a
/// matching size is a finished put.
pub async fn release_local_copies(
    store: &MediaStore,
    videos_dir: &Path,
    video_id: &str,
) -> anyhow::Result<usize> {
    let dir = video_dir(videos_dir, video_id);
    let mut entries = match tokio::fs::read_dir(&dir).await {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err.into()),
    };
    let mut released = 0;
    let mut kept = 0;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata().await?;
        if !meta.is_file() || name.ends_with(".part") || name.ends_with(".tmp") {
            kept += 1;
            continue;
        }
        if store.head(&store.key_for(video_id, &name)).await? == Some(meta.len()) {
            tokio::fs::remove_file(entry.path()).await?;
            released += 1;
        } else {
            kept += 1;
        }
    }
    if kept == 0 {
        remove_quietly_async(dir, "removing a video folder the bucket holds")
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))?;
    }
    Ok(released)
}

/// Deletes every file of one video: its local folder and, with a bucket, its objects.
pub async fn delete_video_files(
    config: &crate::configuration::Config,
    store: Option<&MediaStore>,
    video_id: &str,
    doing: &'static str,
) -> Result<(), ApiError> {
    remove_quietly_async(video_dir(&config.videos_dir(), video_id), doing).await?;
    if let Some(store) = store {
        store
            .delete_prefix(video_id)
            .await
            .map_err(|err| ApiError::Unexpected(err.context(doing)))?;
    }
    Ok(())
}
