//! `clipdesk-server serve` as an operator starts it: the real binary, flags and signals.

use std::process::Command;
use std::time::Duration;

use crate::helpers::{ServerProcess, cli, serve_command};

/// Starts the binary on port 0 with JSON logs and reads the address it logged.
#[tokio::test]
async fn serve_answers_healthz_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(serve_command(&[], data.path()));

    let health: serde_json::Value = reqwest::get(server.url("/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert!(data.path().join("videos").is_dir());

    let status = server.terminate(Duration::from_secs(10));
    assert!(status.success(), "SIGTERM is a clean stop, got {status}");
}

#[tokio::test]
async fn token_create_prints_a_token_that_works_until_it_is_revoked() {
    let app = crate::helpers::spawn_app().await;
    let created = cli(app.data.path(), &["token", "create", "--name", "alice"]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let stdout = String::from_utf8(created.stdout).unwrap();
    let token = stdout
        .lines()
        .last()
        .expect("the token is the last line")
        .trim()
        .to_owned();
    let events = app.url("/api/v1/events");
    let ok = app
        .client
        .get(&events)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    let listed = String::from_utf8(cli(app.data.path(), &["token", "list"]).stdout).unwrap();
    assert!(
        listed.contains("alice") && !listed.contains(&token),
        "{listed}"
    );

    let again = cli(app.data.path(), &["token", "create", "--name", "alice"]);
    assert!(
        !again.status.success(),
        "a second active token of one name is refused"
    );

    assert!(
        cli(app.data.path(), &["token", "revoke", "alice"])
            .status
            .success()
    );
    let refused = app
        .client
        .get(&events)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let listed = String::from_utf8(cli(app.data.path(), &["token", "list"]).stdout).unwrap();
    assert!(listed.contains("revoked"), "{listed}");
    app.server.stop().await.unwrap();
}

#[test]
fn a_config_file_with_a_misspelt_key_stops_serve_with_its_name() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("clipdesk.toml");
    std::fs::write(&config, "listne = \"127.0.0.1:0\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_clipdesk-server"))
        .arg("--config")
        .arg(&config)
        .args(["serve", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("listne"), "{stderr}");
}

/// Every key the README's table lists, in one file: none is refused as unknown, and a bare
/// `--trust-forwarded-for` turns the per-IP connection cap off (the peer is the proxy).
#[test]
fn a_config_file_with_every_documented_key_starts_serve() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("clipdesk.toml");
    std::fs::write(
        &config,
        format!(
            "data = {data:?}\nlisten = \"127.0.0.1:0\"\npublic_url = \"https://clips.example.com\"\n\
             max_upload_bytes = 1000000\nuploads_per_link = 2\nupload_expiry_secs = 600\n\
             sweep_interval_secs = 30\npublic_rate_per_minute = 60\ntrust_forwarded_for = false\n\
             fsync_every_patch = true\nffmpeg = \"ffmpeg\"\nffprobe = \"ffprobe\"\n\
             media_workers = 1\nmedia_job_timeout_secs = 300\nmedia_url_ttl_secs = 600\n\
             body_idle_timeout_secs = 30\nheader_read_timeout_secs = 15\n\
             keep_alive_timeout_secs = 5\nmax_connections = 100\nshutdown_grace_secs = 3\n",
            data = data.path().join("from-file").display().to_string()
        ),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_clipdesk-server"));
    command
        .arg("--config")
        .arg(&config)
        .args(["serve", "--log-format", "json", "--trust-forwarded-for"])
        .env_remove("RUST_LOG");
    let mut server = ServerProcess::start(command);
    let limits = server.logged("connection limits").unwrap();
    assert_eq!(limits["fields"]["max_connections"], 100);
    assert_eq!(limits["fields"]["keep_alive_timeout_secs"], 5);
    assert_eq!(limits["fields"]["max_connections_per_ip"], 0, "no cap");
    assert!(data.path().join("from-file").join("videos").is_dir());
    assert!(server.terminate(Duration::from_secs(10)).success());
}
