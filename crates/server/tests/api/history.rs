//! The upgrade to team mode: a desktop pushes the outcomes it recorded alone, once, and the
//! server's claims, pacing and hold count them.

use std::collections::HashMap;

use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::{CreatedLinks, EventKind};
use clipdesk_protocol::clock::{now_ms, to_rfc3339};
use clipdesk_protocol::team::{ClaimCreated, HeldList, HistoryRecorded};
use clipdesk_server::auth::Role;
use clipdesk_server::db::Db;
use clipdesk_server::{Config, tokens};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_refused, operator_token, spawn_app};

/// A campaign with team `settings` and one link per handle: handle → token.
async fn campaign_with(
    app: &TestApp,
    slug: &str,
    settings: Value,
    handles: &[&str],
) -> HashMap<String, String> {
    let mut body = json!({"title": "Launch", "prompt": "Show us", "max_duration_s": 60});
    for (key, value) in settings.as_object().unwrap() {
        body[key] = value.clone();
    }
    app.save_campaign(slug, body).await;
    let recipients: Value = handles.iter().map(|h| json!({"handle": h})).collect();
    let response = app.post_links(slug, recipients).await;
    assert_eq!(response.status(), 200);
    let links: CreatedLinks = response.json().await.unwrap();
    links
        .links
        .into_iter()
        .map(|l| (l.handle, l.token))
        .collect()
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn push(app: &TestApp, token: &str, slug: &str, entries: Value) -> reqwest::Response {
    post(
        app,
        token,
        &format!("/api/v1/campaigns/{slug}/history"),
        json!({ "entries": entries }),
    )
    .await
}

async fn pushed(app: &TestApp, token: &str, slug: &str, entries: Value) -> HistoryRecorded {
    let response = push(app, token, slug, entries).await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    response.json().await.unwrap()
}

async fn claim(app: &TestApp, token: &str, slug: &str, body: Value) -> reqwest::Response {
    post(
        app,
        token,
        &format!("/api/v1/campaigns/{slug}/claims"),
        body,
    )
    .await
}

fn ago(minutes: i64) -> String {
    to_rfc3339(now_ms() - minutes * 60_000)
}

fn count(app: &TestApp, sql: &str) -> i64 {
    let db = Db::open(&Config::new(app.data.path()).database_path()).unwrap();
    let conn = db.lock().unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[tokio::test]
async fn pushed_history_makes_people_unclaimable_and_counts_for_pacing_and_the_hold() {
    let app = spawn_app().await;
    let spring = campaign_with(
        &app,
        "spring",
        json!({"daily_cap": 2}),
        &["maya", "leo", "zoe", "kim", "ivy"],
    )
    .await;
    let ana = operator_token(app.data.path(), "ana");
    let recorded = pushed(
        &app,
        &ana,
        "spring",
        json!([
            {"token": spring["maya"], "outcome": "sent", "at": ago(60), "operator": "Ana B."},
            {"token": spring["leo"], "outcome": "sent", "at": ago(30)},
            {"token": spring["zoe"], "outcome": "cant_dm", "at": ago(20), "reason": "privacy_settings"},
            {"token": spring["kim"], "outcome": "later", "at": ago(10),
             "until": to_rfc3339(now_ms() + 86_400_000)},
        ]),
    )
    .await;
    assert_eq!(
        recorded,
        HistoryRecorded {
            recorded: 4,
            already: 0
        }
    );

    // Two imported sends today reach ana's daily cap of 2.
    assert_refused(
        claim(&app, &ana, "spring", json!({})).await,
        429,
        ErrorCode::RateLimited,
        "daily_cap",
    )
    .await;
    // Past pacing, only the untouched person is left.
    let response = claim(&app, &ana, "spring", json!({"override_pacing": true})).await;
    assert_eq!(response.status(), 201);
    let next = response.json::<ClaimCreated>().await.unwrap().claim;
    assert_eq!(next.handle, "ivy");

    // Another campaign holds maya back: spring sent her a DM an hour ago.
    let autumn = campaign_with(&app, "autumn", json!({}), &["maya", "noa"]).await;
    let ben = operator_token(app.data.path(), "ben");
    let response = claim(&app, &ben, "autumn", json!({})).await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.json::<ClaimCreated>().await.unwrap().claim.handle,
        "noa"
    );
    let held: HeldList = app
        .client
        .get(app.url("/api/v1/campaigns/autumn/held"))
        .bearer_auth(&ben)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(held.held.len(), 1);
    assert_eq!(held.held[0].token, autumn["maya"]);
    assert_eq!(held.held[0].hold.campaign, "spring");
    assert_eq!(held.held[0].hold.operator, "ana");

    // The feed tells the desktops, marked as imported, in the desktop's operator's name.
    let events: Vec<_> = app
        .events(0)
        .await
        .events
        .into_iter()
        .filter(|e| e.kind == EventKind::OutcomeSet)
        .collect();
    assert_eq!(events.len(), 4);
    assert_eq!(events[0].link.as_deref(), Some(spring["maya"].as_str()));
    assert_eq!(events[0].detail["operator"], "Ana B.");
    assert_eq!(events[0].detail["imported"], true);
    assert_eq!(events[0].detail["claim"], Value::Null);
    assert_eq!(
        events[1].detail["operator"], "ana",
        "the token's name otherwise"
    );
    assert_eq!(events[2].detail["reason"], "privacy_settings");
    assert_eq!(
        count(&app, "SELECT count(*) FROM links WHERE outcome_by = 'ana'"),
        4
    );
}

#[tokio::test]
async fn history_pushed_twice_is_recorded_once() {
    let app = spawn_app().await;
    let spring = campaign_with(&app, "spring", json!({}), &["maya", "leo"]).await;
    let ana = operator_token(app.data.path(), "ana");
    let entries = json!([
        {"token": spring["maya"], "outcome": "sent", "at": ago(5)},
        {"token": spring["leo"], "outcome": "skipped", "at": ago(4)},
    ]);
    let first = pushed(&app, &ana, "spring", entries.clone()).await;
    assert_eq!(
        first,
        HistoryRecorded {
            recorded: 2,
            already: 0
        }
    );
    let events = app.count_events(EventKind::OutcomeSet).await;
    let again = pushed(&app, &ana, "spring", entries).await;
    assert_eq!(
        again,
        HistoryRecorded {
            recorded: 0,
            already: 2
        }
    );
    assert_eq!(app.count_events(EventKind::OutcomeSet).await, events);
    assert_eq!(count(&app, "SELECT count(*) FROM sends"), 1);
}

#[tokio::test]
async fn a_bad_history_entry_is_named_by_its_index_and_nothing_is_written() {
    let app = spawn_app().await;
    let spring = campaign_with(&app, "spring", json!({}), &["maya", "leo"]).await;
    let other = campaign_with(&app, "other", json!({}), &["zoe"]).await;
    let ana = operator_token(app.data.path(), "ana");
    let good = json!({"token": spring["maya"], "outcome": "sent", "at": ago(5)});
    let cases = [
        (
            json!({"token": spring["leo"], "outcome": "sent", "at": to_rfc3339(now_ms() + 3_600_000)}),
            "entries[1].at",
        ),
        (
            json!({"token": spring["leo"], "outcome": "later", "at": ago(1)}),
            "entries[1].until",
        ),
        (
            json!({"token": spring["leo"], "outcome": "skipped", "at": ago(1), "reason": "x".repeat(201)}),
            "entries[1].reason",
        ),
        (
            json!({"token": other["zoe"], "outcome": "sent", "at": ago(1)}),
            "entries[1].token",
        ),
        (
            json!({"token": "nope", "outcome": "sent", "at": ago(1)}),
            "entries[1].token",
        ),
    ];
    for (bad, field) in cases {
        assert_refused(
            push(&app, &ana, "spring", json!([good, bad])).await,
            422,
            ErrorCode::Invalid,
            field,
        )
        .await;
    }
    let too_many: Vec<Value> = (0..1001).map(|_| good.clone()).collect();
    assert_refused(
        push(&app, &ana, "spring", Value::Array(too_many)).await,
        422,
        ErrorCode::Invalid,
        "entries",
    )
    .await;
    assert_eq!(app.count_events(EventKind::OutcomeSet).await, 0);
    assert_eq!(
        count(&app, "SELECT count(*) FROM links WHERE outcome IS NOT NULL"),
        0
    );
    assert_eq!(count(&app, "SELECT count(*) FROM sends"), 0);
}

#[tokio::test]
async fn a_reviewer_only_token_cannot_push_history() {
    let app = spawn_app().await;
    let spring = campaign_with(&app, "spring", json!({}), &["maya"]).await;
    let rita = {
        let db = Db::open(&Config::new(app.data.path()).database_path()).unwrap();
        let conn = db.lock().unwrap();
        tokens::create_with_roles(&conn, "rita", &[Role::Reviewer])
            .unwrap()
            .as_str()
            .to_owned()
    };
    assert_refused(
        push(
            &app,
            &rita,
            "spring",
            json!([{"token": spring["maya"], "outcome": "sent", "at": ago(5)}]),
        )
        .await,
        403,
        ErrorCode::Unauthorized,
        "needs the operator role",
    )
    .await;
    assert_eq!(app.count_events(EventKind::OutcomeSet).await, 0);
}
