use clipdesk_server::{Config, RunningServer, Server};
use tempfile::TempDir;
use tokio::net::TcpListener;

/// The real server on port 0 with a fresh data folder that lives as long as the app.
pub struct TestApp {
    pub server: RunningServer,
    pub data: TempDir,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }
}

pub async fn spawn_app() -> TestApp {
    let data = tempfile::tempdir().expect("temp data dir");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let config = Config::new(data.path());
    let server = Server::start_on(listener, config)
        .await
        .expect("server starts");
    TestApp {
        server,
        data,
        client: reqwest::Client::new(),
    }
}
