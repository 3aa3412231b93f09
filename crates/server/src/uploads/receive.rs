//! Streaming a PATCH body onto the end of an upload's file: the async side reads frames, one
//! blocking thread writes (and hashes) them, and a queue bounded in bytes between them bounds
//! memory. The writer takes every frame already queued and writes them with one call, and
//! starts the disk's writeback every few MB, so the fsync at completion has little left to do.

use std::fs::File;
use std::io::{IoSlice, Write};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, mpsc};

use crate::error::ApiError;

/// Bytes queued between the socket and the disk, per upload: four of hyper's 64 KB frames, so
/// the writer finds several to write at once while 200 uploads in flight stay small.
const QUEUE_BYTES: usize = 256 << 10;

/// Frames the writer gathers into one write at most.
const BATCH_FRAMES: usize = 16;

/// Bytes written between two writeback kicks.
const WRITEBACK_EVERY: u64 = 8 << 20;

/// An `Upload-Checksum` to verify: the algorithm and the expected digest.
#[derive(Debug, Clone)]
pub enum Checksum {
    Sha1(Vec<u8>),
    Sha256(Vec<u8>),
}

impl Checksum {
    /// `sha1 <base64>` or `sha256 <base64>`.
    pub fn parse(header: &str) -> Result<Self, ApiError> {
        use base64::Engine;
        let (algo, value) = header.trim().split_once(' ').ok_or_else(|| {
            ApiError::invalid("Upload-Checksum", "must be '<algorithm> <base64 digest>'")
        })?;
        let digest = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| ApiError::invalid("Upload-Checksum", "the digest is not base64"))?;
        match algo {
            "sha1" => Ok(Checksum::Sha1(digest)),
            "sha256" => Ok(Checksum::Sha256(digest)),
            other => Err(ApiError::invalid(
                "Upload-Checksum",
                format!("algorithm {other:?} is not supported; use sha1 or sha256"),
            )),
        }
    }

    fn hasher(&self) -> Hasher {
        match self {
            Checksum::Sha1(_) => Hasher::Sha1(Sha1::new()),
            Checksum::Sha256(_) => Hasher::Sha256(Sha256::new()),
        }
    }

    fn expected(&self) -> &[u8] {
        match self {
            Checksum::Sha1(d) | Checksum::Sha256(d) => d,
        }
    }
}

enum Hasher {
    Sha1(Sha1),
    Sha256(Sha256),
}

impl Hasher {
    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(bytes),
            Hasher::Sha256(h) => h.update(bytes),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// How the body ended.
#[derive(Debug)]
pub enum Received {
    /// Every byte arrived and was written.
    Complete { written: u64 },
    /// The body was longer than the upload's remaining length; nothing past it was written.
    TooLong { written: u64 },
    /// The client went away or the body broke off.
    Interrupted { written: u64 },
    /// The disk refused a write; `written` bytes made it.
    WriteFailed { written: u64, error: std::io::Error },
    /// Everything arrived but does not match `Upload-Checksum`.
    ChecksumMismatch { written: u64 },
}

impl Received {
    pub fn written(&self) -> u64 {
        match self {
            Received::Complete { written }
            | Received::TooLong { written }
            | Received::Interrupted { written }
            | Received::WriteFailed { written, .. }
            | Received::ChecksumMismatch { written } => *written,
        }
    }
}

/// Bytes past the upload's remaining length still read out before answering an over-long body.
const DRAIN_SLACK: u64 = 1 << 20;

async fn drain(
    stream: &mut (impl futures_util::Stream<Item = Result<Bytes, axum::Error>> + Unpin),
    mut budget: u64,
    idle: Duration,
) {
    while budget > 0 {
        match tokio::time::timeout(idle, stream.next()).await {
            Ok(Some(Ok(bytes))) => budget = budget.saturating_sub(bytes.len() as u64),
            _ => return,
        }
    }
}

/// Appends `body` to `file`, at most `remaining` bytes, verifying `checksum` if given. A body
/// that sends nothing for `idle` counts as broken off, so a stalled client cannot hold the
/// upload (and its lock) for longer than that.
pub async fn receive(
    body: Body,
    file: File,
    remaining: u64,
    checksum: Option<Checksum>,
    idle: Duration,
) -> Result<Received, ApiError> {
    let (tx, rx) = mpsc::unbounded_channel::<Bytes>();
    let queue = Arc::new(Semaphore::new(QUEUE_BYTES));
    let hasher = checksum.as_ref().map(Checksum::hasher);
    let writer = {
        let queue = queue.clone();
        tokio::task::spawn_blocking(move || write_frames(rx, &queue, file, hasher))
    };

    let mut stream = body.into_data_stream();
    let mut sent = 0u64;
    let mut too_long = false;
    let mut interrupted = false;
    loop {
        let Ok(frame) = tokio::time::timeout(idle, stream.next()).await else {
            interrupted = true; // stalled
            break;
        };
        let Some(frame) = frame else { break };
        match frame {
            Ok(bytes) => {
                if sent + bytes.len() as u64 > remaining {
                    too_long = true;
                    break;
                }
                sent += bytes.len() as u64;
                // The writer closes the queue when it stops on an I/O error.
                let Ok(permit) = queue.acquire_many(queued_size(&bytes)).await else {
                    break;
                };
                permit.forget(); // given back by the writer once the frame is on disk
                if tx.send(bytes).is_err() {
                    break;
                }
            }
            Err(_) => {
                interrupted = true;
                break;
            }
        }
    }
    drop(tx);
    if too_long || !interrupted {
        // Read out (and drop) the rest of a body we stopped taking, so the client reads our
        // answer instead of a broken pipe (RFC 9112 §9.6); bounded, so nobody can stream forever.
        drain(
            &mut stream,
            remaining.saturating_sub(sent) + DRAIN_SLACK,
            idle,
        )
        .await;
    }
    let Written {
        written,
        error,
        hasher,
    } = writer
        .await
        .map_err(|err| anyhow::anyhow!("upload writer failed: {err}"))?;
    Ok(if let Some(error) = error {
        Received::WriteFailed { written, error }
    } else if too_long {
        Received::TooLong { written }
    } else if interrupted {
        Received::Interrupted { written }
    } else if let (Some(checksum), Some(hasher)) = (checksum, hasher) {
        if hasher.finish() == checksum.expected() {
            Received::Complete { written }
        } else {
            Received::ChecksumMismatch { written }
        }
    } else {
        Received::Complete { written }
    })
}

/// The queue's permits a frame holds: its size, capped at the whole queue so that a frame
/// larger than it (another transport's) still passes, alone.
fn queued_size(frame: &Bytes) -> u32 {
    frame.len().clamp(1, QUEUE_BYTES) as u32
}

/// What the writer thread did.
struct Written {
    written: u64,
    error: Option<std::io::Error>,
    hasher: Option<Hasher>,
}

/// The writer thread: waits for a frame, takes every other one already queued, writes them
/// in order with one call, and gives their room in the queue back. Stops when the reader
/// hangs up (after writing all it queued) or on the first I/O error (closing the queue, so
/// the reader stops too).
fn write_frames(
    mut rx: mpsc::UnboundedReceiver<Bytes>,
    queue: &Semaphore,
    mut file: File,
    mut hasher: Option<Hasher>,
) -> Written {
    let mut writeback = Writeback::new(&file);
    let mut written = 0u64;
    let mut batch: Vec<Bytes> = Vec::with_capacity(BATCH_FRAMES);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < BATCH_FRAMES {
            match rx.try_recv() {
                Ok(frame) => batch.push(frame),
                Err(_) => break,
            }
        }
        let (done, result) = write_all_vectored(&mut file, &batch);
        written += done as u64;
        if let Err(error) = result {
            queue.close();
            return Written {
                written,
                error: Some(error),
                hasher,
            };
        }
        for frame in batch.drain(..) {
            if let Some(h) = hasher.as_mut() {
                h.update(&frame);
            }
            queue.add_permits(queued_size(&frame) as usize);
        }
        writeback.after(&file, written);
    }
    Written {
        written,
        error: None,
        hasher,
    }
}

/// Writes every frame, in order, with as few calls as the kernel allows; returns the bytes
/// written before an error.
fn write_all_vectored(file: &mut File, frames: &[Bytes]) -> (usize, std::io::Result<()>) {
    let mut slices: Vec<IoSlice<'_>> = frames.iter().map(|f| IoSlice::new(f)).collect();
    let mut rest = &mut slices[..];
    IoSlice::advance_slices(&mut rest, 0); // skips empty frames
    let mut done = 0;
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return (done, Err(std::io::ErrorKind::WriteZero.into())),
            Ok(n) => {
                done += n;
                IoSlice::advance_slices(&mut rest, n);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (done, Err(e)),
        }
    }
    (done, Ok(()))
}

/// Starts the disk writing what the writer wrote every `WRITEBACK_EVERY` bytes, so the fsync at
/// completion only waits for the last few MB (durability is unchanged: that fsync still runs
/// before the upload is recorded). `POSIX_FADV_DONTNEED` starts writeback of the dirty pages
/// without waiting for it (like `sync_file_range(SYNC_FILE_RANGE_WRITE)`) and drops the pages
/// an earlier kick already wrote, so an upload does not fill the page cache either.
struct Writeback {
    /// The file's offset when this body began.
    start: u64,
    /// Where the last kick ended, and the one before it (relative to `start`).
    kicked: u64,
    previous: u64,
}

impl Writeback {
    fn new(file: &File) -> Self {
        let start = file.metadata().map(|m| m.len()).unwrap_or(0);
        Writeback {
            start,
            kicked: 0,
            previous: 0,
        }
    }

    fn after(&mut self, file: &File, written: u64) {
        if written - self.kicked < WRITEBACK_EVERY {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Advice, fadvise};
            // Only advice: a failure costs speed at completion, never bytes.
            let _ = fadvise(
                file,
                self.start + self.previous,
                std::num::NonZeroU64::new(written - self.previous),
                Advice::DontNeed,
            );
        }
        #[cfg(not(target_os = "linux"))]
        let _ = file;
        self.previous = self.kicked;
        self.kicked = written;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_headers_name_what_is_wrong() {
        assert!(matches!(
            Checksum::parse("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0="),
            Ok(Checksum::Sha1(_))
        ));
        assert!(matches!(
            Checksum::parse("sha256 AAAA"),
            Ok(Checksum::Sha256(_))
        ));
        let err = Checksum::parse("md5 AAAA").unwrap_err().to_string();
        assert!(err.contains("md5"), "{err}");
        assert!(Checksum::parse("sha1").is_err());
        assert!(Checksum::parse("sha1 ***").is_err());
    }

    /// Frames of every size, some empty, each filled with its own index so order shows.
    fn frames(count: usize) -> Vec<Bytes> {
        (0..count)
            .map(|i| Bytes::from(vec![i as u8; (i * 7919) % 70_000]))
            .collect()
    }

    fn joined(frames: &[Bytes]) -> Vec<u8> {
        frames.iter().flat_map(|f| f.iter().copied()).collect()
    }

    #[test]
    fn queued_frames_are_written_together_in_order_and_the_last_ones_are_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part");
        std::fs::write(&path, b"earlier bytes").unwrap();
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        let sent = frames(300);
        let (tx, rx) = mpsc::unbounded_channel();
        // Everything is queued before the writer starts, and the body ends (the sender is
        // dropped): the writer must gather them in batches and still write the tail.
        for frame in &sent {
            tx.send(frame.clone()).unwrap();
        }
        drop(tx);
        let queue = Semaphore::new(0);
        let hasher = Some(Hasher::Sha256(Sha256::new()));
        let done = write_frames(rx, &queue, file, hasher);

        let body = joined(&sent);
        assert!(done.error.is_none());
        assert_eq!(done.written, body.len() as u64);
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(
            &on_disk[..13],
            b"earlier bytes",
            "appends, never overwrites"
        );
        assert_eq!(&on_disk[13..], &body[..], "every frame, in the order sent");
        assert_eq!(
            done.hasher.unwrap().finish(),
            Sha256::digest(&body).to_vec(),
            "hashed in the order written"
        );
        let room: usize = sent.iter().map(|f| queued_size(f) as usize).sum();
        assert_eq!(
            queue.available_permits(),
            room,
            "every frame's room in the queue is given back once written"
        );
    }

    fn open_part(dir: &tempfile::TempDir) -> (std::path::PathBuf, File) {
        let path = dir.path().join("part");
        let file = std::fs::OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .unwrap();
        (path, file)
    }

    #[tokio::test]
    async fn a_body_of_many_small_frames_arrives_whole_and_matches_its_checksum() {
        use base64::Engine;
        let dir = tempfile::tempdir().unwrap();
        let (path, file) = open_part(&dir);
        let sent = frames(2_000); // ~70 MB: more than the queue, and several writeback kicks
        let body = joined(&sent);
        let header = format!(
            "sha256 {}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body))
        );
        let stream = futures_util::stream::iter(sent.into_iter().map(Ok::<_, std::io::Error>));
        let received = receive(
            Body::from_stream(stream),
            file,
            body.len() as u64,
            Some(Checksum::parse(&header).unwrap()),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert!(
            matches!(received, Received::Complete { written } if written == body.len() as u64),
            "{received:?}"
        );
        assert!(
            std::fs::read(&path).unwrap() == body,
            "the file holds the body"
        );
    }

    #[tokio::test]
    async fn a_body_that_breaks_off_half_way_keeps_every_byte_sent_before_the_break() {
        let dir = tempfile::tempdir().unwrap();
        let (path, file) = open_part(&dir);
        let sent = frames(400);
        let before = joined(&sent);
        let stream = futures_util::stream::iter(
            sent.into_iter()
                .map(Ok)
                .chain([Err(std::io::Error::other("connection reset"))]),
        );
        let received = receive(
            Body::from_stream(stream),
            file,
            before.len() as u64 * 2,
            None,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert!(
            matches!(received, Received::Interrupted { written } if written == before.len() as u64),
            "{received:?}"
        );
        assert!(
            std::fs::read(&path).unwrap() == before,
            "what came before the break is on disk, so the client resumes after it"
        );
    }
}
