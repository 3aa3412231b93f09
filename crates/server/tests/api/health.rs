use clipdesk_protocol::{ErrorCode, Health};

use crate::helpers::{assert_refused, spawn_app};

#[tokio::test]
async fn healthz_answers_ok_with_the_version() {
    let app = spawn_app().await;
    let response = app.visit("/healthz").await;
    assert_eq!(response.status(), 200);
    let health: Health = response.json().await.unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn starting_creates_the_data_folders() {
    let app = spawn_app().await;
    assert!(app.data.path().join("uploads").is_dir());
    assert!(app.data.path().join("videos").is_dir());
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404_with_a_stable_code() {
    let app = spawn_app().await;
    let response = app.visit("/nope").await;
    assert_refused(response, 404, ErrorCode::NotFound, "/nope").await;
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn stopping_frees_the_port() {
    let app = spawn_app().await;
    let addr = app.server.addr();
    app.server.stop().await.unwrap();
    tokio::net::TcpListener::bind(addr)
        .await
        .expect("the port is free again once the server stopped");
}
