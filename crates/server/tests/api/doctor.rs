//! The instance id `/healthz` answers, and `clipdesk-server doctor` as an operator runs it
//! (the real binary) against a real server.

use std::path::Path;

use clipdesk_protocol::Health;
use clipdesk_protocol::reach::{DoctorReport, DoctorVerdict};

use crate::helpers::{TestApp, spawn_app};

/// `clipdesk-server doctor --data DATA ARGS…`, its exit status and its lines, with `path` as
/// PATH when given. Async, so the server in this test's runtime can answer the doctor.
async fn doctor(data: &Path, args: &[&str], path: Option<&Path>) -> (bool, Vec<String>) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_clipdesk-server"));
    command.arg("doctor").arg("--data").arg(data).args(args);
    for var in [
        "CLIPDESK_CONFIG",
        "CLIPDESK_PUBLIC_URL",
        "CLIPDESK_LISTEN",
        "CLIPDESK_FFMPEG",
        "CLIPDESK_FFPROBE",
    ] {
        command.env_remove(var);
    }
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = command.output().await.expect("doctor runs");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 report");
    assert!(
        output.stderr.is_empty(),
        "the report is on stdout: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.success(),
        stdout.lines().map(str::to_owned).collect(),
    )
}

/// The report's line for `check`.
fn line<'a>(lines: &'a [String], check: &str) -> &'a str {
    let prefix = format!("{check}: ");
    lines
        .iter()
        .find(|l| l.get(6..).is_some_and(|rest| rest.starts_with(&prefix)))
        .unwrap_or_else(|| panic!("no {check:?} line in {lines:#?}"))
}

async fn doctor_of(app: &TestApp, public_url: &str) -> (bool, Vec<String>) {
    doctor(app.data.path(), &["--public-url", public_url], None).await
}

async fn health(app: &TestApp) -> Health {
    app.visit("/healthz").await.json().await.unwrap()
}

#[tokio::test]
async fn healthz_names_the_data_folders_instance_which_survives_a_restart() {
    let app = spawn_app().await;
    let first = health(&app).await.instance_id;
    assert_eq!(first.len(), 22, "128 random bits, base64url");
    assert_eq!(first, app.server.instance_id());
    let stored = std::fs::read_to_string(app.data.path().join("instance-id")).unwrap();
    assert_eq!(stored.trim(), first, "kept with the data");

    let other = spawn_app().await;
    assert_ne!(
        health(&other).await.instance_id,
        first,
        "another data folder is another instance"
    );
    other.server.stop().await.unwrap();

    let app = app.restart().await;
    assert_eq!(health(&app).await.instance_id, first);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn doctor_passes_on_a_good_setup_with_a_line_per_check() {
    let app = spawn_app().await;
    let (passed, lines) = doctor_of(&app, &app.server.url()).await;
    assert!(passed, "{lines:#?}");
    for check in [
        "ffmpeg",
        "ffprobe",
        "data folder",
        "secret key",
        "database",
        "public URL",
        "clock",
    ] {
        assert!(
            line(&lines, check).starts_with("ok "),
            "{check}: {lines:#?}"
        );
    }
    assert!(line(&lines, "ffmpeg").contains("libx264, aac"));
    assert!(
        line(&lines, "public URL").contains(&format!(
            "answers as this server (instance {}",
            app.server.instance_id()
        )),
        "{lines:#?}"
    );
    // A loopback public URL works here but not for phones: a warning, not a failure.
    assert!(line(&lines, "links").starts_with("warn"), "{lines:#?}");
    assert!(lines.last().unwrap().ends_with("0 FAIL"), "{lines:#?}");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn doctor_fails_naming_ffmpeg_when_it_is_not_on_the_path() {
    let app = spawn_app().await;
    let empty = tempfile::tempdir().unwrap();
    let (passed, lines) = doctor(
        app.data.path(),
        &["--public-url", &app.server.url()],
        Some(empty.path()),
    )
    .await;
    assert!(!passed, "a missing ffmpeg is a failed deployment");
    for tool in ["ffmpeg", "ffprobe"] {
        let line = line(&lines, tool);
        assert!(line.starts_with("FAIL"), "{line}");
        assert!(
            line.contains("apt install ffmpeg"),
            "says what to do: {line}"
        );
    }
    assert!(line(&lines, "public URL").starts_with("ok"), "{lines:#?}");
    app.server.stop().await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn doctor_fails_when_the_secret_key_is_readable_by_everyone() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let key = app.data.path().join("secret.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (passed, lines) = doctor_of(&app, &app.server.url()).await;
    assert!(!passed);
    let line = line(&lines, "secret key");
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(line.contains("mode 644"), "{line}");
    assert!(
        line.contains(&format!("chmod 600 {}", key.display())),
        "{line}"
    );

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (passed, lines) = doctor_of(&app, &app.server.url()).await;
    assert!(passed, "fixed: {lines:#?}");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn doctor_fails_when_the_public_url_reaches_another_clipdesk_server() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    let (passed, lines) = doctor_of(&app, &other.server.url()).await;
    assert!(!passed);
    let line = line(&lines, "public URL");
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(
        line.contains(&format!(
            "reached a different clipdesk-server (instance {}",
            other.server.instance_id()
        )),
        "{line}"
    );
    assert!(line.contains(app.server.instance_id()), "{line}");
    other.server.stop().await.unwrap();
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn doctor_fails_when_nothing_listens_at_the_public_url() {
    let app = spawn_app().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let (passed, lines) = doctor_of(&app, &format!("http://{closed}")).await;
    assert!(!passed);
    let line = line(&lines, "public URL");
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(line.contains("connection refused"), "{line}");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn doctor_says_what_answered_when_the_public_url_is_not_clipdesk() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    // A web server that answers everything with its own page, as a default vhost does.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let site = tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            let body = "<html><body>Welcome to nginx!</body></html>";
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    let (passed, lines) = doctor_of(&app, &format!("http://{addr}")).await;
    site.abort();
    assert!(!passed);
    let line = line(&lines, "public URL");
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(line.contains("not clipdesk-server"), "{line}");
    assert!(
        line.contains("Welcome to nginx"),
        "says what answered: {line}"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn doctor_gives_up_on_a_public_url_that_never_answers() {
    let app = spawn_app().await;
    // Accepts connections and never says a word, as a black-holing firewall or a hung proxy.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            held.push(socket);
        }
    });
    let started = std::time::Instant::now();
    let (passed, lines) = doctor_of(&app, &format!("http://{addr}")).await;
    silent.abort();
    assert!(!passed);
    let line = line(&lines, "public URL");
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(line.contains("no answer within 10 s"), "{line}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the wait is bounded"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_operator_reads_the_servers_own_doctor_over_the_api_and_others_are_refused() {
    let app = spawn_app().await;
    let anonymous = app
        .client
        .get(app.url("/api/v1/doctor"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        anonymous.status(),
        401,
        "the doctor names paths and versions"
    );

    let response = app.get("/api/v1/doctor").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let report: DoctorReport = response.json().await.unwrap();
    let names: Vec<&str> = report.lines.iter().map(|l| l.name.as_str()).collect();
    for check in [
        "ffmpeg",
        "ffprobe",
        "data folder",
        "secret key",
        "database",
        "links",
        "public URL",
        "clock",
    ] {
        assert!(names.contains(&check), "{check} is in {names:?}");
    }
    let by_name = |name: &str| {
        report
            .lines
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("{name} line"))
    };
    // The server fetched its own /healthz from inside a request, and answered as itself.
    let public = by_name("public URL");
    assert_eq!(public.verdict, DoctorVerdict::Ok, "{}", public.message);
    assert!(
        public.message.contains(app.server.instance_id()),
        "{}",
        public.message
    );
    let links = by_name("links");
    assert_eq!(links.verdict, DoctorVerdict::Warn, "{}", links.message);
    assert!(
        links.message.contains("only this computer"),
        "{}",
        links.message
    );
    assert!(report.summary.ends_with("0 FAIL"), "{}", report.summary);
    assert!(!report.failed);
    app.server.stop().await.unwrap();
}
