//! The server a desktop runs inside itself when none is configured: clipdesk-server on
//! 127.0.0.1 (or every interface, when asked), its data beside the app's, with an operator
//! token it made for itself; links are built on its public address when one is set.

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
    // Every interface only when asked (a port forward to this computer needs it).
    let ip = if settings.embedded_listen_all {
        [0, 0, 0, 0]
    } else {
        [127, 0, 0, 1]
    };
    let listener = match tokio::net::TcpListener::bind(SocketAddr::from((ip, wanted))).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::warn!(port = wanted, %err, "embedded server port taken; using a free one");
            tokio::net::TcpListener::bind(SocketAddr::from((ip, 0))).await?
        }
    };
    let port = listener.local_addr()?.port();
    config.listen = SocketAddr::from((ip, port));
    // The desktop itself always talks to it over loopback; links use the public address.
    let url = format!("http://127.0.0.1:{port}");
    config.public_url = Some(
        settings
            .embedded_public_url
            .clone()
            .unwrap_or_else(|| url.clone()),
    );
    let server = Server::start_on(listener, config).await?;
    let saved = Settings {
        embedded_port: Some(port),
        embedded_token: Some(token),
        ..settings.clone()
    };
    Ok((server, url, saved))
}
