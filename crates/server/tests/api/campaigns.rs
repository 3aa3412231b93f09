//! Shared campaigns: versions and compare-and-set, `campaign_updated` in the feed, the team
//! fields' bounds, listing; recipients' tags; and deleting a campaign (admin).

use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::{Campaign, CampaignConflict, CreatedLinks, EventKind};
use clipdesk_protocol::team::{ClaimCreated, HeldList};
use clipdesk_server::auth::Role;
use clipdesk_server::db::Db;
use clipdesk_server::{Config, tokens};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_refused, cli, spawn_app};

/// A token named `name` carrying `roles`, made as `token create --role` makes it.
pub fn token_with_roles(app: &TestApp, name: &str, roles: &[Role]) -> String {
    let db = Db::open(&Config::new(app.data.path()).database_path()).unwrap();
    let conn = db.lock().unwrap();
    tokens::create_with_roles(&conn, name, roles)
        .unwrap()
        .as_str()
        .to_owned()
}

/// PUTs campaign `slug` with `body` as the holder of `token`.
async fn put_as(app: &TestApp, token: &str, slug: &str, body: Value) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/campaigns/{slug}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Saves campaign `slug` (which must be taken) as the tester; the campaign as saved.
async fn saved(app: &TestApp, slug: &str, body: Value) -> Campaign {
    serde_json::from_value(app.save_campaign(slug, body).await).unwrap()
}

/// The `campaign_updated` events' details, oldest first.
async fn campaign_updates(app: &TestApp) -> Vec<Campaign> {
    app.events(0)
        .await
        .events
        .into_iter()
        .filter(|e| e.kind == EventKind::CampaignUpdated)
        .map(|e| {
            assert_eq!(
                e.campaign.as_deref(),
                Some(e.detail["slug"].as_str().unwrap())
            );
            serde_json::from_value(e.detail).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn a_new_campaign_starts_at_version_1_and_each_edit_from_the_current_version_bumps_it() {
    let app = spawn_app().await;
    let created = app
        .put_campaign(
            "spring",
            json!({"title": "Spring", "version": 0, "daily_cap": 40, "spacing_s": 90,
                   "hold_days": 14, "lease_s": 600, "desktop": {"variants": ["a", "b"]}}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let v1: Campaign = created.json().await.unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(v1.updated_by.as_deref(), Some("tester"));
    assert_eq!(
        (v1.daily_cap, v1.spacing_s, v1.hold_days, v1.lease_s),
        (40, 90, 14, 600)
    );
    assert_eq!(v1.desktop, Some(json!({"variants": ["a", "b"]})));

    let edited = app
        .put_campaign("spring", json!({"title": "Spring v2", "version": 1}))
        .await;
    assert_eq!(edited.status(), 200);
    let v2: Campaign = edited.json().await.unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.title, "Spring v2");
    assert_eq!(v2.desktop, None, "an edit replaces the whole definition");

    // Every desktop learns of both from the feed, the whole campaign each time.
    assert_eq!(campaign_updates(&app).await, vec![v1, v2]);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_edit_made_from_an_old_version_is_refused_with_who_edited_since_and_the_campaign_as_it_stands()
 {
    let app = spawn_app().await;
    let bea = token_with_roles(&app, "bea", &[Role::Operator]);
    saved(&app, "spring", json!({"title": "Spring", "version": 0})).await;
    let beas = put_as(
        &app,
        &bea,
        "spring",
        json!({"title": "Bea's", "version": 1}),
    )
    .await;
    assert_eq!(beas.status(), 200);

    // The tester edited version 1 too, without having seen Bea's edit.
    let stale = app
        .put_campaign("spring", json!({"title": "Mine", "version": 1}))
        .await;
    assert_eq!(stale.status(), 409);
    let conflict: CampaignConflict = stale.json().await.unwrap();
    assert_eq!(conflict.error.code, ErrorCode::Conflict);
    let message = &conflict.error.message;
    assert!(message.contains("\"bea\""), "{message}");
    assert!(message.contains("version 2"), "{message}");
    assert_eq!(conflict.current.version, 2);
    assert_eq!(conflict.current.title, "Bea's");
    assert_eq!(conflict.current.updated_by.as_deref(), Some("bea"));

    let stored: Campaign = app.get_json("/api/v1/campaigns/spring").await;
    assert_eq!(stored, conflict.current, "the stale edit changed nothing");
    assert_eq!(campaign_updates(&app).await.len(), 2);

    // Made again from version 2, it goes through.
    let redone = app
        .put_campaign("spring", json!({"title": "Mine", "version": 2}))
        .await;
    assert_eq!(redone.status(), 200);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn creating_a_campaign_that_exists_is_a_conflict_and_editing_an_unknown_one_is_not_found() {
    let app = spawn_app().await;
    saved(&app, "spring", json!({"title": "Spring"})).await;
    let again = app
        .put_campaign("spring", json!({"title": "Another spring", "version": 0}))
        .await;
    assert_eq!(again.status(), 409);
    let conflict: CampaignConflict = again.json().await.unwrap();
    assert!(
        conflict.error.message.contains("already exists"),
        "{}",
        conflict.error.message
    );
    assert_eq!(conflict.current.title, "Spring");

    let unknown = app
        .put_campaign("autumn", json!({"title": "Autumn", "version": 3}))
        .await;
    assert_refused(unknown, 404, ErrorCode::NotFound, "\"autumn\"").await;
    let missing = app.get("/api/v1/campaigns/autumn").send().await.unwrap();
    assert_refused(missing, 404, ErrorCode::NotFound, "\"autumn\"").await;
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_retried_push_of_the_same_definition_keeps_the_version_and_appends_nothing() {
    let app = spawn_app().await;
    let body = json!({"title": "Spring", "prompt": "Show us ", "version": 0,
                      "strings": {"record": "Go"}, "desktop": {"parts": [1, 2]},
                      "expires_at": "2030-01-01T00:00:00Z", "organisation": " Bakery "});
    let first: Campaign = saved(&app, "spring", body.clone()).await;
    let events = app.events(0).await.events.len();

    // The answer was lost: the desktop sends the very same edit again (even its version 0).
    let retried = app.put_campaign("spring", body).await;
    assert_eq!(retried.status(), 200);
    let second: Campaign = retried.json().await.unwrap();
    assert_eq!(second, first, "same version, same updated_at");
    // Without a version (another tool) the same definition is no change either.
    let unversioned: Campaign = saved(
        &app,
        "spring",
        json!({"title": "Spring", "prompt": "Show us", "strings": {"record": "Go"},
                   "desktop": {"parts": [1, 2]}, "expires_at": "2030-01-01T00:00:00Z",
                   "organisation": "Bakery"}),
    )
    .await;
    assert_eq!(unversioned.version, 1);
    assert_eq!(app.events(0).await.events.len(), events, "no new event");

    // A real change without a version replaces what is there, as before versions.
    let replaced: Campaign = saved(&app, "spring", json!({"title": "Spring"})).await;
    assert_eq!(replaced.version, 2);
    assert_eq!(campaign_updates(&app).await.len(), 2);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn team_fields_out_of_their_bounds_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let big = "x".repeat(64 * 1024);
    for (body, field) in [
        (json!({"title": "x", "daily_cap": 0}), "daily_cap"),
        (json!({"title": "x", "daily_cap": 10_001}), "daily_cap"),
        (json!({"title": "x", "spacing_s": 86_401}), "spacing_s"),
        (json!({"title": "x", "hold_days": 366}), "hold_days"),
        (json!({"title": "x", "lease_s": 4}), "lease_s"),
        (json!({"title": "x", "lease_s": 86_401}), "lease_s"),
        (
            json!({"title": "x", "desktop": ["not", "an", "object"]}),
            "desktop",
        ),
        (json!({"title": "x", "desktop": {"big": big}}), "desktop"),
        (json!({"title": "x", "version": -1}), "version"),
    ] {
        let response = app.put_campaign("spring", body.clone()).await;
        assert_refused(response, 422, ErrorCode::Invalid, field).await;
    }
    // The edges are taken.
    let edges: Campaign = saved(
        &app,
        "spring",
        json!({"title": "x", "daily_cap": 10_000, "spacing_s": 86_400, "hold_days": 0,
                   "lease_s": 5, "desktop": {}}),
    )
    .await;
    assert_eq!(edges.daily_cap, 10_000);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_desktop_connecting_later_lists_the_campaigns_made_before_it_even_with_a_reviewer_token()
{
    let app = spawn_app().await;
    saved(
        &app,
        "spring",
        json!({"title": "Spring", "desktop": {"a": 1}}),
    )
    .await;
    saved(&app, "autumn", json!({"title": "Autumn"})).await;
    let rita = token_with_roles(&app, "rita", &[Role::Reviewer]);
    let listed: Value = app
        .client
        .get(app.url("/api/v1/campaigns"))
        .bearer_auth(&rita)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let campaigns: Vec<Campaign> = serde_json::from_value(listed["campaigns"].clone()).unwrap();
    let slugs: Vec<&str> = campaigns.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(slugs, ["autumn", "spring"]);
    let spring: Campaign = app.get_json("/api/v1/campaigns/spring").await;
    assert_eq!(spring, campaigns[1]);
    assert_eq!(spring.desktop, Some(json!({"a": 1})));
    app.server.stop().await.unwrap();
}

/// The tags stored on the link for `handle` in campaign `spring`.
fn stored_tags(app: &TestApp, handle: &str) -> Vec<String> {
    let db = Db::open(&Config::new(app.data.path()).database_path()).unwrap();
    let conn = db.lock().unwrap();
    let json: String = conn
        .query_row(
            "SELECT tags FROM links WHERE campaign = 'spring' AND handle = ?1",
            [handle],
            |row| row.get(0),
        )
        .unwrap();
    serde_json::from_str(&json).unwrap()
}

#[tokio::test]
async fn recipients_tags_that_break_a_rule_are_named_and_nobody_is_added() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    for (tags, says) in [
        (json!(many), "21 tags"),
        (json!(["ok", "  "]), "1 to 32"),
        (json!(["x".repeat(33)]), "1 to 32"),
        (json!(["VIP", "vip"]), "named twice"),
    ] {
        let response = app
            .post_links(
                "spring",
                json!([{"handle": "maya"}, {"handle": "leo", "tags": tags}]),
            )
            .await;
        assert_eq!(response.status(), 422);
        let body: clipdesk_protocol::ErrorResponse = response.json().await.unwrap();
        let message = body.error.message;
        assert!(message.contains("recipients[1].tags"), "{message}");
        assert!(message.contains(says), "{says:?} in {message}");
    }
    assert_eq!(app.count_events(EventKind::LinkCreated).await, 0);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn tags_reach_every_desktop_with_the_link_and_later_ones_are_merged_in_ignoring_case() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    let first = app
        .post_links(
            "spring",
            json!([{"handle": "maya", "tags": [" VIP ", "Baker"]}]),
        )
        .await;
    assert_eq!(first.status(), 200);
    let first: CreatedLinks = first.json().await.unwrap();
    assert!(first.links[0].created);
    assert_eq!(stored_tags(&app, "maya"), ["VIP", "Baker"]);

    let again = app
        .post_links(
            "spring",
            json!([{"handle": "maya", "tags": ["vip", "Dublin"]}]),
        )
        .await;
    let again: CreatedLinks = again.json().await.unwrap();
    assert!(!again.links[0].created, "the same link, not a new one");
    assert_eq!(again.links[0].token, first.links[0].token);
    assert_eq!(stored_tags(&app, "maya"), ["VIP", "Baker", "Dublin"]);

    let created: Vec<_> = app
        .events(0)
        .await
        .events
        .into_iter()
        .filter(|e| e.kind == EventKind::LinkCreated)
        .collect();
    assert_eq!(
        created.len(),
        1,
        "merging tags makes no second link_created"
    );
    assert_eq!(created[0].detail["tags"], json!(["VIP", "Baker"]));
    app.server.stop().await.unwrap();
}

/// `DELETE /api/v1/campaigns/{slug}` as the holder of `token`.
async fn delete_as(app: &TestApp, token: &str, slug: &str) -> reqwest::Response {
    app.client
        .delete(app.url(&format!("/api/v1/campaigns/{slug}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// One number the server's database answers to `sql`.
fn stored_count(app: &TestApp, sql: &str) -> i64 {
    let db = Db::open(&Config::new(app.data.path()).database_path()).unwrap();
    let conn = db.lock().unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

/// `holder` claims the next person of `slug` and records them sent; their handle.
async fn claim_and_send(app: &TestApp, holder: &str, slug: &str) -> String {
    let claimed = app
        .client
        .post(app.url(&format!("/api/v1/campaigns/{slug}/claims")))
        .bearer_auth(holder)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(claimed.status(), 201);
    let claim = claimed.json::<ClaimCreated>().await.unwrap().claim;
    let sent = app
        .client
        .put(app.url(&format!("/api/v1/claims/{}/outcome", claim.id)))
        .bearer_auth(holder)
        .json(&json!({"outcome": "sent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    claim.handle
}

#[tokio::test]
async fn deleting_a_campaign_needs_the_admin_role() {
    let app = spawn_app().await;
    app.link("maya").await;
    let ana = token_with_roles(&app, "ana", &[Role::Operator, Role::Reviewer]);
    assert_refused(
        delete_as(&app, &ana, "spring").await,
        403,
        ErrorCode::Unauthorized,
        "needs the admin role",
    )
    .await;
    assert_eq!(
        stored_count(&app, "SELECT count(*) FROM campaigns"),
        1,
        "still there"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_campaign_with_a_video_is_not_deleted_and_the_refusal_says_what_to_do() {
    let app = spawn_app().await;
    let link = app.link("maya").await;
    app.post_links("spring", json!([{"handle": "leo"}])).await;
    app.upload_clip(&link.token).await;
    let events_before = app.events(0).await.events.len();

    let response = delete_as(&app, &app.token, "spring").await;
    assert_eq!(response.status(), 409);
    let body: clipdesk_protocol::ErrorResponse = response.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::Conflict);
    let message = body.error.message;
    assert!(message.contains("1 video(s)"), "names how many: {message}");
    assert!(message.contains("forget"), "says what to do: {message}");
    assert!(message.contains("export"), "says what to do: {message}");

    assert_eq!(stored_count(&app, "SELECT count(*) FROM campaigns"), 1);
    assert_eq!(stored_count(&app, "SELECT count(*) FROM links"), 2);
    assert_eq!(stored_count(&app, "SELECT count(*) FROM videos"), 1);
    assert_eq!(
        app.events(0).await.events.len(),
        events_before,
        "nothing appended"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_deleted_campaign_takes_its_links_and_claims_but_its_sends_still_hold_and_pace() {
    let app = spawn_app().await;
    let body = json!({"title": "Launch", "prompt": "Show us", "max_duration_s": 60,
                      "daily_cap": 1});
    app.save_campaign("spring", body.clone()).await;
    app.post_links("spring", json!([{"handle": "maya"}, {"handle": "leo"}]))
        .await;
    let ana = token_with_roles(&app, "ana", &[Role::Operator]);
    assert_eq!(claim_and_send(&app, &ana, "spring").await, "maya");
    assert_eq!(stored_count(&app, "SELECT count(*) FROM claims"), 1);

    let response = delete_as(&app, &app.token, "spring").await;
    assert_eq!(response.status(), 200);
    let deleted: Value = response.json().await.unwrap();
    assert_eq!(deleted, json!({"deleted": "spring", "links": 2}));
    assert_eq!(stored_count(&app, "SELECT count(*) FROM campaigns"), 0);
    assert_eq!(stored_count(&app, "SELECT count(*) FROM links"), 0);
    assert_eq!(stored_count(&app, "SELECT count(*) FROM claims"), 0);
    assert_eq!(
        stored_count(&app, "SELECT count(*) FROM sends WHERE handle = 'maya'"),
        1,
        "TikTok does not forget a DM"
    );

    let event = app
        .events(0)
        .await
        .events
        .into_iter()
        .find(|e| e.kind == EventKind::CampaignDeleted)
        .expect("campaign_deleted in the feed");
    assert_eq!(event.campaign.as_deref(), Some("spring"));
    assert_eq!(event.detail["deleted_by"], "tester");
    assert_eq!(event.detail["links"], 2);

    // A new campaign for the same people: maya is held back by the send, and ana's send
    // still fills her daily cap of 1.
    app.save_campaign("summer", body).await;
    app.post_links("summer", json!([{"handle": "maya"}, {"handle": "leo"}]))
        .await;
    let held: HeldList = app.get_json("/api/v1/campaigns/summer/held").await;
    assert_eq!(held.held.len(), 1, "{held:?}");
    assert_eq!(held.held[0].hold.campaign, "spring");
    let paced = app
        .client
        .post(app.url("/api/v1/campaigns/summer/claims"))
        .bearer_auth(&ana)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_refused(paced, 429, ErrorCode::RateLimited, "daily_cap").await;

    assert_refused(
        delete_as(&app, &app.token, "spring").await,
        404,
        ErrorCode::NotFound,
        "no campaign",
    )
    .await;
    assert_refused(
        delete_as(&app, &app.token, "never-made").await,
        404,
        ErrorCode::NotFound,
        "no campaign",
    )
    .await;
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_admin_deletes_a_campaign_from_the_command_line_and_a_refusal_exits_non_zero() {
    let app = spawn_app().await;
    let link = app.link("maya").await;
    app.campaign("summer").await;
    app.post_links("summer", json!([{"handle": "leo"}])).await;
    app.upload_clip(&link.token).await;

    let refused = cli(app.data.path(), &["campaign", "delete", "--slug", "spring"]);
    assert!(!refused.status.success());
    let said = String::from_utf8(refused.stderr).unwrap();
    assert!(said.contains("1 video(s)"), "{said}");
    assert_eq!(stored_count(&app, "SELECT count(*) FROM campaigns"), 2);

    let deleted = cli(app.data.path(), &["campaign", "delete", "--slug", "summer"]);
    let said = String::from_utf8(deleted.stdout).unwrap();
    assert!(deleted.status.success(), "{said}");
    assert!(
        said.contains("\"summer\"") && said.contains("1 link"),
        "{said}"
    );
    assert_eq!(
        stored_count(&app, "SELECT count(*) FROM campaigns WHERE slug = 'summer'"),
        0
    );
    assert_eq!(app.count_events(EventKind::CampaignDeleted).await, 1);
    app.server.stop().await.unwrap();
}
