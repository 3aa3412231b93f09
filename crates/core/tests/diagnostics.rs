//! "Export diagnostics" against a real clipdesk-server on a random port: the zip holds each
//! part, no token, handle, user id or link token is anywhere in it (inflated), and a server
//! that is away only makes the versions file say so.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::{Path, PathBuf};

use clipdesk_core::contacts::{self, ContactInput};
use clipdesk_core::diagnostics::{self, About};
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync::{self, SyncState, SyncStatus};
use clipdesk_core::{CoreError, queue, settings};
use common::{World, sync_until_quiet, upload_video};

mod common;

const HANDLE: &str = "maya.bakes";
const USER_ID: &str = "6712345098";
const EMBEDDED_SECRET: &str = "embedded-secret-Zq81";

/// One campaign with Maya (who has a TikTok user id) and Dan, their links registered, Maya's
/// video uploaded and synced; the settings hold a remote server's token. Maya's link token.
async fn desktop_with_a_contact_and_a_token(w: &World, token: &str) -> String {
    let (url, token) = (w.server.url(), token.to_owned());
    w.store
        .call(move |conn| {
            common::insert_spring_campaign(conn)?;
            let maya = ContactInput::parse(HANDLE, USER_ID, "Maya Lopez", "", "").unwrap();
            let dan = ContactInput::parse("dan_rides", "", "Dan", "", "").unwrap();
            let ids = vec![
                contacts::insert(conn, &maya, None)?,
                contacts::insert(conn, &dan, None)?,
            ];
            queue::add_to_campaign(conn, 1, &ids)?;
            let mut s = settings::load(conn)?;
            s.server_url = Some(url);
            s.server_token = Some(token);
            s.embedded_token = Some(EMBEDDED_SECRET.into());
            s.operator = "Ana Operator".into();
            settings::save(conn, &s)
        })
        .await
        .unwrap();
    sync::push_campaigns(&w.store, &w.client).await.unwrap();
    sync::register_links(&w.store, &w.client).await.unwrap();
    let link: String = w
        .store
        .call(|conn| {
            Ok(conn.query_row(
                "SELECT o.link_token FROM outreach o JOIN contacts k ON k.id = o.contact_id
                 WHERE k.handle = ?1",
                [HANDLE],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    upload_video(&w.server, &link).await;
    sync_until_quiet(&w.store, &w.client).await;
    link
}

/// A real operator token of the world's server, as Settings would hold it.
fn operator_token(w: &World) -> String {
    use clipdesk_server::{Config, db::Db, tokens};
    let db = Db::open(&Config::new(w.server_data.path()).database_path()).unwrap();
    let conn = db.lock().unwrap();
    tokens::create(&conn, "diagnostics")
        .unwrap()
        .as_str()
        .to_owned()
}

/// What the shell passes in: the log folder with one log whose lines name Maya, her link and
/// the token (as a real log might), and a sync status whose last error names her.
fn about(server_url: &str, log_dir: &Path, token: &str, link: &str) -> About {
    std::fs::create_dir_all(log_dir).unwrap();
    std::fs::write(
        log_dir.join("clipdesk.log"),
        format!(
            "[2026-12-01][10:00:00][clipdesk_core::sync][WARN] sync failed error=\"@{HANDLE}: link refused\"\n\
             [2026-12-01][10:00:01][tower_http::trace][INFO] GET /r/{link} 200\n\
             [2026-12-01][10:00:02][clipdesk][INFO] authorization: Bearer {token}\n\
             [2026-12-01][10:00:03][clipdesk][INFO] user {USER_ID}; embedded {EMBEDDED_SECRET}\n"
        ),
    )
    .unwrap();
    About {
        app_version: "0.1.0-test".into(),
        webview_version: Some("2.48.3".into()),
        server_url: server_url.into(),
        embedded_server: false,
        log_dir: Some(log_dir.to_owned()),
        sync: SyncStatus {
            state: SyncState::Offline,
            cursor: 3,
            last_error: Some(format!("the server refused {HANDLE}'s link")),
            last_sync_at: Some("2026-12-01T10:00:00Z".into()),
            pending_reviews: 0,
            review_conflicts: 0,
            outbox_pending: 0,
            outbox_conflicts: 0,
        },
    }
}

/// Every file of the zip at `path`, inflated: (name, bytes).
fn unzip(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            (file.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

fn text<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a str {
    let (_, bytes) = files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} is in the zip"));
    std::str::from_utf8(bytes).unwrap()
}

fn json(files: &[(String, Vec<u8>)], name: &str) -> serde_json::Value {
    serde_json::from_str(text(files, name)).unwrap()
}

async fn cursor(store: &StoreHandle) -> i64 {
    store.call(|c| sync::cursor(c)).await.unwrap()
}

#[tokio::test]
async fn the_zip_holds_logs_versions_settings_sync_and_campaigns() {
    let w = World::start().await;
    let token = operator_token(&w);
    let link = desktop_with_a_contact_and_a_token(&w, &token).await;
    let logs = w.desk_data.path().join("logs");
    let path = w.desk_data.path().join("diagnostics.zip");

    let saved = diagnostics::export(
        &w.store,
        about(&w.server.url(), &logs, &token, &link),
        &path,
    )
    .await
    .unwrap();
    assert_eq!(saved, path);
    let files = unzip(&path);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for part in [
        "README.txt",
        "versions.txt",
        "settings.json",
        "sync.json",
        "campaigns.json",
        "logs/clipdesk.log",
    ] {
        assert!(names.contains(&part), "{part} in {names:?}");
    }

    let versions = text(&files, "versions.txt");
    assert!(versions.contains("clipdesk: 0.1.0-test"), "{versions}");
    assert!(versions.contains("webkitgtk: 2.48.3"), "{versions}");
    assert!(versions.contains("kernel: "), "{versions}");
    assert!(
        versions.contains(&format!("instance {}", w.server.instance_id())),
        "the server's health is asked for: {versions}"
    );

    let settings = json(&files, "settings.json");
    assert_eq!(settings["server_url"], w.server.url());
    assert_eq!(settings["server_token"], "<removed>", "present but removed");
    assert_eq!(settings["embedded_token"], "<removed>");
    assert_eq!(settings["operator"], "<removed>", "a person's name");

    let sync = json(&files, "sync.json");
    assert_eq!(sync["feed_cursor"], cursor(&w.store).await);
    assert_eq!(sync["status"]["state"], "offline");
    assert_eq!(sync["rows_per_table"]["contacts"], 2);
    assert_eq!(sync["rows_per_table"]["videos"], 1);
    assert_eq!(sync["links_to_register"], 0);
    assert!(
        sync["rows_per_table"].get("contacts_fts").is_none(),
        "the search index repeats the contacts"
    );
    let campaigns = json(&files, "campaigns.json");
    assert_eq!(campaigns[0]["id"], 1);
    assert_eq!(campaigns[0]["revision"], campaigns[0]["pushed_revision"]);

    let log = text(&files, "logs/clipdesk.log");
    assert!(
        log.contains("sync failed") && log.contains("GET /r/<removed> 200"),
        "the log is kept, with what it named removed: {log}"
    );
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn no_token_handle_user_id_or_link_is_anywhere_in_the_zip() {
    let w = World::start().await;
    let token = operator_token(&w);
    let link = desktop_with_a_contact_and_a_token(&w, &token).await;
    let logs = w.desk_data.path().join("logs");
    let path = w.desk_data.path().join("diagnostics.zip");
    diagnostics::export(
        &w.store,
        about(&w.server.url(), &logs, &token, &link),
        &path,
    )
    .await
    .unwrap();

    let planted = [
        token.as_str(),
        HANDLE,
        "dan_rides",
        USER_ID,
        link.as_str(),
        EMBEDDED_SECRET,
        "Ana Operator",
        "Maya Lopez",
    ];
    let files = unzip(&path);
    assert!(files.len() >= 6);
    for (name, bytes) in &files {
        let inflated = String::from_utf8_lossy(bytes).to_lowercase();
        for value in planted {
            assert!(
                !inflated.contains(&value.to_lowercase()),
                "{value:?} is in {name}:\n{inflated}"
            );
        }
    }
    w.server.stop().await.unwrap();
}

#[tokio::test]
async fn with_the_server_stopped_the_export_still_succeeds_and_says_unreachable() {
    let w = World::start().await;
    let url = w.server.url();
    let World {
        server,
        store,
        desk_data,
        ..
    } = w;
    server.stop().await.unwrap();
    let logs = desk_data.path().join("logs");
    let path = desk_data.path().join("diagnostics.zip");
    diagnostics::export(&store, about(&url, &logs, "cdk_x", "l"), &path)
        .await
        .unwrap();
    let files = unzip(&path);
    let versions = text(&files, "versions.txt");
    assert!(
        versions.contains(&format!("server: {url} (remote): unreachable: ")),
        "{versions}"
    );
    assert!(text(&files, "sync.json").contains("\"feed_cursor\": 0"));
}

#[tokio::test]
async fn a_destination_that_cannot_be_written_is_named_and_nothing_is_left_there() {
    let w = World::start().await;
    let logs = w.desk_data.path().join("logs");
    let about = about(&w.server.url(), &logs, "cdk_x", "l");
    let missing = w.desk_data.path().join("no-such-folder/diagnostics.zip");
    let err = diagnostics::export(&w.store, about.clone(), &missing)
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::Invalid { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("cannot save {}", missing.display())),
        "{err}"
    );

    // A folder stands where the file would go: the rename over it fails.
    let taken = w.desk_data.path().join("taken.zip");
    std::fs::create_dir(&taken).unwrap();
    let err = diagnostics::export(&w.store, about, &taken)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("cannot save {}", taken.display())),
        "{err}"
    );
    let left: Vec<PathBuf> = std::fs::read_dir(w.desk_data.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".part"))
        .collect();
    assert!(left.is_empty(), "no temporary file is left: {left:?}");
    w.server.stop().await.unwrap();
}
