use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::{CreatedLinks, EventKind, PublicLink};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_refused, error_code, fixture, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_page_reads_its_link_and_the_first_read_is_the_open() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let public = app.public_link(&link.token).await;
    assert_eq!(public.handle, "maya.bakes");
    assert_eq!(public.display_name.as_deref(), Some("Maya"));
    assert_eq!(public.campaign_title, "Spring reviews");
    assert_eq!(public.uploads_left, 3);
    assert!(!public.self_reported);
    app.fetch_public_link(&link.token).await;
    let opened = app
        .event_kinds()
        .await
        .iter()
        .filter(|k| *k == "link_opened")
        .count();
    assert_eq!(opened, 1, "only the first read counts as the open");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_link_that_delivered_a_video_tells_the_page_how_many_arrived() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let fresh = app.public_link(&link.token).await;
    assert_eq!((fresh.videos_received, fresh.uploads_left), (0, 3));

    // A real tus upload: created, then its bytes in two PATCHes.
    let video = fixture("android-vp8-opus.webm");
    let location = app.tus_first_half(&link.token, &video).await;
    let receiving = app.public_link(&link.token).await;
    assert_eq!(
        (receiving.videos_received, receiving.uploads_left),
        (0, 2),
        "an upload still receiving holds a place but is no video yet"
    );
    assert_eq!(app.tus_second_half(&location, &video).await.status(), 204);
    let delivered = app.public_link(&link.token).await;
    assert_eq!((delivered.videos_received, delivered.uploads_left), (1, 2));

    let png = fixture("not-a-video.mp4");
    let refused = app.tus_create(&link.token, png.len()).await;
    assert_eq!(app.tus_patch(&refused, 0, png).await.status(), 422);
    let after_refusal = app.public_link(&link.token).await;
    assert_eq!(
        (after_refusal.videos_received, after_refusal.uploads_left),
        (1, 2),
        "a file refused as no video is not counted as received, nor against the link"
    );

    let (status, _) = app.upload(&link.token, video.clone(), "b.webm").await;
    assert_eq!(status, 201);
    let (status, _) = app.upload(&link.token, video, "c.webm").await;
    assert_eq!(status, 201);
    let used_up = app.public_link(&link.token).await;
    assert_eq!(
        (used_up.videos_received, used_up.uploads_left),
        (3, 0),
        "a used-up link still answers, so the page can thank instead of refusing"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn the_page_is_told_the_first_name_the_dm_used_or_none() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    let response = app
        .post_links(
            "spring",
            json!([
                { "handle": "maya.bakes", "display_name": "🍰 Maya Bakes" },
                { "handle": "zoe", "display_name": "  Zoë✨ Müller " },
                { "handle": "cake.fan", "display_name": "🍰🍰 ✨" },
                { "handle": "no.name" },
            ]),
        )
        .await;
    assert_eq!(response.status(), 200);
    let links: CreatedLinks = response.json().await.unwrap();
    let mut named = Vec::new();
    for link in &links.links {
        let public = app.public_link(&link.token).await;
        named.push((public.handle, public.first_name));
    }
    assert_eq!(
        named,
        [
            ("maya.bakes".to_owned(), Some("Maya".to_owned())),
            ("zoe".to_owned(), Some("Zoë".to_owned())),
            ("cake.fan".to_owned(), None),
            ("no.name".to_owned(), None),
        ],
        "emoji are no name; without one the page greets the handle"
    );
    let public = app.public_link(&links.links[0].token).await;
    assert_eq!(
        public.display_name.as_deref(),
        Some("🍰 Maya Bakes"),
        "the display name itself is unchanged"
    );
    app.server.stop().await.unwrap();
}

/// Saves campaign `spring` with its page open and `organisation` if any: the organisation
/// saved, and the one the page is told to name from `token`'s link and from the campaign page.
async fn open_spring(
    app: &TestApp,
    token: &str,
    organisation: Option<&str>,
) -> (Value, (Value, Value)) {
    let mut body = json!({"title": "Show us your summer bake!"});
    if let Some(organisation) = organisation {
        body["organisation"] = json!(organisation);
    }
    let saved = app.open_page("spring", body).await;
    let link: Value = app.fetch_public_link(token).await.json().await.unwrap();
    let page: Value = app
        .visit("/api/v1/public/campaigns/spring")
        .await
        .json()
        .await
        .unwrap();
    (
        saved["organisation"].clone(),
        (link["organisation"].clone(), page["organisation"].clone()),
    )
}

#[tokio::test]
async fn the_page_names_the_campaigns_organisation_else_the_servers_and_never_the_title() {
    let app = spawn_app_with(|c| c.organisation = Some("Crumb & Co.".into())).await;
    let link = app.link("maya.bakes").await;
    // The desktop sends campaigns without the field; a blank one is no organisation either.
    for (organisation, saved, named, why) in [
        (
            None,
            Value::Null,
            "Crumb & Co.",
            "without its own, a campaign names the server's organisation",
        ),
        (
            Some("  Maya's Bakery Ltd  "),
            json!("Maya's Bakery Ltd"),
            "Maya's Bakery Ltd",
            "the campaign's own organisation, kept trimmed, wins over the server's",
        ),
        (
            Some(" "),
            Value::Null,
            "Crumb & Co.",
            "a blank organisation is none",
        ),
    ] {
        let shown = open_spring(&app, &link.token, organisation).await;
        assert_eq!(shown, (saved, (json!(named), json!(named))), "{why}");
    }
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn with_no_organisation_anywhere_the_page_is_told_none_rather_than_the_title() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let (_, named) = open_spring(&app, &link.token, None).await;
    assert_eq!(
        named,
        (Value::Null, Value::Null),
        "the page words it without a name"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn the_html_page_alone_does_not_count_as_an_open() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    // A link-preview bot fetches the HTML and runs no script.
    let page = app.client.get(&link.url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(!app.event_kinds().await.contains(&"link_opened".to_owned()));
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_and_expired_links_are_404s_with_their_own_codes() {
    let app = spawn_app().await;
    let unknown = app.fetch_public_link("AAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(error_code(unknown).await, ErrorCode::NotFound);

    let page = app.visit("/r/AAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(
        page.status(),
        404,
        "the page for an unknown link is a 404 too"
    );

    let link = app.link("maya.bakes").await;
    app.put_campaign(
        "spring",
        json!({"title": "Spring reviews", "expires_at": "2020-01-01T00:00:00Z"}),
    )
    .await;
    let expired = app.fetch_public_link(&link.token).await;
    assert_eq!(expired.status(), 404);
    assert_eq!(error_code(expired).await, ErrorCode::Expired);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_public_campaign_page_makes_self_reported_links_and_never_hands_out_an_invited_ones() {
    let app = spawn_app().await;
    let invited = app.link("maya.bakes").await;
    let closed = app.visit("/c/spring").await;
    assert_eq!(
        closed.status(),
        404,
        "no public page until the campaign opens one"
    );

    // The save must be taken: a refused one would show up below as a puzzling 404.
    app.open_page("spring", json!({"title": "Spring reviews"}))
        .await;
    let page = app.visit("/c/spring").await;
    assert_eq!(page.status(), 200);
    let response = claim(&app, "spring", "@Maya.Bakes").await;
    assert_eq!(response.status(), 201);
    let own: PublicLink = response.json().await.unwrap();
    assert!(own.self_reported);
    assert_ne!(
        own.token, invited.token,
        "typing a handle never yields that person's link"
    );

    let bad = claim(&app, "spring", "no spaces").await;
    assert_eq!(bad.status(), 422);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn public_routes_are_rate_limited_per_client() {
    let app = spawn_app_with(|c| c.public_rate_per_minute = 8).await;
    let url = app.url("/api/v1/public/links/AAAAAAAAAAAAAAAAAAAAAA");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.client.get(&url).send().await.unwrap().status().as_u16());
    }
    assert!(
        statuses.contains(&429),
        "a burst past the limit is refused: {statuses:?}"
    );
    let health = app.visit("/healthz").await;
    assert_eq!(health.status(), 200, "health checks are not limited");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_oversized_json_body_is_a_413_in_our_error_shape() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    let huge = "x".repeat(2 << 20);
    let response = app
        .client
        .post(app.url("/api/v1/campaigns/spring/links"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body(format!("{{\"recipients\":[{{\"handle\":\"{huge}\"}}]}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(error_code(response).await, ErrorCode::PayloadTooLarge);
    app.server.stop().await.unwrap();
}

async fn claim(app: &TestApp, slug: &str, handle: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/public/campaigns/{slug}/links")))
        .json(&json!({ "handle": handle }))
        .send()
        .await
        .unwrap()
}

/// Uploads a whole video in the creation request (tus creation-with-upload).
async fn upload(app: &TestApp, token: &str) {
    let response = app
        .tus_create_with(token, fixture("android-vp8-opus.webm"), "clip.webm")
        .await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
}

async fn open_public_campaign(app: &TestApp) {
    let response = app
        .put_campaign(
            "spring",
            json!({"title": "Spring reviews", "public_page": true}),
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
}

#[tokio::test]
async fn two_visitors_typing_the_same_handle_each_get_their_own_link_and_both_can_upload() {
    let app = spawn_app().await;
    let invited = app.link("maya.bakes").await;
    open_public_campaign(&app).await;

    let first = claim(&app, "spring", "@Maya.Bakes").await;
    assert_eq!(first.status(), 201);
    let first_text = first.text().await.unwrap();
    let second = claim(&app, "spring", "maya.bakes").await;
    assert_eq!(second.status(), 201, "a handle typed again is a new link");
    let second_text = second.text().await.unwrap();
    let first: PublicLink = serde_json::from_str(&first_text).unwrap();
    let second: PublicLink = serde_json::from_str(&second_text).unwrap();

    assert_ne!(first.token, second.token);
    assert!(
        !second_text.contains(&first.token) && !first_text.contains(&second.token),
        "neither visitor's answer holds the other's token"
    );
    for text in [&first_text, &second_text] {
        assert!(
            !text.contains(&invited.token),
            "the invited person's link is never handed out"
        );
    }
    for own in [&first, &second] {
        assert!(own.self_reported);
        assert_eq!(own.handle, "maya.bakes");
        assert_eq!(own.uploads_left, 3, "each visit has its own upload right");
    }

    upload(&app, &first.token).await;
    upload(&app, &second.token).await;
    let events = app.events(0).await.events;
    for token in [&first.token, &second.token] {
        let received = events
            .iter()
            .filter(|e| e.kind == EventKind::VideoReceived && e.link.as_deref() == Some(token))
            .count();
        assert_eq!(
            received, 1,
            "each visitor's video arrives on their own link"
        );
    }
    assert!(
        !events
            .iter()
            .any(|e| e.kind == EventKind::LinkOpened && e.link.as_deref() == Some(&invited.token)),
        "visitors typing the handle never open the invited person's link"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn one_client_making_more_self_reported_links_than_the_hourly_limit_gets_a_429() {
    let app = spawn_app_with(|c| c.self_reported_links_per_hour = 3).await;
    app.campaign("spring").await;
    for _ in 0..5 {
        let closed = claim(&app, "spring", "maya.bakes").await;
        assert_eq!(closed.status(), 404, "no links while the page is closed");
        let unknown = claim(&app, "no-such-campaign", "maya.bakes").await;
        assert_eq!(unknown.status(), 404);
    }

    open_public_campaign(&app).await;
    for handle in ["one", "two", "three"] {
        let response = claim(&app, "spring", handle).await;
        assert_eq!(
            response.status(),
            201,
            "refused campaigns did not use up the limit ({handle})"
        );
    }
    let refused = claim(&app, "spring", "four").await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (60..=3600).contains(&retry_after),
        "one more link comes free within the hour, not the minute: {retry_after}"
    );
    assert_refused(refused, 429, ErrorCode::RateLimited, "at most 3 an hour").await;

    let page = app.visit("/api/v1/public/campaigns/spring").await;
    assert_eq!(page.status(), 200, "the page itself stays reachable");
    assert_eq!(
        app.count_events(EventKind::LinkCreated).await,
        3,
        "the refused claim left no link behind"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_expired_public_campaign_makes_no_links() {
    let app = spawn_app().await;
    app.put_campaign(
        "spring",
        json!({"title": "Spring reviews", "public_page": true, "expires_at": "2020-01-01T00:00:00Z"}),
    )
    .await;
    let response = claim(&app, "spring", "maya.bakes").await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(response).await, ErrorCode::Expired);
    app.server.stop().await.unwrap();
}
