use clipdesk_protocol::ErrorCode;
use clipdesk_protocol::api::{Campaign, CreatedLinks, EventKind};
use serde_json::json;

use crate::helpers::{assert_refused, error_code, numbered_recipients, spawn_app};

#[tokio::test]
async fn a_campaign_is_created_then_updated_in_place() {
    let app = spawn_app().await;
    let created = app
        .put_campaign(
            "spring",
            json!({"title": "Spring", "prompt": "Show us", "max_duration_s": 45}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let updated = app
        .put_campaign("spring", json!({"title": "Spring v2", "public_page": true}))
        .await;
    assert_eq!(updated.status(), 200);
    let campaign: Campaign = updated.json().await.unwrap();
    assert_eq!(campaign.title, "Spring v2");
    assert_eq!(
        campaign.max_duration_s, 60,
        "omitted fields take their defaults"
    );
    assert!(campaign.public_page);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn campaign_fields_that_break_a_rule_are_named() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"title": "x", "max_duration_s": 0}), "max_duration_s"),
        (
            json!({"title": "x", "expires_at": "tomorrow"}),
            "expires_at",
        ),
        (json!({"title": "x", "colour": "red"}), "colour"),
        // Longer than 200 characters.
        (
            json!({"title": "Spring", "organisation": "x".repeat(201)}),
            "organisation",
        ),
    ] {
        let response = app.put_campaign("spring", body).await;
        assert_refused(response, 422, ErrorCode::Invalid, field).await;
    }
    let bad_slug = app.put_campaign("Spring Sale", json!({"title": "x"})).await;
    assert_eq!(bad_slug.status(), 422);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn the_operator_api_requires_a_valid_bearer_token() {
    let app = spawn_app().await;
    let none = app
        .client
        .put(app.url("/api/v1/campaigns/spring"))
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    let wrong = app
        .client
        .get(app.url("/api/v1/events"))
        .bearer_auth("cdk_not_a_real_token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(error_code(wrong).await, ErrorCode::Unauthorized);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn links_are_idempotent_per_campaign_and_handle() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    let first: CreatedLinks = app
        .post_links(
            "spring",
            json!([{"handle": "@Maya.Bakes", "user_id": "7277192393706324999", "display_name": "Maya"}]),
        )
        .await
        .json()
        .await
        .unwrap();
    let link = &first.links[0];
    assert_eq!(link.handle, "maya.bakes", "@ and case are normalised away");
    assert!(link.created);
    assert_eq!(link.token.len(), 22, "128 random bits in base64url");
    assert_eq!(
        link.url,
        format!("{}/r/{}", app.server.public_url(), link.token)
    );

    let again: CreatedLinks = app
        .post_links("spring", json!([{"handle": "maya.bakes"}]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again.links[0].token, link.token);
    assert!(!again.links[0].created);
    assert_eq!(
        app.count_events(EventKind::LinkCreated).await,
        1,
        "asking again appends no second link_created"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn one_bad_recipient_fails_the_whole_request_naming_its_index() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    let response = app
        .post_links(
            "spring",
            json!([{"handle": "good_one"}, {"handle": "also.good"}, {"handle": "bad handle!"}]),
        )
        .await;
    assert_refused(response, 422, ErrorCode::Invalid, "recipients[2].handle").await;
    let bad_id = app
        .post_links("spring", json!([{"handle": "good_one", "user_id": "12ab"}]))
        .await;
    assert_refused(bad_id, 422, ErrorCode::Invalid, "recipients[0].user_id").await;
    assert_eq!(
        app.count_events(EventKind::LinkCreated).await,
        0,
        "nothing was created"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_thousand_recipients_are_taken_and_one_more_is_refused() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    let response = app.post_links("spring", numbered_recipients(1000)).await;
    assert_eq!(response.status(), 200);
    let links: CreatedLinks = response.json().await.unwrap();
    assert_eq!(links.links.len(), 1000);
    let response = app.post_links("spring", numbered_recipients(1001)).await;
    assert_eq!(response.status(), 422);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn links_for_an_unknown_campaign_are_a_404() {
    let app = spawn_app().await;
    let response = app.post_links("nope", json!([{"handle": "maya"}])).await;
    assert_eq!(response.status(), 404);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_revoked_link_is_gone_for_the_page_and_the_feed_says_so() {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    assert_eq!(app.delete_link(&link.token).await.status(), 204);
    let page = app.fetch_public_link(&link.token).await;
    assert_eq!(page.status(), 404);
    assert_eq!(error_code(page).await, ErrorCode::Revoked);
    assert!(app.event_kinds().await.contains(&"link_revoked".to_owned()));
    app.server.stop().await.unwrap();
}
