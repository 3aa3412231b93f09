//! The server a desktop runs inside itself when none is configured: clipdesk-server on
//! 127.0.0.1, its data beside the app's, with an operator token it made for itself.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use clipdesk_core::settings::Settings;
use clipdesk_server::db::Db;
use clipdesk_server::{Config, RunningServer, Server, tokens};

pub const DEFAULT_PORT: u16 = 8750;

/// Starts the embedded server on the port it used before (links stay valid), or 8750, or any
/// free port when that one is taken; returns it with its URL and token, and the settings to
/// save.
pub async fn start(
    data_dir: &Path,
    settings: &Settings,
) -> anyhow::Result<(RunningServer, String, Settings)> {
    let server_dir = data_dir.join("server");
    std::fs::create_dir_all(&server_dir)
        .with_context(|| format!("cannot create {}", server_dir.display()))?;
    let mut config = Config::new(&server_dir);
    let token = match &settings.embedded_token {
        Some(token) => token.clone(),
        None => {
            let db = Db::open(&config.database_path())?;
            let conn = db.lock()?;
            let name = format!("desktop-{}", std::process::id());
            tokens::create(&conn, &name)?.as_str().to_owned()
        }
    };
    let wanted = settings.embedded_port.unwrap_or(DEFAULT_PORT);
    let listener =
        match tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], wanted))).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(port = wanted, %err, "embedded server port taken; using a free one");
                tokio::net::TcpListener::bind("127.0.0.1:0").await?
            }
        };
    let port = listener.local_addr()?.port();
    config.listen = SocketAddr::from(([127, 0, 0, 1], port));
    let server = Server::start_on(listener, config).await?;
    let url = server.url();
    let saved = Settings {
        embedded_port: Some(port),
        embedded_token: Some(token),
        ..settings.clone()
    };
    Ok((server, url, saved))
}
