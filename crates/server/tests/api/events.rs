use std::time::{Duration, Instant};

use clipdesk_protocol::api::EventsPage;
use serde_json::json;

use crate::helpers::{numbered_recipients, spawn_app};

#[tokio::test]
async fn events_come_in_seq_order_and_after_pages_through_them() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    // Past the campaign's own `campaign_updated`.
    let start = app.events(0).await.next_after;
    app.post_links("spring", numbered_recipients(5)).await;

    let first = app.feed(&format!("after={start}&limit=2")).await;
    assert_eq!(first.events.len(), 2);
    assert!(first.more);
    let rest = app
        .feed(&format!("after={}&limit=100", first.next_after))
        .await;
    assert_eq!(rest.events.len(), 3);
    assert!(!rest.more);
    let seqs: Vec<i64> = first
        .events
        .iter()
        .chain(&rest.events)
        .map(|e| e.seq)
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "consecutive: {seqs:?}"
    );
    let handles: Vec<_> = first
        .events
        .iter()
        .chain(&rest.events)
        .map(|e| e.handle.clone().unwrap())
        .collect();
    assert_eq!(handles, ["user_0", "user_1", "user_2", "user_3", "user_4"]);
    assert!(
        rest.events
            .iter()
            .all(|e| e.campaign.as_deref() == Some("spring") && e.link.is_some())
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_long_poll_wakes_within_100_ms_of_a_new_event() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    let after = app.events(0).await.next_after;
    let poll = app
        .get(&format!("/api/v1/events?after={after}&wait=20"))
        .send();
    let poller = tokio::spawn(async move {
        let response = poll.await.unwrap();
        let page: EventsPage = response.json().await.unwrap();
        (Instant::now(), page)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !poller.is_finished(),
        "the poll waits while there is nothing new"
    );
    let sent = Instant::now();
    app.post_links("spring", json!([{"handle": "maya"}])).await;
    let (woke, page) = poller.await.unwrap();
    assert_eq!(page.events.len(), 1);
    let latency = woke.saturating_duration_since(sent);
    assert!(
        latency < Duration::from_millis(100),
        "woke after {latency:?}"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_long_poll_with_nothing_new_answers_empty_when_the_wait_ends() {
    let app = spawn_app().await;
    let started = Instant::now();
    let page = app.feed("after=0&wait=1").await;
    assert!(page.events.is_empty());
    assert_eq!(page.next_after, 0);
    assert!(started.elapsed() >= Duration::from_millis(900));
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn stopping_the_server_releases_waiting_long_polls() {
    let app = spawn_app().await;
    let poll = app.get("/api/v1/events?after=0&wait=60").send();
    let poller = tokio::spawn(poll);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    app.server.stop().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop did not wait out the poll"
    );
    let response = poller.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn bad_feed_parameters_are_named() {
    let app = spawn_app().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("wait=3600", "wait"),
        ("after=-1", "after"),
        ("after=x", "query"),
    ] {
        let response = app
            .get(&format!("/api/v1/events?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{query}");
        let text = response.text().await.unwrap();
        assert!(text.contains(field), "{query}: {text}");
    }
    app.server.stop().await.unwrap();
}
