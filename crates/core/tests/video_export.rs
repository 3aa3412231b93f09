//! Exporting videos to a folder against a real clipdesk-server (with its real ffmpeg media
//! jobs): campaign folders, readable names, manifests with the consent record, resuming.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clipdesk_core::client::{ReviewOutcome, ServerClient};
use clipdesk_core::video_export::{ExportReport, Manifest, export_videos, sha256_of};
use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::media::{Video, VideoState};
use common::{Backend, backend, upload_video_with};
use serde_json::json;

const CONSENT: &str = "Ich stimme zu, dass „Spring Bakes“ mein Video zeigen darf.\n\"Ja\" — ok ✓";
const EVIL_NAME: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

/// The video an upload became, once the media job made it ready.
async fn ready_video(client: &ServerClient, upload_id: &str) -> Video {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let mut video_id = None;
    loop {
        assert!(tokio::time::Instant::now() < deadline, "no ready video");
        if video_id.is_none() {
            let page = client.events(0, 200, 0).await.unwrap();
            video_id = page
                .events
                .iter()
                .find(|e| {
                    e.kind == EventKind::VideoReceived && e.upload_id.as_deref() == Some(upload_id)
                })
                .and_then(|e| e.video_id.clone());
        }
        if let Some(id) = &video_id {
            let v = client.video(id).await.unwrap();
            if v.state == VideoState::Ready {
                return v;
            }
            assert_ne!(v.state, VideoState::Failed, "{:?}", v.failure);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Spring has Maya (twice, the same day) and autumn has Ben; all three are approved.
async fn three_approved_videos() -> (Backend, Vec<Video>) {
    let b = backend().await;
    for slug in ["spring", "autumn"] {
        let body = serde_json::from_value(json!({ "title": slug })).unwrap();
        b.client.put_campaign(slug, &body).await.unwrap();
    }
    let spring = b
        .client
        .create_links(
            "spring",
            &serde_json::from_value(json!({ "recipients": [
                { "handle": "maya.bakes", "user_id": "6800000000000000001", "display_name": EVIL_NAME }
            ]}))
            .unwrap(),
        )
        .await
        .unwrap();
    let autumn = b
        .client
        .create_links(
            "autumn",
            &serde_json::from_value(json!({ "recipients": [{ "handle": "ben_films" }] })).unwrap(),
        )
        .await
        .unwrap();
    let maya = &spring.links[0].token;
    let ben = &autumn.links[0].token;
    let mut videos = Vec::new();
    for token in [maya, maya, ben] {
        let upload_id = upload_video_with(
            &b.server,
            token,
            &[("filetype", "video/webm"), ("consent", CONSENT)],
        )
        .await;
        videos.push(ready_video(&b.client, &upload_id).await);
    }
    for v in &mut videos {
        let update = serde_json::from_value(json!({
            "decision": "approved", "note": "+1 lovely", "version": v.review.version, "reviewer": "Ana"
        }))
        .unwrap();
        let ReviewOutcome::Saved(_) = b.client.put_review(&v.id, &update).await.unwrap() else {
            panic!("approving {} conflicted", v.id)
        };
        *v = b.client.video(&v.id).await.unwrap();
    }
    (b, videos)
}

fn ids(videos: &[Video]) -> Vec<String> {
    videos.iter().map(|v| v.id.clone()).collect()
}

async fn export(client: &ServerClient, ids: &[String], folder: &Path) -> ExportReport {
    let cancel = AtomicBool::new(false);
    export_videos(client, ids, folder, &cancel, |_| {})
        .await
        .unwrap()
}

/// Every file under `folder` (relative names) with its bytes' sha256, sorted.
fn listing(folder: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for campaign in std::fs::read_dir(folder).unwrap() {
        let campaign = campaign.unwrap().path();
        for file in std::fs::read_dir(&campaign).unwrap() {
            let path = file.unwrap().path();
            let rel = path
                .strip_prefix(folder)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if rel.ends_with("manifest.json") || rel.ends_with("manifest.csv") {
                continue;
            }
            out.push((rel, sha256_of(&path).unwrap()));
        }
    }
    out.sort();
    out
}

fn manifest(folder: &Path, campaign: &str) -> Manifest {
    serde_json::from_slice(&std::fs::read(folder.join(campaign).join("manifest.json")).unwrap())
        .unwrap()
}

fn server_original(b: &Backend, v: &Video) -> PathBuf {
    b.data
        .path()
        .join("videos")
        .join(&v.id)
        .join("original.webm")
}

#[tokio::test]
async fn approved_videos_land_in_campaign_folders_with_consent_manifests_and_a_second_export_skips_them()
 {
    let (b, videos) = three_approved_videos().await;
    let day = &videos[0].received_at[..10];
    let folder = tempfile::tempdir().unwrap();
    let report = export(&b.client, &ids(&videos), folder.path()).await;
    assert_eq!(
        (report.exported, report.skipped, report.failed.len()),
        (3, 0, 0),
        "{report:?}"
    );
    assert!(!report.cancelled);

    let names: Vec<String> = listing(folder.path()).into_iter().map(|(n, _)| n).collect();
    let ben_day = &videos[2].received_at[..10];
    let mut expected = vec![
        format!("autumn/ben_films-{ben_day}.webm"),
        format!("autumn/ben_films-{ben_day}-poster.jpg"),
        format!("autumn/ben_films-{ben_day}-rendition.mp4"),
        format!("spring/maya.bakes-{day}.webm"),
        format!("spring/maya.bakes-{day}-poster.jpg"),
        format!("spring/maya.bakes-{day}-rendition.mp4"),
        format!("spring/maya.bakes-{day}-2.webm"),
        format!("spring/maya.bakes-{day}-2-poster.jpg"),
        format!("spring/maya.bakes-{day}-2-rendition.mp4"),
    ];
    expected.sort();
    assert_eq!(
        names, expected,
        "readable names, the second of the day with -2"
    );

    // The originals are the uploaded bytes, as the server's sha256 says.
    let first = folder
        .path()
        .join("spring")
        .join(format!("maya.bakes-{day}.webm"));
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(server_original(&b, &videos[0])).unwrap()
    );

    let spring = manifest(folder.path(), "spring");
    assert_eq!(spring.videos.len(), 2);
    let entry = &spring.videos[0];
    assert_eq!(
        entry.video_id, videos[0].id,
        "in the order they were received"
    );
    assert_eq!(
        entry.consent.as_deref(),
        Some(CONSENT),
        "consent byte for byte"
    );
    assert_eq!(entry.consent_at, videos[0].consent_at);
    assert!(entry.consent_at.is_some());
    assert_eq!(entry.user_id.as_deref(), Some("6800000000000000001"));
    assert_eq!(entry.decision, "approved");
    assert_eq!(entry.reviewer.as_deref(), Some("Ana"));
    assert_eq!(entry.note, "+1 lovely");
    assert_eq!(entry.sha256, videos[0].sha256);
    assert!(entry.duration_ms.unwrap() > 0);
    assert_eq!(
        entry.original.as_ref().unwrap().name,
        format!("maya.bakes-{day}.webm")
    );
    assert_eq!(manifest(folder.path(), "autumn").videos.len(), 1);

    let csv = std::fs::read_to_string(folder.path().join("spring/manifest.csv")).unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""),
        "the display name stays text in a spreadsheet: {csv}"
    );
    assert!(csv.contains("'+1 lovely"), "a note starting with + too");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let consent_col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "consent")
        .unwrap();
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(
        &row[consent_col], CONSENT,
        "consent read back whole from the CSV"
    );

    let before = listing(folder.path());
    let again = export(&b.client, &ids(&videos), folder.path()).await;
    assert_eq!(
        (again.exported, again.skipped, again.failed.len()),
        (0, 3, 0),
        "{again:?}"
    );
    let posters: u64 = before
        .iter()
        .filter(|(name, _)| name.ends_with("-poster.jpg"))
        .map(|(name, _)| std::fs::metadata(folder.path().join(name)).unwrap().len())
        .sum();
    assert_eq!(
        again.bytes, posters,
        "only the posters are fetched again (to catch one chosen anew)"
    );
    assert_eq!(listing(folder.path()), before);
    b.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_cancelled_export_leaves_no_partial_file_and_resumes_to_the_same_files() {
    let (b, videos) = three_approved_videos().await;
    let all = ids(&videos);
    let whole = tempfile::tempdir().unwrap();
    export(&b.client, &all, whole.path()).await;

    let folder = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let mut first_done_at = None;
    let report = export_videos(&b.client, &all, folder.path(), &cancel, |p| {
        // Cancelled with the first chunk of the second video, mid-file.
        match first_done_at {
            None if p.videos_done == 1 => first_done_at = Some(p.bytes_done),
            Some(at) if p.bytes_done > at => cancel.store(true, Ordering::Relaxed),
            _ => {}
        }
    })
    .await
    .unwrap();
    assert!(report.cancelled);
    assert_eq!(report.exported, 1, "{report:?}");
    for (name, _) in listing(folder.path()) {
        assert!(!name.contains(".part"), "a partial file is left: {name}");
    }
    assert_eq!(manifest(folder.path(), "spring").videos.len(), 1);

    let resumed = export(&b.client, &all, folder.path()).await;
    assert_eq!(
        (resumed.exported, resumed.skipped, resumed.failed.len()),
        (2, 1, 0),
        "{resumed:?}"
    );
    assert_eq!(listing(folder.path()), listing(whole.path()));
    b.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_corrupted_file_in_the_folder_is_downloaded_again() {
    let (b, videos) = three_approved_videos().await;
    let folder = tempfile::tempdir().unwrap();
    export(&b.client, &ids(&videos), folder.path()).await;
    let good = listing(folder.path());
    let day = &videos[0].received_at[..10];
    for name in [
        format!("maya.bakes-{day}.webm"),
        format!("maya.bakes-{day}-rendition.mp4"),
    ] {
        std::fs::write(folder.path().join("spring").join(name), b"not a video").unwrap();
    }
    let report = export(&b.client, &ids(&videos), folder.path()).await;
    assert_eq!(
        (report.exported, report.skipped, report.failed.len()),
        (1, 2, 0),
        "{report:?}"
    );
    assert_eq!(listing(folder.path()), good);
    b.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_original_that_differs_from_the_servers_sha256_fails_with_the_video_named() {
    let (b, videos) = three_approved_videos().await;
    // The server's file changed on disk after it recorded the sha256.
    let mut bytes = std::fs::read(server_original(&b, &videos[2])).unwrap();
    bytes.push(0);
    std::fs::write(server_original(&b, &videos[2]), bytes).unwrap();

    let folder = tempfile::tempdir().unwrap();
    let report = export(&b.client, &ids(&videos), folder.path()).await;
    assert_eq!((report.exported, report.failed.len()), (2, 1), "{report:?}");
    let failure = &report.failed[0];
    assert_eq!(failure.video_id, videos[2].id);
    assert_eq!(failure.name, "@ben_films");
    let day = &videos[2].received_at[..10];
    assert!(
        failure.message.contains("ben_films")
            && failure.message.contains(&format!("ben_films-{day}.webm"))
            && failure.message.contains("sha256"),
        "{}",
        failure.message
    );
    assert!(
        !folder
            .path()
            .join("autumn")
            .join(format!("ben_films-{day}.webm"))
            .exists(),
        "the mismatching original is not kept"
    );
    b.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_later_export_into_the_same_folder_never_takes_a_name_an_earlier_one_used() {
    let (b, videos) = three_approved_videos().await;
    let (first, second) = (&videos[0], &videos[1]);
    let folder = tempfile::tempdir().unwrap();
    // Maya's second video alone first: it gets the plain name.
    let alone = export(&b.client, std::slice::from_ref(&second.id), folder.path()).await;
    assert_eq!((alone.exported, alone.failed.len()), (1, 0), "{alone:?}");
    let second_name = format!("maya.bakes-{}.webm", &second.received_at[..10]);
    assert!(folder.path().join("spring").join(&second_name).is_file());

    // Then both: the earlier video may not overwrite it, whatever the order says.
    let both = export(
        &b.client,
        &[first.id.clone(), second.id.clone()],
        folder.path(),
    )
    .await;
    assert_eq!(
        (both.exported, both.skipped, both.failed.len()),
        (1, 1, 0),
        "{both:?}"
    );
    let spring = manifest(folder.path(), "spring");
    assert_eq!(spring.videos.len(), 2);
    for v in [first, second] {
        let entry = spring.videos.iter().find(|e| e.video_id == v.id).unwrap();
        let name = &entry.original.as_ref().unwrap().name;
        let on_disk = sha256_of(&folder.path().join("spring").join(name)).unwrap();
        assert_eq!(Some(on_disk), v.sha256, "{name} holds {}'s original", v.id);
    }
    let second_entry = spring
        .videos
        .iter()
        .find(|e| e.video_id == second.id)
        .unwrap();
    assert_eq!(second_entry.original.as_ref().unwrap().name, second_name);
}
