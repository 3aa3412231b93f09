//! The media pipeline with the real ffmpeg: every fixture, generated HEVC and VP9 clips,
//! restarts mid-job, time limits, signed Range-capable URLs, reviews and forgetting.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::media::{ReviewConflict, Video, VideoState, VideosPage};
use serde_json::json;

use crate::helpers::{TestApp, fixture, spawn_app, spawn_app_with};

/// Waits (long-polling the feed) for `video_ready` or `video_failed` about `video`.
pub(crate) async fn outcome(
    app: &TestApp,
    video: &str,
    limit: Duration,
) -> (EventKind, serde_json::Value) {
    let deadline = tokio::time::Instant::now() + limit;
    let mut after = 0;
    loop {
        let page = app.feed(&format!("after={after}&wait=5")).await;
        for event in &page.events {
            let done = matches!(event.kind, EventKind::VideoReady | EventKind::VideoFailed);
            if done && event.video_id.as_deref() == Some(video) {
                return (event.kind, event.detail.clone());
            }
        }
        after = page.next_after;
        assert!(
            tokio::time::Instant::now() < deadline,
            "no outcome for {video} within {limit:?}"
        );
    }
}

/// `ffprobe` of a file as JSON.
fn ffprobe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stream<'a>(probe: &'a serde_json::Value, kind: &str) -> Option<&'a serde_json::Value> {
    probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == kind)
}

/// Runs ffmpeg over its test sources `inputs` into `dir/name` and reads the result.
fn ffmpeg_make(dir: &Path, name: &str, inputs: &[&str], args: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    let mut command = Command::new("ffmpeg");
    command.args(["-v", "error", "-y"]);
    for input in inputs {
        command.args(["-f", "lavfi", "-i", input]);
    }
    let status = command.args(args).arg(&out).status().unwrap();
    assert!(status.success(), "ffmpeg could not make {name}");
    std::fs::read(out).unwrap()
}

/// A 3 s 720×1280 clip with a tone, encoded as `args` say.
fn generate(dir: &Path, name: &str, args: &[&str]) -> Vec<u8> {
    ffmpeg_make(
        dir,
        name,
        &[
            "testsrc2=size=720x1280:rate=30:duration=3",
            "sine=frequency=440:duration=3",
        ],
        args,
    )
}

/// A silent H.264 clip of `size` long enough to keep a media worker busy for a while.
fn long_clip(dir: &Path, size: &str, seconds: u32) -> Vec<u8> {
    ffmpeg_make(
        dir,
        "long.mp4",
        &[&format!("testsrc2=size={size}:rate=30:duration={seconds}")],
        &["-c:v", "libx264", "-preset", "ultrafast"],
    )
}

/// Writes a 90° clockwise display matrix into the first track header (the video track, as
/// ffmpeg writes it first). This ffmpeg (5.1) has no option to set one when muxing.
fn with_display_rotation_90(mut mp4: Vec<u8>) -> Vec<u8> {
    let at = mp4
        .windows(4)
        .position(|w| w == b"tkhd")
        .expect("an MP4 has a track header");
    assert_eq!(mp4[at + 4], 0, "version 0 track header");
    // type(4) version+flags(4) times, track id, reserved, duration(20) reserved(8) layer,
    // group, volume, reserved(8): the matrix starts 44 bytes after the type.
    let matrix = at + 44;
    let values: [i32; 9] = [0, 1 << 16, 0, -(1 << 16), 0, 0, 0, 0, 1 << 30];
    for (i, v) in values.iter().enumerate() {
        mp4[matrix + i * 4..matrix + i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    mp4
}

/// A ready video's rendition must play everywhere: H.264 yuv420p, even upright size, AAC or
/// no audio, at most 1080 on the long side; the poster must be a JPEG.
async fn assert_playable(app: &TestApp, id: &str, portrait: bool, with_audio: bool) {
    let v = app.video(id).await;
    assert_eq!(v.state, VideoState::Ready, "{id}: {:?}", v.failure);
    let dir = app.data.path().join("videos").join(id);
    let poster = std::fs::read(dir.join("poster.jpg")).unwrap();
    assert!(
        poster.starts_with(&[0xFF, 0xD8, 0xFF]),
        "the poster is a JPEG"
    );
    let probe = ffprobe(&dir.join("rendition.mp4"));
    let video_stream = stream(&probe, "video").unwrap();
    assert_eq!(video_stream["codec_name"], "h264");
    assert_eq!(video_stream["pix_fmt"], "yuv420p");
    let (w, h) = (
        video_stream["width"].as_u64().unwrap(),
        video_stream["height"].as_u64().unwrap(),
    );
    assert!(w % 2 == 0 && h % 2 == 0, "even dimensions: {w}x{h}");
    assert!(w.max(h) <= 1080, "capped at 1080 on the long side: {w}x{h}");
    assert_eq!(h > w, portrait, "upright: {w}x{h}");
    match stream(&probe, "audio") {
        Some(audio) => assert_eq!(audio["codec_name"], "aac"),
        None => assert!(!with_audio, "the rendition lost its audio"),
    }
    if with_audio {
        assert!(stream(&probe, "audio").is_some());
    }
    let p = v.probe.expect("probe figures");
    assert_eq!(p.height > p.width, portrait);
    assert!(p.duration_ms > 1000);
}

#[tokio::test]
async fn every_good_fixture_ends_ready_and_playable() {
    let app = spawn_app_with(|c| c.uploads_per_link = 10).await;
    let link = app.link("maya.bakes").await;
    // (fixture, upright portrait, has audio): the fixtures carry no rotation matrix, so
    // upright is as stored; rotation is covered by the generated clip below.
    let cases = [
        ("android-vp8-opus.webm", true, true),
        ("ios-h264-aac-rotated.mp4", false, true),
        ("iphone-h264.mov", true, true),
        ("no-audio.webm", true, false),
    ];
    let mut ids = Vec::new();
    for (name, _, _) in cases {
        let (status, id) = app.upload(&link.token, fixture(name), name).await;
        assert_eq!(status, 201, "{name}");
        ids.push(id);
    }
    for ((name, portrait, audio), id) in cases.iter().zip(&ids) {
        let (kind, detail) = outcome(&app, id, Duration::from_secs(120)).await;
        assert_eq!(kind, EventKind::VideoReady, "{name}: {detail}");
        assert_playable(&app, id, *portrait, *audio).await;
    }
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_truncated_mp4_fails_with_ffmpegs_reason_and_bad_files_are_rejected() {
    let app = spawn_app_with(|c| c.uploads_per_link = 10).await;
    let link = app.link("maya.bakes").await;
    let (status, id) = app
        .upload(&link.token, fixture("truncated.mp4"), "truncated.mp4")
        .await;
    assert_eq!(
        status, 201,
        "the header is valid, so the upload itself is taken"
    );
    let (kind, detail) = outcome(&app, &id, Duration::from_secs(60)).await;
    assert_eq!(kind, EventKind::VideoFailed);
    let reason = detail["reason"].as_str().unwrap();
    assert!(!reason.is_empty() && reason.len() <= 300, "{reason}");
    let v = app.video(&id).await;
    assert_eq!(v.state, VideoState::Failed);
    assert_eq!(v.failure.as_deref(), Some(reason));

    let (status, _) = app
        .upload(&link.token, fixture("not-a-video.mp4"), "not-a-video.mp4")
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .upload(&link.token, fixture("zero-bytes.webm"), "zero-bytes.webm")
        .await;
    assert_eq!(status, 422);
    assert_eq!(app.count_events(EventKind::VideoRejected).await, 2);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn hevc_mov_vp9_webm_and_a_rotated_phone_clip_come_out_playable() {
    let app = spawn_app_with(|c| c.uploads_per_link = 10).await;
    let link = app.link("maya.bakes").await;
    let dir = tempfile::tempdir().unwrap();
    let hevc = generate(
        dir.path(),
        "iphone-hevc.mov",
        &[
            "-c:v",
            "libx265",
            "-tag:v",
            "hvc1",
            "-x265-params",
            "log-level=error",
            "-c:a",
            "aac",
            "-shortest",
        ],
    );
    let vp9 = generate(
        dir.path(),
        "android-vp9.webm",
        &[
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-c:a",
            "libopus",
            "-shortest",
        ],
    );
    // Stored landscape with a 90° display matrix, the way phones record portrait.
    let rotated = with_display_rotation_90(generate(
        dir.path(),
        "rotated.mp4",
        &[
            "-vf",
            "transpose=1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
        ],
    ));
    let mut ids = Vec::new();
    for (bytes, name) in [
        (hevc, "iphone-hevc.mov"),
        (vp9, "android-vp9.webm"),
        (rotated, "rotated.mp4"),
    ] {
        let (status, id) = app.upload(&link.token, bytes, name).await;
        assert_eq!(status, 201, "{name}");
        ids.push(id);
    }
    for id in &ids[..2] {
        let (kind, detail) = outcome(&app, id, Duration::from_secs(180)).await;
        assert_eq!(kind, EventKind::VideoReady, "{detail}");
        assert_playable(&app, id, true, true).await;
    }
    let (kind, detail) = outcome(&app, &ids[2], Duration::from_secs(180)).await;
    assert_eq!(kind, EventKind::VideoReady, "{detail}");
    // transpose made it 1280x720 stored; the display matrix turns it back to portrait.
    assert_eq!(
        detail["rotation"].as_i64().map(|r| r % 180 != 0),
        Some(true),
        "{detail}"
    );
    assert_playable(&app, &ids[2], true, true).await;
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_job_interrupted_by_a_restart_runs_again_and_finishes() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let dir = tempfile::tempdir().unwrap();
    let clip = long_clip(dir.path(), "720x1280", 30);
    let (status, id) = app.upload(&link.token, clip, "long.mp4").await;
    assert_eq!(status, 201);
    let db = app.data.path().join("clipdesk-server.sqlite3");
    let job_state = |db: &Path| -> String {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.query_row(
            "SELECT state FROM media_jobs WHERE video_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while job_state(&db) != "running" {
        assert!(
            std::time::Instant::now() < deadline,
            "the job never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let app = app.restart().await;
    let (kind, detail) = outcome(&app, &id, Duration::from_secs(180)).await;
    assert_eq!(kind, EventKind::VideoReady, "{detail}");
    assert_eq!(app.count_events(EventKind::VideoReady).await, 1);
    let attempts: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT attempts FROM media_jobs WHERE video_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        attempts, 2,
        "the interrupted attempt and the one after the restart"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_job_over_its_time_limit_is_killed_retried_once_and_fails() {
    let app = spawn_app_with(|c| c.media_job_timeout = Duration::from_millis(1500)).await;
    let link = app.link("maya.bakes").await;
    let dir = tempfile::tempdir().unwrap();
    let clip = long_clip(dir.path(), "1080x1920", 60);
    let (_, id) = app.upload(&link.token, clip, "long.mp4").await;
    let (kind, detail) = outcome(&app, &id, Duration::from_secs(60)).await;
    assert_eq!(kind, EventKind::VideoFailed);
    assert!(
        detail["reason"].as_str().unwrap().contains("gave up after"),
        "{detail}"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn without_ffmpeg_videos_wait_as_received_until_a_restart_finds_it() {
    let app = spawn_app_with(|c| c.ffmpeg = "/nonexistent/ffmpeg".into()).await;
    let link = app.link("maya.bakes").await;
    let (_, id) = app
        .upload(&link.token, fixture("no-audio.webm"), "no-audio.webm")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.video(&id).await.state, VideoState::Received);
    let app = app.restart().await;
    let (kind, _) = outcome(&app, &id, Duration::from_secs(60)).await;
    assert_eq!(kind, EventKind::VideoReady);
    app.server.stop().await.unwrap();
}

/// A ready video and its signed URLs.
async fn ready_video(app: &TestApp) -> Video {
    let link = app.link("maya.bakes").await;
    let (_, id) = app
        .upload(&link.token, fixture("android-vp8-opus.webm"), "clip.webm")
        .await;
    let (kind, _) = outcome(app, &id, Duration::from_secs(60)).await;
    assert_eq!(kind, EventKind::VideoReady);
    app.video(&id).await
}

#[tokio::test]
async fn signed_urls_answer_range_requests_like_a_player_needs() {
    let app = spawn_app().await;
    let v = ready_video(&app).await;
    let url = v.urls.rendition.clone().unwrap();
    let file = std::fs::read(app.video_file(&v.id, "rendition.mp4")).unwrap();
    let len = file.len();

    let whole = app.client.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    assert!(
        whole.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    assert_eq!(whole.bytes().await.unwrap().len(), len);

    for (range, start, end) in [("bytes=0-99", 0, 99), ("bytes=1000-1999", 1000, 1999)] {
        let part = app
            .client
            .get(&url)
            .header("range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), 206, "{range}");
        assert_eq!(
            part.headers()["content-range"],
            format!("bytes {start}-{end}/{len}").as_str()
        );
        assert_eq!(&part.bytes().await.unwrap()[..], &file[start..=end]);
    }
    let suffix = app
        .client
        .get(&url)
        .header("range", "bytes=-100")
        .send()
        .await
        .unwrap();
    assert_eq!(suffix.status(), 206);
    assert_eq!(&suffix.bytes().await.unwrap()[..], &file[len - 100..]);
    let beyond = app
        .client
        .get(&url)
        .header("range", format!("bytes={}-", len + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);

    let poster = app.client.get(v.urls.poster.unwrap()).send().await.unwrap();
    assert_eq!(poster.headers()["content-type"], "image/jpeg");
    let original = app.client.get(&v.urls.original).send().await.unwrap();
    assert_eq!(original.headers()["content-type"], "video/webm");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn altered_and_expired_signatures_are_refused() {
    let app = spawn_app_with(|c| c.media_url_ttl = Duration::from_secs(2)).await;
    let v = ready_video(&app).await;
    let url = v.urls.rendition.unwrap();
    let last = url.chars().last().unwrap();
    let altered = format!(
        "{}{}",
        &url[..url.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    assert_eq!(app.client.get(&altered).send().await.unwrap().status(), 403);
    let other_kind = url.replace("/rendition?", "/original?");
    assert_eq!(
        app.client.get(&other_kind).send().await.unwrap().status(),
        403
    );
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        app.client.get(&url).send().await.unwrap().status(),
        403,
        "expired"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_stale_review_version_gets_a_409_with_the_current_review() {
    let app = spawn_app().await;
    let v = ready_video(&app).await;
    let url = app.url(&format!("/api/v1/videos/{}/review", v.id));
    let put_review = |review: serde_json::Value| {
        app.client
            .put(&url)
            .bearer_auth(&app.token)
            .json(&review)
            .send()
    };
    let first = put_review(json!({"decision": "approved", "note": "great light", "version": 0}))
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let stale = put_review(json!({"decision": "rejected", "note": "", "version": 0}))
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let conflict: ReviewConflict = stale.json().await.unwrap();
    assert_eq!(conflict.current.version, 1);
    assert_eq!(conflict.current.note, "great light");
    assert_eq!(conflict.current.reviewer.as_deref(), Some("tester"));
    let shown = app.video(&v.id).await.review;
    assert_eq!(
        shown.decision,
        clipdesk_protocol::media::ReviewDecision::Approved
    );
    assert_eq!(
        app.count_events(EventKind::ReviewSet).await,
        1,
        "the refused change appended nothing"
    );
    let list: VideosPage = app.get_json("/api/v1/videos?after=0").await;
    assert_eq!(list.videos.len(), 1);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn forgetting_a_person_removes_every_file_and_row_of_theirs() {
    let app = spawn_app().await;
    let v = ready_video(&app).await;
    // An unfinished upload of theirs too.
    app.tus_create(&v.link, 100).await;
    let forgotten = app.delete_link(&format!("{}?forget=true", v.link)).await;
    assert_eq!(forgotten.status(), 204);
    assert_eq!(app.files_in("videos"), 0);
    assert_eq!(app.files_in("uploads"), 0);
    assert_eq!(
        app.get(&format!("/api/v1/videos/{}", v.id))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.client
            .get(v.urls.original)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let events = app.events(0).await.events;
    let last = events.last().unwrap();
    assert_eq!(last.kind, EventKind::LinkForgotten);
    assert_eq!(last.link.as_deref(), Some(v.link.as_str()));
    let log = serde_json::to_string(&events).unwrap();
    assert!(
        !log.contains("maya.bakes") && !log.contains("Maya"),
        "no event, link_forgotten included, names them any more: {log}"
    );
    app.server.stop().await.unwrap();
}
