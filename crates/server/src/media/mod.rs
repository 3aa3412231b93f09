//! Media jobs: every received video is probed, gets a poster and a rendition that every
//! desktop webview plays, and ends `video_ready` or `video_failed`.
//!
//! Jobs live in SQLite, so a job running when the server died runs again after a restart; a
//! failed job is retried once; each ffmpeg run has a time limit, so a damaged file can fail a
//! job but never hang a worker.

pub mod poster_frame;
mod probe;
mod transcode;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use clipdesk_protocol::api::EventKind;
use rusqlite::{OptionalExtension, params};
use tokio::task::JoinHandle;

use crate::clock;
use crate::configuration::Config;
use crate::error::ApiError;
use crate::events::NewEvent;
use crate::objects::MediaStore;
use crate::state::AppState;
use crate::uploads::container::Container;

pub use probe::Probe;

/// A failed job runs once more before the video is marked failed.
const MAX_ATTEMPTS: i64 = 2;

/// The ffmpeg and ffprobe this server runs.
#[derive(Debug, Clone)]
pub struct Tools {
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
    /// `nice`, when the system has it: encoders run below the server's own threads, so a
    /// busy media worker slows uploads and page loads less.
    pub nice: Option<PathBuf>,
}

impl Tools {
    /// Finds both tools (as configured, or on PATH) by asking each for its version.
    pub async fn detect(config: &Config) -> Result<Tools, String> {
        for tool in [&config.ffmpeg, &config.ffprobe] {
            run(tool, &["-version".as_ref()], Duration::from_secs(10))
                .await
                .map_err(|e| format!("{} is not usable: {e}", tool.display()))?;
        }
        let nice = PathBuf::from("nice");
        let nice = run(
            &nice,
            &["-n".as_ref(), "10".as_ref(), "true".as_ref()],
            Duration::from_secs(10),
        )
        .await
        .ok()
        .map(|_| nice);
        Ok(Tools {
            ffmpeg: config.ffmpeg.clone(),
            ffprobe: config.ffprobe.clone(),
            nice,
        })
    }

    /// Runs ffmpeg with `args`, at a lower CPU priority when `nice` is there (it execs
    /// ffmpeg in place, so the time limit still kills ffmpeg itself).
    pub async fn encode(&self, args: &[&OsStr], limit: Duration) -> Result<Vec<u8>, String> {
        match &self.nice {
            Some(nice) => {
                let mut all: Vec<&OsStr> =
                    vec!["-n".as_ref(), "10".as_ref(), self.ffmpeg.as_os_str()];
                all.extend_from_slice(args);
                run(nice, &all, limit).await
            }
            None => run(&self.ffmpeg, args, limit).await,
        }
    }
}

/// Runs a tool with a time limit and returns its stdout, or a short reason.
pub async fn run(program: &Path, args: &[&OsStr], limit: Duration) -> Result<Vec<u8>, String> {
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Dropping the wait (time limit, shutdown) kills the process.
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .map_err(|_| format!("gave up after {} s", limit.as_secs()))?
        .map_err(|e| format!("{} failed: {e}", program.display()))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(shorten(
            &String::from_utf8_lossy(&output.stderr),
            output.status,
        ))
    }
}

/// The last lines of ffmpeg's complaint, which name the problem, at most 300 characters.
fn shorten(stderr: &str, status: std::process::ExitStatus) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = lines[lines.len().saturating_sub(2)..].join(" / ");
    let mut reason = if tail.is_empty() {
        format!("exited with {status}")
    } else {
        tail
    };
    if reason.chars().count() > 300 {
        reason = reason.chars().take(297).collect::<String>() + "...";
    }
    reason
}

/// Puts jobs that were running when the server stopped back in the queue.
pub fn requeue_interrupted(state: &AppState) -> anyhow::Result<usize> {
    let conn = state.db().lock()?;
    let count = conn.execute(
        "UPDATE media_jobs SET state = 'queued', updated_at = ?1 WHERE state = 'running'",
        [clock::now_ms()],
    )?;
    Ok(count)
}

/// Starts the workers; they run until aborted.
pub fn start_workers(state: &AppState, tools: Tools) -> Vec<JoinHandle<()>> {
    // Work folders of jobs a restart cut short: their jobs run again from the start.
    let _ = crate::uploads::storage::remove_quietly(&work_dir(&state.config));
    (0..state.config.media_workers)
        .map(|_| tokio::spawn(worker(state.clone(), tools.clone())))
        .collect()
}

async fn worker(state: AppState, tools: Tools) {
    loop {
        match claim(&state).await {
            Ok(Some(job)) => process(&state, &tools, job).await,
            Ok(None) => {
                // Woken by a new video; the timeout covers a wake-up that came before we waited.
                let _ =
                    tokio::time::timeout(Duration::from_secs(2), state.media_wake.notified()).await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot take a media job");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

struct Job {
    video_id: String,
    attempts: i64,
    original: PathBuf,
}

async fn claim(state: &AppState) -> Result<Option<Job>, ApiError> {
    let videos_dir = state.config.videos_dir();
    state
        .db()
        .call(move |conn| {
            let claimed: Option<(String, i64, String)> = conn
                .query_row(
                    "UPDATE media_jobs SET state = 'running', attempts = attempts + 1, updated_at = ?1
                     WHERE video_id = (SELECT video_id FROM media_jobs WHERE state = 'queued'
                                       ORDER BY created_at LIMIT 1)
                     RETURNING video_id, attempts,
                               (SELECT container FROM videos WHERE id = media_jobs.video_id)",
                    [clock::now_ms()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            Ok(claimed.map(|(video_id, attempts, container)| Job {
                original: original_path(&videos_dir, &video_id, &container),
                video_id,
                attempts,
            }))
        })
        .await
}

/// Where a video's original is, from the container name its row stores.
pub fn original_path(videos_dir: &Path, video_id: &str, container: &str) -> PathBuf {
    let container = Container::from_name(container).unwrap_or(Container::Mp4);
    crate::uploads::storage::original_path(videos_dir, video_id, container)
}

/// The original's media type, from the container name its row stores.
pub fn original_mime(container: &str) -> &'static str {
    Container::from_name(container)
        .unwrap_or(Container::Mp4)
        .mime()
}

pub fn rendition_path(videos_dir: &Path, video_id: &str) -> PathBuf {
    crate::uploads::storage::video_dir(videos_dir, video_id).join("rendition.mp4")
}

pub fn poster_path(videos_dir: &Path, video_id: &str) -> PathBuf {
    crate::uploads::storage::video_dir(videos_dir, video_id).join("poster.jpg")
}

/// Makes the poster and rendition under temporary names, renames them into place, then
/// records the outcome with its event.
async fn process(state: &AppState, tools: &Tools, job: Job) {
    let videos_dir = state.config.videos_dir();
    let limit = state.config.media_job_timeout;
    let started = std::time::Instant::now();
    let result = match &state.objects {
        None => make_outputs(tools, &videos_dir, &job, limit).await,
        Some(store) => make_outputs_in_bucket(state, store, tools, &job, limit).await,
    };
    let recorded = match result {
        Ok((probe, rendition_size, sha256)) => {
            tracing::info!(video = %job.video_id, ms = started.elapsed().as_millis() as u64, "video ready");
            record_ready(state, &job, probe, rendition_size, sha256).await
        }
        Err(reason) => {
            tracing::warn!(video = %job.video_id, attempt = job.attempts, %reason, "media job failed");
            record_failure(state, &job, reason).await
        }
    };
    if let Err(err) = recorded {
        tracing::error!(video = %job.video_id, error = %err, "cannot record a media job's outcome");
    }
}

/// With a bucket: the original is read from it (or from disk, when a half-migrated folder still
/// has it there) into a work folder under the data folder, the outputs are made there as
/// locally, put to the bucket (poster, then rendition), and the work folder is removed.
async fn make_outputs_in_bucket(
    state: &AppState,
    store: &MediaStore,
    tools: &Tools,
    job: &Job,
    limit: Duration,
) -> Result<(Probe, u64, String), String> {
    let work = work_dir(&state.config).join(&job.video_id);
    let made = async {
        tokio::fs::create_dir_all(&work)
            .await
            .map_err(|e| format!("cannot create a work folder: {e}"))?;
        let file_name = job
            .original
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let key = store.key_for(&job.video_id, &file_name);
        let in_work = Job {
            video_id: job.video_id.clone(),
            attempts: job.attempts,
            // A copy still on disk holds the same bytes: linked into the work folder, so the
            // finishing step removing it meanwhile (the bucket holds it) cannot pull it away
            // from ffmpeg; fetched from the bucket otherwise.
            original: {
                let copy = work.join(&file_name);
                if std::fs::hard_link(&job.original, &copy).is_err() {
                    store.get_to_file(&key, &copy).await.map_err(|e| {
                        format!("the original cannot be read from the bucket: {e:#}")
                    })?;
                }
                copy
            },
        };
        // make_outputs names the outputs `<folder>/<video id>/…`: the work folder's parent.
        let (probe, size, sha256) =
            make_outputs(tools, &work_dir(&state.config), &in_work, limit).await?;
        for name in ["poster.jpg", "rendition.mp4"] {
            store
                .put_file(&store.key_for(&job.video_id, name), &work.join(name))
                .await
                .map_err(|e| format!("cannot store the {name} in the bucket: {e:#}"))?;
        }
        Ok((probe, size, sha256))
    }
    .await;
    let _ =
        crate::uploads::storage::remove_quietly_async(work, "removing a media work folder").await;
    made
}

/// Where media jobs with a bucket copy the original and make the outputs; emptied at start.
fn work_dir(config: &Config) -> PathBuf {
    config.data_dir.join("media-work")
}

async fn make_outputs(
    tools: &Tools,
    videos_dir: &Path,
    job: &Job,
    limit: Duration,
) -> Result<(Probe, u64, String), String> {
    if !job.original.exists() {
        return Err("the original file is missing".into());
    }
    // The original's sha256, read on a blocking thread while ffmpeg works: exports check
    // their copies against it.
    let hashing = {
        let original = job.original.clone();
        tokio::task::spawn_blocking(move || {
            crate::objects::sha256_file(&original).map(|(_, sha256)| sha256)
        })
    };
    let original = probe::probe(tools, &job.original, limit).await?;
    let rendition = rendition_path(videos_dir, &job.video_id);
    let rendition_tmp = rendition.with_extension("mp4.tmp");
    transcode::rendition(tools, &job.original, &original, &rendition_tmp, limit).await?;
    // ffmpeg decodes what it can of a cut-off file and exits 0; a rendition much shorter
    // than the original says the original is damaged.
    let made = probe::probe(tools, &rendition_tmp, limit).await?;
    if original.duration_ms > 0 && made.duration_ms + 500 < original.duration_ms * 9 / 10 {
        let _ = tokio::fs::remove_file(&rendition_tmp).await;
        return Err(format!(
            "the file is damaged or cut short: only {:.1} s of its {:.1} s could be decoded",
            made.duration_ms as f64 / 1000.0,
            original.duration_ms as f64 / 1000.0
        ));
    }
    let probe = original.lasting_as(&made);
    // After the rendition, so a browser recording (no duration in its header) also gets a
    // poster from a second in rather than its first frame.
    let poster = poster_path(videos_dir, &job.video_id);
    let poster_tmp = poster.with_extension("jpg.tmp");
    if let Err(reason) = transcode::poster(tools, &job.original, &probe, &poster_tmp, limit).await {
        let _ = tokio::fs::remove_file(&rendition_tmp).await;
        return Err(reason);
    }
    let size = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
        // Durable and complete before anything names them as the video's.
        for tmp in [&poster_tmp, &rendition_tmp] {
            std::fs::File::open(tmp)?.sync_all()?;
        }
        std::fs::rename(&poster_tmp, &poster)?;
        std::fs::rename(&rendition_tmp, &rendition)?;
        Ok(std::fs::metadata(&rendition)?.len())
    })
    .await
    .map_err(|e| format!("finishing the outputs failed: {e}"))?
    .map_err(|e| format!("cannot store the outputs: {e}"))?;
    let sha256 = hashing
        .await
        .map_err(|e| format!("hashing the original failed: {e}"))?
        .map_err(|e| format!("cannot read the original: {e}"))?;
    Ok((probe, size, sha256))
}

async fn record_ready(
    state: &AppState,
    job: &Job,
    probe: Probe,
    rendition_size: u64,
    sha256: String,
) -> Result<(), ApiError> {
    let video_id = job.video_id.clone();
    state
        .feed
        .transact(move |tx| {
            let (width, height) = probe.upright();
            let now = clock::now_ms();
            let changed = tx.execute(
                "UPDATE videos SET state = 'ready', duration_ms = ?2, width = ?3, height = ?4,
                        rotation = ?5, video_codec = ?6, audio_codec = ?7, format_name = ?8,
                        rendition_size = ?9, failure = NULL, ready_at = ?10, sha256 = ?11
                 WHERE id = ?1",
                params![
                    video_id,
                    probe.duration_ms,
                    width,
                    height,
                    probe.rotation,
                    probe.video_codec,
                    probe.audio_codec,
                    probe.format_name,
                    rendition_size,
                    now,
                    sha256
                ],
            )?;
            if changed == 0 {
                return Ok(()); // forgotten while processing
            }
            tx.execute(
                "UPDATE media_jobs SET state = 'done', last_error = NULL, updated_at = ?2 WHERE video_id = ?1",
                params![video_id, now],
            )?;
            let (campaign, handle, link) = video_owner(tx, &video_id)?;
            tx.append(
                EventKind::VideoReady,
                NewEvent {
                    campaign: Some(&campaign),
                    handle: Some(&handle),
                    link: Some(&link),
                    video_id: Some(&video_id),
                    detail: Some(serde_json::json!({
                        "duration_ms": probe.duration_ms,
                        "width": width,
                        "height": height,
                        "rotation": probe.rotation,
                        "video_codec": probe.video_codec,
                        "audio_codec": probe.audio_codec,
                        "container": probe.format_name,
                        "rendition_size": rendition_size,
                    })),
                    ..NewEvent::default()
                },
            )?;
            Ok(())
        })
        .await
}

async fn record_failure(state: &AppState, job: &Job, reason: String) -> Result<(), ApiError> {
    let video_id = job.video_id.clone();
    let final_attempt = job.attempts >= MAX_ATTEMPTS;
    let woke = state
        .feed
        .transact(move |tx| {
            let now = clock::now_ms();
            if !final_attempt {
                tx.execute(
                    "UPDATE media_jobs SET state = 'queued', last_error = ?2, updated_at = ?3 WHERE video_id = ?1",
                    params![video_id, reason, now],
                )?;
                return Ok(true);
            }
            let changed = tx.execute(
                "UPDATE videos SET state = 'failed', failure = ?2 WHERE id = ?1",
                params![video_id, reason],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            tx.execute(
                "UPDATE media_jobs SET state = 'failed', last_error = ?2, updated_at = ?3 WHERE video_id = ?1",
                params![video_id, reason, now],
            )?;
            let (campaign, handle, link) = video_owner(tx, &video_id)?;
            tx.append(
                EventKind::VideoFailed,
                NewEvent {
                    campaign: Some(&campaign),
                    handle: Some(&handle),
                    link: Some(&link),
                    video_id: Some(&video_id),
                    detail: Some(serde_json::json!({ "reason": reason })),
                    ..NewEvent::default()
                },
            )?;
            Ok(false)
        })
        .await?;
    if woke {
        state.media_wake.notify_one();
    }
    Ok(())
}

fn video_owner(
    conn: &rusqlite::Connection,
    video_id: &str,
) -> rusqlite::Result<(String, String, String)> {
    conn.query_row(
        "SELECT campaign, handle, link FROM videos WHERE id = ?1",
        [video_id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_complaint_is_cut_to_its_last_lines() {
        let status = std::process::Command::new("false").status().unwrap();
        let stderr = "line one\n\n[mov] moov atom not found\ninput.mp4: Invalid data found when processing input\n";
        assert_eq!(
            shorten(stderr, status),
            "[mov] moov atom not found / input.mp4: Invalid data found when processing input"
        );
        assert!(shorten(&"x".repeat(1000), status).chars().count() <= 300);
        assert!(shorten("", status).contains("exit"));
    }
}
