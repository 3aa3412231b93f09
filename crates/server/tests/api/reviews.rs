//! Reviews: who a decision is recorded as, what note, tags and rating it carries, and the
//! poster a reviewer picks from a frame.

use std::time::Duration;

use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::media::{Review, ReviewConflict, ReviewDecision, Video, VideosPage};
use clipdesk_server::objects::{S3Media, Storage};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_refused, fixture, spawn_app, spawn_app_with};
use crate::media::outcome;
use crate::s3::S3Server;

/// A received video (its conversion does not matter to a review).
async fn received_video(app: &TestApp) -> String {
    let link = app.link("maya.bakes").await;
    let (status, id) = app
        .upload(&link.token, fixture("no-audio.webm"), "clip.webm")
        .await;
    assert_eq!(status, 201);
    id
}

async fn put_review(app: &TestApp, video: &str, body: Value) -> reqwest::Response {
    app.put_json(&format!("/api/v1/videos/{video}/review"), body)
        .await
}

/// The detail of the newest `review_set` event.
async fn last_review_set(app: &TestApp) -> Value {
    app.events(0)
        .await
        .events
        .into_iter()
        .rev()
        .find(|e| e.kind == EventKind::ReviewSet)
        .expect("a review_set event")
        .detail
}

#[tokio::test]
async fn a_review_is_recorded_as_the_reviewer_the_desktop_names() {
    // The token is "tester", as an embedded server's is "desktop-6666"; the person is Maria.
    let app = spawn_app().await;
    let video = received_video(&app).await;
    let saved = put_review(
        &app,
        &video,
        json!({"decision": "rejected", "note": "too dark", "version": 0, "reviewer": " Maria López "}),
    )
    .await;
    assert_eq!(saved.status(), 200);
    let saved: Review = saved.json().await.unwrap();
    assert_eq!(saved.reviewer.as_deref(), Some("Maria López"));
    assert_eq!(
        app.video(&video).await.review.reviewer.as_deref(),
        Some("Maria López"),
        "stored, not only answered"
    );
    let event = last_review_set(&app).await;
    assert_eq!(
        event["reviewer"], "Maria López",
        "every desktop hears who decided"
    );
    assert_eq!(event["token"], "tester", "and which token sent it");

    // Changed to an approval without a note: the rejection's note does not follow it.
    let approved = put_review(
        &app,
        &video,
        json!({"decision": "approved", "version": 1, "reviewer": "Maria López"}),
    )
    .await;
    assert_eq!(approved.status(), 200);
    let review = app.video(&video).await.review;
    assert_eq!(
        (review.decision, review.note.as_str(), review.version),
        (ReviewDecision::Approved, "", 2)
    );
    assert_eq!(last_review_set(&app).await["note"], "");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn without_a_reviewer_name_the_token_name_stands_and_a_bad_name_is_refused() {
    let app = spawn_app().await;
    let video = received_video(&app).await;
    for name in [json!(""), json!("   "), json!("x".repeat(65))] {
        let refused = put_review(
            &app,
            &video,
            json!({"decision": "approved", "version": 0, "reviewer": name}),
        )
        .await;
        assert_refused(refused, 422, ErrorCode::Invalid, "reviewer").await;
    }
    assert_eq!(
        app.count_events(EventKind::ReviewSet).await,
        0,
        "a refused review changes nothing"
    );
    let older_desktop =
        put_review(&app, &video, json!({"decision": "approved", "version": 0})).await;
    assert_eq!(older_desktop.status(), 200);
    assert_eq!(
        app.video(&video).await.review.reviewer.as_deref(),
        Some("tester")
    );
    assert_eq!(last_review_set(&app).await["reviewer"], "tester");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn tags_and_a_rating_are_saved_answered_and_told_to_every_desktop() {
    let app = spawn_app().await;
    let video = received_video(&app).await;
    let saved = put_review(
        &app,
        &video,
        json!({"decision": "approved", "version": 0, "tags": [" Hook ", "b-roll"], "rating": 4}),
    )
    .await;
    assert_eq!(saved.status(), 200);
    let saved: Review = saved.json().await.unwrap();
    assert_eq!(
        (saved.tags.as_slice(), saved.rating),
        (&["Hook".to_string(), "b-roll".to_string()][..], Some(4)),
        "trimmed, kept as typed"
    );
    assert_eq!(
        app.video(&video).await.review,
        saved,
        "stored, not only answered"
    );
    let event = last_review_set(&app).await;
    assert_eq!(event["tags"], json!(["Hook", "b-roll"]));
    assert_eq!(event["rating"], 4);

    // A decision sent without tags or rating keeps them; `"rating": null` clears the rating.
    let kept = put_review(&app, &video, json!({"decision": "rejected", "version": 1})).await;
    let kept: Review = kept.json().await.unwrap();
    assert_eq!((kept.tags.len(), kept.rating), (2, Some(4)));
    let cleared = put_review(
        &app,
        &video,
        json!({"decision": "rejected", "version": 2, "rating": null}),
    )
    .await;
    let cleared: Review = cleared.json().await.unwrap();
    assert_eq!((cleared.tags.len(), cleared.rating), (2, None));
    assert!(last_review_set(&app).await["rating"].is_null());
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn bad_tags_and_ratings_are_refused_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let video = received_video(&app).await;
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    for (body, field) in [
        (json!({"tags": ["x".repeat(33)]}), "tags"),
        (json!({"tags": ["  "]}), "tags"),
        (json!({"tags": many}), "tags"),
        (json!({"tags": ["Hook", "hook"]}), "tags"),
        (json!({"rating": 6}), "rating"),
        (json!({"rating": 0}), "rating"),
    ] {
        let mut body = body;
        body["decision"] = json!("approved");
        body["version"] = json!(0);
        let refused = put_review(&app, &video, body.clone()).await;
        assert_refused(refused, 422, ErrorCode::Invalid, field).await;
    }
    assert_eq!(app.count_events(EventKind::ReviewSet).await, 0);
    assert_eq!(app.video(&video).await.review.version, 0);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_stale_version_loses_and_the_winners_tags_and_rating_stand() {
    let app = spawn_app().await;
    let video = received_video(&app).await;
    let first = put_review(
        &app,
        &video,
        json!({"decision": "approved", "version": 0, "tags": ["hero"], "rating": 5, "reviewer": "Ana"}),
    )
    .await;
    assert_eq!(first.status(), 200);
    let late = put_review(
        &app,
        &video,
        json!({"decision": "rejected", "version": 0, "tags": ["dark"], "rating": 1, "reviewer": "Bo"}),
    )
    .await;
    assert_eq!(late.status(), 409);
    let conflict: ReviewConflict = late.json().await.unwrap();
    assert_eq!(
        (conflict.current.tags, conflict.current.rating),
        (vec!["hero".to_string()], Some(5)),
        "the 409 shows the winner's review"
    );
    let stored = app.video(&video).await.review;
    assert_eq!(
        (stored.tags, stored.rating),
        (vec!["hero".to_string()], Some(5))
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn videos_are_listed_by_tag_ignoring_case_and_by_minimum_rating() {
    let app = spawn_app().await;
    let hook = received_video(&app).await;
    let other = {
        let link = app.link("ana.films").await;
        app.upload(&link.token, fixture("no-audio.webm"), "clip.webm")
            .await
            .1
    };
    put_review(
        &app,
        &hook,
        json!({"decision": "approved", "version": 0, "tags": ["Hook"], "rating": 3}),
    )
    .await;
    put_review(
        &app,
        &other,
        json!({"decision": "approved", "version": 0, "tags": ["b-roll"], "rating": 5}),
    )
    .await;
    let ids = |page: VideosPage| page.videos.into_iter().map(|v| v.id).collect::<Vec<_>>();
    assert_eq!(ids(app.get_json("/api/v1/videos?tag=hook").await), [hook]);
    assert_eq!(
        ids(app.get_json("/api/v1/videos?rating_min=4").await),
        [other]
    );
    assert_eq!(
        ids(app.get_json("/api/v1/videos?tag=hook&rating_min=4").await).len(),
        0
    );
    let refused = app.get("/api/v1/videos?rating_min=9").send().await.unwrap();
    assert_refused(refused, 422, ErrorCode::Invalid, "rating_min").await;
    app.server.stop().await.unwrap();
}

/// A 3 s clip whose frames differ (testsrc2 moves and counts), as an MP4.
fn moving_clip(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("moving.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x240:rate=30:duration=3")
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg makes the clip");
    std::fs::read(out).unwrap()
}

async fn ready_moving_video(app: &TestApp) -> Video {
    let dir = tempfile::tempdir().unwrap();
    let link = app.link("maya.bakes").await;
    let (status, id) = app
        .upload(&link.token, moving_clip(dir.path()), "moving.mp4")
        .await;
    assert_eq!(status, 201);
    let (kind, _) = outcome(app, &id, Duration::from_secs(60)).await;
    assert_eq!(kind, EventKind::VideoReady);
    app.video(&id).await
}

async fn put_poster(app: &TestApp, video: &str, at_ms: u64) -> reqwest::Response {
    app.put_json(
        &format!("/api/v1/videos/{video}/poster"),
        json!({"at_ms": at_ms}),
    )
    .await
}

/// The poster bytes a signed URL serves (following a bucket's redirect).
async fn poster_bytes(app: &TestApp, video: &Video) -> Vec<u8> {
    let url = video
        .urls
        .poster
        .clone()
        .expect("a ready video has a poster");
    let got = app.client.get(&url).send().await.unwrap();
    assert_eq!(got.status(), 200);
    got.bytes().await.unwrap().to_vec()
}

/// Picks two frames and checks the poster, its URL and the feed follow; returns the app.
async fn poster_follows_the_picked_frame(app: &TestApp) {
    let video = ready_moving_video(app).await;
    let made = poster_bytes(app, &video).await;

    let picked = put_poster(app, &video.id, 2500).await;
    assert_eq!(picked.status(), 200);
    let picked: Video = picked.json().await.unwrap();
    let at_2500 = poster_bytes(app, &picked).await;
    assert!(at_2500.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
    assert_ne!(at_2500, made, "the poster changed");
    assert_ne!(
        picked.urls.poster, video.urls.poster,
        "a new URL, so no cache shows the old poster"
    );
    let event = app
        .events(0)
        .await
        .events
        .into_iter()
        .rev()
        .find(|e| e.kind == EventKind::PosterSet)
        .expect("a poster_set event");
    assert_eq!(event.video_id.as_deref(), Some(video.id.as_str()));
    assert_eq!(event.detail["at_ms"], 2500);

    let again: Video = put_poster(app, &video.id, 200).await.json().await.unwrap();
    let at_200 = poster_bytes(app, &again).await;
    assert_ne!(at_200, at_2500, "another moment, another picture");
    assert_ne!(again.urls.poster, picked.urls.poster);

    let refused = put_poster(app, &video.id, 60_000).await;
    assert_refused(refused, 422, ErrorCode::Invalid, "at_ms").await;
    assert_eq!(app.count_events(EventKind::PosterSet).await, 2);
}

#[tokio::test]
async fn a_poster_picked_from_a_frame_replaces_the_poster_and_its_url() {
    let app = spawn_app().await;
    poster_follows_the_picked_frame(&app).await;
    assert_eq!(put_poster(&app, "nope", 0).await.status(), 404);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_poster_cannot_be_picked_before_the_video_is_converted() {
    // No media worker: the video stays received, with no rendition to take a frame from.
    let app = spawn_app_with(|config| config.media_workers = 0).await;
    let waiting = received_video(&app).await;
    let refused = put_poster(&app, &waiting, 0).await;
    assert_refused(refused, 409, ErrorCode::Conflict, "not ready").await;
    assert_eq!(app.count_events(EventKind::PosterSet).await, 0);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_poster_picked_from_a_frame_goes_to_the_bucket() {
    let s3 = S3Server::start();
    let app = spawn_app_with(|config| {
        config.storage = Storage::parse(&s3.storage_url("team-r")).unwrap();
        config.s3_endpoint = Some(s3.endpoint.clone());
        config.s3_path_style = true;
        config.s3_access_key_id = Some(s3.access_key.clone());
        config.s3_secret_access_key = Some(s3.secret_key.clone());
        config.s3_media = S3Media::Proxy;
    })
    .await;
    poster_follows_the_picked_frame(&app).await;
    let posters = s3
        .keys("")
        .into_iter()
        .filter(|k| k.ends_with("poster.jpg"))
        .count();
    assert_eq!(posters, 1, "one poster object, replaced in place");
    app.server.stop().await.unwrap();
}
