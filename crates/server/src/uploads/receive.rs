//! Streaming a PATCH body onto the end of an upload's file: the async side reads frames, one
//! blocking thread writes (and hashes) them, and a small channel between them bounds memory.

use std::fs::File;
use std::io::Write;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::error::ApiError;

/// Frames in flight between the socket and the disk, per upload.
const CHANNEL_FRAMES: usize = 2;

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
    let (tx, mut rx) = mpsc::channel::<Bytes>(CHANNEL_FRAMES);
    let mut hasher = checksum.as_ref().map(Checksum::hasher);
    let writer = tokio::task::spawn_blocking(move || {
        let mut file = file;
        let mut written = 0u64;
        while let Some(chunk) = rx.blocking_recv() {
            if let Err(error) = file.write_all(&chunk) {
                // Dropping the receiver stops the reader; the caller learns why from here.
                return (written, Some(error), hasher);
            }
            if let Some(h) = hasher.as_mut() {
                h.update(&chunk);
            }
            written += chunk.len() as u64;
        }
        (written, None, hasher)
    });

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
                if tx.send(bytes).await.is_err() {
                    break; // the writer stopped on an I/O error
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
    let (written, error, hasher) = writer
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
}
