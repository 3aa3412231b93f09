//! Sync against a real clipdesk-server on a random port: links registered, a real tus upload
//! seen as link_opened and video_received, a review from a second desktop, a restart
//! mid-page, and the long-running sync task.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use clipdesk_core::client::ServerClient;
use clipdesk_core::contacts::{self, ContactInput};
use clipdesk_core::store::StoreHandle;
use clipdesk_core::{queue, reviews, settings, sync};
use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::media::{ReviewDecision, ReviewUpdate};
use clipdesk_server::RunningServer;
use common::{World, sync_until_quiet, upload_video};

mod common;

async fn world(contacts: usize) -> World {
    let w = World::start().await;
    w.store
        .call(move |conn| {
            common::insert_spring_campaign(conn)?;
            let ids: Vec<i64> = (0..contacts)
                .map(|i| {
                    let input =
                        ContactInput::parse(&format!("user_{i}"), "", &format!("User {i}"), "", "")
                            .unwrap();
                    contacts::insert(conn, &input, None)
                })
                .collect::<Result<_, _>>()?;
            queue::add_to_campaign(conn, 1, &ids)?;
            Ok(())
        })
        .await
        .unwrap();
    w
}

/// (token, url) of every outreach item that has its link.
async fn links(store: &StoreHandle) -> Vec<(String, String)> {
    store
        .call(|conn| {
            let mut stmt = conn.prepare(
                "SELECT link_token, link_url FROM outreach WHERE link_token IS NOT NULL ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
        .unwrap()
}

/// What a recipient's phone does: open the page (its script reads the link), upload a video.
/// Returns the video's id, as the feed names it (the phone only ever learns the upload's).
async fn recipient_uploads(server: &RunningServer, client: &ServerClient, token: &str) -> String {
    let opened = reqwest::get(format!("{}/api/v1/public/links/{token}", server.url()))
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    let upload = upload_video(server, token).await;
    let feed = client.events(0, 1000, 0).await.unwrap();
    let received = feed
        .events
        .into_iter()
        .find(|e| e.kind == EventKind::VideoReceived && e.upload_id.as_deref() == Some(&upload))
        .expect("video_received for the upload");
    let video = received.video_id.expect("video_received names its video");
    assert_ne!(video, upload, "a video's id is never its upload's");
    video
}

/// Registers the links, has the first link's recipient upload a video and syncs until quiet:
/// that link's token and the video's id.
async fn first_video_synced(w: &World) -> (String, String) {
    sync::register_links(&w.store, &w.client).await.unwrap();
    let (token, _) = links(&w.store).await.remove(0);
    let video = recipient_uploads(&w.server, &w.client, &token).await;
    sync_until_quiet(&w.store, &w.client).await;
    (token, video)
}

#[tokio::test]
async fn links_are_registered_in_batches_and_idempotently() {
    let w = world(1203).await;
    let stored = sync::register_links(&w.store, &w.client).await.unwrap();
    assert_eq!(stored, 1203, "two batches of 1,000 and one of 203");
    let all = links(&w.store).await;
    assert!(
        all.iter()
            .all(|(token, url)| url.ends_with(token) && token.len() == 22)
    );
    assert_eq!(
        sync::register_links(&w.store, &w.client).await.unwrap(),
        0,
        "nothing left to register"
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn registration_waits_for_a_server_that_is_away_and_loses_nothing() {
    let w = world(3).await;
    let away = ServerClient::new("http://127.0.0.1:9", "nope").unwrap();
    let err = sync::register_links(&w.store, &away).await.unwrap_err();
    assert!(
        matches!(err, clipdesk_core::CoreError::Unavailable(_)),
        "{err}"
    );
    assert!(links(&w.store).await.is_empty(), "no half-registered links");
    assert_eq!(sync::register_links(&w.store, &w.client).await.unwrap(), 3);
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_open_and_an_upload_reach_the_desktop_and_a_second_reviewer_wins_the_race() {
    let w = world(2).await;
    let (token, video) = first_video_synced(&w).await;
    let (opened, video_state): (Option<i64>, Option<String>) = w
        .store
        .call(move |c| {
            Ok(c.query_row(
                "SELECT link_opened_at, video_state FROM outreach WHERE link_token = ?1",
                [&token],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .unwrap();
    assert!(opened.is_some(), "link_opened reached the outreach item");
    assert!(
        matches!(video_state.as_deref(), Some("received" | "ready")),
        "{video_state:?}"
    );

    // Ben approves on his desktop; Ana, not yet synced, rejects from version 0.
    let ben = w
        .other
        .put_review(
            &video,
            &ReviewUpdate {
                decision: ReviewDecision::Approved,
                note: "lovely".into(),
                version: 0,
                reviewer: None,
                tags: None,
                rating: None,
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        ben,
        clipdesk_core::client::ReviewOutcome::Saved(_)
    ));
    let v = video.clone();
    w.store
        .call(move |c| sync::queue_review(c, &v, ReviewDecision::Rejected, "too dark"))
        .await
        .unwrap();
    sync::sync_outbox(&w.store, &w.client).await.unwrap();
    let v = video.clone();
    let (outbox_state, review, reviewer): (String, String, Option<String>) = w
        .store
        .call(move |c| {
            Ok(c.query_row(
                "SELECT o.state, v.review, v.reviewer FROM review_outbox o JOIN videos v ON v.id = o.video_id WHERE v.id = ?1",
                [&v],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(
        outbox_state, "conflict",
        "the 409 is kept, not retried over Ben's decision"
    );
    assert_eq!(
        (review.as_str(), reviewer.as_deref()),
        ("approved", Some("ben"))
    );
    w.server.stop().await.unwrap();
}

/// The review as the server keeps it, and the reviewer and note its last `review_set` names.
async fn server_review(
    client: &ServerClient,
    video: &str,
) -> (clipdesk_protocol::media::Review, serde_json::Value) {
    let review = client.video(video).await.unwrap().review;
    let event = client
        .events(0, 1000, 0)
        .await
        .unwrap()
        .events
        .into_iter()
        .rev()
        .find(|e| e.kind == EventKind::ReviewSet && e.video_id.as_deref() == Some(video))
        .expect("a review_set for the video");
    (review, event.detail)
}

#[tokio::test]
async fn decisions_carry_the_operator_named_in_settings_and_only_their_own_note() {
    // The desktop's token is "ana", as an embedded server names its token after the desktop.
    let w = world(1).await;
    let (_, video) = first_video_synced(&w).await;
    let rename = |name: &'static str| {
        w.store.call(move |conn| {
            let mut s = settings::load(conn)?;
            s.operator = name.into();
            settings::save(conn, &s)
        })
    };
    let decide = |decision, note: &'static str| {
        let v = video.clone();
        w.store
            .call(move |conn| reviews::decide(conn, &v, decision, note))
    };

    rename("Maria").await.unwrap();
    decide(ReviewDecision::Rejected, "too dark").await.unwrap();
    rename("Maria López").await.unwrap();
    sync::sync_outbox(&w.store, &w.client).await.unwrap();
    let (review, event) = server_review(&w.client, &video).await;
    assert_eq!(
        review.reviewer.as_deref(),
        Some("Maria"),
        "a decision is in the name it was made under, not the token's nor a later one"
    );
    assert_eq!(
        (review.note.as_str(), &event["reviewer"]),
        ("too dark", &serde_json::json!("Maria"))
    );

    // Changing her mind without writing a note: the approval has none.
    decide(ReviewDecision::Approved, "").await.unwrap();
    sync::sync_outbox(&w.store, &w.client).await.unwrap();
    let (review, event) = server_review(&w.client, &video).await;
    assert_eq!(review.decision, ReviewDecision::Approved);
    assert_eq!(
        review.note, "",
        "the rejection's note stays with the rejection"
    );
    assert_eq!(review.reviewer.as_deref(), Some("Maria López"));
    assert_eq!(event["reviewer"], "Maria López");
    assert_eq!(event["note"], "");
    assert_eq!(
        event["token"], "ana",
        "the event still names the token that sent it"
    );

    // What Review shows once the feed is applied.
    sync_until_quiet(&w.store, &w.client).await;
    let v = video.clone();
    let item = w
        .store
        .call(move |conn| reviews::get(conn, &v))
        .await
        .unwrap();
    assert_eq!(
        (
            item.review,
            item.review_note.as_str(),
            item.reviewer.as_deref(),
            item.pending
        ),
        (ReviewDecision::Approved, "", Some("Maria López"), None)
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_restart_between_fetching_and_applying_a_page_loses_and_doubles_nothing() {
    let w = world(5).await;
    sync::register_links(&w.store, &w.client).await.unwrap();
    let fetched = w.client.events(0, 3, 0).await.unwrap();
    assert_eq!(fetched.events.len(), 3);
    assert!(fetched.more);
    // The app dies with the page in memory: restart on the same database.
    let path = w.desk_data.path().join("clipdesk.sqlite3");
    let store = StoreHandle::start(&path).unwrap();
    sync_until_quiet(&store, &w.client).await;
    let stale = fetched.clone();
    let again = store
        .call(move |c| sync::apply_page(c, &stale))
        .await
        .unwrap();
    assert_eq!(again.events, 0, "a stale page applies nothing twice");
    let cursor = store.call(|c| sync::cursor(c)).await.unwrap();
    let last = w.client.events(0, 1000, 0).await.unwrap().next_after;
    assert_eq!(
        cursor, last,
        "every event was applied, through the last one"
    );
    w.server.stop().await.unwrap();
}

/// The sync task over `w`, once it says it is connected; its nudge.
async fn spawn_connected(
    w: &World,
    on_applied: impl Fn(sync::Applied) + Send + Sync + 'static,
) -> (
    tokio::task::JoinHandle<()>,
    std::sync::Arc<tokio::sync::Notify>,
) {
    let (status_tx, mut status) = tokio::sync::watch::channel(sync::SyncStatus::default());
    let nudge = std::sync::Arc::new(tokio::sync::Notify::new());
    let task = sync::spawn(
        w.store.clone(),
        w.client.clone(),
        status_tx,
        nudge.clone(),
        on_applied,
    );
    tokio::time::timeout(
        Duration::from_secs(10),
        status.wait_for(|s| s.state == sync::SyncState::Connected),
    )
    .await
    .unwrap()
    .unwrap();
    (task, nudge)
}

#[tokio::test]
async fn the_sync_task_reports_connected_and_announces_new_videos() {
    let w = world(1).await;
    let (videos_tx, mut videos) = tokio::sync::mpsc::unbounded_channel();
    let (task, _) = spawn_connected(&w, move |applied| {
        if !applied.new_videos.is_empty() {
            let _ = videos_tx.send(applied.new_videos);
        }
    })
    .await;
    let (token, _) = links(&w.store).await.remove(0);
    let video = recipient_uploads(&w.server, &w.client, &token).await;
    let announced = tokio::time::timeout(Duration::from_secs(10), videos.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(announced, [video]);
    task.abort();
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_nudge_registers_new_links_without_waiting_for_the_long_poll() {
    let w = world(1).await;
    let (task, nudge) = spawn_connected(&w, |_| {}).await;
    assert_eq!(links(&w.store).await.len(), 1);
    // The loop now long-polls for 25 s; a contact added meanwhile gets its link at a nudge.
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.store
        .call(|conn| {
            let input = ContactInput::parse("late_comer", "", "Late", "", "").unwrap();
            let id = contacts::insert(conn, &input, None)?;
            queue::add_to_campaign(conn, 1, &[id])?;
            Ok(())
        })
        .await
        .unwrap();
    nudge.notify_one();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while links(&w.store).await.len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the nudged loop did not register the new link within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    w.server.stop().await.unwrap();
}
