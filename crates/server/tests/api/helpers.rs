use std::path::Path;

use clipdesk_protocol::api::{CreatedLinks, EventsPage, IssuedLink};
use clipdesk_server::db::Db;
use clipdesk_server::{Config, RunningServer, Server, tokens};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpListener;

/// The real server on port 0 with a fresh data folder that lives as long as the app, and an
/// operator token made the way `clipdesk-server token create` makes it.
pub struct TestApp {
    pub server: RunningServer,
    pub data: TempDir,
    pub client: reqwest::Client,
    pub token: String,
}

pub fn operator_token(data: &Path, name: &str) -> String {
    let config = Config::new(data);
    let db = Db::open(&config.database_path()).expect("database opens");
    let conn = db.lock().expect("database lock");
    tokens::create(&conn, name)
        .expect("token created")
        .as_str()
        .to_owned()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let data = tempfile::tempdir().expect("temp data dir");
    let token = operator_token(data.path(), "tester");
    let mut config = Config::new(data.path());
    config.public_rate_per_minute = 0;
    adjust(&mut config);
    let server = start(config).await;
    TestApp {
        server,
        data,
        client: reqwest::Client::new(),
        token,
    }
}

pub async fn start(config: Config) -> RunningServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    Server::start_on(listener, config)
        .await
        .expect("server starts")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    /// Stops the server gracefully and starts a new one on the same data folder.
    pub async fn restart(self) -> TestApp {
        let TestApp {
            server,
            data,
            client,
            token,
        } = self;
        server.stop().await.expect("server stops");
        let mut config = Config::new(data.path());
        config.public_rate_per_minute = 0;
        TestApp {
            server: start(config).await,
            data,
            client,
            token,
        }
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.token)
    }

    pub async fn put_campaign(&self, slug: &str, body: Value) -> reqwest::Response {
        self.client
            .put(self.url(&format!("/api/v1/campaigns/{slug}")))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn campaign(&self, slug: &str) {
        let response = self
            .put_campaign(
                slug,
                json!({"title": "Spring reviews", "prompt": "Tell us what you baked", "max_duration_s": 60}),
            )
            .await;
        assert!(response.status().is_success(), "{}", response.status());
    }

    pub async fn post_links(&self, slug: &str, recipients: Value) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/campaigns/{slug}/links")))
            .bearer_auth(&self.token)
            .json(&json!({ "recipients": recipients }))
            .send()
            .await
            .expect("request sent")
    }

    /// A campaign `spring` with one link for `handle`.
    pub async fn link(&self, handle: &str) -> IssuedLink {
        self.campaign("spring").await;
        let response = self
            .post_links(
                "spring",
                json!([{ "handle": handle, "display_name": "Maya" }]),
            )
            .await;
        assert_eq!(response.status(), 200);
        let mut links: CreatedLinks = response.json().await.expect("links json");
        links.links.remove(0)
    }

    pub async fn events(&self, after: i64) -> EventsPage {
        let response = self
            .get(&format!("/api/v1/events?after={after}&limit=1000"))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200);
        response.json().await.expect("events json")
    }

    pub async fn event_kinds(&self) -> Vec<String> {
        self.events(0)
            .await
            .events
            .iter()
            .map(|e| e.kind.as_str().to_owned())
            .collect()
    }
}

/// tus `Upload-Metadata` for a link token and file name.
pub fn tus_metadata(token: &str, filename: &str) -> String {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    format!(
        "token {},filename {},filetype {},consent {}",
        b64(token),
        b64(filename),
        b64("video/webm"),
        b64("I agree that my video may be used.")
    )
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/videos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
