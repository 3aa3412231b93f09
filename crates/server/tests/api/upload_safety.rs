//! What an attacker or a flaky phone can do to the upload path, pinned: ids that open only
//! what they should, finishing that survives a database hiccup, stalled bodies, revoked links,
//! failed attempts that do not use up a link, polyglots, and a data folder with strangers in it.

use std::time::{Duration, Instant};

use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::EventKind;
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{
    OCTETS, TestApp, assert_refused, error_code, fixture, spawn_app, spawn_app_with, tus_metadata,
    upload_id,
};

#[tokio::test]
async fn a_media_urls_video_id_opens_no_upload_and_head_never_echoes_the_link_token() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("iphone-h264.mov");
    let location = app.tus_create(&link.token, video.len()).await;
    assert_eq!(
        app.tus_patch(&location, 0, video.clone()).await.status(),
        204
    );
    let upload_id = upload_id(&location).to_owned();
    let video_id = app.video_of(&upload_id).await;
    assert_ne!(video_id, upload_id);

    // What a media URL reveals opens nothing on the tus side.
    let by_video = app.url(&format!("/api/v1/uploads/{video_id}"));
    assert_eq!(app.tus_head(&by_video).await.status(), 404);
    assert_eq!(app.tus_patch(&by_video, 0, vec![]).await.status(), 404);
    assert_eq!(app.tus_delete(&by_video).await.status(), 404);

    // The upload's own id still answers its client, without the capability of the link.
    let answer = app.tus_head(&location).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.headers()["upload-offset"],
        video.len().to_string().as_str()
    );
    let metadata = answer.headers()["upload-metadata"].to_str().unwrap();
    assert!(metadata.contains("filename "), "{metadata}");
    assert!(
        !metadata.split(',').any(|pair| pair.starts_with("token")),
        "the link token leaked: {metadata}"
    );
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&link.token);
    assert!(!metadata.contains(&encoded) && !metadata.contains(&link.token));
    app.server.stop().await.unwrap();
}

/// Holds SQLite's write lock from a second connection, as another process or a long
/// transaction would, until dropped.
struct WriteLock(rusqlite::Connection);

impl WriteLock {
    fn take(app: &TestApp) -> Self {
        let conn =
            rusqlite::Connection::open(app.data.path().join("clipdesk-server.sqlite3")).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        WriteLock(conn)
    }
}

/// An upload whose last PATCH failed to finish because the database was write-locked: its
/// bytes are all on the server, its video not yet recorded. Returns its URL and bytes.
async fn finish_failed(app: &TestApp, name: &str) -> (String, Vec<u8>) {
    let link = app.link("maya.bakes").await;
    let video = fixture(name);
    let location = app.tus_create(&link.token, video.len()).await;
    let lock = WriteLock::take(app);
    let answer = app.tus_patch(&location, 0, video.clone()).await;
    assert!(answer.status().is_server_error(), "got {}", answer.status());
    drop(lock);
    (location, video)
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

#[tokio::test]
async fn a_database_error_at_the_last_patch_never_loses_the_upload_nor_reports_it_complete() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("ios-h264-aac-rotated.mp4");
    let location = app.tus_first_half(&link.token, &video).await;

    let lock = WriteLock::take(&app);
    let last = app.tus_second_half(&location, &video).await;
    assert!(last.status().is_server_error(), "got {}", last.status());
    // While the database is still locked, nobody is told the upload is complete.
    let during = app.tus_head(&location).await;
    assert!(
        during.status().is_server_error(),
        "HEAD must not report offset = length without a video: {} {:?}",
        during.status(),
        during.headers().get("upload-offset")
    );
    drop(lock);

    // A PATCH at the end with an empty body (what a client resumes with) finishes it...
    assert_eq!(
        app.tus_patch(&location, video.len(), vec![]).await.status(),
        204
    );
    // ...and a HEAD afterwards reports it complete, once.
    assert_eq!(app.head_offset(&location).await, video.len() as u64);
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    let id = app.video_of(upload_id(&location)).await;
    let stored = std::fs::read(app.video_file(&id, "original.mp4")).unwrap();
    assert_eq!(stored, video);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_head_after_a_failed_finish_finishes_the_upload() {
    let app = spawn_app().await;
    let (location, video) = finish_failed(&app, "no-audio.webm").await;
    assert_eq!(app.head_offset(&location).await, video.len() as u64);
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_upload_moved_but_not_recorded_before_a_crash_is_finished_at_start_up() {
    let app = spawn_app().await;
    let (location, _) = finish_failed(&app, "no-audio.webm").await;
    let app = app.restart().await;
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    let id = app.video_of(upload_id(&location)).await;
    assert!(app.video_file(&id, "original.webm").exists());
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn the_sweeper_finishes_an_expired_upload_whose_bytes_all_arrived_instead_of_deleting_it() {
    let app = spawn_app_with(|c| {
        c.upload_expiry = Duration::from_millis(800);
        c.sweep_interval = Duration::from_millis(100);
    })
    .await;
    let started = Instant::now();
    let _ = finish_failed(&app, "no-audio.webm").await;
    assert!(
        started.elapsed() > Duration::from_millis(800),
        "expired by now"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.count_events(EventKind::VideoReceived).await == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_stalled_patch_is_cut_off_and_the_upload_resumes() {
    let app = spawn_app_with(|c| c.body_idle_timeout = Duration::from_secs(1)).await;
    let link = app.link("maya.bakes").await;
    let video = fixture("iphone-h264.mov");
    let location = app.tus_create(&link.token, video.len()).await;
    let mut socket = app.raw_patch(&location, video.len()).await;
    socket.write_all(&video[..1000]).await.unwrap();
    // ...and then nothing. Within the idle timeout (plus slack) the server gives up on it.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the stalled request was answered or closed");
    let offset = app.head_offset(&location).await as usize;
    assert_eq!(
        offset, 1000,
        "plain bytes that arrived are kept for the resume"
    );
    let rest = app
        .tus_patch(&location, offset, video[offset..].to_vec())
        .await;
    assert_eq!(rest.status(), 204, "the upload is no longer locked");
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    app.server.stop().await.unwrap();
}

async fn revoke(app: &TestApp, token: &str) {
    assert_eq!(app.delete_link(token).await.status(), 204);
}

#[tokio::test]
async fn a_revoked_link_takes_no_more_bytes_and_makes_no_video() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("no-audio.webm");
    let location = app.tus_create(&link.token, video.len()).await;
    assert_eq!(
        app.tus_patch(&location, 0, video[..1000].to_vec())
            .await
            .status(),
        204
    );
    revoke(&app, &link.token).await;
    let refused = app.tus_patch(&location, 1000, video[1000..].to_vec()).await;
    assert_eq!(refused.status(), 404);
    assert_eq!(error_code(refused).await, ErrorCode::Revoked);
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 0);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_link_revoked_while_the_last_patch_streams_makes_no_video() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("no-audio.webm");
    let location = app.tus_create(&link.token, video.len()).await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let body = reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async {
        rx.recv().await.map(|item| (item, rx))
    }));
    let sending = tokio::spawn(
        app.tus(Method::PATCH, &location)
            .header(OCTETS.0, OCTETS.1)
            .header("upload-offset", "0")
            .body(body)
            .send(),
    );
    tx.send(Ok(video[..1000].to_vec())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    revoke(&app, &link.token).await;
    tx.send(Ok(video[1000..].to_vec())).await.unwrap();
    drop(tx);
    let answer = sending.await.unwrap().unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(error_code(answer).await, ErrorCode::Revoked);
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 0);
    assert_eq!(app.count_events(EventKind::VideoRejected).await, 1);
    assert_eq!(app.files_in("videos"), 0, "nothing of it is kept");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn failed_attempts_do_not_use_up_a_links_uploads() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("no-audio.webm");
    let post = |length: usize, checksum: Option<&'static str>, body: Vec<u8>| {
        let mut request = app
            .tus(Method::POST, &app.url("/api/v1/uploads"))
            .header(OCTETS.0, OCTETS.1)
            .header("upload-length", length.to_string())
            .header("upload-metadata", tus_metadata(&link.token, "clip.webm"));
        if let Some(checksum) = checksum {
            request = request.header("upload-checksum", checksum);
        }
        request.body(body).send()
    };
    for _ in 0..3 {
        // The body is longer than the length it announced: 413.
        let answer = post(10, None, video.clone()).await.unwrap();
        assert_eq!(answer.status(), 413);
        // The body does not match its checksum: 460.
        let answer = post(
            video.len(),
            Some("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0="),
            video.clone(),
        )
        .await
        .unwrap();
        assert_eq!(answer.status().as_u16(), 460);
    }
    assert_eq!(app.public_link(&link.token).await.uploads_left, 3);
    assert_eq!(app.files_in("uploads"), 0, "failed creations leave no file");
    let answer = post(video.len(), None, video.clone()).await.unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(app.public_link(&link.token).await.uploads_left, 2);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_polyglot_that_only_starts_like_a_movie_is_refused() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    // A `free` box (a legal first atom of old QuickTime files) wrapping an HTML page.
    let page = b"<html><body><script>alert(document.domain)</script></body></html>";
    let mut polyglot = ((8 + page.len()) as u32).to_be_bytes().to_vec();
    polyglot.extend_from_slice(b"free");
    polyglot.extend_from_slice(page);
    polyglot.extend_from_slice(b"<!-- more html -->");
    let location = app.tus_create(&link.token, polyglot.len()).await;
    let answer = app.tus_patch(&location, 0, polyglot).await;
    assert_refused(answer, 422, ErrorCode::NotAVideo, "not a video").await;
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 0);
    assert_eq!(app.files_in("videos"), 0);
    assert_eq!(
        app.public_link(&link.token).await.uploads_left,
        3,
        "a refusal does not count"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn strangers_in_the_data_folder_are_left_alone_and_do_not_stop_the_server() {
    let app = spawn_app().await;
    let data = app.data.path().to_owned();
    std::fs::write(data.join("videos").join("README.txt"), "notes").unwrap();
    std::fs::create_dir(data.join("videos").join("backup 2026")).unwrap();
    std::fs::create_dir(data.join("uploads").join("tmp")).unwrap();
    std::fs::write(data.join("uploads").join(".DS_Store"), "x").unwrap();
    let app = app.restart().await;
    let health = app.visit("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    for stranger in [
        "videos/README.txt",
        "videos/backup 2026",
        "uploads/tmp",
        "uploads/.DS_Store",
    ] {
        assert!(data.join(stranger).exists(), "{stranger} was left alone");
    }
    app.server.stop().await.unwrap();
}
