//! tus 1.0.0 spoken by hand with reqwest, for the cases an off-the-shelf client never makes.

use base64::Engine;
use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::EventKind;
use reqwest::{Method, StatusCode};
use sha2::Digest;

use crate::helpers::{
    OCTETS, assert_refused, error_code, fixture, spawn_app, spawn_app_with, tus_metadata, upload_id,
};

#[tokio::test]
async fn options_announces_the_version_extensions_and_limits() {
    let app = spawn_app_with(|c| c.max_upload_bytes = 12345).await;
    let response = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/uploads"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let h = response.headers();
    assert_eq!(h["tus-version"], "1.0.0");
    assert_eq!(h["tus-max-size"], "12345");
    assert_eq!(h["tus-checksum-algorithm"], "sha1,sha256");
    let extensions = h["tus-extension"].to_str().unwrap();
    for ext in [
        "creation",
        "creation-with-upload",
        "termination",
        "expiration",
        "checksum",
    ] {
        assert!(
            extensions.split(',').any(|e| e == ext),
            "{ext} in {extensions}"
        );
    }
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_upload_in_two_patches_becomes_a_video_with_its_bytes_intact() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("android-vp8-opus.webm");
    let location = app.tus_create(&link.token, video.len()).await;
    let half = video.len() / 2;
    let first = app.tus_patch(&location, 0, video[..half].to_vec()).await;
    assert_eq!(first.status(), 204);
    assert_eq!(first.headers()["upload-offset"], half.to_string().as_str());
    assert!(first.headers().contains_key("upload-expires"));
    assert_eq!(app.head_offset(&location).await, half as u64);
    let second = app.tus_patch(&location, half, video[half..].to_vec()).await;
    assert_eq!(second.status(), 204);

    let upload_id = upload_id(&location);
    let id = app.video_of(upload_id).await;
    assert_ne!(id, upload_id, "a media URL's id must not resume the upload");
    let stored = std::fs::read(app.video_file(&id, "original.webm")).unwrap();
    assert_eq!(sha2::Sha256::digest(&stored), sha2::Sha256::digest(&video));
    assert!(
        !app.data.path().join("uploads").join(upload_id).exists(),
        "the part file was moved"
    );
    let page = app.events(0).await;
    let received = page
        .events
        .iter()
        .find(|e| e.kind == EventKind::VideoReceived)
        .expect("video_received");
    assert_eq!(received.video_id.as_deref(), Some(id.as_str()));
    assert_eq!(received.handle.as_deref(), Some("maya.bakes"));
    assert_eq!(received.detail["container"], "webm");
    let kinds: Vec<_> = page.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::CampaignUpdated,
            EventKind::LinkCreated,
            EventKind::UploadStarted,
            EventKind::VideoReceived
        ]
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn creation_with_upload_takes_the_whole_file_in_the_post() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("iphone-h264.mov");
    let response = app
        .tus_create_with(&link.token, video.clone(), "clip.mov")
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers()["upload-offset"],
        video.len().to_string().as_str()
    );
    let location = response.headers()["location"].to_str().unwrap();
    let id = app.video_of(upload_id(location)).await;
    assert!(app.video_file(&id, "original.mov").exists());
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn creation_without_a_usable_token_fails_and_creates_nothing() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let cases = [
        (
            format!("filename {}", b64("a.webm")),
            StatusCode::UNAUTHORIZED,
        ),
        (
            format!("token {}", b64("AAAAAAAAAAAAAAAAAAAAAA")),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("token {}", b64("../../etc/passwd")),
            StatusCode::NOT_FOUND,
        ),
        (
            "token !!notbase64".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (metadata, status) in cases {
        let response = app.tus_post(10, &metadata).await;
        assert_eq!(response.status(), status, "{metadata}");
        assert_eq!(response.headers()["tus-resumable"], "1.0.0");
    }
    let wrong_version = app
        .client
        .post(app.url("/api/v1/uploads"))
        .header("tus-resumable", "0.2.2")
        .header("upload-length", "10")
        .header("upload-metadata", tus_metadata(&link.token, "a.webm"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_version.status(), 412);
    let kinds = app.event_kinds().await;
    assert!(!kinds.contains(&"upload_started".to_owned()));
    assert_eq!(app.files_in("uploads"), 0);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_upload_over_the_max_size_is_refused_at_creation() {
    let app = spawn_app_with(|c| c.max_upload_bytes = 1000).await;
    let link = app.link("maya.bakes").await;
    let response = app
        .tus_post(1001, &tus_metadata(&link.token, "big.webm"))
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(error_code(response).await, ErrorCode::PayloadTooLarge);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_body_longer_than_the_upload_is_refused_and_nothing_of_it_kept() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let location = app.tus_create(&link.token, 10).await;
    let response = app.tus_patch(&location, 0, vec![7u8; 20]).await;
    assert_eq!(response.status(), 413);
    assert_eq!(app.head_offset(&location).await, 0);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_wrong_offset_is_a_conflict_and_a_wrong_content_type_a_415() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let location = app.tus_create(&link.token, 10).await;
    assert_eq!(app.tus_patch(&location, 5, vec![1; 5]).await.status(), 409);
    let plain = app
        .tus(Method::PATCH, &location)
        .header("content-type", "text/plain")
        .header("upload-offset", "0")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 415);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_checksum_mismatch_is_a_460_and_the_bytes_are_discarded() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("no-audio.webm");
    let location = app.tus_create(&link.token, video.len()).await;
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let chunk = video[..1000].to_vec();
    let patch = |offset: usize, checksum: String, body: Vec<u8>| {
        app.tus(Method::PATCH, &location)
            .header(OCTETS.0, OCTETS.1)
            .header("upload-offset", offset.to_string())
            .header("upload-checksum", checksum)
            .body(body)
            .send()
    };
    let other = format!("sha256 {}", b64(&sha2::Sha256::digest(b"other")));
    let wrong = patch(0, other, chunk.clone()).await.unwrap();
    assert_eq!(wrong.status().as_u16(), 460);
    assert_eq!(app.head_offset(&location).await, 0);
    let sha1 = format!("sha1 {}", b64(&sha1::Sha1::digest(&chunk)));
    let right = patch(0, sha1, chunk).await.unwrap();
    assert_eq!(right.status(), 204);
    assert_eq!(app.head_offset(&location).await, 1000);
    let unsupported = patch(1000, "md5 AAAA".to_owned(), vec![0u8; 10])
        .await
        .unwrap();
    assert_eq!(unsupported.status(), 422);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_second_patch_while_one_is_writing_is_locked_out() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let total = 4 << 20;
    let location = app.tus_create(&link.token, total).await;
    // A slow body keeps the first PATCH writing while the second one arrives.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let slow_body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let first = app
        .tus(Method::PATCH, &location)
        .header(OCTETS.0, OCTETS.1)
        .header("upload-offset", "0")
        .body(slow_body)
        .send();
    let first = tokio::spawn(first);
    // A real WebM header up front, so the finished file is taken as a video and kept.
    let mut opening = fixture("android-vp8-opus.webm")[..64].to_vec();
    opening.resize(1 << 20, 1u8);
    tx.send(Ok(opening)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let second = app.tus_patch(&location, 0, vec![2u8; 1 << 20]).await;
    assert!(
        second.status() == StatusCode::LOCKED || second.status() == StatusCode::CONFLICT,
        "got {}",
        second.status()
    );
    for _ in 0..3 {
        tx.send(Ok(vec![1u8; 1 << 20])).await.unwrap();
    }
    drop(tx);
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), 204);
    let id = app.video_of(upload_id(&location)).await;
    let stored = std::fs::read(app.video_file(&id, "original.webm")).unwrap();
    assert_eq!(stored.len(), total);
    assert!(
        !stored[64..].contains(&2u8),
        "no byte of the refused PATCH got in (past the WebM header)"
    );
    app.server.stop().await.unwrap();
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn termination_deletes_the_upload_and_its_file() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let location = app.tus_create(&link.token, 100).await;
    app.tus_patch(&location, 0, vec![0u8; 50]).await;
    assert_eq!(app.tus_delete(&location).await.status(), 204);
    assert_eq!(app.tus_head(&location).await.status(), 404);
    assert_eq!(app.files_in("uploads"), 0);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_png_named_mp4_is_refused_with_a_reason_and_a_rejection_event() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let png = fixture("not-a-video.mp4");
    let location = app.tus_create(&link.token, png.len()).await;
    let response = app.tus_patch(&location, 0, png).await;
    assert_refused(response, 422, ErrorCode::NotAVideo, "PNG").await;
    let events = app.events(0).await.events;
    let rejected = events
        .iter()
        .find(|e| e.kind == EventKind::VideoRejected)
        .unwrap();
    assert!(rejected.detail["reason"].as_str().unwrap().contains("PNG"));
    assert!(events.iter().all(|e| e.kind != EventKind::VideoReceived));
    assert_eq!(app.files_in("videos"), 0);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_empty_upload_is_rejected_as_empty() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let response = app
        .tus_post(0, &tus_metadata(&link.token, "zero-bytes.webm"))
        .await;
    assert_refused(response, 422, ErrorCode::NotAVideo, "empty").await;
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_link_takes_at_most_its_upload_limit_and_rejections_do_not_count() {
    let app = spawn_app_with(|c| c.uploads_per_link = 2).await;
    let link = app.link("maya.bakes").await;
    let png = fixture("not-a-video.mp4");
    let location = app.tus_create(&link.token, png.len()).await;
    assert_eq!(app.tus_patch(&location, 0, png).await.status(), 422);
    app.tus_create(&link.token, 10).await;
    app.tus_create(&link.token, 10).await;
    let third = app.tus_post(10, &tus_metadata(&link.token, "c.webm")).await;
    assert_eq!(third.status(), 403);
    assert_eq!(error_code(third).await, ErrorCode::LimitReached);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn expired_unfinished_uploads_are_swept_with_their_files() {
    let app = spawn_app_with(|c| {
        c.upload_expiry = std::time::Duration::from_millis(300);
        c.sweep_interval = std::time::Duration::from_millis(100);
    })
    .await;
    let link = app.link("maya.bakes").await;
    let location = app.tus_create(&link.token, 100).await;
    app.tus_patch(&location, 0, vec![0u8; 10]).await;
    let id = upload_id(&location).to_owned();
    let part = app.data.path().join("uploads").join(&id);
    assert!(part.exists());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while part.exists() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        !part.exists(),
        "the sweeper deleted the expired upload's file"
    );
    assert_eq!(app.tus_head(&location).await.status(), 404);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_unfinished_upload_survives_a_restart_and_resumes() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("ios-h264-aac-rotated.mp4");
    let location = app.tus_create(&link.token, video.len()).await;
    app.tus_patch(&location, 0, video[..1000].to_vec()).await;
    let path = location.trim_start_matches(&app.server.url()).to_owned();
    let app = app.restart().await;
    let location = app.url(&path);
    assert_eq!(app.head_offset(&location).await, 1000);
    assert_eq!(
        app.tus_patch(&location, 1000, video[1000..].to_vec())
            .await
            .status(),
        204
    );
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_complete_file_left_by_a_crash_is_finished_at_start_up() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("no-audio.webm");
    let location = app.tus_create(&link.token, video.len()).await;
    let id = upload_id(&location).to_owned();
    let data = app.data.path().to_owned();
    let app = app.restart().await;
    // As if the process died after writing the last byte but before finishing.
    std::fs::write(data.join("uploads").join(&id), &video).unwrap();
    let app = app.restart().await;
    let video_id = app.video_of(&id).await;
    assert!(app.video_file(&video_id, "original.webm").exists());
    assert!(!data.join("uploads").join(&id).exists());
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_client_hanging_up_after_its_last_byte_can_always_complete_its_upload() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("iphone-h264.mov");
    let location = app.tus_create(&link.token, video.len()).await;
    let mut socket = app.raw_patch(&location, video.len()).await;
    socket.write_all(&video).await.unwrap();
    drop(socket); // gone before any answer
    // The server may have stopped reading at the hang-up or finished the upload; either way
    // a HEAD tells the client where it stands and resuming completes it exactly once.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let offset = app.head_offset(&location).await as usize;
    if offset < video.len() {
        let rest = app
            .tus_patch(&location, offset, video[offset..].to_vec())
            .await;
        assert_eq!(rest.status(), 204);
    }
    assert_eq!(app.head_offset(&location).await, video.len() as u64);
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    let id = app.video_of(upload_id(&location)).await;
    let stored = std::fs::read(app.video_file(&id, "original.mov")).unwrap();
    assert_eq!(stored, video);
    app.server.stop().await.unwrap();
}
