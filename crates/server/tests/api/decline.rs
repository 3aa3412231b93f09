//! "No thanks" on the page: the link takes no more videos and the feed says so once.

use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::EventKind;
use serde_json::json;

use crate::helpers::{assert_refused, fixture, spawn_app};

#[tokio::test]
async fn a_person_who_declines_gets_no_recorder_and_the_feed_says_why_once() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let decline = app.url(&format!("/api/v1/public/links/{}/decline", link.token));
    let answer = app
        .client
        .post(&decline)
        .json(&json!({"reason": "  not on camera, sorry  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);

    let again = app
        .client
        .post(&decline)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 204, "declining twice is not an error");
    assert_eq!(app.count_events(EventKind::LinkDeclined).await, 1);
    let page = app.feed("after=0&limit=100").await;
    let declined = page
        .events
        .iter()
        .find(|event| event.kind == EventKind::LinkDeclined)
        .expect("link_declined in the feed");
    assert_eq!(declined.handle.as_deref(), Some("maya.bakes"));
    assert_eq!(declined.link.as_deref(), Some(link.token.as_str()));
    assert_eq!(declined.detail["reason"], "not on camera, sorry");

    assert_refused(
        app.fetch_public_link(&link.token).await,
        404,
        ErrorCode::Declined,
        "no thanks",
    )
    .await;
    let (status, video) = app
        .upload(&link.token, fixture("android-vp8-opus.webm"), "a.webm")
        .await;
    assert_eq!((status, video.as_str()), (404, ""), "no upload after a no");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_upload_still_arriving_when_the_person_declines_is_refused_at_its_end() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let video = fixture("android-vp8-opus.webm");
    let location = app.tus_first_half(&link.token, &video).await;
    let answer = app
        .client
        .post(app.url(&format!("/api/v1/public/links/{}/decline", link.token)))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    let rest = app.tus_second_half(&location, &video).await;
    assert_eq!(rest.status(), 404);
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 0);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_decline_is_refused_for_an_unknown_link_or_an_overlong_reason_and_changes_nothing() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let long = app
        .client
        .post(app.url(&format!("/api/v1/public/links/{}/decline", link.token)))
        .json(&json!({"reason": "x".repeat(501)}))
        .send()
        .await
        .unwrap();
    assert_refused(long, 422, ErrorCode::Invalid, "reason").await;
    let unknown_field = app
        .client
        .post(app.url(&format!("/api/v1/public/links/{}/decline", link.token)))
        .json(&json!({"why": "no"}))
        .send()
        .await
        .unwrap();
    assert_refused(unknown_field, 422, ErrorCode::Invalid, "why").await;
    let unknown = app
        .client
        .post(app.url("/api/v1/public/links/AAAAAAAAAAAAAAAAAAAAAA/decline"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(app.count_events(EventKind::LinkDeclined).await, 0);
    assert_eq!(app.public_link(&link.token).await.uploads_left, 3);
    app.server.stop().await.unwrap();
}
