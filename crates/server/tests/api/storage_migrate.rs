//! `clipdesk-server storage migrate`: a data folder's videos, received through the real
//! upload path, moved into a real S3-protocol server (s3s-fs) by the real binary.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use clipdesk_protocol::media::{Video, VideoState};
use tempfile::TempDir;

use crate::helpers::{ServerProcess, fixture, operator_token, serve_command, spawn_app_with};
use crate::s3::S3Server;

/// The prefix the tests migrate under, as a team sharing a bucket would use.
const PREFIX: &str = "team-a";

/// A data folder whose videos came in through tus uploads and finished their media jobs, with
/// the bytes of each video's files (`video id → file name → bytes`).
struct Recorded {
    data: TempDir,
    files: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
}

impl Recorded {
    fn ids(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    /// Every key the bucket must hold once all videos moved.
    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .files
            .iter()
            .flat_map(|(id, files)| {
                files
                    .keys()
                    .map(move |name| format!("{PREFIX}/videos/{id}/{name}"))
            })
            .collect();
        keys.sort();
        keys
    }

    fn local_folder(&self, id: &str) -> std::path::PathBuf {
        self.data.path().join("videos").join(id)
    }

    /// Puts a video's local folder back as it was before any migration.
    fn restore_local(&self, id: &str) {
        let dir = self.local_folder(id);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &self.files[id] {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

/// Uploads each fixture through a local-storage server, waits for its media job, stops it.
async fn videos_received(fixtures: &[&str]) -> Recorded {
    let app = spawn_app_with(|c| c.uploads_per_link = 10).await;
    let link = app.link("maya.bakes").await;
    let mut ids = Vec::new();
    for name in fixtures {
        let (status, id) = app.upload(&link.token, fixture(name), name).await;
        assert_eq!(status, 201, "{name}");
        ids.push(id);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    for id in &ids {
        while app.video(id).await.state == VideoState::Received {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{id}'s media job did not finish"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(app.video(id).await.state, VideoState::Ready, "{id}");
    }
    app.server.stop().await.unwrap();
    let mut files = BTreeMap::new();
    for id in ids {
        let dir = app.data.path().join("videos").join(&id);
        let mut by_name = BTreeMap::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            by_name.insert(
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
        assert_eq!(
            by_name.len(),
            3,
            "original, rendition and poster: {by_name:?}"
        );
        files.insert(id, by_name);
    }
    Recorded {
        data: app.data,
        files,
    }
}

/// `clipdesk-server storage migrate --to TO --data DATA ARGS…` as an admin runs it, the
/// credentials in the environment.
fn migrate(data: &Path, to: &str, args: &[&str], credentials: [(&str, String); 2]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clipdesk-server"))
        .args(["storage", "migrate", "--to", to])
        .args(args)
        .arg("--data")
        .arg(data)
        .envs(credentials)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

/// [`migrate`] with `args`, which must succeed; its stdout.
fn migrate_ok_with(recorded: &Recorded, s3: &S3Server, args: &[&str]) -> String {
    let out = migrate(
        recorded.data.path(),
        &s3.storage_url(PREFIX),
        args,
        s3.credentials_env(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "migrate failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// [`migrate_ok_with`] the test bucket's endpoint as flags.
fn migrate_ok(recorded: &Recorded, s3: &S3Server) -> String {
    migrate_ok_with(
        recorded,
        s3,
        &["--s3-endpoint", &s3.endpoint, "--s3-path-style"],
    )
}

/// Asserts every recorded file is in the bucket byte for byte and no local folder is left.
fn assert_all_in_the_bucket(recorded: &Recorded, s3: &S3Server) {
    assert_eq!(s3.keys(""), recorded.keys(), "exactly the videos' files");
    for (id, files) in &recorded.files {
        for (name, bytes) in files {
            let stored =
                std::fs::read(s3.object_path(&format!("{PREFIX}/videos/{id}/{name}"))).unwrap();
            assert!(stored == *bytes, "{id}/{name} is stored with its bytes");
        }
        assert!(
            !recorded.local_folder(id).exists(),
            "{id}'s local folder is removed once its objects are verified"
        );
    }
}

#[tokio::test]
async fn migrated_videos_are_served_from_the_bucket_and_a_second_run_has_nothing_to_do() {
    let recorded = videos_received(&["android-vp8-opus.webm", "iphone-h264.mov"]).await;
    let s3 = S3Server::start();

    let stdout = migrate_ok(&recorded, &s3);
    assert!(stdout.contains("2 video(s) moved"), "{stdout}");
    for id in recorded.ids() {
        assert!(
            stdout.contains(&format!("moved {id}: 3 file(s)")),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("unfinished uploads stay local"),
        "the admin learns uploads in progress are not moved: {stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "next: set storage = \"{}\"",
            s3.storage_url(PREFIX)
        )),
        "the admin learns the next step: {stdout}"
    );
    assert_all_in_the_bucket(&recorded, &s3);

    let again = migrate_ok(&recorded, &s3);
    assert!(again.contains("nothing to move"), "{again}");
    assert_all_in_the_bucket(&recorded, &s3);

    // The server restarted on the bucket: signed media URLs lead to the same bytes.
    let mut command = serve_command(&[], recorded.data.path());
    s3.configure(&mut command, PREFIX);
    let server = ServerProcess::start(command);
    let reviewer = Reviewer::new(&recorded, &server);
    for (id, files) in &recorded.files {
        let video = reviewer.video(id).await;
        for (url, bytes) in media(&video, files) {
            let (served_from, body) = reviewer.play(&url).await;
            assert!(served_from.starts_with(&s3.endpoint), "{served_from}");
            assert!(body == *bytes, "{url} serves the migrated bytes");
        }
        let part = reviewer
            .client
            .get(video.urls.rendition.unwrap())
            .header("range", "bytes=100-199")
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), 206, "seeking in the player still works");
        let body = part.bytes().await.unwrap();
        assert!(
            body == files["rendition.mp4"][100..200],
            "the range asked for"
        );
    }
}

#[tokio::test]
async fn videos_stay_playable_while_migrate_moves_them_under_a_running_server() {
    let recorded = videos_received(&["no-audio.webm"]).await;
    let s3 = S3Server::start();
    // The admin set the bucket in the config file and restarted first: nothing is in it yet.
    let settings = tempfile::tempdir().unwrap();
    let config = settings.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "storage = \"{}\"\ns3_endpoint = \"{}\"\ns3_path_style = true\n",
            s3.storage_url(PREFIX),
            s3.endpoint
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let mut command = serve_command(&[], recorded.data.path());
    command
        .args(["--config", config])
        .envs(s3.credentials_env());
    let server = ServerProcess::start(command);
    let reviewer = Reviewer::new(&recorded, &server);
    let (id, files) = recorded.files.iter().next().unwrap();
    let before = reviewer.video(id).await;
    for (url, bytes) in media(&before, files) {
        let (served_from, body) = reviewer.play(&url).await;
        assert!(
            served_from.starts_with(&server.url("/")),
            "from disk until it is moved: {served_from}"
        );
        assert!(body == *bytes);
    }

    let stdout = migrate_ok_with(&recorded, &s3, &["--config", config]);
    assert!(stdout.contains("1 video(s) moved"), "{stdout}");
    assert!(
        stdout.contains("already set to storage"),
        "nothing left for the admin to do: {stdout}"
    );
    assert_all_in_the_bucket(&recorded, &s3);
    // URLs handed out before the move keep working, now from the bucket.
    for (url, bytes) in media(&before, files) {
        let (served_from, body) = reviewer.play(&url).await;
        assert!(served_from.starts_with(&s3.endpoint), "{served_from}");
        assert!(body == *bytes, "{url}");
    }
}

#[tokio::test]
async fn a_video_whose_media_job_has_not_finished_is_left_local_until_a_later_run() {
    let recorded = videos_received(&["no-audio.webm", "android-vp8-opus.webm"]).await;
    let s3 = S3Server::start();
    let ids = recorded.ids();
    let (busy, done) = (&ids[0], &ids[1]);
    let set_job = |state: &str| {
        let conn = rusqlite::Connection::open(recorded.data.path().join("clipdesk-server.sqlite3"))
            .unwrap();
        conn.execute(
            "UPDATE media_jobs SET state = ?1 WHERE video_id = ?2",
            [state, busy.as_str()],
        )
        .unwrap();
    };
    // As a server restarted mid-job leaves it: queued again, its worker about to read the
    // original.
    set_job("queued");
    let stdout = migrate_ok(&recorded, &s3);
    assert!(
        stdout.contains(&format!(
            "left {busy} local for now: its media job has not finished"
        )),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("moved {done}")), "{stdout}");
    assert!(stdout.contains("run migrate again later"), "{stdout}");
    assert!(
        recorded.local_folder(busy).join("rendition.mp4").exists(),
        "its files are not touched"
    );
    assert!(
        s3.keys(&format!("{PREFIX}/videos/{busy}/")).is_empty(),
        "nothing of it is sent while its job may still change its files"
    );

    set_job("done");
    let stdout = migrate_ok(&recorded, &s3);
    assert!(stdout.contains(&format!("moved {busy}")), "{stdout}");
    assert_all_in_the_bucket(&recorded, &s3);
}

/// An operator's view of a server: a video's signed URLs, and what a player gets from them.
struct Reviewer {
    client: reqwest::Client,
    token: String,
    base: String,
}

impl Reviewer {
    fn new(recorded: &Recorded, server: &ServerProcess) -> Self {
        Self {
            client: reqwest::Client::new(),
            token: operator_token(recorded.data.path(), "reviewer"),
            base: server.url(""),
        }
    }

    async fn video(&self, id: &str) -> Video {
        self.client
            .get(format!("{}/api/v1/videos/{id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// GETs a media URL as a player does (following the redirect to the bucket): the URL that
    /// answered and the bytes.
    async fn play(&self, url: &str) -> (String, Vec<u8>) {
        let response = self.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let served_from = response.url().to_string();
        (served_from, response.bytes().await.unwrap().to_vec())
    }
}

/// A video's three media URLs with the bytes each must serve.
fn media<'a>(video: &Video, files: &'a BTreeMap<String, Vec<u8>>) -> Vec<(String, &'a Vec<u8>)> {
    let original = files
        .iter()
        .find(|(name, _)| name.starts_with("original."))
        .map(|(_, bytes)| bytes)
        .unwrap();
    vec![
        (video.urls.original.clone(), original),
        (
            video.urls.rendition.clone().unwrap(),
            &files["rendition.mp4"],
        ),
        (video.urls.poster.clone().unwrap(), &files["poster.jpg"]),
    ]
}

#[tokio::test]
async fn an_interrupted_migration_resumes_and_sends_only_what_the_bucket_lacks() {
    let recorded = videos_received(&["android-vp8-opus.webm", "no-audio.webm"]).await;
    let s3 = S3Server::start();
    migrate_ok(&recorded, &s3);
    let ids = recorded.ids();
    let (sent, not_deleted) = (&ids[0], &ids[1]);
    // A run cut short: `not_deleted` went up whole but its folder was not removed yet;
    // `sent`'s original never arrived and its rendition holds other bytes of the same size.
    recorded.restore_local(not_deleted);
    recorded.restore_local(sent);
    let original = recorded.files[sent]
        .keys()
        .find(|name| name.starts_with("original."))
        .unwrap();
    std::fs::remove_file(s3.object_path(&format!("{PREFIX}/videos/{sent}/{original}"))).unwrap();
    let rendition = s3.object_path(&format!("{PREFIX}/videos/{sent}/rendition.mp4"));
    let mut other = std::fs::read(&rendition).unwrap();
    other.iter_mut().take(64).for_each(|b| *b = !*b);
    std::fs::write(&rendition, other).unwrap();

    let stdout = migrate_ok(&recorded, &s3);
    assert!(
        stdout.contains(&format!("moved {sent}: 2 file(s)")),
        "the missing original and the differing rendition, not the poster: {stdout}"
    );
    assert!(
        stdout.contains(&format!("{not_deleted} was already in the bucket")),
        "{stdout}"
    );
    assert!(stdout.contains("1 video(s) moved"), "{stdout}");
    assert!(stdout.contains("1 already there"), "{stdout}");
    assert_all_in_the_bucket(&recorded, &s3);
}

#[tokio::test]
async fn a_wrong_endpoint_bucket_or_key_is_named_and_nothing_is_deleted() {
    let recorded = videos_received(&["no-audio.webm"]).await;
    let s3 = S3Server::start();
    let id = &recorded.ids()[0];
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let mut wrong_secret = s3.credentials_env();
    wrong_secret[1].1 = "not-the-secret".to_owned();
    let cases = [
        (
            s3.storage_url(PREFIX),
            &closed,
            s3.credentials_env(),
            "s3://clips/team-a",
        ),
        (
            "s3://no-such-bucket".to_owned(),
            &s3.endpoint,
            s3.credentials_env(),
            "s3://no-such-bucket",
        ),
        (
            s3.storage_url(PREFIX),
            &s3.endpoint,
            wrong_secret,
            "s3://clips/team-a",
        ),
    ];
    for (to, endpoint, credentials, named) in cases {
        let out = migrate(
            recorded.data.path(),
            &to,
            &["--s3-endpoint", endpoint, "--s3-path-style"],
            credentials,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{to} at {endpoint} is refused");
        assert!(
            stderr.contains(&format!("cannot use {named}")) && stderr.contains("nothing was moved"),
            "{stderr}"
        );
        for (name, bytes) in &recorded.files[id] {
            let kept = std::fs::read(recorded.local_folder(id).join(name)).unwrap();
            assert!(kept == *bytes, "{name} is kept as it was");
        }
    }
    assert!(s3.keys("").is_empty(), "nothing was stored");
}

#[tokio::test]
async fn a_video_that_cannot_be_moved_is_named_and_kept_while_the_others_move() {
    let recorded = videos_received(&["no-audio.webm", "android-vp8-opus.webm"]).await;
    let s3 = S3Server::start();
    let ids = recorded.ids();
    let (damaged, fine) = (&ids[0], &ids[1]);
    // A damaged folder: its original is gone from disk and was never sent.
    let original = recorded.files[damaged]
        .keys()
        .find(|name| name.starts_with("original."))
        .unwrap();
    std::fs::remove_file(recorded.local_folder(damaged).join(original)).unwrap();

    let out = migrate(
        recorded.data.path(),
        &s3.storage_url(PREFIX),
        &["--s3-endpoint", &s3.endpoint, "--s3-path-style"],
        s3.credentials_env(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a failure is the exit status: {stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "video {damaged} was not moved: {original} is neither in"
        )),
        "{stderr}"
    );
    assert!(stdout.contains(&format!("FAILED {damaged}")), "{stdout}");
    assert!(stdout.contains(&format!("moved {fine}")), "{stdout}");
    assert!(stdout.contains("1 failed"), "{stdout}");
    for name in ["rendition.mp4", "poster.jpg"] {
        assert!(
            recorded.local_folder(damaged).join(name).exists(),
            "{name} of the failed video is kept"
        );
    }
    assert!(
        s3.keys(&format!("{PREFIX}/videos/{damaged}/")).is_empty(),
        "nothing of a video that cannot be moved whole is sent"
    );
    assert!(!recorded.local_folder(fine).exists());
    assert_eq!(
        s3.keys(&format!("{PREFIX}/videos/{fine}/")).len(),
        3,
        "the other video moved"
    );
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
