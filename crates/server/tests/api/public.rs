use clipdesk_protocol::api::PublicLink;
use clipdesk_protocol::{ErrorCode, ErrorResponse};
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_page_reads_its_link_and_the_first_read_is_the_open() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let url = app.url(&format!("/api/v1/public/links/{}", link.token));
    let public: PublicLink = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public.handle, "maya.bakes");
    assert_eq!(public.display_name.as_deref(), Some("Maya"));
    assert_eq!(public.campaign_title, "Spring reviews");
    assert_eq!(public.uploads_left, 3);
    assert!(!public.self_reported);
    app.client.get(&url).send().await.unwrap();
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
    let unknown = app
        .client
        .get(app.url("/api/v1/public/links/AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let error: ErrorResponse = unknown.json().await.unwrap();
    assert_eq!(error.error.code, ErrorCode::NotFound);

    let page = app
        .client
        .get(app.url("/r/AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
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
    let expired = app
        .client
        .get(app.url(&format!("/api/v1/public/links/{}", link.token)))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 404);
    let error: ErrorResponse = expired.json().await.unwrap();
    assert_eq!(error.error.code, ErrorCode::Expired);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_public_campaign_page_makes_self_reported_links_and_never_hands_out_an_invited_ones() {
    let app = spawn_app().await;
    let invited = app.link("maya.bakes").await;
    let closed = app.client.get(app.url("/c/spring")).send().await.unwrap();
    assert_eq!(
        closed.status(),
        404,
        "no public page until the campaign opens one"
    );

    app.put_campaign(
        "spring",
        json!({"title": "Spring reviews", "public_page": true}),
    )
    .await;
    let page = app.client.get(app.url("/c/spring")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let response = app
        .client
        .post(app.url("/api/v1/public/campaigns/spring/links"))
        .json(&json!({"handle": "@Maya.Bakes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let own: PublicLink = response.json().await.unwrap();
    assert!(own.self_reported);
    assert_ne!(
        own.token, invited.token,
        "typing a handle never yields that person's link"
    );

    let bad = app
        .client
        .post(app.url("/api/v1/public/campaigns/spring/links"))
        .json(&json!({"handle": "no spaces"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn public_routes_are_rate_limited_per_client() {
    let app = crate::helpers::spawn_app_with(|c| c.public_rate_per_minute = 8).await;
    let url = app.url("/api/v1/public/links/AAAAAAAAAAAAAAAAAAAAAA");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.client.get(&url).send().await.unwrap().status().as_u16());
    }
    assert!(
        statuses.contains(&429),
        "a burst past the limit is refused: {statuses:?}"
    );
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
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
    let error: ErrorResponse = response.json().await.unwrap();
    assert_eq!(error.error.code, ErrorCode::PayloadTooLarge);
    app.server.stop().await.unwrap();
}
