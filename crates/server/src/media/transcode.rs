//! The poster and the rendition every desktop webview plays: H.264 (yuv420p, even sizes,
//! upright) + AAC in MP4 with `+faststart`, at most 1080 pixels on the long side.

use std::ffi::OsStr;
use std::path::Path;
use std::time::Duration;

use super::Tools;
use super::probe::Probe;

/// Longest side of the rendition, in pixels.
pub const MAX_LONG_SIDE: u32 = 1080;

/// Scales down to fit `MAX_LONG_SIDE` (never up) and rounds both sides to even numbers,
/// which yuv420p needs. ffmpeg has already turned the picture upright when this runs.
fn scale_filter() -> String {
    format!(
        "scale='if(gte(iw,ih),min({m},iw),-2)':'if(gte(iw,ih),-2,min({m},ih))',\
         scale='trunc(iw/2)*2':'trunc(ih/2)*2',setsar=1",
        m = MAX_LONG_SIDE
    )
}

pub async fn poster(
    tools: &Tools,
    input: &Path,
    probe: &Probe,
    out: &Path,
    limit: Duration,
) -> Result<(), String> {
    // A frame about a second in says more than a black first frame; short clips use frame 0.
    let at_ms = if probe.duration_ms >= 1500 { 1000 } else { 0 };
    poster_at(tools, input, at_ms, out, limit).await
}

/// The frame at `at_ms` as a JPEG poster (`-ss` before `-i`: a fast seek that still lands
/// on the exact frame when re-encoding).
pub async fn poster_at(
    tools: &Tools,
    input: &Path,
    at_ms: u64,
    out: &Path,
    limit: Duration,
) -> Result<(), String> {
    let at = format!("{}.{:03}", at_ms / 1000, at_ms % 1000);
    let filter = scale_filter();
    let args: Vec<&OsStr> = vec![
        "-nostdin".as_ref(),
        "-y".as_ref(),
        "-v".as_ref(),
        "error".as_ref(),
        "-ss".as_ref(),
        at.as_ref(),
        "-i".as_ref(),
        input.as_os_str(),
        "-frames:v".as_ref(),
        "1".as_ref(),
        "-vf".as_ref(),
        filter.as_ref(),
        "-q:v".as_ref(),
        "3".as_ref(),
        "-f".as_ref(),
        "mjpeg".as_ref(),
        out.as_os_str(),
    ];
    tools.encode(&args, limit).await.map(|_| ())
}

pub async fn rendition(
    tools: &Tools,
    input: &Path,
    probe: &Probe,
    out: &Path,
    limit: Duration,
) -> Result<(), String> {
    let filter = scale_filter();
    let mut args: Vec<&OsStr> = vec![
        "-nostdin".as_ref(),
        "-y".as_ref(),
        "-v".as_ref(),
        "error".as_ref(),
        "-i".as_ref(),
        input.as_os_str(),
        "-map".as_ref(),
        "0:v:0".as_ref(),
        "-vf".as_ref(),
        filter.as_ref(),
        "-c:v".as_ref(),
        "libx264".as_ref(),
        "-preset".as_ref(),
        "veryfast".as_ref(),
        "-crf".as_ref(),
        "23".as_ref(),
        "-pix_fmt".as_ref(),
        "yuv420p".as_ref(),
        "-profile:v".as_ref(),
        "high".as_ref(),
        // The picture is already upright; no player should rotate it again.
        "-metadata:s:v:0".as_ref(),
        "rotate=0".as_ref(),
    ];
    if probe.audio_codec.is_some() {
        args.extend::<[&OsStr; 8]>([
            "-map".as_ref(),
            "0:a:0".as_ref(),
            "-c:a".as_ref(),
            "aac".as_ref(),
            "-b:a".as_ref(),
            "128k".as_ref(),
            "-ac".as_ref(),
            "2".as_ref(),
        ]);
    }
    args.extend::<[&OsStr; 5]>([
        "-movflags".as_ref(),
        "+faststart".as_ref(),
        "-f".as_ref(),
        "mp4".as_ref(),
        out.as_os_str(),
    ]);
    tools.encode(&args, limit).await.map(|_| ())
}
