//! Team mode's desktop side against a real clipdesk-server: two desktops (two stores, two
//! operator tokens) claiming from one campaign, outcomes reaching a colleague's desktop
//! through the feed, and outcomes marked while the server is down.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use clipdesk_core::campaigns::{self, CampaignInput};
use clipdesk_core::client::{CampaignSaved, ServerClient};
use clipdesk_core::pacing::Pacing;
use clipdesk_core::queue::Outcome;
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync;
use clipdesk_core::team::{self, TeamStep};
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
            (1000, 7, 600),
            "B's sync pushed its campaign's pacing and kept the hold and lease the editor lacks"
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
