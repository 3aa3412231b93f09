//! Videos on object storage: the same upload → media → Range → forget story on local disk and
//! in a real S3-protocol bucket (s3s-fs on loopback), crash re-runs of the finishing step, and
//! the settings an admin can get wrong.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::media::Video;
use clipdesk_server::Config;
use clipdesk_server::objects::{MediaStore, S3Media, S3Settings, Storage};

use crate::helpers::{TestApp, fixture, spawn_app_with, start};
use crate::s3::S3Server;

const PREFIX: &str = "team-a";

/// Where a scenario keeps media.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Backend {
    Local,
    Bucket(S3Media),
}

/// The server on `backend`, with the bucket (if any) it keeps media in.
struct Setup {
    app: TestApp,
    s3: Option<S3Server>,
}

fn settings(s3: &S3Server) -> S3Settings {
    S3Settings {
        endpoint: Some(s3.endpoint.clone()),
        region: "us-east-1".into(),
        path_style: true,
        access_key_id: Some(s3.access_key.clone()),
        secret_access_key: Some(s3.secret_key.clone()),
    }
}

fn use_bucket(config: &mut Config, s3: &S3Server, media: S3Media) {
    config.storage = Storage::parse(&s3.storage_url(PREFIX)).unwrap();
    config.s3_endpoint = Some(s3.endpoint.clone());
    config.s3_path_style = true;
    config.s3_access_key_id = Some(s3.access_key.clone());
    config.s3_secret_access_key = Some(s3.secret_key.clone());
    config.s3_media = media;
}

async fn spawn_on(backend: Backend) -> Setup {
    let s3 = match backend {
        Backend::Local => None,
        Backend::Bucket(_) => Some(S3Server::start()),
    };
    let app = spawn_app_with(|config| {
        if let (Some(s3), Backend::Bucket(media)) = (&s3, backend) {
            use_bucket(config, s3, media);
        }
    })
    .await;
    Setup { app, s3 }
}

impl Setup {
    /// The bytes of a video's `file` where this backend keeps it; `None` when it is not there.
    fn stored(&self, video: &str, file: &str) -> Option<Vec<u8>> {
        let path = match &self.s3 {
            None => self.app.video_file(video, file),
            Some(s3) => s3.object_path(&format!("{PREFIX}/videos/{video}/{file}")),
        };
        std::fs::read(path).ok()
    }

    /// Every object of the bucket (empty without one).
    fn objects(&self) -> Vec<String> {
        self.s3.as_ref().map(|s3| s3.keys("")).unwrap_or_default()
    }
}

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GET `url` with `Range: range`, following a redirect by hand when the server answers one
/// (the bucket then serves the range); the final response.
async fn get_range(url: &str, range: &str, backend: Backend) -> reqwest::Response {
    let client = no_redirects();
    let first = client.get(url).header("range", range).send().await.unwrap();
    if backend != Backend::Bucket(S3Media::Redirect) {
        assert!(
            !first.status().is_redirection(),
            "{backend:?} answers itself"
        );
        return first;
    }
    assert_eq!(first.status(), 307, "a bucket URL to fetch from");
    assert_eq!(first.headers()["cache-control"], "no-store");
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let target = url::Url::parse(&location).unwrap();
    assert!(
        location.contains("X-Amz-Expires=") && location.contains("X-Amz-Signature="),
        "a presigned URL: {location}"
    );
    let expires: u64 = target
        .query_pairs()
        .find(|(k, _)| k == "X-Amz-Expires")
        .map(|(_, v)| v.parse().unwrap())
        .unwrap();
    assert!(expires <= 900, "valid at most 15 minutes, not {expires} s");
    client
        .get(location)
        .header("range", range)
        .send()
        .await
        .unwrap()
}

/// The whole story on one backend: upload, media job, playing with Range, forgetting.
async fn upload_play_and_forget(backend: Backend) {
    let setup = spawn_on(backend).await;
    let app = &setup.app;
    let link = app.link("maya.bakes").await;
    let original = fixture("android-vp8-opus.webm");
    let (status, id) = app.upload(&link.token, original.clone(), "clip.webm").await;
    assert_eq!(status, 201);
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    assert_eq!(
        setup.stored(&id, "original.webm").as_deref(),
        Some(&original[..]),
        "the original is stored whole where {backend:?} keeps media"
    );
    if setup.s3.is_some() {
        assert!(
            !app.video_file(&id, "original.webm").exists(),
            "the local copy is removed once the bucket holds the original"
        );
    }
    assert_eq!(app.files_in("uploads"), 0);

    let (done, _) = crate::media::outcome(app, &id, Duration::from_secs(90)).await;
    assert_eq!(done, EventKind::VideoReady);
    let rendition = setup.stored(&id, "rendition.mp4").expect("a rendition");
    assert!(setup.stored(&id, "poster.jpg").is_some(), "a poster");
    if setup.s3.is_some() {
        assert_eq!(
            app.files_in("videos"),
            0,
            "media jobs leave nothing in videos/ with a bucket"
        );
        let work = app.data.path().join("media-work");
        assert!(
            !work.exists() || std::fs::read_dir(&work).unwrap().count() == 0,
            "the job's temporary copies are removed"
        );
    }

    let v: Video = app.video(&id).await;
    let url = v.urls.rendition.clone().unwrap();
    let len = rendition.len();
    let part = get_range(&url, "bytes=100-1099", backend).await;
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 100-1099/{len}").as_str()
    );
    assert_eq!(
        part.headers()["content-type"],
        "video/mp4",
        "a browser plays it"
    );
    assert_eq!(&part.bytes().await.unwrap()[..], &rendition[100..1100]);
    if backend != Backend::Bucket(S3Media::Redirect) {
        let beyond = get_range(&url, &format!("bytes={}-", len + 10), backend).await;
        assert_eq!(beyond.status(), 416);
        assert_eq!(
            beyond.headers()["content-range"],
            format!("bytes */{len}").as_str()
        );
        let whole = app.client.get(&url).send().await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.headers()["accept-ranges"], "bytes");
        assert_eq!(whole.bytes().await.unwrap().len(), len);
    }
    let poster = app.client.get(v.urls.poster.unwrap()).send().await.unwrap();
    assert_eq!(
        poster.status(),
        200,
        "followed to the bucket when redirected"
    );
    assert_eq!(poster.headers()["content-type"], "image/jpeg");
    let tampered = url.replace("sig=", "sig=x");
    assert_eq!(
        no_redirects().get(&tampered).send().await.unwrap().status(),
        403,
        "our signature is checked before any bucket URL is handed out"
    );

    let forgotten = app
        .delete_link(&format!("{}?forget=true", link.token))
        .await;
    assert_eq!(forgotten.status(), 204);
    assert_eq!(setup.stored(&id, "original.webm"), None);
    assert_eq!(setup.stored(&id, "rendition.mp4"), None);
    assert_eq!(
        setup.objects(),
        Vec::<String>::new(),
        "forget empties the bucket"
    );
    assert_eq!(app.files_in("videos"), 0);
    assert_eq!(no_redirects().get(&url).send().await.unwrap().status(), 404);
    setup.app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_video_goes_from_upload_to_forget_on_local_disk() {
    upload_play_and_forget(Backend::Local).await;
}

#[tokio::test]
async fn a_video_goes_from_upload_to_forget_in_a_bucket_that_desktops_are_redirected_to() {
    upload_play_and_forget(Backend::Bucket(S3Media::Redirect)).await;
}

#[tokio::test]
async fn a_video_goes_from_upload_to_forget_in_a_bucket_proxied_through_the_server() {
    upload_play_and_forget(Backend::Bucket(S3Media::Proxy)).await;
}

/// The server on `data` with media in `s3`, as after a restart.
async fn restart_on(data: tempfile::TempDir, token: String, s3: &S3Server) -> TestApp {
    let mut config = Config::new(data.path());
    config.public_rate_per_minute = 0;
    use_bucket(&mut config, s3, S3Media::Proxy);
    TestApp {
        server: start(config).await,
        data,
        client: reqwest::Client::new(),
        token,
    }
}

fn video_id_of_upload(data: &Path, upload: &str) -> String {
    let conn = rusqlite::Connection::open(data.join("clipdesk-server.sqlite3")).unwrap();
    conn.query_row(
        "SELECT video_id FROM uploads WHERE id = ?1",
        [upload],
        |row| row.get(0),
    )
    .unwrap()
}

#[tokio::test]
async fn a_crash_after_the_put_but_before_the_video_row_is_finished_at_restart() {
    let s3 = S3Server::start();
    let app = spawn_app_with(|config| use_bucket(config, &s3, S3Media::Proxy)).await;
    let link = app.link("maya.bakes").await;
    let original = fixture("android-vp8-opus.webm");
    let location = app.tus_first_half(&link.token, &original).await;
    let upload = crate::helpers::upload_id(&location).to_owned();
    let TestApp {
        server,
        data,
        token,
        ..
    } = app;
    server.stop().await.unwrap();
    // The state a crash right after the put leaves: every byte moved into videos/, the
    // object in the bucket, no video row yet.
    let video = video_id_of_upload(data.path(), &upload);
    let folder = data.path().join("videos").join(&video);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("original.webm"), &original).unwrap();
    std::fs::remove_file(data.path().join("uploads").join(&upload)).unwrap();
    let store = MediaStore::from_url(&s3.storage_url(PREFIX), &settings(&s3)).unwrap();
    store
        .put_file(
            &store.key_for(&video, "original.webm"),
            &folder.join("original.webm"),
        )
        .await
        .unwrap();

    let app = restart_on(data, token, &s3).await;
    assert_eq!(
        app.count_events(EventKind::VideoReceived).await,
        1,
        "start-up recovery finishes the upload once"
    );
    assert_eq!(app.video_of(&upload).await, video);
    assert!(
        !folder.exists(),
        "the local copy is released once the row exists"
    );
    assert_eq!(
        std::fs::read(s3.object_path(&format!("{PREFIX}/videos/{video}/original.webm"))).unwrap(),
        original
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_crash_after_the_video_row_but_before_the_local_copy_is_removed_is_cleaned_at_restart() {
    let s3 = S3Server::start();
    let app = spawn_app_with(|config| {
        use_bucket(config, &s3, S3Media::Proxy);
        // No media job: the folder stays as the finishing step left it.
        config.ffmpeg = "/nonexistent/ffmpeg".into();
    })
    .await;
    let link = app.link("maya.bakes").await;
    let original = fixture("android-vp8-opus.webm");
    let (_, video) = app.upload(&link.token, original.clone(), "clip.webm").await;
    let TestApp {
        server,
        data,
        token,
        ..
    } = app;
    server.stop().await.unwrap();
    // The local copy a crash right after the transaction keeps.
    let folder = data.path().join("videos").join(&video);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("original.webm"), &original).unwrap();

    let app = restart_on(data, token, &s3).await;
    assert!(
        !folder.exists(),
        "start-up removes the copy the bucket holds"
    );
    assert_eq!(app.count_events(EventKind::VideoReceived).await, 1);
    let v: Video = app.video(&video).await;
    let original_back = app.client.get(&v.urls.original).send().await.unwrap();
    assert_eq!(original_back.status(), 200);
    assert_eq!(original_back.bytes().await.unwrap(), original);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_video_still_on_disk_is_served_from_disk_when_the_bucket_lacks_it() {
    let s3 = S3Server::start();
    // Uploaded while the server kept media locally…
    let app = spawn_app_with(|config| config.ffmpeg = "/nonexistent/ffmpeg".into()).await;
    let link = app.link("maya.bakes").await;
    let original = fixture("android-vp8-opus.webm");
    let (_, video) = app.upload(&link.token, original.clone(), "clip.webm").await;
    let TestApp {
        server,
        data,
        token,
        ..
    } = app;
    server.stop().await.unwrap();
    // …then restarted on a bucket before `storage migrate` moved it.
    let app = restart_on(data, token, &s3).await;
    let v: Video = app.video(&video).await;
    let served = app.client.get(&v.urls.original).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap(), original);
    assert!(
        app.video_file(&video, "original.webm").exists(),
        "a file the bucket does not hold is never removed"
    );
    app.server.stop().await.unwrap();
}

/// `clipdesk-server CMD --data … ARGS` without any S3 credentials in the environment.
fn run(cmd: &str, data: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clipdesk-server"));
    command.arg(cmd).arg("--data").arg(data).args(args);
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "CLIPDESK_CONFIG",
        "CLIPDESK_STORAGE",
        "CLIPDESK_S3_ENDPOINT",
        "CLIPDESK_PUBLIC_URL",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied()).output().unwrap()
}

#[test]
fn wrong_storage_settings_stop_the_start_with_the_setting_named() {
    let data = tempfile::tempdir().unwrap();
    let creds = [("AWS_ACCESS_KEY_ID", "k"), ("AWS_SECRET_ACCESS_KEY", "s")];
    for (args, env, says) in [
        (vec!["--storage", "gs://clips"], &creds[..], "storage"),
        (vec!["--storage", "s3://"], &creds[..], "bucket"),
        (
            vec!["--storage", "s3://clips", "--s3-endpoint", "minio:9000"],
            &creds[..],
            "s3_endpoint",
        ),
        (vec!["--storage", "s3://clips"], &[][..], "credentials"),
        (
            vec![
                "--storage",
                "s3://clips",
                "--s3-endpoint",
                "http://127.0.0.1:9000",
            ],
            &creds[..],
            "s3_path_style",
        ),
        (
            vec!["--storage", "s3://clips", "--s3-media", "stream"],
            &creds[..],
            "s3_media",
        ),
    ] {
        let mut all = vec!["--listen", "127.0.0.1:0"];
        all.extend(&args);
        let out = run("serve", data.path(), &all, env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} must not start");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert!(
        !data.path().join("clipdesk-server.sqlite3").exists(),
        "nothing is written before the settings are checked"
    );
}

#[test]
fn doctor_says_whether_the_bucket_takes_our_writes() {
    let s3 = S3Server::start();
    let data = tempfile::tempdir().unwrap();
    let args = s3.server_args(PREFIX);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let storage_line = |out: &std::process::Output| -> String {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.contains("storage: "))
            .unwrap_or_else(|| panic!("a storage line: {out:?}"))
            .to_owned()
    };
    let doctor = |args: &[&str], secret: &str| {
        let out = run(
            "doctor",
            data.path(),
            args,
            &[
                ("AWS_ACCESS_KEY_ID", &s3.access_key),
                ("AWS_SECRET_ACCESS_KEY", secret),
            ],
        );
        storage_line(&out)
    };
    let line = doctor(&args, &s3.secret_key);
    assert!(line.starts_with("ok"), "{line}");
    assert!(line.contains("reachable and writable"), "{line}");
    assert_eq!(s3.keys(""), Vec::<String>::new(), "the probe is deleted");

    let line = doctor(&args, "not-the-secret");
    assert!(line.starts_with("FAIL"), "{line}");

    // A misspelled bucket fails too, though s3s-fs would make one on the first put.
    let misspelled: Vec<String> = args
        .iter()
        .map(|a| a.replace(&format!("s3://{}/", s3.bucket), "s3://no-such-bucket/"))
        .collect();
    assert_ne!(misspelled, args, "the bucket is in the arguments");
    let misspelled: Vec<&str> = misspelled.iter().map(String::as_str).collect();
    let line = doctor(&misspelled, &s3.secret_key);
    assert!(line.starts_with("FAIL"), "{line}");
    assert!(
        !s3.root.path().join("no-such-bucket").exists(),
        "no bucket was made"
    );
}

#[tokio::test]
async fn a_large_original_goes_up_in_parts_and_comes_back_byte_for_byte() {
    use sha2::{Digest, Sha256};
    let s3 = S3Server::start();
    let store = MediaStore::from_url(&s3.storage_url(PREFIX), &settings(&s3)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Over the one-PUT limit (8 MiB), not a whole number of 8 MiB parts.
    let bytes: Vec<u8> = (0..(21 << 20) + 12345u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let local = dir.path().join("original.mp4");
    std::fs::write(&local, &bytes).unwrap();
    let key = store.key_for("v1", "original.mp4");
    let report = store.put_file(&key, &local).await.unwrap();
    assert_eq!(report.size, bytes.len() as u64);
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(report.sha256_hex, sha);
    assert_eq!(std::fs::read(s3.object_path(&key)).unwrap(), bytes);
    assert_eq!(store.head(&key).await.unwrap(), Some(bytes.len() as u64));

    let back = dir.path().join("back.mp4");
    store.get_to_file(&key, &back).await.unwrap();
    assert_eq!(std::fs::read(&back).unwrap(), bytes);

    store.delete_prefix("v1").await.unwrap();
    assert_eq!(store.head(&key).await.unwrap(), None);
    store
        .delete_prefix("v1")
        .await
        .expect("a video without objects is no error");
}

#[tokio::test]
async fn a_backup_with_a_bucket_copies_the_database_and_says_the_media_stay_in_the_bucket() {
    let s3 = S3Server::start();
    let app = spawn_app_with(|config| {
        use_bucket(config, &s3, S3Media::Redirect);
        config.ffmpeg = "/nonexistent/ffmpeg".into();
    })
    .await;
    let link = app.link("maya.bakes").await;
    let (_, video) = app
        .upload(&link.token, fixture("android-vp8-opus.webm"), "clip.webm")
        .await;
    let settings = app.data.path().join("settings.toml");
    std::fs::write(
        &settings,
        format!(
            "storage = \"{}\"\ns3_endpoint = \"{}\"\ns3_path_style = true\n\
             s3_access_key_id = \"{}\"\ns3_secret_access_key = \"{}\"\n",
            s3.storage_url(PREFIX),
            s3.endpoint,
            s3.access_key,
            s3.secret_key
        ),
    )
    .unwrap();
    let to = tempfile::tempdir().unwrap();
    let backup = to.path().join("b1");
    let data = app.data.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        let config = settings.to_string_lossy().into_owned();
        let to = backup.to_string_lossy().into_owned();
        run("backup", &data, &["--config", &config, "--to", &to], &[])
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.contains(&format!(
            "media are in {} and were not copied",
            s3.storage_url(PREFIX)
        )),
        "{stdout}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(to.path().join("b1/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["videos"], 1);
    assert_eq!(manifest["media_storage"], s3.storage_url(PREFIX).as_str());
    let paths: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths.iter().any(|p| p.contains(&video)),
        "the video's files are in the bucket, not in the backup: {paths:?}"
    );
    app.server.stop().await.unwrap();
}
