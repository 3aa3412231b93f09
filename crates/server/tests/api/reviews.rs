//! Reviews: who a decision is recorded as, and what note it carries.

use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::media::{Review, ReviewDecision};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_refused, fixture, spawn_app};

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
