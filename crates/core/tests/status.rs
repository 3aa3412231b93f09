//! Each person's status after real server events: a link opened, a tus upload stopped half
//! way (`started`) and finished (`uploaded`), and a "no thanks" (`declined`), against a real
//! clipdesk-server on a random port.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use base64::Engine;
use clipdesk_core::contacts::{self, ContactInput};
use clipdesk_core::status::{self, PeopleFilter, PersonStatus};
use clipdesk_core::{queue, sync};
use clipdesk_server::RunningServer;
use common::{World, sync_until_quiet};

mod common;

/// A desktop with `n` people in the campaign "spring" and their links registered: the
/// tokens, in outreach id order.
async fn world_with_links(n: usize) -> (World, Vec<String>) {
    let w = World::start().await;
    w.store
        .call(move |conn| {
            common::insert_spring_campaign(conn)?;
            let ids: Vec<i64> = (0..n)
                .map(|i| {
                    let input = ContactInput::parse(&format!("user_{i}"), "", "", "", "").unwrap();
                    contacts::insert(conn, &input, None)
                })
                .collect::<Result<_, _>>()?;
            queue::add_to_campaign(conn, 1, &ids)?;
            Ok(())
        })
        .await
        .unwrap();
    sync::register_links(&w.store, &w.client).await.unwrap();
    let tokens = w
        .store
        .call(|conn| {
            let mut stmt = conn.prepare("SELECT link_token FROM outreach ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .await
        .unwrap();
    (w, tokens)
}

async fn open_link(server: &RunningServer, token: &str) {
    let opened = reqwest::get(format!("{}/api/v1/public/links/{token}", server.url()))
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
}

/// The status of the person whose link is `token`.
async fn status_of(w: &World, token: &str) -> PersonStatus {
    sync_until_quiet(&w.store, &w.client).await;
    let token = token.to_owned();
    w.store
        .call(move |conn| {
            let id: i64 = conn.query_row(
                "SELECT id FROM outreach WHERE link_token = ?1",
                [token],
                |r| r.get(0),
            )?;
            Ok(status::of_item(conn, id)?.0)
        })
        .await
        .unwrap()
}

fn fixture_video() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/videos/no-audio.webm"
    ))
    .unwrap()
}

/// Creates a tus upload through link `token` with no bytes yet: its address.
async fn create_upload(server: &RunningServer, token: &str, length: usize) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/uploads", server.url()))
        .header("tus-resumable", "1.0.0")
        .header("upload-length", length.to_string())
        .header(
            "upload-metadata",
            format!("token {},filename {}", b64(token), b64("clip.webm")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    if location.starts_with("http") {
        location
    } else {
        format!("{}{location}", server.url())
    }
}

async fn patch(url: &str, offset: usize, bytes: &[u8]) {
    let response = reqwest::Client::new()
        .patch(url)
        .header("tus-resumable", "1.0.0")
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", offset.to_string())
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn an_upload_stopped_half_way_shows_started_and_finished_shows_uploaded() {
    let (w, tokens) = world_with_links(2).await;
    let token = &tokens[0];
    assert_eq!(status_of(&w, token).await, PersonStatus::Queued);
    open_link(&w.server, token).await;
    assert_eq!(status_of(&w, token).await, PersonStatus::Opened);

    let video = fixture_video();
    let half = video.len() / 2;
    let upload = create_upload(&w.server, token, video.len()).await;
    patch(&upload, 0, &video[..half]).await;
    assert_eq!(status_of(&w, token).await, PersonStatus::Started);

    patch(&upload, half, &video[half..]).await;
    assert_eq!(status_of(&w, token).await, PersonStatus::Uploaded);

    // The other person opened nothing: still queued, and the list agrees with both.
    let page = w
        .store
        .call(|conn| status::page(conn, 1, PeopleFilter::All, 0, 10))
        .await
        .unwrap();
    let statuses: Vec<PersonStatus> = page.people.iter().map(|p| p.status).collect();
    assert_eq!(statuses, [PersonStatus::Uploaded, PersonStatus::Queued]);
}

#[tokio::test]
async fn a_person_who_says_no_thanks_shows_declined_and_leaves_opened_not_uploaded() {
    let (w, tokens) = world_with_links(3).await;
    for token in &tokens {
        open_link(&w.server, token).await;
    }
    let declined = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/public/links/{}/decline",
            w.server.url(),
            tokens[1]
        ))
        .json(&serde_json::json!({ "reason": "camera shy" }))
        .send()
        .await
        .unwrap();
    assert_eq!(declined.status(), 204);
    assert_eq!(status_of(&w, &tokens[1]).await, PersonStatus::Declined);
    let page = w
        .store
        .call(|conn| status::page(conn, 1, PeopleFilter::OpenedNotUploaded, 0, 10))
        .await
        .unwrap();
    let handles: Vec<&str> = page
        .people
        .iter()
        .map(|p| p.contact.handle.as_str())
        .collect();
    assert_eq!(handles, ["user_0", "user_2"]);
    assert_eq!((page.counts.declined, page.counts.opened), (1, 2));
}
