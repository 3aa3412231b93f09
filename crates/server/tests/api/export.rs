//! What an export relies on: each video's consent time, the sha256 of its original, and a
//! signed download URL that names the file (on disk and through a bucket's redirect).

use std::time::Duration;

use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::media::Video;
use clipdesk_server::objects::{S3Media, Storage};
use sha2::Digest;

use crate::helpers::{TestApp, fixture, spawn_app, spawn_app_with};
use crate::s3::S3Server;

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A video uploaded through `handle`'s link, once the media job has made it ready.
async fn ready(app: &TestApp, handle: &str) -> (Video, Vec<u8>) {
    let link = app.link(handle).await;
    let original = fixture("android-vp8-opus.webm");
    let (status, id) = app.upload(&link.token, original.clone(), "clip.webm").await;
    assert_eq!(status, 201);
    let (kind, _) = crate::media::outcome(app, &id, Duration::from_secs(90)).await;
    assert_eq!(kind, EventKind::VideoReady);
    (app.video(&id).await, original)
}

fn expected_disposition(v: &Video, handle: &str) -> String {
    let name = format!("{handle}-{}.webm", &v.received_at[..10]);
    format!("attachment; filename=\"{name}\"; filename*=UTF-8''{name}")
}

#[tokio::test]
async fn a_ready_video_says_when_consent_was_given_and_the_sha256_of_its_original() {
    let app = spawn_app().await;
    let (v, original) = ready(&app, "maya.bakes").await;
    assert_eq!(v.sha256.as_deref(), Some(sha256_hex(&original).as_str()));
    let consent_at = v.consent_at.clone().expect("the upload's start");
    // As times, not as text: RFC 3339 drops trailing zeros (".63Z" is before ".631Z").
    let time = |text: &str| clipdesk_protocol::clock::parse_rfc3339(text).expect("RFC 3339");
    assert!(
        time(&consent_at) <= time(&v.received_at),
        "consent comes with the upload's start ({consent_at}), before it was received ({})",
        v.received_at
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn the_download_url_serves_the_original_as_an_attachment_named_by_handle_and_day() {
    let app = spawn_app().await;
    // TikTok's oddest legal handle: a leading underscore, a dot and digits.
    let (v, original) = ready(&app, "_maya.bakes_2").await;
    let url = v.urls.download.clone();
    assert!(url.contains("/download?"), "{url}");

    let whole = app.client.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(
        whole.headers()["content-disposition"],
        expected_disposition(&v, "_maya.bakes_2").as_str()
    );
    assert_eq!(whole.headers()["content-type"], "video/webm");
    assert_eq!(&whole.bytes().await.unwrap()[..], &original[..]);

    let part = app
        .client
        .get(&url)
        .header("range", "bytes=10-109")
        .send()
        .await
        .unwrap();
    assert_eq!(
        part.status(),
        206,
        "a download can resume like a player seeks"
    );
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 10-109/{}", original.len()).as_str()
    );
    assert!(part.headers().contains_key("content-disposition"));
    assert_eq!(&part.bytes().await.unwrap()[..], &original[10..110]);

    let tampered = url.replace("sig=", "sig=0");
    assert_eq!(
        app.client.get(&tampered).send().await.unwrap().status(),
        403
    );
    // A signature for the original does not open the download, nor the other way round.
    let swapped = url.replace("/download?", "/original?");
    assert_eq!(app.client.get(&swapped).send().await.unwrap().status(), 403);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_download_from_a_bucket_is_redirected_with_the_file_name_the_bucket_answers_with() {
    let s3 = S3Server::start();
    let app = spawn_app_with(|config| {
        config.storage = Storage::parse(&s3.storage_url("team-a")).unwrap();
        config.s3_endpoint = Some(s3.endpoint.clone());
        config.s3_path_style = true;
        config.s3_access_key_id = Some(s3.access_key.clone());
        config.s3_secret_access_key = Some(s3.secret_key.clone());
        config.s3_media = S3Media::Redirect;
    })
    .await;
    let (v, original) = ready(&app, "maya.bakes").await;
    assert_eq!(
        v.sha256.as_deref(),
        Some(sha256_hex(&original).as_str()),
        "the bucket put's sha256 is kept"
    );
    let first = no_redirects().get(&v.urls.download).send().await.unwrap();
    assert_eq!(first.status(), 307);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let asked: Vec<(String, String)> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let expected = expected_disposition(&v, "maya.bakes");
    assert!(
        asked
            .iter()
            .any(|(k, val)| k == "response-content-disposition" && *val == expected),
        "the presigned GET asks the bucket for our Content-Disposition: {location}"
    );
    let fetched = reqwest::get(&location).await.unwrap();
    assert_eq!(fetched.status(), 200);
    if let Some(header) = fetched.headers().get("content-disposition") {
        assert_eq!(header, expected.as_str());
    }
    assert_eq!(&fetched.bytes().await.unwrap()[..], &original[..]);
    app.server.stop().await.unwrap();
}
