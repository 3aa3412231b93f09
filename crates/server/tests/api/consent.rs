//! Consent: the page names the organisation a video is given to, and each video keeps the
//! exact words its sender agreed to, whatever the campaign says later.

use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::{OCTETS, TestApp, fixture, spawn_app, upload_id};

/// Uploads the fixture on `token` with `consent` as the words the page showed; the video's id.
async fn upload_agreeing_to(app: &TestApp, token: &str, consent: &str) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let bytes = fixture("android-vp8-opus.webm");
    let response = app
        .tus(reqwest::Method::POST, &app.url("/api/v1/uploads"))
        .header(OCTETS.0, OCTETS.1)
        .header("upload-length", bytes.len().to_string())
        .header(
            "upload-metadata",
            format!(
                "token {},filename {},filetype {},consent {}",
                b64(token),
                b64("clip.webm"),
                b64("video/webm"),
                b64(consent)
            ),
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    app.video_of(upload_id(&location)).await
}

/// The organisation the page is told to name for `token`.
async fn organisation_on_the_page(app: &TestApp, token: &str) -> Value {
    let page: Value = app.fetch_public_link(token).await.json().await.unwrap();
    page["organisation"].clone()
}

#[tokio::test]
async fn a_videos_consent_stays_the_words_it_was_sent_with_after_the_campaign_changes() {
    let app = spawn_app().await;
    app.save_campaign(
        "spring",
        json!({"title": "Show us your summer bake!", "organisation": "Crumb & Co. Panadería"}),
    )
    .await;
    let links = app
        .post_links(
            "spring",
            json!([{"handle": "maya.bakes"}, {"handle": "leo.cooks"}]),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let token = |i: usize| links["links"][i]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        organisation_on_the_page(&app, &token(0)).await,
        "Crumb & Co. Panadería"
    );
    // Non-ASCII and punctuation on purpose: stored byte for byte, not re-encoded or trimmed.
    let first_words =
        "I agree that Crumb & Co. Panadería may keep this video and use it in its content.";
    let first = upload_agreeing_to(&app, &token(0), first_words).await;

    app.save_campaign(
        "spring",
        json!({
            "title": "Show us your winter bake!",
            "organisation": "Crumb Holdings Ltd",
            "strings": {"consent": "Crumb Holdings Ltd may use this video anywhere, forever."}
        }),
    )
    .await;
    assert_eq!(
        organisation_on_the_page(&app, &token(1)).await,
        "Crumb Holdings Ltd",
        "the page names the new organisation from now on"
    );
    let second_words = "Crumb Holdings Ltd may use this video anywhere, forever.";
    let second = upload_agreeing_to(&app, &token(1), second_words).await;

    assert_eq!(
        app.video(&first).await.consent.as_deref(),
        Some(first_words),
        "what Maya agreed to is kept with her video, not read from the campaign"
    );
    assert_eq!(
        app.video(&second).await.consent.as_deref(),
        Some(second_words)
    );

    let app = app.restart().await;
    assert_eq!(
        app.video(&first).await.consent.as_deref(),
        Some(first_words),
        "and it survives a restart"
    );
    app.server.stop().await.unwrap();
}
