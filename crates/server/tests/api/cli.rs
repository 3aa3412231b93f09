//! `clipdesk-server serve` as an operator starts it: the real binary, flags and signals.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Starts the binary on port 0 with JSON logs and reads the address it logged.
#[tokio::test]
async fn serve_answers_healthz_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_clipdesk-server"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--data",
        ])
        .arg(data.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if let Some(addr) = json["fields"]["addr"].as_str() {
                let _ = tx.send(addr.to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the server logs the address it listens on as JSON");

    let health: serde_json::Value = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert!(data.path().join("videos").is_dir());

    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = wait_with_timeout(&mut child, Duration::from_secs(10));
    assert!(status.success(), "SIGTERM is a clean stop, got {status}");
}

fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child
            .try_wait()
            .expect("the server process can be waited on")
        {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("server did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn cli(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_clipdesk-server"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap()
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
