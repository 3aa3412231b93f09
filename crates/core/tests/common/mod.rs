//! What the core tests that talk to a real clipdesk-server share: the server on a random port
//! with two operators, a desktop's store, the recipient's upload and syncing until quiet.

// Each test binary uses some of these.
#![allow(dead_code)]

use clipdesk_core::client::ServerClient;
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync;
use clipdesk_server::db::Db;
use clipdesk_server::{Config, RunningServer, Server, tokens};
use tempfile::TempDir;

/// A real server on a random port with a fresh data folder (public rate limit off), and a
/// client for each of its two operators, ana and ben (as another desktop).
pub struct Backend {
    pub server: RunningServer,
    pub data: TempDir,
    pub client: ServerClient,
    pub other: ServerClient,
}

fn token(data: &std::path::Path, name: &str) -> String {
    let db = Db::open(&Config::new(data).database_path()).unwrap();
    let conn = db.lock().unwrap();
    tokens::create(&conn, name).unwrap().as_str().to_owned()
}

pub async fn backend() -> Backend {
    let data = tempfile::tempdir().unwrap();
    let (ana, ben) = (token(data.path(), "ana"), token(data.path(), "ben"));
    let mut config = Config::new(data.path());
    config.public_rate_per_minute = 0;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::start_on(listener, config).await.unwrap();
    Backend {
        client: ServerClient::new(&server.url(), &ana).unwrap(),
        other: ServerClient::new(&server.url(), &ben).unwrap(),
        server,
        data,
    }
}

/// A desktop (its store in a fresh folder, as the app opens it, empty) and the [`Backend`] it
/// syncs with.
pub struct World {
    pub server: RunningServer,
    pub server_data: TempDir,
    pub desk_data: TempDir,
    pub store: StoreHandle,
    pub client: ServerClient,
    /// Another desktop's operator.
    pub other: ServerClient,
}

impl World {
    pub async fn start() -> World {
        let Backend {
            server,
            data,
            client,
            other,
        } = backend().await;
        let desk_data = tempfile::tempdir().unwrap();
        let store = StoreHandle::start(&desk_data.path().join("clipdesk.sqlite3")).unwrap();
        World {
            server,
            server_data: data,
            desk_data,
            store,
            client,
            other,
        }
    }
}

/// Uploads the fixture video through the link `token` in one tus request, as the recipient's
/// page does: the upload's id.
pub async fn upload_video(server: &RunningServer, token: &str) -> String {
    upload_video_with(server, token, &[]).await
}

/// [`upload_video`] with more `Upload-Metadata` pairs (the page's `filetype`, `consent`).
pub async fn upload_video_with(
    server: &RunningServer,
    token: &str,
    extra: &[(&str, &str)],
) -> String {
    use base64::Engine;
    let video = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/videos/no-audio.webm"
    ))
    .unwrap();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/uploads", server.url()))
        .header("tus-resumable", "1.0.0")
        .header("content-type", "application/offset+octet-stream")
        .header("upload-length", video.len().to_string())
        .header(
            "upload-metadata",
            std::iter::once(format!(
                "token {},filename {}",
                b64(token),
                b64("clip.webm")
            ))
            .chain(
                extra
                    .iter()
                    .map(|(key, value)| format!("{key} {}", b64(value))),
            )
            .collect::<Vec<_>>()
            .join(","),
        )
        .body(video)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// Applies feed pages until nothing new comes within a short wait.
pub async fn sync_until_quiet(store: &StoreHandle, client: &ServerClient) {
    loop {
        let after = store.call(|c| sync::cursor(c)).await.unwrap();
        let page = client.events(after, 100, 1).await.unwrap();
        if page.events.is_empty() {
            return;
        }
        store
            .call(move |c| sync::apply_page(c, &page))
            .await
            .unwrap();
    }
}

/// The campaign "spring" (id 1 in a fresh store) that the sync and diagnostics tests put people in.
pub fn insert_spring_campaign(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO campaigns (slug, name, template, landing_title, prompt, dm_url_with_id,
                                dm_url_without_id, created_at, updated_at)
         VALUES ('spring', 'Spring', '{}', 'Spring reviews', 'Show us', 'https://x/{user_id}',
                 'https://x/@{handle}', 0, 0)",
        [],
    )
}
