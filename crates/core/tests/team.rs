//! Team mode's desktop side against a real clipdesk-server: two desktops (two stores, two
//! operator tokens) claiming from one campaign, outcomes reaching a colleague's desktop
//! through the feed, and outcomes marked while the server is down.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use clipdesk_core::campaigns::{self, CampaignInput};
use clipdesk_core::client::{CampaignSaved, ServerClient};
use clipdesk_core::pacing::{PaceVerdict, Pacing};
use clipdesk_core::queue::{NextStep, Outcome, Started};
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync;
use clipdesk_core::team::{self, NextAsk, TeamStep};
use clipdesk_core::templates::{Part, Template};
use clipdesk_protocol::api::{CreateLinks, EventKind, LinkRecipient};
use clipdesk_protocol::team::ClaimRequest;
use clipdesk_server::db::Db;
use clipdesk_server::{Config, RunningServer, Server, tokens};
use common::sync_until_quiet;
use tempfile::TempDir;

mod common;

fn token(data: &Path, name: &str) -> String {
    let db = Db::open(&Config::new(data).database_path()).unwrap();
    let conn = db.lock().unwrap();
    tokens::create(&conn, name).unwrap().as_str().to_owned()
}

async fn serve(data: &Path, addr: &str) -> RunningServer {
    let mut config = Config::new(data);
    config.public_rate_per_minute = 0;
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    Server::start_on(listener, config).await.unwrap()
}

/// One operator's desktop: its own store with the campaign "spring", and its own token.
struct Desk {
    store: StoreHandle,
    client: ServerClient,
    campaign: i64,
    _dir: TempDir,
}

async fn desk(server: &RunningServer, token: &str) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::start(&dir.path().join("clipdesk.sqlite3")).unwrap();
    let campaign = store
        .call(|conn| {
            let template = Template {
                parts: vec![Part::text(["Hi {{handle}}, record for us: {{link}}"])],
            };
            // Pacing wide open: a push from either desktop keeps it so.
            let mut input = CampaignInput::new("Spring", template);
            input.pacing = Pacing {
                daily_cap: 1000,
                min_spacing_s: 0,
            };
            Ok(campaigns::create(conn, &input)?.id)
        })
        .await
        .unwrap();
    Desk {
        store,
        client: ServerClient::new(&server.url(), token).unwrap(),
        campaign,
        _dir: dir,
    }
}

/// A server with the campaign "spring" (pacing wide open) and `people` invited to it (as a
/// third desktop registered them), and the desktops of ana and ben.
struct Team {
    server: RunningServer,
    data: TempDir,
    ana: Desk,
    ben: Desk,
    /// The link tokens, in import order.
    links: Vec<String>,
    /// The lead's client (every role), as another tool.
    lead: ServerClient,
}

async fn team(people: usize) -> Team {
    let data = tempfile::tempdir().unwrap();
    let (ana, ben, lead) = (
        token(data.path(), "ana"),
        token(data.path(), "ben"),
        token(data.path(), "lead"),
    );
    let server = serve(data.path(), "127.0.0.1:0").await;
    let lead = ServerClient::new(&server.url(), &lead).unwrap();
    let ana = desk(&server, &ana).await;
    let ben = desk(&server, &ben).await;
    let (_, mut upsert) = ana
        .store
        .call(|conn| campaigns::upsert_of(conn, "spring"))
        .await
        .unwrap();
    upsert.daily_cap = 10_000;
    upsert.spacing_s = 0;
    upsert.hold_days = 7;
    upsert.lease_s = 600;
    lead.put_campaign("spring", &upsert).await.unwrap();
    let mut links = Vec::new();
    for chunk in (0..people).collect::<Vec<_>>().chunks(1000) {
        let body = CreateLinks {
            recipients: chunk
                .iter()
                .map(|i| LinkRecipient {
                    handle: format!("user_{i}"),
                    user_id: None,
                    display_name: Some(format!("User {i}")),
                    tags: vec!["spring".into()],
                })
                .collect(),
        };
        let created = lead.create_links("spring", &body).await.unwrap();
        links.extend(created.links.into_iter().map(|l| l.token));
    }
    Team {
        server,
        data,
        ana,
        ben,
        links,
        lead,
    }
}

/// Loops "start next" → "sent" until nobody is left: the link tokens this operator sent.
async fn send_until_empty(desk: &Desk, operator: &str) -> Vec<String> {
    let mut sent = Vec::new();
    loop {
        match team::start_next(&desk.store, &desk.client, desk.campaign, operator)
            .await
            .unwrap()
        {
            TeamStep::Started { started, claim } => {
                assert!(started.parts[0].text.contains(&started.link_url));
                assert!(started.link_url.ends_with(&claim.token));
                let recorded = team::record(
                    &desk.store,
                    &desk.client,
                    started.outreach_id,
                    Outcome::Sent,
                    operator,
                )
                .await
                .unwrap();
                assert_eq!(recorded.pending, 0, "the server got it at once");
                sent.push(claim.token);
            }
            TeamStep::Empty => return sent,
            other => panic!("{operator}: {other:?}"),
        }
    }
}

/// (link token, state, sent_by) of every outreach item, by token.
async fn outreach(store: &StoreHandle) -> Vec<(String, String, Option<String>)> {
    store
        .call(|conn| {
            let mut stmt = conn
                .prepare("SELECT link_token, state, sent_by FROM outreach ORDER BY link_token")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
        .unwrap()
}

fn server_db(data: &Path) -> Db {
    Db::open(&Config::new(data).database_path()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_operators_cores_race_over_1000_recipients_each_sent_exactly_once() {
    let t = team(1000).await;
    let (a, b) = tokio::join!(
        send_until_empty(&t.ana, "ana"),
        send_until_empty(&t.ben, "ben")
    );
    assert_eq!(a.len() + b.len(), 1000, "ana {} + ben {}", a.len(), b.len());
    assert!(
        !a.is_empty() && !b.is_empty(),
        "both worked: ana {} ben {}",
        a.len(),
        b.len()
    );
    let mut everyone: Vec<&String> = a.iter().chain(&b).collect();
    everyone.sort();
    everyone.dedup();
    assert_eq!(everyone.len(), 1000, "nobody was sent twice");

    {
        let db = server_db(t.data.path());
        let conn = db.lock().unwrap();
        let (sends, people, by_ana): (i64, i64, i64) = conn
            .query_row(
                "SELECT count(*), count(DISTINCT link), count(*) FILTER (WHERE operator = 'ana')
                 FROM sends",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((sends, people, by_ana), (1000, 1000, a.len() as i64));
    }

    sync_until_quiet(&t.ana.store, &t.ana.client).await;
    sync_until_quiet(&t.ben.store, &t.ben.client).await;
    let (seen_by_ana, seen_by_ben) = (outreach(&t.ana.store).await, outreach(&t.ben.store).await);
    assert_eq!(seen_by_ana.len(), 1000, "ana's desktop has everyone");
    assert_eq!(seen_by_ana, seen_by_ben, "both desktops agree");
    let mut expected: Vec<(String, String, Option<String>)> = a
        .iter()
        .map(|t| (t.clone(), "sent".to_owned(), Some("ana".to_owned())))
        .chain(
            b.iter()
                .map(|t| (t.clone(), "sent".to_owned(), Some("ben".to_owned()))),
        )
        .collect();
    expected.sort();
    assert_eq!(
        seen_by_ana, expected,
        "each sent once, by whoever sent them"
    );
    let unsent_again = team::start_next(&t.ana.store, &t.ana.client, t.ana.campaign, "ana")
        .await
        .unwrap();
    assert_eq!(unsent_again, TeamStep::Empty);
    t.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_outcome_from_a_reaches_b_within_2_seconds() {
    let t = team(3).await;
    let (status, mut watch) = tokio::sync::watch::channel(sync::SyncStatus::default());
    let nudge = std::sync::Arc::new(tokio::sync::Notify::new());
    let loop_b = sync::spawn(
        t.ben.store.clone(),
        t.ben.client.clone(),
        status,
        nudge,
        |_| {},
    );
    // B is caught up (it has the three people from the feed) and waits in its long-poll.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let caught_up = watch.borrow().state == sync::SyncState::Connected
                && outreach(&t.ben.store).await.len() == 3;
            if caught_up {
                break;
            }
            watch.changed().await.ok();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("B catches up");
    tokio::time::sleep(Duration::from_millis(300)).await;
    {
        let db = server_db(t.data.path());
        let conn = db.lock().unwrap();
        let team_settings: (u32, u32, u32) = conn
            .query_row(
                "SELECT daily_cap, hold_days, lease_s FROM campaigns WHERE slug = 'spring'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            team_settings,
            (1000, 30, 900),
            "B's sync pushed its campaign's pacing, hold and lease over the one no desktop described"
        );
    }

    let TeamStep::Started { started, claim } =
        team::start_next(&t.ana.store, &t.ana.client, t.ana.campaign, "ana")
            .await
            .unwrap()
    else {
        panic!("ana gets someone")
    };
    team::record(
        &t.ana.store,
        &t.ana.client,
        started.outreach_id,
        Outcome::Sent,
        "ana",
    )
    .await
    .unwrap();
    let recorded = Instant::now();
    let token = claim.token.clone();
    loop {
        let wanted = token.clone();
        let on_b: Option<(String, Option<String>)> = t
            .ben
            .store
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT state, sent_by FROM outreach WHERE link_token = ?1",
                        [wanted],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .ok())
            })
            .await
            .unwrap();
        if on_b == Some(("sent".into(), Some("ana".into()))) {
            break;
        }
        assert!(
            recorded.elapsed() < Duration::from_secs(2),
            "B still shows {on_b:?} after {:?}",
            recorded.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = recorded.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    eprintln!("ana's outcome reached ben's desktop in {took:?}");

    // Ana takes it back: B has the person queued again, and B's queue offers them.
    t.ana.client.undo_outcome(&claim.id).await.unwrap();
    let back = Instant::now();
    loop {
        let wanted = token.clone();
        let state: String = t
            .ben
            .store
            .call(move |conn| {
                Ok(conn.query_row(
                    "SELECT state FROM outreach WHERE link_token = ?1",
                    [wanted],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        if state == "queued" {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(2), "still {state}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    loop_b.abort();
    t.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outcomes_marked_while_the_server_is_down_are_sent_in_order_when_it_is_back() {
    let t = team(3).await;
    let ana = &t.ana;
    let TeamStep::Started { started, claim } =
        team::start_next(&ana.store, &ana.client, ana.campaign, "ana")
            .await
            .unwrap()
    else {
        panic!("ana gets someone")
    };
    let first = (started.outreach_id, claim);
    // A second person, picked by name (as from Contacts).
    let picked = t
        .links
        .iter()
        .find(|l| **l != first.1.token)
        .unwrap()
        .clone();
    let clipdesk_core::client::ClaimAnswer::Claimed(second) = ana
        .client
        .claim(
            "spring",
            &ClaimRequest {
                link: Some(picked.clone()),
                ..ClaimRequest::default()
            },
        )
        .await
        .unwrap()
    else {
        panic!("ana claims the one she picked")
    };
    let taken = *second;
    let (campaign, url) = (ana.campaign, t.server.url());
    let second_item = ana
        .store
        .call(move |conn| {
            team::take_claim_at(
                conn,
                campaign,
                &taken,
                "ana",
                Some(&url),
                clipdesk_core::clock::now_ms(),
            )
        })
        .await
        .unwrap()
        .outreach_id;

    t.server.stop().await.unwrap();
    let offline = team::start_next(&ana.store, &ana.client, ana.campaign, "ana")
        .await
        .unwrap();
    assert!(
        matches!(offline, TeamStep::Offline { .. }),
        "nothing is offered while the server is away: {offline:?}"
    );
    let one = team::record(&ana.store, &ana.client, first.0, Outcome::Sent, "ana")
        .await
        .unwrap();
    let two = team::record(
        &ana.store,
        &ana.client,
        second_item,
        Outcome::Skipped,
        "ana",
    )
    .await
    .unwrap();
    assert_eq!(
        (one.pending, two.pending),
        (1, 2),
        "both wait in the outbox"
    );
    let states = outreach(&ana.store).await;
    assert!(
        states.contains(&(first.1.token.clone(), "sent".into(), Some("ana".into())))
            && states.contains(&(picked.clone(), "skipped".into(), Some("ana".into()))),
        "marked here at once: {states:?}"
    );

    // The server is back (on another port: the desktop's Settings say where).
    let server = serve(t.data.path(), "127.0.0.1:0").await;
    let back = ServerClient::new(&server.url(), ana.client.token()).unwrap();
    let flushed = team::flush_outbox(&ana.store, &back).await.unwrap();
    assert_eq!((flushed.sent, flushed.refused), (2, 0));
    assert_eq!(ana.store.call(|c| team::pending(c)).await.unwrap(), 0);
    let outcomes: Vec<(String, String)> = back
        .events(0, 500, 0)
        .await
        .unwrap()
        .events
        .into_iter()
        .filter(|e| e.kind == EventKind::OutcomeSet)
        .map(|e| {
            (
                e.link.unwrap(),
                e.detail["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (first.1.token.clone(), "sent".to_owned()),
            (picked, "skipped".to_owned())
        ],
        "in the order they were marked"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_person_given_back_goes_to_the_next_operator_at_once() {
    let t = team(2).await;
    let TeamStep::Started { started, claim } =
        team::start_next(&t.ana.store, &t.ana.client, t.ana.campaign, "ana")
            .await
            .unwrap()
    else {
        panic!("ana gets someone")
    };
    team::give_back(&t.ana.store, &t.ana.client, started.outreach_id)
        .await
        .unwrap();
    let state = outreach(&t.ana.store).await;
    assert_eq!(state, [(claim.token.clone(), "queued".into(), None)]);
    let TeamStep::Started { claim: theirs, .. } =
        team::start_next(&t.ben.store, &t.ben.client, t.ben.campaign, "ben")
            .await
            .unwrap()
    else {
        panic!("ben gets someone")
    };
    assert_eq!(theirs.token, claim.token, "the same person, without a wait");
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_outcome_the_server_refuses_is_kept_with_its_reason_and_not_retried() {
    let t = team(1).await;
    let TeamStep::Started { started, claim } =
        team::start_next(&t.ana.store, &t.ana.client, t.ana.campaign, "ana")
            .await
            .unwrap()
    else {
        panic!("ana gets someone")
    };
    // Another window of ana's gave the person back in the meantime.
    t.ana.client.give_back(&claim.id).await.unwrap();
    let recorded = team::record(
        &t.ana.store,
        &t.ana.client,
        started.outreach_id,
        Outcome::Sent,
        "ana",
    )
    .await
    .unwrap();
    assert_eq!(recorded.pending, 0, "not retried for ever");
    let (state, error): (String, String) = t
        .ana
        .store
        .call(|conn| {
            Ok(
                conn.query_row("SELECT state, last_error FROM team_outbox", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?,
            )
        })
        .await
        .unwrap();
    assert_eq!(state, "conflict");
    assert!(error.contains("given_back"), "{error}");
    let again = team::flush_outbox(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    assert_eq!((again.sent, again.refused), (0, 0));
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn pacing_on_the_server_answers_paced_and_a_stale_campaign_edit_gets_the_current_one() {
    let t = team(3).await;
    let ana = &t.ana;
    let (_, mut upsert) = ana
        .store
        .call(|conn| campaigns::upsert_of(conn, "spring"))
        .await
        .unwrap();
    upsert.daily_cap = 1;
    upsert.version = Some(1);
    let CampaignSaved::Saved(saved) = ana.client.save_campaign("spring", &upsert).await.unwrap()
    else {
        panic!("version 1 is current")
    };
    assert_eq!((saved.version, saved.daily_cap), (2, 1));
    // Another desktop's edit, made from version 1 too.
    upsert.prompt = "Show us your kitchen".into();
    let stale = ana.client.save_campaign("spring", &upsert).await.unwrap();
    let CampaignSaved::Conflict(conflict) = stale else {
        panic!("an edit from version 1 is stale now: {stale:?}")
    };
    assert_eq!(conflict.current.version, 2);

    let sent = send_one(ana, "ana").await;
    assert!(sent.is_some());
    let paced = team::start_next(&ana.store, &ana.client, ana.campaign, "ana")
        .await
        .unwrap();
    let TeamStep::Paced {
        retry_after_s,
        message,
    } = paced
    else {
        panic!("one send a day is used up: {paced:?}")
    };
    assert!(retry_after_s > 0, "{retry_after_s}");
    assert!(!message.is_empty());
    t.server.stop().await.unwrap();
}

/// One "start next" → "sent": the link token sent, or `None` when nobody was offered.
async fn send_one(desk: &Desk, operator: &str) -> Option<String> {
    let TeamStep::Started { started, claim } =
        team::start_next(&desk.store, &desk.client, desk.campaign, operator)
            .await
            .unwrap()
    else {
        return None;
    };
    team::record(
        &desk.store,
        &desk.client,
        started.outreach_id,
        Outcome::Sent,
        operator,
    )
    .await
    .unwrap();
    Some(claim.token)
}

#[tokio::test]
async fn undo_takes_an_outcome_back_on_the_server_or_out_of_the_outbox() {
    let t = team(2).await;
    let ana = &t.ana;
    let sent = send_one(ana, "ana").await.unwrap();
    let item = |token: String| async move {
        ana.store
            .call(move |conn| {
                Ok(conn.query_row(
                    "SELECT id, state, claim_id FROM outreach WHERE link_token = ?1",
                    [token],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Option<String>>(2)?,
                        ))
                    },
                )?)
            })
            .await
            .unwrap()
    };
    let (id, state, _) = item(sent.clone()).await;
    assert_eq!(state, "sent");
    team::undo(&ana.store, &ana.client, id, "ana")
        .await
        .unwrap();
    assert_eq!(item(sent.clone()).await.1, "queued");
    let sends = |data: &Path| -> i64 {
        let db = server_db(data);
        let conn = db.lock().unwrap();
        conn.query_row("SELECT count(*) FROM sends", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(sends(t.data.path()), 0, "the server forgot the send");
    assert!(
        ana.store
            .call(|c| clipdesk_core::queue::recent_sends(c, clipdesk_core::clock::now_ms()))
            .await
            .unwrap()
            .is_empty(),
        "and so did this desktop's pacing"
    );

    // Marked while the server is away, then taken back: the server never hears of it, and
    // the person is still hers to send.
    let TeamStep::Started { started, claim } =
        team::start_next(&ana.store, &ana.client, ana.campaign, "ana")
            .await
            .unwrap()
    else {
        panic!("ana gets someone")
    };
    t.server.stop().await.unwrap();
    team::record(
        &ana.store,
        &ana.client,
        started.outreach_id,
        Outcome::Sent,
        "ana",
    )
    .await
    .unwrap();
    team::undo(&ana.store, &ana.client, started.outreach_id, "ana")
        .await
        .unwrap();
    assert_eq!(
        item(claim.token.clone()).await,
        (
            started.outreach_id,
            "in_progress".into(),
            Some(claim.id.clone())
        )
    );
    assert_eq!(ana.store.call(|c| team::pending(c)).await.unwrap(), 0);
    let server = serve(t.data.path(), "127.0.0.1:0").await;
    let back = ServerClient::new(&server.url(), ana.client.token()).unwrap();
    team::record(
        &ana.store,
        &back,
        started.outreach_id,
        Outcome::Skipped,
        "ana",
    )
    .await
    .unwrap();
    assert_eq!(sends(t.data.path()), 0, "only the skip reached the server");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_campaign_made_on_one_desktop_appears_on_anothers_with_its_people() {
    let t = team(0).await;
    let template = Template {
        parts: vec![Part::text(["Autumn hello {{handle}}: {{link}}"])],
    };
    t.ana
        .store
        .call(move |conn| {
            campaigns::create(conn, &CampaignInput::new("Autumn", template))?;
            Ok(())
        })
        .await
        .unwrap();
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    t.ana
        .client
        .create_links(
            "autumn",
            &CreateLinks {
                recipients: vec![LinkRecipient {
                    handle: "maya.bakes".into(),
                    user_id: Some("7277".into()),
                    display_name: Some("Maya Lopez".into()),
                    tags: vec!["bakers".into()],
                }],
            },
        )
        .await
        .unwrap();
    sync_until_quiet(&t.ben.store, &t.ben.client).await;
    let (name, template, handle, tags): (String, String, String, String) = t
        .ben
        .store
        .call(|conn| {
            Ok(conn.query_row(
                "SELECT c.name, c.template, k.handle, k.tags FROM campaigns c
                 JOIN outreach o ON o.campaign_id = c.id JOIN contacts k ON k.id = o.contact_id
                 WHERE c.slug = 'autumn'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(name, "Autumn");
    assert!(template.contains("Autumn hello"), "{template}");
    assert_eq!(
        (handle.as_str(), tags.as_str()),
        ("maya.bakes", r#"["bakers"]"#)
    );
    let TeamStep::Started { started, .. } = team::start_next(&t.ben.store, &t.ben.client, 2, "ben")
        .await
        .unwrap()
    else {
        panic!("ben can send to her")
    };
    assert!(
        started.parts[0]
            .text
            .starts_with("Autumn hello maya.bakes: http")
    );
    t.server.stop().await.unwrap();
}

/// Edits campaign `slug` on `desk` as its editor would save it.
async fn edit(desk: &Desk, slug: &str, change: impl FnOnce(&mut CampaignInput) + Send + 'static) {
    let slug = slug.to_owned();
    desk.store
        .call(move |conn| {
            let id = campaigns::list(conn)?
                .into_iter()
                .find(|c| c.slug == slug)
                .unwrap()
                .id;
            let mut input = team::editor_input(conn, id)?;
            change(&mut input);
            campaigns::update(conn, id, &input)?;
            Ok(())
        })
        .await
        .unwrap();
}

/// The first part's text of `desk`'s campaign `slug`.
async fn wording(desk: &Desk, slug: &str) -> String {
    let slug = slug.to_owned();
    desk.store
        .call(move |conn| {
            let c = campaigns::list(conn)?
                .into_iter()
                .find(|c| c.slug == slug)
                .unwrap();
            Ok(c.template.parts[0].variants[0].clone())
        })
        .await
        .unwrap()
}

/// (version, updated_by, desktop JSON) of the server's campaign `slug`.
fn on_server(data: &Path, slug: &str) -> (i64, Option<String>, String) {
    let db = server_db(data);
    let conn = db.lock().unwrap();
    conn.query_row(
        "SELECT version, updated_by, coalesce(desktop, '') FROM campaigns WHERE slug = ?1",
        [slug],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

/// The campaign "autumn" made on ana's desktop, saved on the server, and made on ben's from
/// the feed; with one invited person. Ben's local id of it.
async fn autumn_on_both(t: &Team) -> i64 {
    let template = Template {
        parts: vec![Part::text(["Autumn hello {{handle}}: {{link}}"])],
    };
    t.ana
        .store
        .call(move |conn| {
            let mut input = CampaignInput::new("Autumn", template);
            input.pacing.min_spacing_s = 0;
            campaigns::create(conn, &input)?;
            Ok(())
        })
        .await
        .unwrap();
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    t.ana
        .client
        .create_links(
            "autumn",
            &CreateLinks {
                recipients: vec![LinkRecipient {
                    handle: "maya.bakes".into(),
                    user_id: None,
                    display_name: None,
                    tags: Vec::new(),
                }],
            },
        )
        .await
        .unwrap();
    sync_until_quiet(&t.ben.store, &t.ben.client).await;
    sync_until_quiet(&t.ana.store, &t.ana.client).await;
    t.ben
        .store
        .call(|conn| {
            Ok(campaigns::list(conn)?
                .into_iter()
                .find(|c| c.slug == "autumn")
                .unwrap()
                .id)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_campaigns_pacing_edited_on_one_desktop_is_what_the_server_enforces() {
    let t = team(3).await;
    sync_until_quiet(&t.ana.store, &t.ana.client).await;
    edit(&t.ana, "spring", |input| {
        input.pacing = Pacing {
            daily_cap: 1,
            min_spacing_s: 0,
        }
    })
    .await;
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    let ben = &t.ben;
    assert!(
        send_one(ben, "ben").await.is_some(),
        "ben's first of the day"
    );
    let paced = team::start_next(&ben.store, &ben.client, ben.campaign, "ben")
        .await
        .unwrap();
    let TeamStep::Paced { message, .. } = paced else {
        panic!("ana's cap of 1 a day holds for ben too: {paced:?}")
    };
    assert!(message.contains('1'), "{message}");
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_colleagues_edit_appears_on_my_desktop() {
    let t = team(0).await;
    let autumn = autumn_on_both(&t).await;
    edit(&t.ana, "autumn", |input| {
        input.template.parts[0].variants = vec!["Hey {{handle}}, new words: {{link}}".into()];
        input.pacing.daily_cap = 7;
    })
    .await;
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    sync_until_quiet(&t.ben.store, &t.ben.client).await;
    assert_eq!(
        wording(&t.ben, "autumn").await,
        "Hey {{handle}}, new words: {{link}}"
    );
    let (daily_cap, unpushed) = t
        .ben
        .store
        .call(move |conn| {
            Ok((
                campaigns::get(conn, autumn)?.pacing.daily_cap,
                campaigns::unpushed(conn)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(daily_cap, 7);
    assert!(
        !unpushed.contains(&"autumn".to_owned()),
        "nothing to send back"
    );
    let TeamStep::Started { started, claim } =
        team::start_next(&t.ben.store, &t.ben.client, autumn, "ben")
            .await
            .unwrap()
    else {
        panic!("ben can send to her")
    };
    assert!(!claim.url.is_empty());
    assert_eq!(started.link_url, claim.url, "the link the server named");
    assert_eq!(
        started.parts[0].text,
        format!("Hey maya.bakes, new words: {}", claim.url)
    );
    // Ana's own save coming back through the feed changes nothing.
    let before = on_server(t.data.path(), "autumn");
    sync_until_quiet(&t.ana.store, &t.ana.client).await;
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    assert_eq!(on_server(t.data.path(), "autumn"), before);
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_edit_from_a_stale_version_keeps_both_and_nothing_is_overwritten() {
    let t = team(0).await;
    let autumn = autumn_on_both(&t).await;
    let words = |w: &'static str| {
        move |input: &mut CampaignInput| {
            input.template.parts[0].variants = vec![format!("{w} {{{{link}}}}")];
        }
    };
    // Both edit the same version while apart; ana's reaches the server first.
    edit(&t.ana, "autumn", words("Ana's")).await;
    edit(&t.ben, "autumn", words("Ben's")).await;
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    let (version, by, desktop) = on_server(t.data.path(), "autumn");
    assert_eq!((version, by.as_deref()), (2, Some("ana")));
    sync::push_campaigns(&t.ben.store, &t.ben.client)
        .await
        .unwrap();
    sync_until_quiet(&t.ben.store, &t.ben.client).await;
    assert_eq!(
        on_server(t.data.path(), "autumn"),
        (2, Some("ana".into()), desktop),
        "the server still has ana's"
    );
    assert_eq!(
        wording(&t.ben, "autumn").await,
        "Ben's {{link}}",
        "and ben his"
    );
    let clash = t
        .ben
        .store
        .call(move |conn| team::conflict(conn, autumn))
        .await
        .unwrap()
        .expect("both kept");
    assert_eq!(clash.mine.template.parts[0].variants[0], "Ben's {{link}}");
    assert_eq!(clash.theirs.template.parts[0].variants[0], "Ana's {{link}}");
    assert_eq!(
        (clash.their_version, clash.their_editor.as_deref()),
        (2, Some("ana"))
    );

    // Ben keeps his: it goes over ana's, and her desktop (no edit of its own) takes it.
    team::keep_mine(&t.ben.store, &t.ben.client, autumn)
        .await
        .unwrap();
    let (version, by, _) = on_server(t.data.path(), "autumn");
    assert_eq!((version, by.as_deref()), (3, Some("ben")));
    assert!(
        t.ben
            .store
            .call(move |conn| team::conflict(conn, autumn))
            .await
            .unwrap()
            .is_none()
    );
    sync_until_quiet(&t.ana.store, &t.ana.client).await;
    assert_eq!(wording(&t.ana, "autumn").await, "Ben's {{link}}");

    // Again, the other way round: ana takes ben's.
    edit(&t.ben, "autumn", words("Ben again")).await;
    edit(&t.ana, "autumn", words("Ana again")).await;
    sync::push_campaigns(&t.ben.store, &t.ben.client)
        .await
        .unwrap();
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    assert_eq!(on_server(t.data.path(), "autumn").0, 4);
    let ana_autumn = t
        .ana
        .store
        .call(|conn| {
            Ok(campaigns::list(conn)?
                .into_iter()
                .find(|c| c.slug == "autumn")
                .unwrap()
                .id)
        })
        .await
        .unwrap();
    let taken = t
        .ana
        .store
        .call(move |conn| team::take_theirs(conn, ana_autumn))
        .await
        .unwrap();
    assert_eq!(taken.template.parts[0].variants[0], "Ben again {{link}}");
    let (clash, unpushed) = t
        .ana
        .store
        .call(move |conn| {
            Ok((
                team::conflict(conn, ana_autumn)?,
                campaigns::unpushed(conn)?,
            ))
        })
        .await
        .unwrap();
    assert!(clash.is_none());
    assert!(!unpushed.contains(&"autumn".to_owned()));
    sync_until_quiet(&t.ana.store, &t.ana.client).await;
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    assert_eq!(
        on_server(t.data.path(), "autumn").0,
        4,
        "nothing more to say"
    );
    t.server.stop().await.unwrap();
}

/// `method path` on the server as the lead (every role), as another tool would call it: what
/// the desktop's client has no method for.
async fn as_lead(t: &Team, method: reqwest::Method, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(method, format!("{}{path}", t.server.url()))
        .bearer_auth(t.lead.token())
        .send()
        .await
        .unwrap()
}

/// (hold_days, lease_s) of campaign `slug` as `GET /api/v1/campaigns/{slug}` answers.
async fn team_settings_on_server(t: &Team, slug: &str) -> (u32, u32) {
    let path = format!("/api/v1/campaigns/{slug}");
    let campaign: clipdesk_protocol::api::Campaign = as_lead(t, reqwest::Method::GET, &path)
        .await
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    (campaign.hold_days, campaign.lease_s)
}

/// (hold_days, lease_s) of `desk`'s campaign `slug`.
async fn team_settings_here(desk: &Desk, slug: &str) -> (u32, u32) {
    let slug = slug.to_owned();
    desk.store
        .call(move |conn| {
            let c = campaigns::list(conn)?
                .into_iter()
                .find(|c| c.slug == slug)
                .unwrap();
            Ok((c.hold_days, c.lease_s))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_campaigns_hold_and_lease_edited_on_one_desktop_are_the_servers_and_reach_the_other() {
    let t = team(0).await;
    let autumn = autumn_on_both(&t).await;
    assert_eq!(
        team_settings_on_server(&t, "autumn").await,
        (30, 900),
        "a new campaign's defaults"
    );
    edit(&t.ana, "autumn", |input| {
        input.hold_days = 0;
        input.lease_s = 120;
    })
    .await;
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    assert_eq!(team_settings_on_server(&t, "autumn").await, (0, 120));
    sync_until_quiet(&t.ben.store, &t.ben.client).await;
    assert_eq!(team_settings_here(&t.ben, "autumn").await, (0, 120));
    let asked = clipdesk_core::clock::now_ms();
    let TeamStep::Started { claim, .. } =
        team::start_next(&t.ben.store, &t.ben.client, autumn, "ben")
            .await
            .unwrap()
    else {
        panic!("ben can send to her")
    };
    let lease_ms = clipdesk_core::clock::parse_rfc3339(&claim.lease_expires_at).unwrap() - asked;
    assert!(
        (110_000..=125_000).contains(&lease_ms),
        "ben's claim lasts ana's two minutes, not the default 15: {lease_ms} ms"
    );

    // Both change them from the same version; ben keeps his: the server has his.
    edit(&t.ana, "autumn", |input| input.hold_days = 10).await;
    edit(&t.ben, "autumn", |input| {
        input.hold_days = 60;
        input.lease_s = 1800;
    })
    .await;
    sync::push_campaigns(&t.ana.store, &t.ana.client)
        .await
        .unwrap();
    sync::push_campaigns(&t.ben.store, &t.ben.client)
        .await
        .unwrap();
    sync_until_quiet(&t.ben.store, &t.ben.client).await;
    let clash = t
        .ben
        .store
        .call(move |conn| team::conflict(conn, autumn))
        .await
        .unwrap()
        .expect("a clash over the hold alone is a clash");
    assert_eq!(
        (clash.mine.hold_days, clash.mine.lease_s),
        (60, 1800),
        "mine as edited here"
    );
    assert_eq!(
        (clash.theirs.hold_days, clash.theirs.lease_s),
        (10, 120),
        "theirs as the server has it"
    );
    team::keep_mine(&t.ben.store, &t.ben.client, autumn)
        .await
        .unwrap();
    assert_eq!(team_settings_on_server(&t, "autumn").await, (60, 1800));
    sync_until_quiet(&t.ana.store, &t.ana.client).await;
    assert_eq!(team_settings_here(&t.ana, "autumn").await, (60, 1800));
    t.server.stop().await.unwrap();
}

/// How many sends the server keeps, all campaigns.
fn sends_on_server(data: &Path) -> i64 {
    let db = server_db(data);
    let conn = db.lock().unwrap();
    conn.query_row("SELECT count(*) FROM sends", [], |r| r.get(0))
        .unwrap()
}

/// (id, state, claim_id) of `desk`'s item for link `token`.
async fn item_of(desk: &Desk, token: &str) -> (i64, String, Option<String>) {
    let token = token.to_owned();
    desk.store
        .call(move |conn| {
            Ok(conn.query_row(
                "SELECT id, state, claim_id FROM outreach WHERE link_token = ?1",
                [token],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .await
        .unwrap()
}

/// The Queue's "start next" as the desktop calls it, expecting someone: their message.
async fn next_started(desk: &Desk, operator: &str, ask: NextAsk) -> Box<Started> {
    match team::next(&desk.store, &desk.client, desk.campaign, operator, ask)
        .await
        .unwrap()
    {
        NextStep::Started(started) => started,
        other => panic!("{operator} gets nobody: {other:?}"),
    }
}

#[tokio::test]
async fn next_claims_a_first_message_under_a_lease_and_says_offline_with_the_outbox_when_away() {
    let t = team(3).await;
    let ana = &t.ana;
    let asked = clipdesk_core::clock::now_ms();
    let first = next_started(ana, "ana", NextAsk::default()).await;
    assert!(first.followup.is_none());
    let lease = first.lease_expires_at.as_deref().expect("a server claim");
    let until = clipdesk_core::clock::parse_rfc3339(lease).unwrap();
    assert!(
        until > asked + 590_000 && until < asked + 610_000,
        "the campaign's lease of 600 s: {lease}"
    );
    assert!(first.link_url.ends_with(&t.links[0]), "in import order");
    assert_eq!(item_of(ana, &t.links[0]).await.1, "in_progress");

    team::mark(
        &ana.store,
        &ana.client,
        first.outreach_id,
        Outcome::Sent,
        "ana",
    )
    .await
    .unwrap();
    assert_eq!(
        sends_on_server(t.data.path()),
        1,
        "a claimed person's outcome goes to the server"
    );
    let undone = team::undo_last(&ana.store, &ana.client, "ana")
        .await
        .unwrap();
    assert_eq!(undone, first.outreach_id);
    assert_eq!(
        sends_on_server(t.data.path()),
        0,
        "undone on the server too"
    );
    assert_eq!(item_of(ana, &t.links[0]).await.1, "queued");

    let again = next_started(ana, "ana", NextAsk::default()).await;
    assert_eq!(again.outreach_id, first.outreach_id, "back in the pool");
    t.server.stop().await.unwrap();
    team::mark(
        &ana.store,
        &ana.client,
        again.outreach_id,
        Outcome::Skipped,
        "ana",
    )
    .await
    .unwrap();
    let offline = team::next(
        &ana.store,
        &ana.client,
        ana.campaign,
        "ana",
        NextAsk::default(),
    )
    .await
    .unwrap();
    let NextStep::Offline { message, pending } = offline else {
        panic!("nothing is offered while the server is away: {offline:?}")
    };
    assert_eq!(pending, 1, "the skip waits in the outbox");
    assert_eq!(
        message,
        format!("no answer from {}", ana.client.base_url()),
        "the operator is told which server, not the transport's error"
    );
}

#[tokio::test]
async fn send_anyway_gets_a_claim_past_the_servers_pacing() {
    let t = team(3).await;
    let ana = &t.ana;
    let (_, mut upsert) = ana
        .store
        .call(|conn| campaigns::upsert_of(conn, "spring"))
        .await
        .unwrap();
    upsert.daily_cap = 1;
    upsert.spacing_s = 0;
    upsert.hold_days = 7;
    upsert.lease_s = 600;
    t.lead.put_campaign("spring", &upsert).await.unwrap();
    assert!(send_one(ana, "ana").await.is_some());

    let asked = clipdesk_core::clock::now_ms();
    let paced = team::next(
        &ana.store,
        &ana.client,
        ana.campaign,
        "ana",
        NextAsk::default(),
    )
    .await
    .unwrap();
    let NextStep::Wait {
        verdict:
            PaceVerdict::Wait {
                reason,
                until,
                sent_last_24h,
                daily_cap,
            },
    } = paced
    else {
        panic!("one send a day is used up: {paced:?}")
    };
    assert!(!reason.is_empty());
    assert!(until > asked, "the server's Retry-After, from now");
    assert_eq!(
        (sent_last_24h, daily_cap),
        (1, 1000),
        "this desktop's sends beside its campaign's cap"
    );

    let anyway = next_started(
        ana,
        "ana",
        NextAsk {
            send_anyway: true,
            ..NextAsk::default()
        },
    )
    .await;
    assert!(anyway.lease_expires_at.is_some());
    team::mark(
        &ana.store,
        &ana.client,
        anyway.outreach_id,
        Outcome::Sent,
        "ana",
    )
    .await
    .unwrap();
    assert_eq!(sends_on_server(t.data.path()), 2);
    let (history, _) = contact_of(ana, anyway.outreach_id).await;
    let overridden = history[0].pacing_overridden_by.clone();
    assert_eq!(
        overridden.as_deref(),
        Some("ana"),
        "the send past pacing is in the person's history, with who sent it"
    );
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_follow_up_goes_to_whoever_sent_the_person_never_to_a_colleague() {
    use clipdesk_core::followups::{FollowupCondition, FollowupStep};
    let t = team(3).await;
    let (ana, ben) = (&t.ana, &t.ben);
    // Ana's desktop calls her otherwise than her token does ("ana"), as an operator may.
    const ANA: &str = "Ana K";
    edit(ana, "spring", |input| {
        input.followups = vec![FollowupStep {
            template: Template {
                parts: vec![Part::text(["Still keen, {{handle}}? {{link}}"])],
            },
            delay_days: 1,
            condition: FollowupCondition::NoOpen,
        }];
        // New people before follow-ups.
        input.followups_first = false;
    })
    .await;
    let mine = next_started(ana, ANA, NextAsk::default()).await;
    team::mark(
        &ana.store,
        &ana.client,
        mine.outreach_id,
        Outcome::Sent,
        ANA,
    )
    .await
    .unwrap();
    let bens = send_one(ben, "ben").await.unwrap();
    sync_until_quiet(&ana.store, &ana.client).await;
    // Days pass: both first messages are old enough for the follow-up, ben's the older.
    let (mine_token, bens_token) = (t.links[0].clone(), bens.clone());
    assert_eq!(bens_token, t.links[1]);
    ana.store
        .call(move |conn| {
            let day = 24 * 3600 * 1000;
            conn.execute(
                "UPDATE outreach SET sent_at = sent_at - 2 * ?2 WHERE link_token = ?1",
                rusqlite::params![mine_token, day],
            )?;
            conn.execute(
                "UPDATE outreach SET sent_at = sent_at - 3 * ?2 WHERE link_token = ?1",
                rusqlite::params![bens_token, day],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let seen = outreach(&ana.store).await;
    assert!(
        seen.contains(&(t.links[0].clone(), "sent".into(), Some("ana".into())))
            && seen.contains(&(t.links[1].clone(), "sent".into(), Some("ben".into()))),
        "the feed names each sender by their token: {seen:?}"
    );
    assert_eq!(
        history_sender(ana, &t.links[1]).await.as_deref(),
        Some("ben"),
        "the contact's history says who sent them"
    );

    // New people first (the campaign's order): the third person, from the server.
    let third = next_started(ana, ANA, NextAsk::default()).await;
    assert!(third.link_url.ends_with(&t.links[2]));
    assert!(third.followup.is_none());
    team::mark(
        &ana.store,
        &ana.client,
        third.outreach_id,
        Outcome::Skipped,
        ANA,
    )
    .await
    .unwrap();

    // Nobody new is left: ana's own person's follow-up, started here; ben's is his.
    let followup = next_started(ana, ANA, NextAsk::default()).await;
    assert_eq!(followup.outreach_id, mine.outreach_id);
    assert_eq!(followup.followup.as_ref().map(|f| f.step), Some(1));
    assert_eq!(followup.lease_expires_at, None, "a follow-up stays local");
    assert!(followup.parts[0].text.starts_with("Still keen, user_0?"));
    let campaign = ana.campaign;
    let overview = ana
        .store
        .call(move |conn| clipdesk_core::queue::overview(conn, campaign, ANA))
        .await
        .unwrap();
    assert_eq!(
        (
            overview.left.followups_due,
            overview.next.map(|n| n.outreach_id)
        ),
        (0, Some(mine.outreach_id)),
        "ben's person is not counted due here; ana's is on screen"
    );
    team::mark(
        &ana.store,
        &ana.client,
        followup.outreach_id,
        Outcome::Sent,
        ANA,
    )
    .await
    .unwrap();
    let step_state = |id: i64| async move {
        ana.store
            .call(move |conn| {
                Ok(conn.query_row(
                    "SELECT state FROM followup_sends WHERE outreach_id = ?1 AND step = 1",
                    [id],
                    |r| r.get::<_, String>(0),
                )?)
            })
            .await
            .unwrap()
    };
    assert_eq!(step_state(mine.outreach_id).await, "sent");
    assert_eq!(
        sends_on_server(t.data.path()),
        2,
        "the follow-up is this desktop's: the server has the two first messages"
    );
    let after = team::next(
        &ana.store,
        &ana.client,
        ana.campaign,
        ANA,
        NextAsk::default(),
    )
    .await
    .unwrap();
    assert_eq!(after, NextStep::Empty, "ben's person never comes up here");

    // Undo takes the follow-up back here, not a claim on the server.
    let undone = team::undo_last(&ana.store, &ana.client, ANA).await.unwrap();
    assert_eq!(undone, mine.outreach_id);
    assert_eq!(step_state(mine.outreach_id).await, "in_progress");
    assert_eq!(sends_on_server(t.data.path()), 2);
    assert_eq!(item_of(ana, &t.links[0]).await.1, "sent");
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn closing_the_app_gives_every_claim_back_and_a_colleague_can_claim_them() {
    let t = team(3).await;
    let ana = &t.ana;
    let first = next_started(ana, "ana", NextAsk::default()).await;
    let picked = next_started(
        ana,
        "ana",
        NextAsk {
            link: Some(t.links[2].clone()),
            ..NextAsk::default()
        },
    )
    .await;
    assert!(picked.link_url.ends_with(&t.links[2]), "the one she picked");
    assert_ne!(first.outreach_id, picked.outreach_id);

    let given = team::give_back_all(&ana.store, &ana.client).await.unwrap();
    assert_eq!(given, 2);
    for token in [&t.links[0], &t.links[2]] {
        let (_, state, claim) = item_of(ana, token).await;
        assert_eq!((state.as_str(), claim), ("queued", None), "{token}");
    }
    assert_eq!(
        team::give_back_all(&ana.store, &ana.client).await.unwrap(),
        0,
        "nothing is held any more"
    );
    let mut bens = Vec::new();
    for _ in 0..3 {
        bens.push(send_one(&t.ben, "ben").await.expect("ben gets someone"));
    }
    bens.sort();
    let mut everyone = t.links.clone();
    everyone.sort();
    assert_eq!(bens, everyone, "ben gets both people ana held, at once");
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_held_person_is_listed_and_claimed_only_when_the_operator_overrides_the_hold() {
    let t = team(3).await;
    let ana = &t.ana;
    // The lead DMed user_0 in another campaign today.
    let (_, mut autumn) = ana
        .store
        .call(|conn| campaigns::upsert_of(conn, "spring"))
        .await
        .unwrap();
    autumn.daily_cap = 10_000;
    autumn.spacing_s = 0;
    t.lead.put_campaign("autumn", &autumn).await.unwrap();
    t.lead
        .create_links(
            "autumn",
            &CreateLinks {
                recipients: vec![LinkRecipient {
                    handle: "user_0".into(),
                    user_id: None,
                    display_name: None,
                    tags: Vec::new(),
                }],
            },
        )
        .await
        .unwrap();
    let clipdesk_core::client::ClaimAnswer::Claimed(claim) = t
        .lead
        .claim("autumn", &ClaimRequest::default())
        .await
        .unwrap()
    else {
        panic!("the lead claims user_0 in autumn")
    };
    t.lead
        .put_outcome(
            &claim.id,
            &clipdesk_protocol::team::OutcomeRequest {
                outcome: clipdesk_protocol::team::ClaimOutcome::Sent,
                reason: None,
                until: None,
                at: None,
            },
        )
        .await
        .unwrap();

    let held = team::held(&ana.store, &ana.client, ana.campaign)
        .await
        .unwrap();
    assert_eq!(held.held.len(), 1, "{held:?}");
    assert_eq!(
        (
            held.held[0].token.as_str(),
            held.held[0].hold.campaign.as_str()
        ),
        (t.links[0].as_str(), "autumn")
    );
    let next = next_started(ana, "ana", NextAsk::default()).await;
    assert!(
        next.link_url.ends_with(&t.links[1]),
        "user_0 is passed over"
    );
    team::mark(
        &ana.store,
        &ana.client,
        next.outreach_id,
        Outcome::Skipped,
        "ana",
    )
    .await
    .unwrap();

    let refused = team::next(
        &ana.store,
        &ana.client,
        ana.campaign,
        "ana",
        NextAsk {
            link: Some(t.links[0].clone()),
            ..NextAsk::default()
        },
    )
    .await;
    assert!(refused.is_err(), "not without the override: {refused:?}");
    let overridden = next_started(
        ana,
        "ana",
        NextAsk {
            link: Some(t.links[0].clone()),
            override_hold: true,
            ..NextAsk::default()
        },
    )
    .await;
    assert!(overridden.link_url.ends_with(&t.links[0]));
    assert!(overridden.lease_expires_at.is_some());
    t.server.stop().await.unwrap();
}

/// On `desk`, the contact of outreach item `outreach`: their history (every campaign) and
/// their first campaign as the Contacts screen lists it.
async fn contact_of(
    desk: &Desk,
    outreach: i64,
) -> (
    Vec<clipdesk_core::queue::HistoryEntry>,
    clipdesk_core::people::CampaignItem,
) {
    desk.store
        .call(move |conn| {
            let contact: i64 = conn.query_row(
                "SELECT contact_id FROM outreach WHERE id = ?1",
                [outreach],
                |r| r.get(0),
            )?;
            Ok((
                clipdesk_core::queue::contact_history(conn, contact, None)?,
                clipdesk_core::people::person(conn, contact)?.campaigns[0].clone(),
            ))
        })
        .await
        .unwrap()
}

/// Who the history of the person behind link `token` on `desk` says sent them.
async fn history_sender(desk: &Desk, token: &str) -> Option<String> {
    let (history, _) = contact_of(desk, item_of(desk, token).await.0).await;
    history[0].sent_by.clone()
}

#[tokio::test]
async fn a_person_skipped_before_being_started_is_skipped_on_the_server_and_undone_there() {
    let t = team(3).await;
    let (ana, ben) = (&t.ana, &t.ben);
    sync_until_quiet(&ana.store, &ana.client).await;
    let (first, state, claim) = item_of(ana, &t.links[0]).await;
    assert_eq!(
        (state.as_str(), claim),
        ("queued", None),
        "nobody started yet"
    );

    // Triage while pacing waits: skip the next person without starting them.
    team::mark(&ana.store, &ana.client, first, Outcome::Skipped, "Ana K")
        .await
        .unwrap();
    assert_eq!(item_of(ana, &t.links[0]).await.1, "skipped");
    let to_ben = next_started(ben, "ben", NextAsk::default()).await;
    assert!(
        to_ben.link_url.ends_with(&t.links[1]),
        "the server has the skip: ben is never handed the skipped person"
    );
    team::mark(
        &ben.store,
        &ben.client,
        to_ben.outreach_id,
        Outcome::Sent,
        "ben",
    )
    .await
    .unwrap();

    // The skip was recorded under a claim, so undo takes it back on the server too.
    let undone = team::undo_last(&ana.store, &ana.client, "Ana K")
        .await
        .unwrap();
    assert_eq!(undone, first);
    let again = next_started(ben, "ben", NextAsk::default()).await;
    assert!(
        again.link_url.ends_with(&t.links[0]),
        "undone on the server: the person is back in the pool"
    );

    // A colleague's person being claimed cannot be triaged here: nothing is recorded.
    sync_until_quiet(&ana.store, &ana.client).await;
    let (held_by_ben, _, _) = item_of(ana, &t.links[0]).await;
    let refused = team::mark(
        &ana.store,
        &ana.client,
        held_by_ben,
        Outcome::Skipped,
        "Ana K",
    )
    .await;
    assert!(refused.is_err(), "ben holds her: {refused:?}");
    assert_ne!(item_of(ana, &t.links[0]).await.1, "skipped");
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn history_names_a_colleague_as_the_sender_and_my_own_send_by_my_name() {
    let t = team(2).await;
    let (ana, ben) = (&t.ana, &t.ben);
    let mine = next_started(ana, "Ana K", NextAsk::default()).await;
    team::mark(
        &ana.store,
        &ana.client,
        mine.outreach_id,
        Outcome::Sent,
        "Ana K",
    )
    .await
    .unwrap();
    let theirs = next_started(ben, "ben", NextAsk::default()).await;
    team::mark(
        &ben.store,
        &ben.client,
        theirs.outreach_id,
        Outcome::Sent,
        "ben",
    )
    .await
    .unwrap();
    // The feed echoes both sends back, each named by its token ("ana", "ben").
    sync_until_quiet(&ana.store, &ana.client).await;
    assert_eq!(
        history_sender(ana, &t.links[0]).await.as_deref(),
        Some("Ana K"),
        "my own send keeps the name I recorded it under"
    );
    assert_eq!(
        history_sender(ana, &t.links[1]).await.as_deref(),
        Some("ben"),
        "a colleague's send is theirs"
    );
    // The Contacts screen's person panel names the colleague, never me.
    let colleague = |token: String| async move {
        let (_, item) = contact_of(ana, item_of(ana, &token).await.0).await;
        (item.sent_by_colleague, item.sent_at.is_some())
    };
    assert_eq!(colleague(t.links[0].clone()).await, (None, true));
    assert_eq!(
        colleague(t.links[1].clone()).await,
        (Some("ben".to_owned()), true)
    );
    t.server.stop().await.unwrap();
}

/// The slugs `GET /api/v1/campaigns` lists.
async fn campaigns_on_server(t: &Team) -> Vec<String> {
    let list: clipdesk_protocol::api::CampaignList =
        as_lead(t, reqwest::Method::GET, "/api/v1/campaigns")
            .await
            .json()
            .await
            .unwrap();
    list.campaigns.into_iter().map(|c| c.slug).collect()
}

#[tokio::test]
async fn a_campaign_an_admin_deletes_leaves_the_lists_keeps_its_history_and_never_comes_back() {
    let t = team(2).await;
    let ana = &t.ana;
    let sent = next_started(ana, "Ana K", NextAsk::default()).await;
    team::mark(
        &ana.store,
        &ana.client,
        sent.outreach_id,
        Outcome::Sent,
        "Ana K",
    )
    .await
    .unwrap();
    sync_until_quiet(&ana.store, &ana.client).await;
    assert_eq!(outreach(&ana.store).await.len(), 2);

    let deleted = as_lead(&t, reqwest::Method::DELETE, "/api/v1/campaigns/spring").await;
    assert_eq!(deleted.status(), 200);
    sync_until_quiet(&ana.store, &ana.client).await;

    let listed = ana.store.call(|conn| campaigns::list(conn)).await.unwrap();
    assert!(
        listed.iter().all(|c| c.slug != "spring"),
        "deleted on the server, gone from ana's lists: {listed:?}"
    );
    let kept = outreach(&ana.store).await;
    assert_eq!(kept.len(), 2, "history stays: {kept:?}");
    assert!(kept.iter().any(|(_, state, _)| state == "sent"), "{kept:?}");
    let (history, _) = contact_of(ana, sent.outreach_id).await;
    assert_eq!(
        history[0].campaign_name, "Spring",
        "the contact still shows it"
    );

    // As the app does at every start: every campaign is to be sent again. The deleted one
    // must not be, or it would be back on the server.
    ana.store
        .call(|conn| campaigns::forget_pushed(conn))
        .await
        .unwrap();
    let pushed = sync::push_campaigns(&ana.store, &ana.client).await.unwrap();
    assert_eq!(pushed, 0, "nothing of a deleted campaign is pushed");
    sync::register_links(&ana.store, &ana.client).await.unwrap();
    clipdesk_core::upgrade::push_history(&ana.store, &ana.client)
        .await
        .unwrap();
    sync_until_quiet(&ana.store, &ana.client).await;
    assert!(
        campaigns_on_server(&t).await.is_empty(),
        "no sync round brings it back"
    );
    let after = ana.store.call(|conn| campaigns::list(conn)).await.unwrap();
    assert!(after.iter().all(|c| c.slug != "spring"), "{after:?}");
    t.server.stop().await.unwrap();
}

/// A server away for a while has the sync loop backing off (16 s after the fifth failure). The
/// operator's next action nudges it: it tries again at once, not when the back-off ends, so a
/// campaign saved just then reaches colleagues without a minute's wait.
#[tokio::test]
async fn a_nudge_cuts_the_sync_back_off_short_once_the_server_is_back() {
    let data = tempfile::tempdir().unwrap();
    let secret = token(data.path(), "ana");
    // An address nobody listens on until the server comes back.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::start(&dir.path().join("clipdesk.sqlite3")).unwrap();
    let client = ServerClient::new(&format!("http://{addr}"), &secret).unwrap();
    let (status_tx, mut status) = tokio::sync::watch::channel(sync::SyncStatus::default());
    let nudge = std::sync::Arc::new(tokio::sync::Notify::new());
    let task = sync::spawn(store, client, status_tx, nudge.clone(), |_| {});
    // Failures back off 1, 2, 4, 8 and then 16 s.
    let mut failures = 0;
    while failures < 5 {
        tokio::time::timeout(Duration::from_secs(30), status.changed())
            .await
            .expect("the loop reports each failed round")
            .unwrap();
        if status.borrow_and_update().state == sync::SyncState::Offline {
            failures += 1;
        }
    }
    let server = serve(data.path(), &addr.to_string()).await;
    nudge.notify_one();
    tokio::time::timeout(
        Duration::from_secs(8),
        status.wait_for(|s| s.state == sync::SyncState::Connected),
    )
    .await
    .expect("connected at the nudge, not after the 16 s back-off")
    .unwrap();
    task.abort();
    server.stop().await.unwrap();
}
