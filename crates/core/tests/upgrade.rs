//! The upgrade to team mode: a desktop that worked alone (its outcomes only in its own
//! database, its server knowing just the links) pushes its history once, and the server's
//! claims, pacing and hold count it from then on. A real server on a random port, a real
//! store built the old way.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use clipdesk_core::campaigns::{self, CampaignInput};
use clipdesk_core::client::{ClaimAnswer, ServerClient};
use clipdesk_core::clock;
use clipdesk_core::contacts::{self, ContactInput};
use clipdesk_core::queue::{self, CantDmReason, NextStep, Outcome};
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync;
use clipdesk_core::templates::{Part, Template};
use clipdesk_core::upgrade::{self, HistoryPushed};
use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::team::ClaimRequest;
use clipdesk_server::Config;
use clipdesk_server::db::Db;
use common::{World, sync_until_quiet};

mod common;

const MINUTE: i64 = 60_000;

/// What the desktop shows of its people: contacts, outreach outcomes, and the history.
type Snapshot = (Vec<String>, Vec<String>, Vec<String>);

async fn snapshot(store: &StoreHandle) -> Snapshot {
    store
        .call(|conn| {
            let rows = |sql: &str| -> rusqlite::Result<Vec<String>> {
                let mut stmt = conn.prepare(sql)?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                rows.collect()
            };
            Ok((
                rows("SELECT json_array(id, handle, display_name, updated_at) FROM contacts ORDER BY id")?,
                rows(
                    "SELECT json_array(id, state, cant_dm_reason, snoozed_until, sent_at, claimed_by)
                     FROM outreach ORDER BY id",
                )?,
                rows("SELECT json_array(id, at, actor, outreach_id, from_state, to_state, detail)
                      FROM audit_log ORDER BY id")?,
            ))
        })
        .await
        .unwrap()
}

/// The store of a desktop that used its embedded server before team mode: six people in
/// "spring", links registered with the server, and ana worked through the first five with
/// the local queue two hours ago: sent, sent, skipped, can't DM, later. user_5 is untouched.
async fn old_desktop(w: &World) -> i64 {
    let campaign = w
        .store
        .call(|conn| {
            let template = Template {
                parts: vec![Part::text(["Hi {{handle}}: {{link}}"])],
            };
            let campaign = campaigns::create(conn, &CampaignInput::new("Spring", template))?.id;
            let ids: Vec<i64> = (0..6)
                .map(|i| {
                    let input = ContactInput::parse(&format!("user_{i}"), "", "", "", "").unwrap();
                    contacts::insert(conn, &input, None)
                })
                .collect::<Result<_, _>>()?;
            queue::add_to_campaign(conn, campaign, &ids)?;
            Ok(campaign)
        })
        .await
        .unwrap();
    sync::register_links(&w.store, &w.client).await.unwrap();
    let start = clock::now_ms() - 120 * MINUTE;
    let tomorrow = clock::now_ms() + 1440 * MINUTE;
    w.store
        .call(move |conn| {
            let outcomes = [
                Outcome::Sent,
                Outcome::Sent,
                Outcome::Skipped,
                Outcome::CantDm {
                    reason: CantDmReason::PrivacySettings,
                },
                Outcome::Snoozed { until: tomorrow },
            ];
            for (i, outcome) in outcomes.into_iter().enumerate() {
                let at = start + i as i64 * 10 * MINUTE;
                let NextStep::Started(started) = queue::start_next_at(conn, campaign, "ana", at)?
                else {
                    panic!("user_{i} starts");
                };
                queue::mark_at(conn, started.outreach_id, outcome, "ana", at + MINUTE)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    campaign
}

fn server_count(w: &World, sql: &str) -> i64 {
    let db = Db::open(&Config::new(w.server_data.path()).database_path()).unwrap();
    let conn = db.lock().unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

async fn outcome_events(w: &World) -> usize {
    w.client
        .events(0, 1000, 0)
        .await
        .unwrap()
        .events
        .iter()
        .filter(|e| e.kind == EventKind::OutcomeSet)
        .count()
}

/// Outcomes this desktop recorded alone that its server has not taken yet.
async fn left_to_push(store: &StoreHandle) -> i64 {
    store
        .call(|conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM outreach
                 WHERE history_pushed_at IS NULL AND outcome_claim IS NULL AND sent_by IS NULL
                   AND state IN ('sent', 'skipped', 'cant_dm', 'snoozed')",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn an_old_desktops_outcomes_reach_its_server_once_and_claims_hand_out_only_the_untouched() {
    let w = World::start().await;
    old_desktop(&w).await;
    let before = snapshot(&w.store).await;
    assert_eq!(
        server_count(&w, "SELECT count(*) FROM links WHERE outcome IS NOT NULL"),
        0
    );

    // The server is away: nothing is marked done, and the next round tries again.
    let away = ServerClient::new("http://127.0.0.1:9", "nope").unwrap();
    assert!(upgrade::push_history(&w.store, &away).await.is_err());
    assert_eq!(left_to_push(&w.store).await, 5);

    let pushed = upgrade::push_history(&w.store, &w.client).await.unwrap();
    assert_eq!(
        pushed,
        HistoryPushed {
            recorded: 5,
            already: 0
        }
    );
    assert_eq!(left_to_push(&w.store).await, 0);

    // Only the untouched person is handed out, to ana or to a colleague.
    let ClaimAnswer::Claimed(claim) = w
        .client
        .claim("spring", &ClaimRequest::default())
        .await
        .unwrap()
    else {
        panic!("user_5 is left to claim");
    };
    assert_eq!(claim.handle, "user_5");
    assert_eq!(
        w.other
            .claim("spring", &ClaimRequest::default())
            .await
            .unwrap(),
        ClaimAnswer::Empty
    );
    // The server's pacing counts ana's two old sends, at the times she sent them.
    let local_sends: Vec<i64> = w
        .store
        .call(|conn| {
            let mut stmt =
                conn.prepare("SELECT sent_at FROM outreach WHERE state = 'sent' ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
        .unwrap();
    assert_eq!(local_sends.len(), 2);
    assert_eq!(
        server_count(
            &w,
            &format!(
                "SELECT count(*) FROM sends WHERE operator = 'ana' AND at IN ({}, {})",
                local_sends[0], local_sends[1]
            )
        ),
        2
    );
    assert_eq!(
        server_count(
            &w,
            "SELECT count(*) FROM links WHERE outcome = 'cant_dm' AND outcome_reason = 'privacy_settings'"
        ),
        1
    );

    // A second start sends nothing; a retry after a lost answer changes nothing on the server.
    let events = outcome_events(&w).await;
    assert_eq!(events, 5);
    assert_eq!(
        upgrade::push_history(&w.store, &w.client).await.unwrap(),
        HistoryPushed::default()
    );
    w.store
        .call(|conn| {
            conn.execute("UPDATE outreach SET history_pushed_at = NULL", [])?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(
        upgrade::push_history(&w.store, &w.client).await.unwrap(),
        HistoryPushed {
            recorded: 0,
            already: 5
        }
    );
    assert_eq!(outcome_events(&w).await, events, "no new events");
    // The desktop reads its own pushed outcomes back from the feed: nothing changes here.
    sync_until_quiet(&w.store, &w.client).await;
    assert_eq!(snapshot(&w.store).await, before);

    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_desktop_with_no_outcomes_has_nothing_to_push() {
    let w = World::start().await;
    // Not even asked: the server is away and nothing is wrong.
    let away = ServerClient::new("http://127.0.0.1:9", "nope").unwrap();
    assert_eq!(
        upgrade::push_history(&w.store, &away).await.unwrap(),
        HistoryPushed::default()
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn the_sync_task_pushes_an_old_desktops_history_on_its_first_round() {
    let w = World::start().await;
    old_desktop(&w).await;
    let (status_tx, mut status) = tokio::sync::watch::channel(sync::SyncStatus::default());
    let nudge = std::sync::Arc::new(tokio::sync::Notify::new());
    let task = sync::spawn(w.store.clone(), w.client.clone(), status_tx, nudge, |_| {});
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        status.wait_for(|s| s.state == sync::SyncState::Connected),
    )
    .await
    .unwrap()
    .unwrap();
    task.abort();
    assert_eq!(left_to_push(&w.store).await, 0);
    assert_eq!(outcome_events(&w).await, 5);
    assert_eq!(
        server_count(&w, "SELECT count(*) FROM sends WHERE operator = 'ana'"),
        2
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_outcome_the_local_queue_records_after_the_upgrade_reaches_the_server_next_round() {
    let w = World::start().await;
    let campaign = old_desktop(&w).await;
    upgrade::push_history(&w.store, &w.client).await.unwrap();

    // Until the Queue works through claims, the local queue still records outcomes.
    w.store
        .call(move |conn| {
            let NextStep::Started(started) = queue::start_next(conn, campaign, "ana")? else {
                panic!("user_5 starts");
            };
            queue::mark(conn, started.outreach_id, Outcome::Sent, "ana")?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(left_to_push(&w.store).await, 1);
    assert_eq!(
        upgrade::push_history(&w.store, &w.client).await.unwrap(),
        HistoryPushed {
            recorded: 1,
            already: 0
        }
    );
    assert_eq!(
        w.other
            .claim("spring", &ClaimRequest::default())
            .await
            .unwrap(),
        ClaimAnswer::Empty,
        "nobody is left for a colleague"
    );
    assert_eq!(
        server_count(&w, "SELECT count(*) FROM sends WHERE operator = 'ana'"),
        3
    );
    w.server.stop().await.unwrap();
}
