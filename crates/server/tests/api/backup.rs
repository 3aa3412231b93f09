//! `clipdesk-server backup` while the server takes uploads and reviews, and `restore` into a
//! new folder: the real binary, a real server, real SQLite and ffmpeg.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clipdesk_protocol::api::{Event, EventKind};
use clipdesk_protocol::media::{Video, VideoState, VideosPage};
use clipdesk_server::Config;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fixture, spawn_app, spawn_app_with, start, upload_id};

/// `clipdesk-server ARGS…`: whether it succeeded, its stdout and its stderr. Async, so the
/// server in this test's runtime keeps answering while it runs.
async fn cli(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_clipdesk-server"))
        .args(args)
        .env_remove("CLIPDESK_CONFIG")
        .env_remove("CLIPDESK_DATA")
        .output()
        .await
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn backup(data: &Path, to: &Path) -> (bool, String, String) {
    cli(&[
        "backup".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--to".as_ref(),
        to.as_os_str(),
    ])
    .await
}

async fn restore(from: &Path, data: &Path) -> (bool, String, String) {
    cli(&[
        "restore".as_ref(),
        "--from".as_ref(),
        from.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ])
    .await
}

fn manifest(backup: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap()
}

async fn all_videos(app: &TestApp) -> Vec<Video> {
    let page: VideosPage = app.get_json("/api/v1/videos?after=0&limit=200").await;
    assert!(!page.more, "the test makes fewer than 200 videos");
    page.videos
}

/// Uploads clips until told to stop: whole ones, and ones sent in two PATCHes, so the data
/// folder has uploads in progress too.
async fn keep_uploading(app: Arc<TestApp>, token: String, stop: Arc<AtomicBool>) -> usize {
    let clip = fixture("no-audio.webm");
    let mut made = 0usize;
    while !stop.load(Ordering::Relaxed) && made < 12 {
        if made.is_multiple_of(2) {
            let (status, _) = app.upload(&token, clip.clone(), "clip.webm").await;
            assert_eq!(status, 201);
        } else {
            let location = app.tus_first_half(&token, &clip).await;
            tokio::time::sleep(Duration::from_millis(30)).await;
            let rest = app.tus_second_half(&location, &clip).await;
            assert_eq!(rest.status(), 204);
        }
        made += 1;
    }
    made
}

/// Decides on videos, each time on the version it last saw, until told to stop.
async fn keep_reviewing(app: Arc<TestApp>, stop: Arc<AtomicBool>) -> usize {
    let mut decided = 0;
    let mut turn = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let videos = all_videos(&app).await;
        if videos.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        turn += 1;
        let video = &videos[turn % videos.len()];
        let decision = if turn.is_multiple_of(3) {
            "rejected"
        } else {
            "approved"
        };
        let saved = app
            .put_json(
                &format!("/api/v1/videos/{}/review", video.id),
                json!({"decision": decision, "note": format!("take {turn}"), "version": video.review.version}),
            )
            .await;
        assert!(
            [200, 409].contains(&saved.status().as_u16()),
            "{}",
            saved.status()
        );
        decided += usize::from(saved.status() == 200);
    }
    decided
}

/// The one `original.*` in a video's folder.
fn original_in(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir).ok()?.find_map(|e| {
        let path = e.ok()?.path();
        path.file_name()?
            .to_str()?
            .starts_with("original.")
            .then_some(path)
    })
}

fn names_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The restored folder, before any server touched it: every video row has its files and
/// every file belongs to a row.
fn assert_files_and_rows_agree(data: &Path) {
    let conn = rusqlite::Connection::open(data.join("clipdesk-server.sqlite3")).unwrap();
    let videos: BTreeMap<String, String> = conn
        .prepare("SELECT id, state FROM videos")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let receiving: Vec<(String, Option<String>)> = conn
        .prepare("SELECT id, video_id FROM uploads WHERE state = 'receiving'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, state) in &videos {
        let dir = data.join("videos").join(id);
        assert!(original_in(&dir).is_some(), "video {id} has its original");
        if state == "ready" {
            for file in ["rendition.mp4", "poster.jpg"] {
                assert!(dir.join(file).is_file(), "ready video {id} has {file}");
            }
        }
    }
    let finishing: HashSet<&str> = receiving.iter().filter_map(|(_, v)| v.as_deref()).collect();
    for folder in names_in(&data.join("videos")) {
        assert!(
            videos.contains_key(&folder) || finishing.contains(folder.as_str()),
            "videos/{folder} belongs to a video or an upload being finished"
        );
    }
    let parts: HashSet<&str> = receiving.iter().map(|(id, _)| id.as_str()).collect();
    for part in names_in(&data.join("uploads")) {
        assert!(
            parts.contains(part.as_str()),
            "uploads/{part} is an upload in progress"
        );
    }
}

#[tokio::test]
async fn a_backup_taken_while_uploads_and_reviews_are_written_restores_to_a_server_whose_files_and_rows_agree()
 {
    let app = spawn_app_with(|c| c.uploads_per_link = 1000).await;
    let link = app.link("maya.bakes").await;
    // One video converted before the backup, so renditions and posters are in it.
    let (status, first) = app
        .upload(&link.token, fixture("no-audio.webm"), "clip.webm")
        .await;
    assert_eq!(status, 201);
    let mut ready = false;
    for _ in 0..600 {
        if app.video(&first).await.state == VideoState::Ready {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the first video was converted");
    // An upload left half sent: a phone that will resume it.
    let clip = fixture("no-audio.webm");
    let half_sent = app.tus_create(&link.token, clip.len()).await;
    let sent = app.tus_patch(&half_sent, 0, clip[..1000].to_vec()).await;
    assert_eq!(sent.status(), 204);

    let app = Arc::new(app);
    let stop = Arc::new(AtomicBool::new(false));
    let uploader = tokio::spawn(keep_uploading(
        app.clone(),
        link.token.clone(),
        stop.clone(),
    ));
    let reviewer = tokio::spawn(keep_reviewing(app.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup-1");
    let (ok, stdout, stderr) = backup(app.data.path(), &copy).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("backed up"), "{stdout}");

    stop.store(true, Ordering::Relaxed);
    let uploaded = uploader.await.unwrap();
    let decided = reviewer.await.unwrap();
    assert!(
        uploaded > 0 && decided > 0,
        "writes went on around the backup"
    );
    let original_feed = app.events(0).await.events;
    let original_instance = app.server.instance_id().to_owned();
    let token = app.token.clone();
    let client = app.client.clone();
    let app = Arc::try_unwrap(app).ok().expect("the writers are done");
    app.server.stop().await.unwrap();

    let manifest = manifest(&copy);
    let last = manifest["last_event_seq"].as_i64().unwrap();
    assert!(
        original_feed.last().unwrap().seq > last,
        "the server went on writing after the snapshot"
    );
    assert_eq!(manifest["instance_id"], original_instance.as_str());
    let restored_dir = dir.path().join("restored");
    let (ok, stdout, stderr) = restore(&copy, &restored_dir).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("restored"), "{stdout}");
    assert_files_and_rows_agree(&restored_dir);

    let restored = TestApp {
        server: start(Config::new(&restored_dir)).await,
        // Unused: the restored folder lives in `dir`.
        data: tempfile::tempdir().unwrap(),
        client,
        token,
    };
    assert_ne!(
        restored.server.instance_id(),
        original_instance,
        "a restored copy is another instance"
    );

    // The feed as of the snapshot, event for event; later ones are the restored server's own.
    let restored_feed = restored.events(0).await.events;
    let as_of =
        |feed: &[Event]| -> Vec<Event> { feed.iter().filter(|e| e.seq <= last).cloned().collect() };
    assert_eq!(as_of(&restored_feed), as_of(&original_feed));
    assert_eq!(
        as_of(&restored_feed).len() as i64,
        last,
        "no gap in the feed"
    );

    // Every review as the snapshot's feed last said it.
    let videos = all_videos(&restored).await;
    assert!(
        videos.len() >= 2,
        "videos made before and around the backup"
    );
    for video in &videos {
        let said = as_of(&original_feed)
            .into_iter()
            .rev()
            .find(|e| {
                e.kind == EventKind::ReviewSet && e.video_id.as_deref() == Some(video.id.as_str())
            })
            .map_or(0, |e| e.detail["version"].as_i64().unwrap());
        assert_eq!(video.review.version, said, "review of {}", video.id);
        // And the restored server has the files of every video it lists.
        let folder = restored_dir.join("videos").join(&video.id);
        assert!(
            original_in(&folder).is_some(),
            "{} has its original",
            video.id
        );
        if video.state == VideoState::Ready {
            assert!(folder.join("rendition.mp4").is_file());
            assert!(folder.join("poster.jpg").is_file());
        }
    }
    assert!(
        videos
            .iter()
            .any(|v| v.id == first && v.state == VideoState::Ready),
        "the converted video is restored converted"
    );

    // The half-sent upload resumes on the restored server where it stopped.
    let path = format!("/api/v1/uploads/{}", upload_id(&half_sent));
    assert_eq!(restored.head_offset(&restored.url(&path)).await, 1000);
    restored.server.stop().await.unwrap();
}

/// A small data folder with one video, backed up; the backup's folder.
async fn one_backup(dir: &Path) -> PathBuf {
    let app = spawn_app().await;
    let link = app.link("maya.bakes").await;
    let (status, _) = app
        .upload(&link.token, fixture("no-audio.webm"), "clip.webm")
        .await;
    assert_eq!(status, 201);
    let copy = dir.join("backup");
    let (ok, _, stderr) = backup(app.data.path(), &copy).await;
    assert!(ok, "{stderr}");
    app.server.stop().await.unwrap();
    copy
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The backed-up original's path inside `backup`, from its manifest.
fn original_of(backup: &Path) -> PathBuf {
    let manifest = manifest(backup);
    let path = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .find(|p| p.contains("/original."))
        .expect("the video's original is in the backup")
        .to_owned();
    backup.join(path)
}

#[tokio::test]
async fn restore_refuses_a_folder_that_is_not_empty_and_leaves_it_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let copy = one_backup(dir.path()).await;
    let target = dir.path().join("in-use");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), "mine").unwrap();

    let (ok, _, stderr) = restore(&copy, &target).await;
    assert!(!ok);
    assert!(stderr.contains("is not empty"), "{stderr}");
    assert!(
        stderr.contains("notes.txt"),
        "names what is there: {stderr}"
    );
    assert_eq!(names_in(&target), ["notes.txt"], "nothing added");

    // An empty folder (as a service's state directory is) is fine.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (ok, _, stderr) = restore(&copy, &empty).await;
    assert!(ok, "{stderr}");
    assert!(empty.join("clipdesk-server.sqlite3").is_file());
    assert!(!empty.join(".restoring").exists(), "no staging left behind");
}

/// Changes a copy of a backup the way damage or a person might.
type Tamper = fn(&Path);

#[tokio::test]
async fn restore_refuses_a_tampered_or_incomplete_backup_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let good = one_backup(dir.path()).await;
    let cases: [(&str, Tamper, &str); 5] = [
        (
            "a changed byte",
            |b| {
                let original = original_of(b);
                let mut bytes = std::fs::read(&original).unwrap();
                bytes[100] ^= 0xff;
                std::fs::write(&original, bytes).unwrap();
            },
            "does not match its SHA-256",
        ),
        (
            "a cut file",
            |b| {
                let original = original_of(b);
                let bytes = std::fs::read(&original).unwrap();
                std::fs::write(&original, &bytes[..bytes.len() / 2]).unwrap();
            },
            "bytes but manifest.json says",
        ),
        (
            "a missing file",
            |b| std::fs::remove_file(original_of(b)).unwrap(),
            "the backup is incomplete",
        ),
        (
            "no manifest (an interrupted backup)",
            |b| std::fs::remove_file(b.join("manifest.json")).unwrap(),
            "not a complete backup",
        ),
        (
            "a manifest naming a file outside the folder",
            |b| {
                let mut manifest = manifest(b);
                manifest["files"][0]["path"] = json!("../../etc/passwd");
                std::fs::write(b.join("manifest.json"), manifest.to_string()).unwrap();
            },
            "not a file a backup holds",
        ),
    ];
    for (what, tamper, says) in cases {
        let copy = dir.path().join("tampered");
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(&good, &copy);
        tamper(&copy);
        let target = dir.path().join("restored");
        let (ok, _, stderr) = restore(&copy, &target).await;
        assert!(!ok, "{what} is refused");
        assert!(stderr.contains(says), "{what}: {stderr}");
        assert!(!target.exists(), "{what}: nothing is left behind");
    }
    let target = dir.path().join("restored");
    let (ok, _, stderr) = restore(&good, &target).await;
    assert!(ok, "the untouched backup restores: {stderr}");
}

#[tokio::test]
async fn backup_refuses_a_folder_that_already_holds_files() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.txt"), "x").unwrap();
    let (ok, _, stderr) = backup(app.data.path(), dir.path()).await;
    assert!(!ok);
    assert!(stderr.contains("old.txt"), "{stderr}");
    assert_eq!(names_in(dir.path()), ["old.txt"]);
    app.server.stop().await.unwrap();
}

/// Publishes `bytes` as release `version` of the desktop, named `name`, with a `.sig` in the
/// form `tauri signer sign` writes (the server checks its form, the desktop its key).
async fn publish_release(data: &Path, version: &str, name: &str, bytes: &[u8]) {
    let files = tempfile::tempdir().unwrap();
    let (file, sig) = crate::helpers::release_package(files.path(), name, version, bytes);
    let (ok, _, stderr) = cli(&[
        "release".as_ref(),
        "add".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--version".as_ref(),
        version.as_ref(),
        "--file".as_ref(),
        file.as_os_str(),
        "--signature".as_ref(),
        sig.as_os_str(),
    ])
    .await;
    assert!(ok, "{stderr}");
}

#[tokio::test]
async fn a_restored_server_still_offers_the_published_desktop_release_with_the_same_bytes() {
    let app = spawn_app().await;
    let deb: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    publish_release(app.data.path(), "0.3.0", "clipdesk_0.3.0_amd64.deb", &deb).await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup");
    let (ok, _, stderr) = backup(app.data.path(), &copy).await;
    assert!(ok, "{stderr}");
    let token = app.token.clone();
    let client = app.client.clone();
    app.server.stop().await.unwrap();

    let listed = manifest(&copy)["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "releases/0.3.0/clipdesk_0.3.0_amd64.deb")
        .cloned()
        .expect("the manifest lists the release's package");
    assert_eq!(listed["size"], deb.len());
    assert_eq!(manifest(&copy)["releases"], 1);

    let restored_dir = dir.path().join("restored");
    let (ok, _, stderr) = restore(&copy, &restored_dir).await;
    assert!(ok, "{stderr}");
    let restored = TestApp {
        server: start(Config::new(&restored_dir)).await,
        // Unused: the restored folder lives in `dir`.
        data: tempfile::tempdir().unwrap(),
        client,
        token,
    };
    let offer = restored
        .get("/api/v1/updates/linux/x86_64/0.2.0?format=deb")
        .send()
        .await
        .unwrap();
    assert_eq!(offer.status(), 200, "the restored server offers 0.3.0");
    let offer: clipdesk_protocol::api::UpdateManifest = offer.json().await.unwrap();
    assert_eq!(offer.version, "0.3.0");
    let download = restored
        .client
        .get(&offer.url)
        .bearer_auth(&restored.token)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200, "the package came back with its row");
    assert_eq!(download.bytes().await.unwrap().as_ref(), deb.as_slice());
    restored.server.stop().await.unwrap();
}

#[tokio::test]
async fn backup_refuses_a_data_folder_whose_published_release_lost_its_package_naming_it() {
    let app = spawn_app().await;
    publish_release(app.data.path(), "0.3.0", "clipdesk_0.3.0_amd64.deb", b"deb").await;
    std::fs::remove_file(
        app.data
            .path()
            .join("releases/0.3.0/clipdesk_0.3.0_amd64.deb"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup");
    let (ok, _, stderr) = backup(app.data.path(), &copy).await;
    assert!(
        !ok,
        "a backup that would restore a release without its package"
    );
    assert!(
        stderr.contains("releases/0.3.0/clipdesk_0.3.0_amd64.deb"),
        "names the missing package: {stderr}"
    );
    assert!(names_in(dir.path()).is_empty(), "no backup is left behind");
    app.server.stop().await.unwrap();
}
