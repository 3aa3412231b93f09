//! Team mode: operators claim recipients, record outcomes, give people back; pacing and the
//! cross-campaign hold keep DMs apart.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::{CreatedLinks, Event, EventKind, EventsPage};
use clipdesk_protocol::team::{Claim, ClaimCreated, ClaimView, HeldList};
use clipdesk_server::auth::Role;
use clipdesk_server::db::Db;
use clipdesk_server::{Config, tokens};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_refused, numbered_recipients, operator_token, spawn_app};

/// One operator's desktop: its own token against the app's server.
#[derive(Clone)]
struct Desk {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Desk {
    fn new(app: &TestApp, name: &str) -> Desk {
        Desk {
            client: app.client.clone(),
            base: app.server.url(),
            token: operator_token(app.data.path(), name),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    async fn claim_with(&self, slug: &str, body: Value) -> reqwest::Response {
        self.send(
            reqwest::Method::POST,
            &format!("/api/v1/campaigns/{slug}/claims"),
            Some(body),
        )
        .await
    }

    /// Claims the next person of `slug`, which must be there.
    async fn next(&self, slug: &str) -> Claim {
        let response = self.claim_with(slug, json!({})).await;
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        response.json::<ClaimCreated>().await.unwrap().claim
    }

    async fn outcome(&self, id: &str, body: Value) -> reqwest::Response {
        self.send(
            reqwest::Method::PUT,
            &format!("/api/v1/claims/{id}/outcome"),
            Some(body),
        )
        .await
    }

    /// Records `sent` for claim `id`, which must be taken.
    async fn sent(&self, id: &str) -> ClaimView {
        let response = self.outcome(id, json!({"outcome": "sent"})).await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        response.json().await.unwrap()
    }

    async fn undo(&self, id: &str) -> reqwest::Response {
        self.send(
            reqwest::Method::DELETE,
            &format!("/api/v1/claims/{id}/outcome"),
            None,
        )
        .await
    }

    async fn give_back(&self, id: &str) -> reqwest::Response {
        self.send(
            reqwest::Method::DELETE,
            &format!("/api/v1/claims/{id}"),
            None,
        )
        .await
    }

    async fn held(&self, slug: &str) -> HeldList {
        let response = self
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/campaigns/{slug}/held"),
                None,
            )
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Claims in `slug` until someone is handed out (a lease running out, a later coming
    /// due), for at most `limit`.
    async fn await_claim(&self, slug: &str, limit: Duration) -> Claim {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let response = self.claim_with(slug, json!({})).await;
            if response.status() == 201 {
                return response.json::<ClaimCreated>().await.unwrap().claim;
            }
            assert_eq!(response.status(), 204, "nobody to claim yet");
            assert!(tokio::time::Instant::now() < deadline, "nobody came back");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Campaign `slug` with team `settings` (daily_cap, spacing_s, hold_days, lease_s) and one
/// recipient per handle, in that order.
async fn team_campaign(app: &TestApp, slug: &str, settings: Value, handles: &[&str]) {
    let mut body = json!({"title": "Launch", "prompt": "Show us", "max_duration_s": 60});
    for (key, value) in settings.as_object().unwrap() {
        body[key] = value.clone();
    }
    app.save_campaign(slug, body).await;
    if !handles.is_empty() {
        let recipients: Value = handles.iter().map(|h| json!({"handle": h})).collect();
        let response = app.post_links(slug, recipients).await;
        assert_eq!(response.status(), 200);
    }
}

async fn link_tokens(app: &TestApp, slug: &str, handles: &[&str]) -> HashMap<String, String> {
    let recipients: Value = handles.iter().map(|h| json!({"handle": h})).collect();
    let links: CreatedLinks = app.post_links(slug, recipients).await.json().await.unwrap();
    links
        .links
        .into_iter()
        .map(|l| (l.handle, l.token))
        .collect()
}

/// Every event of the feed, page after page.
async fn all_events(app: &TestApp) -> Vec<Event> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page: EventsPage = app.feed(&format!("after={after}&limit=1000")).await;
        after = page.events.last().map_or(after, |e| e.seq);
        let more = page.more;
        events.extend(page.events);
        if !more {
            return events;
        }
    }
}

async fn events_of(app: &TestApp, kind: EventKind) -> Vec<Event> {
    all_events(app)
        .await
        .into_iter()
        .filter(|e| e.kind == kind)
        .collect()
}

fn database(app: &TestApp) -> Db {
    Db::open(&Config::new(app.data.path()).database_path()).unwrap()
}

fn count(app: &TestApp, sql: &str) -> i64 {
    database(app)
        .lock()
        .unwrap()
        .query_row(sql, [], |row| row.get(0))
        .unwrap()
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .expect("Retry-After is set")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn in_seconds(s: i64) -> String {
    clipdesk_protocol::clock::to_rfc3339(clipdesk_protocol::clock::now_ms() + s * 1000)
}

#[tokio::test]
async fn two_operators_racing_over_1000_recipients_send_each_exactly_once() {
    let app = spawn_app().await;
    app.save_campaign(
        "launch",
        json!({"title": "Launch", "prompt": "Show us", "max_duration_s": 60, "daily_cap": 10000}),
    )
    .await;
    assert_eq!(
        app.post_links("launch", numbered_recipients(1000))
            .await
            .status(),
        200
    );
    let desks = [Desk::new(&app, "ana"), Desk::new(&app, "ben")];
    let mut lanes = Vec::new();
    for desk in &desks {
        for _ in 0..4 {
            let desk = desk.clone();
            lanes.push(tokio::spawn(async move {
                // (claim id, link token) of every claim this lane recorded as sent.
                let mut sent = Vec::new();
                loop {
                    let response = desk.claim_with("launch", json!({})).await;
                    if response.status() == 204 {
                        return (desk.token.clone(), sent);
                    }
                    assert_eq!(response.status(), 201);
                    let claim = response.json::<ClaimCreated>().await.unwrap().claim;
                    desk.sent(&claim.id).await;
                    sent.push((claim.id, claim.token));
                }
            }));
        }
    }
    // Lanes of one operator may be handed the same open claim (asking again returns it):
    // what must never happen is two claims, or two operators, for one person.
    let mut person_of_claim: HashMap<String, String> = HashMap::new();
    let mut per_operator: HashMap<String, HashSet<String>> = HashMap::new();
    for lane in lanes {
        let (token, sent) = lane.await.unwrap();
        for (claim, person) in sent {
            person_of_claim.insert(claim, person.clone());
            per_operator
                .entry(token.clone())
                .or_default()
                .insert(person);
        }
    }
    let people: HashSet<&String> = person_of_claim.values().collect();
    assert_eq!(person_of_claim.len(), 1000, "one claim per person");
    assert_eq!(people.len(), 1000, "everyone was sent to");
    let by_ana = &per_operator[&desks[0].token];
    let by_ben = &per_operator[&desks[1].token];
    assert_eq!(by_ana.len() + by_ben.len(), 1000);
    assert!(by_ana.is_disjoint(by_ben), "nobody DMed by both");
    assert!(!by_ana.is_empty() && !by_ben.is_empty(), "both took part");
    assert_eq!(events_of(&app, EventKind::OutcomeSet).await.len(), 1000);
    assert_eq!(count(&app, "SELECT count(*) FROM sends"), 1000);
    assert_eq!(count(&app, "SELECT count(DISTINCT link) FROM sends"), 1000);
}

#[tokio::test]
async fn a_lease_left_to_expire_returns_the_person_and_a_late_outcome_gets_409_when_someone_else_has_them()
 {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({}), &["maya"]).await;
    let (ana, ben) = (Desk::new(&app, "ana"), Desk::new(&app, "ben"));
    let response = ana.claim_with("launch", json!({"lease_s": 5})).await;
    assert_eq!(response.status(), 201);
    let first = response.json::<ClaimCreated>().await.unwrap().claim;
    assert_eq!(ben.claim_with("launch", json!({})).await.status(), 204);

    let second = ben.await_claim("launch", Duration::from_secs(15)).await;
    assert_eq!(second.handle, "maya");
    assert_eq!(second.operator, "ben");
    assert_refused(
        ana.outcome(&first.id, json!({"outcome": "sent"})).await,
        409,
        ErrorCode::Conflict,
        "\"ben\"",
    )
    .await;
    let released = events_of(&app, EventKind::ClaimReleased).await;
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].detail["reason"], "expired");
    assert_eq!(released[0].detail["operator"], "ana");
    assert_eq!(released[0].detail["claim"], first.id.as_str());
    assert_eq!(ben.sent(&second.id).await.state, "sent");
}

#[tokio::test]
async fn a_lease_left_to_expire_with_nobody_claiming_since_still_takes_the_outcome() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({}), &["maya"]).await;
    let ana = Desk::new(&app, "ana");
    let response = ana.claim_with("launch", json!({"lease_s": 5})).await;
    let claim = response.json::<ClaimCreated>().await.unwrap().claim;
    let expires = clipdesk_protocol::clock::parse_rfc3339(&claim.lease_expires_at).unwrap();
    let left = expires - clipdesk_protocol::clock::now_ms() + 200;
    tokio::time::sleep(Duration::from_millis(u64::try_from(left).unwrap_or(0))).await;

    let view = ana.sent(&claim.id).await;
    assert_eq!(view.state, "sent");
    assert_eq!(count(&app, "SELECT count(*) FROM sends"), 1);
    assert_eq!(
        ana.claim_with("launch", json!({})).await.status(),
        204,
        "maya is done"
    );
}

#[tokio::test]
async fn giving_back_returns_the_person_at_once() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({}), &["maya"]).await;
    let (ana, ben) = (Desk::new(&app, "ana"), Desk::new(&app, "ben"));
    let claim = ana.next("launch").await;
    assert_eq!(ben.claim_with("launch", json!({})).await.status(), 204);

    assert_refused(
        ben.give_back(&claim.id).await,
        403,
        ErrorCode::Unauthorized,
        "\"ana\"",
    )
    .await;
    assert_eq!(ana.give_back(&claim.id).await.status(), 204);
    assert_eq!(ana.give_back(&claim.id).await.status(), 204, "idempotent");
    assert_eq!(ana.give_back("no-such-claim").await.status(), 404);
    let again = ben.next("launch").await;
    assert_eq!(again.handle, "maya");

    let released = events_of(&app, EventKind::ClaimReleased).await;
    assert_eq!(released.len(), 1, "given back once");
    assert_eq!(released[0].detail["reason"], "given_back");
}

#[tokio::test]
async fn people_come_in_the_order_they_were_imported_with_the_link_their_message_carries() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({}), &[]).await;
    // One batch: every link shares the same millisecond, so only insertion order can tell.
    let handles: Vec<String> = (0..40).map(|i| format!("zz{:02}", 40 - i)).collect();
    let names: Vec<&str> = handles.iter().map(String::as_str).collect();
    let issued = link_tokens(&app, "launch", &names).await;
    let ana = Desk::new(&app, "ana");
    for handle in &handles {
        let claim = ana.next("launch").await;
        assert_eq!(&claim.handle, handle, "import order");
        assert_eq!(
            claim.url,
            format!("{}/r/{}", app.server.url(), issued[handle])
        );
        ana.sent(&claim.id).await;
    }
}

#[tokio::test]
async fn asking_again_returns_the_claim_already_held() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({}), &["maya", "leo"]).await;
    let (ana, ben) = (Desk::new(&app, "ana"), Desk::new(&app, "ben"));
    let first = ana.next("launch").await;
    let again = ana.next("launch").await;
    assert_eq!(again.id, first.id);
    assert_eq!(again.handle, first.handle);
    assert_ne!(ben.next("launch").await.handle, first.handle);
    assert_eq!(events_of(&app, EventKind::ClaimCreated).await.len(), 2);

    assert_refused(
        ana.claim_with("launch", json!({"lease_s": 4})).await,
        422,
        ErrorCode::Invalid,
        "lease_s",
    )
    .await;
    assert_refused(
        ana.claim_with("nowhere", json!({})).await,
        404,
        ErrorCode::NotFound,
        "nowhere",
    )
    .await;
}

#[tokio::test]
async fn a_reached_daily_cap_answers_429_naming_the_cap_until_the_operator_sends_anyway() {
    let app = spawn_app().await;
    team_campaign(
        &app,
        "launch",
        json!({"daily_cap": 2}),
        &["a1", "a2", "a3", "a4"],
    )
    .await;
    let ana = Desk::new(&app, "ana");
    let mut left: HashSet<String> = ["a1", "a2", "a3", "a4"].map(String::from).into();
    for _ in 0..2 {
        let claim = ana.next("launch").await;
        ana.sent(&claim.id).await;
        left.remove(&claim.handle);
    }
    let refused = ana.claim_with("launch", json!({})).await;
    assert_eq!(refused.status(), 429);
    let wait = retry_after(&refused);
    assert!(wait > 86_000 && wait <= 86_400, "{wait}");
    assert_refused(refused, 429, ErrorCode::RateLimited, "daily_cap").await;

    let anyway = ana
        .claim_with("launch", json!({"override_pacing": true}))
        .await;
    assert_eq!(anyway.status(), 201);
    let anyway = anyway.json::<ClaimCreated>().await.unwrap().claim;
    left.remove(&anyway.handle);
    let ben = Desk::new(&app, "ben");
    assert_eq!(
        HashSet::from([ben.next("launch").await.handle]),
        left,
        "the cap is per operator"
    );
}

#[tokio::test]
async fn spacing_answers_429_with_a_retry_after_within_the_spacing() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({"spacing_s": 60}), &["a1", "a2"]).await;
    let ana = Desk::new(&app, "ana");
    let claim = ana.next("launch").await;
    ana.sent(&claim.id).await;
    let refused = ana.claim_with("launch", json!({})).await;
    assert_eq!(refused.status(), 429);
    let wait = retry_after(&refused);
    assert!((1..=60).contains(&wait), "{wait}");
    assert_refused(refused, 429, ErrorCode::RateLimited, "spacing_s").await;
    assert_eq!(
        ana.claim_with("launch", json!({"override_pacing": true}))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn the_daily_cap_counts_sends_across_campaigns() {
    let app = spawn_app().await;
    team_campaign(&app, "spring", json!({}), &["maya"]).await;
    team_campaign(&app, "summer", json!({"daily_cap": 1}), &["leo"]).await;
    let ana = Desk::new(&app, "ana");
    let claim = ana.next("spring").await;
    ana.sent(&claim.id).await;
    assert_refused(
        ana.claim_with("summer", json!({})).await,
        429,
        ErrorCode::RateLimited,
        "daily_cap",
    )
    .await;
    assert_eq!(Desk::new(&app, "ben").next("summer").await.handle, "leo");
}

#[tokio::test]
async fn someone_sent_to_in_one_campaign_is_held_in_another_until_an_operator_overrides() {
    let app = spawn_app().await;
    team_campaign(&app, "spring", json!({}), &[]).await;
    let spring = link_tokens(&app, "spring", &["maya"]).await;
    team_campaign(&app, "summer", json!({}), &[]).await;
    let summer = link_tokens(&app, "summer", &["maya", "leo"]).await;
    team_campaign(&app, "autumn", json!({"hold_days": 0}), &["maya"]).await;
    let (ana, ben) = (Desk::new(&app, "ana"), Desk::new(&app, "ben"));
    let claim = ana.next("spring").await;
    assert_eq!(claim.token, spring["maya"]);
    let sent = ana.sent(&claim.id).await;
    assert!(sent.claim.held.is_none());

    let next = ben.next("summer").await;
    assert_eq!(next.handle, "leo", "maya is skipped");
    ben.sent(&next.id).await;
    assert_eq!(ben.claim_with("summer", json!({})).await.status(), 204);

    let held = ben.held("summer").await.held;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].token, summer["maya"]);
    assert_eq!(held[0].hold.campaign, "spring");
    assert_eq!(held[0].hold.operator, "ana");
    let sent_at = clipdesk_protocol::clock::parse_rfc3339(&held[0].hold.sent_at).unwrap();
    let until = clipdesk_protocol::clock::parse_rfc3339(&held[0].hold.until).unwrap();
    assert_eq!(until - sent_at, 30 * 86_400_000, "the campaign's hold_days");

    assert_refused(
        ben.claim_with("summer", json!({"link": summer["maya"]}))
            .await,
        409,
        ErrorCode::Conflict,
        "held",
    )
    .await;
    let response = ben
        .claim_with(
            "summer",
            json!({"link": summer["maya"], "override_hold": true}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let overridden = response.json::<ClaimCreated>().await.unwrap().claim;
    assert_eq!(overridden.handle, "maya");
    assert_eq!(overridden.held.unwrap().campaign, "spring");
    assert!(
        ben.held("summer").await.held.is_empty(),
        "claimed anyway: no longer held back"
    );

    assert!(ben.held("autumn").await.held.is_empty(), "hold_days 0");
    assert_eq!(ben.next("autumn").await.handle, "maya");
}

#[tokio::test]
async fn later_needs_a_time_to_come_and_brings_the_person_back_then() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({}), &["maya"]).await;
    let ana = Desk::new(&app, "ana");
    let claim = ana.next("launch").await;
    for body in [
        json!({"outcome": "later"}),
        json!({"outcome": "later", "until": in_seconds(-60)}),
        json!({"outcome": "later", "until": "tomorrow"}),
        json!({"outcome": "skipped", "until": in_seconds(60)}),
    ] {
        assert_refused(
            ana.outcome(&claim.id, body).await,
            422,
            ErrorCode::Invalid,
            "until",
        )
        .await;
    }
    assert_refused(
        ana.outcome(
            &claim.id,
            json!({"outcome": "cant_dm", "reason": "x".repeat(201)}),
        )
        .await,
        422,
        ErrorCode::Invalid,
        "reason",
    )
    .await;

    let response = ana
        .outcome(
            &claim.id,
            json!({"outcome": "later", "until": in_seconds(2)}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<ClaimView>().await.unwrap().state, "later");
    assert_eq!(ana.claim_with("launch", json!({})).await.status(), 204);
    let back = ana.await_claim("launch", Duration::from_secs(10)).await;
    assert_eq!(back.handle, "maya");
    assert_ne!(back.id, claim.id);
}

#[tokio::test]
async fn undo_puts_the_person_back_and_the_send_no_longer_counts() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({"daily_cap": 1}), &["maya"]).await;
    let (ana, ben) = (Desk::new(&app, "ana"), Desk::new(&app, "ben"));
    let claim = ana.next("launch").await;
    ana.sent(&claim.id).await;
    assert_eq!(ana.claim_with("launch", json!({})).await.status(), 429);

    assert_refused(
        ben.undo(&claim.id).await,
        403,
        ErrorCode::Unauthorized,
        "\"ana\"",
    )
    .await;
    let undone = ana.undo(&claim.id).await;
    assert_eq!(undone.status(), 200);
    assert_eq!(undone.json::<ClaimView>().await.unwrap().state, "undone");
    let twice = ana.undo(&claim.id).await;
    assert_eq!(twice.status(), 200, "idempotent");
    assert_eq!(count(&app, "SELECT count(*) FROM sends"), 0);

    let again = ana.next("launch").await;
    assert_eq!(
        again.handle, "maya",
        "back in the pool, and pacing lets ana send"
    );
    assert_refused(
        ana.undo(&again.id).await,
        409,
        ErrorCode::Conflict,
        "no outcome",
    )
    .await;
}

#[tokio::test]
async fn the_same_outcome_twice_changes_nothing_and_a_different_one_is_refused() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({}), &["maya"]).await;
    let ana = Desk::new(&app, "ana");
    let claim = ana.next("launch").await;
    let first = ana.sent(&claim.id).await;
    let replay = ana.sent(&claim.id).await;
    assert_eq!(replay, first);
    assert_eq!(events_of(&app, EventKind::OutcomeSet).await.len(), 1);
    assert_eq!(count(&app, "SELECT count(*) FROM sends"), 1);
    assert_refused(
        ana.outcome(&claim.id, json!({"outcome": "skipped"})).await,
        409,
        ErrorCode::Conflict,
        "undo",
    )
    .await;
}

#[tokio::test]
async fn every_claim_change_appends_its_event_naming_the_operator() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({}), &["maya", "leo"]).await;
    let ana = Desk::new(&app, "ana");
    let given = ana.next("launch").await;
    assert_eq!(ana.give_back(&given.id).await.status(), 204);
    let claim = ana.next("launch").await;
    assert_eq!(
        claim.handle, given.handle,
        "the first in import order again"
    );
    let at = in_seconds(-600);
    let response = ana
        .outcome(&claim.id, json!({"outcome": "sent", "at": at}))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(ana.undo(&claim.id).await.status(), 200);

    let events: Vec<Event> = all_events(&app)
        .await
        .into_iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::ClaimCreated
                    | EventKind::ClaimReleased
                    | EventKind::OutcomeSet
                    | EventKind::OutcomeUndone
            )
        })
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "claim_created",
            "claim_released",
            "claim_created",
            "outcome_set",
            "outcome_undone"
        ]
    );
    for event in &events {
        assert_eq!(event.detail["operator"], "ana", "{event:?}");
        assert_eq!(event.campaign.as_deref(), Some("launch"));
        assert_eq!(event.handle.as_deref(), Some(given.handle.as_str()));
    }
    assert_eq!(events[0].detail["claim"], given.id.as_str());
    assert_eq!(
        events[0].detail["lease_expires_at"],
        given.lease_expires_at.as_str()
    );
    assert_eq!(events[1].detail["reason"], "given_back");
    assert_eq!(events[3].detail["outcome"], "sent");
    assert_eq!(events[3].detail["at"], at.as_str(), "the outbox's time");
    assert_eq!(events[4].detail["outcome"], "sent");
    assert_eq!(events[4].link.as_deref(), Some(claim.token.as_str()));
}

#[tokio::test]
async fn a_reviewer_only_token_cannot_claim() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({}), &["maya"]).await;
    let token = {
        let db = database(&app);
        let conn = db.lock().unwrap();
        tokens::create_with_roles(&conn, "rita", &[Role::Reviewer])
            .unwrap()
            .as_str()
            .to_owned()
    };
    let rita = Desk {
        token,
        ..Desk::new(&app, "unused")
    };
    assert_refused(
        rita.claim_with("launch", json!({})).await,
        403,
        ErrorCode::Unauthorized,
        "needs the operator role",
    )
    .await;
    let held = rita
        .send(reqwest::Method::GET, "/api/v1/campaigns/launch/held", None)
        .await;
    assert_eq!(held.status(), 403);
}

#[tokio::test]
async fn forgetting_a_person_scrubs_them_from_sends_but_the_send_still_counts_for_pacing() {
    let app = spawn_app().await;
    team_campaign(&app, "launch", json!({"daily_cap": 1}), &["maya", "leo"]).await;
    let ana = Desk::new(&app, "ana");
    let claim = ana.next("launch").await;
    ana.sent(&claim.id).await;
    assert_eq!(
        app.delete_link(&format!("{}?forget=true", claim.token))
            .await
            .status(),
        204
    );
    assert_eq!(count(&app, "SELECT count(*) FROM sends"), 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM sends WHERE handle IS NULL AND link IS NULL"
        ),
        1
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM claims"),
        0,
        "claims cascade"
    );
    assert_refused(
        ana.claim_with("launch", json!({})).await,
        429,
        ErrorCode::RateLimited,
        "daily_cap",
    )
    .await;
}
