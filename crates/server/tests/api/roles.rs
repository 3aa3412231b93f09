//! Roles: a token without the role a route needs gets 403 naming that role, for every route of
//! the operator API; tokens made before roles existed keep every role; `token create --role`.

use clipdesk_protocol::ErrorResponse;
use clipdesk_server::Config;
use clipdesk_server::auth::Role;
use clipdesk_server::db::Db;
use clipdesk_server::domain::hash_api_token;
use reqwest::Method;
use serde_json::json;

use crate::campaigns::token_with_roles;
use crate::helpers::{TestApp, cli, spawn_app};

/// One route of the operator API: its pattern as `routes/mod.rs` writes it, a concrete path,
/// and the role it needs (`None`: any valid token).
struct Route {
    method: Method,
    pattern: &'static str,
    path: &'static str,
    needs: Option<Role>,
}

const fn route(
    method: Method,
    pattern: &'static str,
    path: &'static str,
    needs: Option<Role>,
) -> Route {
    Route {
        method,
        pattern,
        path,
        needs,
    }
}

const OPERATOR: Option<Role> = Some(Role::Operator);
const REVIEWER: Option<Role> = Some(Role::Reviewer);
const ADMIN: Option<Role> = Some(Role::Admin);

fn operator_api() -> Vec<Route> {
    let (get, put, post, delete) = (Method::GET, Method::PUT, Method::POST, Method::DELETE);
    vec![
        route(
            put.clone(),
            "/api/v1/campaigns/{slug}",
            "/api/v1/campaigns/spring",
            OPERATOR,
        ),
        route(
            get.clone(),
            "/api/v1/campaigns/{slug}",
            "/api/v1/campaigns/spring",
            None,
        ),
        route(
            delete.clone(),
            "/api/v1/campaigns/{slug}",
            "/api/v1/campaigns/spring",
            ADMIN,
        ),
        route(get.clone(), "/api/v1/campaigns", "/api/v1/campaigns", None),
        route(
            post.clone(),
            "/api/v1/campaigns/{slug}/links",
            "/api/v1/campaigns/spring/links",
            OPERATOR,
        ),
        route(
            post.clone(),
            "/api/v1/campaigns/{slug}/claims",
            "/api/v1/campaigns/spring/claims",
            OPERATOR,
        ),
        route(
            post.clone(),
            "/api/v1/campaigns/{slug}/history",
            "/api/v1/campaigns/spring/history",
            OPERATOR,
        ),
        route(
            get.clone(),
            "/api/v1/campaigns/{slug}/held",
            "/api/v1/campaigns/spring/held",
            OPERATOR,
        ),
        route(
            delete.clone(),
            "/api/v1/claims/{id}",
            "/api/v1/claims/c1",
            OPERATOR,
        ),
        route(
            put.clone(),
            "/api/v1/claims/{id}/outcome",
            "/api/v1/claims/c1/outcome",
            OPERATOR,
        ),
        route(
            delete.clone(),
            "/api/v1/claims/{id}/outcome",
            "/api/v1/claims/c1/outcome",
            OPERATOR,
        ),
        route(
            delete.clone(),
            "/api/v1/links/{token}",
            "/api/v1/links/t1",
            OPERATOR,
        ),
        route(get.clone(), "/api/v1/events", "/api/v1/events", None),
        route(get.clone(), "/api/v1/doctor", "/api/v1/doctor", None),
        route(get.clone(), "/api/v1/videos", "/api/v1/videos", REVIEWER),
        route(
            get.clone(),
            "/api/v1/videos/{id}",
            "/api/v1/videos/v1",
            REVIEWER,
        ),
        route(
            put.clone(),
            "/api/v1/videos/{id}/review",
            "/api/v1/videos/v1/review",
            REVIEWER,
        ),
        route(
            put.clone(),
            "/api/v1/videos/{id}/poster",
            "/api/v1/videos/v1/poster",
            REVIEWER,
        ),
        route(get.clone(), "/api/v1/webhooks", "/api/v1/webhooks", ADMIN),
        route(post.clone(), "/api/v1/webhooks", "/api/v1/webhooks", ADMIN),
        route(
            delete.clone(),
            "/api/v1/webhooks/{id}",
            "/api/v1/webhooks/w1",
            ADMIN,
        ),
        route(
            get.clone(),
            "/api/v1/webhooks/{id}/deliveries",
            "/api/v1/webhooks/w1/deliveries",
            ADMIN,
        ),
        route(
            get.clone(),
            "/api/v1/updates/download/{version}/{file}",
            "/api/v1/updates/download/1.0.0/clipdesk.AppImage",
            None,
        ),
        route(
            get,
            "/api/v1/updates/{target}/{arch}/{current_version}",
            "/api/v1/updates/linux/x86_64/0.1.0",
            None,
        ),
    ]
}

/// Every `/api/v1/…` route `routes/mod.rs` adds outside the public API (which takes no token).
fn routes_in_the_router() -> Vec<String> {
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes/mod.rs"),
    )
    .unwrap();
    source
        .split('"')
        .filter(|part| part.starts_with("/api/v1/"))
        .filter(|part| !part.starts_with("/api/v1/public/") && !part.starts_with("/api/v1/uploads"))
        .map(str::to_owned)
        .collect()
}

async fn call(app: &TestApp, route: &Route, token: &str) -> (u16, String) {
    let mut request = app
        .client
        .request(route.method.clone(), app.url(route.path))
        .bearer_auth(token);
    if route.method == Method::PUT || route.method == Method::POST {
        request = request.json(&json!({}));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn every_route_refuses_a_token_without_its_role_naming_the_role_it_needs() {
    let app = spawn_app().await;
    let table = operator_api();
    for pattern in routes_in_the_router() {
        assert!(
            table.iter().any(|r| r.pattern == pattern),
            "{pattern} is in the router but not in this test's table: which role does it need?"
        );
    }
    let tokens = [
        (token_with_roles(&app, "adam", &[Role::Admin]), Role::Admin),
        (
            token_with_roles(&app, "ana", &[Role::Operator]),
            Role::Operator,
        ),
        (
            token_with_roles(&app, "rita", &[Role::Reviewer]),
            Role::Reviewer,
        ),
    ];
    for route in &table {
        for (token, has) in &tokens {
            let (status, body) = call(&app, route, token).await;
            let what = format!(
                "{} {} with a {} token",
                route.method,
                route.path,
                has.as_str()
            );
            match route.needs {
                Some(needed) if needed != *has => {
                    assert_eq!(status, 403, "{what}: {body}");
                    let error: ErrorResponse = serde_json::from_str(&body).unwrap();
                    let says = format!("needs the {} role", needed.as_str());
                    assert!(error.error.message.contains(&says), "{what}: {body}");
                }
                _ => assert_ne!(status, 403, "{what}: {body}"),
            }
            assert_ne!(status, 401, "{what}: {body}");
        }
    }
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_token_made_before_roles_existed_may_call_every_route() {
    let app = spawn_app().await;
    let old = "cd_made_before_roles_0123456789abcdef";
    {
        let db = Db::open(&Config::new(app.data.path()).database_path()).unwrap();
        let conn = db.lock().unwrap();
        // As `token create` wrote it then: no roles column named, so the migration's default.
        conn.execute(
            "INSERT INTO api_tokens (name, token_hash, created_at) VALUES ('veteran', ?1, 0)",
            [hash_api_token(old)],
        )
        .unwrap();
    }
    for route in &operator_api() {
        let (status, body) = call(&app, route, old).await;
        assert!(
            status != 401 && status != 403,
            "{} {}: {status} {body}",
            route.method,
            route.path
        );
    }
    let listed = String::from_utf8(cli(app.data.path(), &["token", "list"]).stdout).unwrap();
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("veteran\tadmin,operator,reviewer\t")),
        "{listed}"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn token_create_with_roles_makes_a_token_that_can_claim_but_not_add_webhooks() {
    let app = spawn_app().await;
    app.campaign("spring").await;
    let created = cli(
        app.data.path(),
        &[
            "token",
            "create",
            "--name",
            "ana",
            "--role",
            "operator,reviewer",
        ],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let stdout = String::from_utf8(created.stdout).unwrap();
    let ana = stdout.lines().last().unwrap().trim().to_owned();

    let links = app
        .client
        .post(app.url("/api/v1/campaigns/spring/links"))
        .bearer_auth(&ana)
        .json(&json!({"recipients": [{"handle": "maya"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(links.status(), 200);
    let claim = app
        .client
        .post(app.url("/api/v1/campaigns/spring/claims"))
        .bearer_auth(&ana)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(claim.status(), 201, "{}", claim.text().await.unwrap());
    let webhook = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&ana)
        .json(&json!({"url": "https://example.com/hook", "events": ["video_ready"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status(), 403);
    let body = webhook.text().await.unwrap();
    assert!(body.contains("needs the admin role"), "{body}");

    let listed = String::from_utf8(cli(app.data.path(), &["token", "list"]).stdout).unwrap();
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("ana\toperator,reviewer\t")),
        "{listed}"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn token_create_with_an_unknown_role_fails_naming_it_and_creates_nothing() {
    let data = tempfile::tempdir().unwrap();
    let refused = cli(
        data.path(),
        &[
            "token",
            "create",
            "--name",
            "ana",
            "--role",
            "operator,boss",
        ],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("\"boss\""), "{stderr}");
    let listed = String::from_utf8(cli(data.path(), &["token", "list"]).stdout).unwrap();
    assert!(!listed.contains("ana"), "{listed}");
}
