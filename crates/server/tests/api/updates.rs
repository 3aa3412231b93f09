//! Desktop releases: an admin publishes one with `clipdesk-server release add`; desktops ask
//! the updater route and download the package with their operator token.

use std::path::PathBuf;
use std::process::Output;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clipdesk_protocol::api::UpdateManifest;
use clipdesk_protocol::{ErrorCode, ErrorResponse};

use crate::helpers::{TestApp, cli, release_package, release_signature, spawn_app};

fn publish(app: &TestApp, version: &str, name: &str, bytes: &[u8], notes: &str) -> Output {
    let files = tempfile::tempdir().unwrap();
    let (file, sig) = release_package(files.path(), name, version, bytes);
    cli(
        app.data.path(),
        &[
            "release",
            "add",
            "--version",
            version,
            "--file",
            file.to_str().unwrap(),
            "--signature",
            sig.to_str().unwrap(),
            "--notes",
            notes,
        ],
    )
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_desktop_on_an_older_version_is_offered_the_newest_release_and_downloads_its_bytes() {
    let app = spawn_app().await;
    let deb: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    assert_ok(&publish(
        &app,
        "0.2.0",
        "clipdesk_0.2.0_amd64.deb",
        b"old",
        "First",
    ));
    assert_ok(&publish(
        &app,
        "0.3.0",
        "clipdesk_0.3.0_amd64.deb",
        &deb,
        "Faster review",
    ));
    assert_ok(&publish(
        &app,
        "0.4.0",
        "clipdesk-0.4.0-1.x86_64.rpm",
        b"rpm",
        "Rpm only",
    ));

    let answer = app
        .get("/api/v1/updates/linux/x86_64/0.1.0?format=deb")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let manifest: UpdateManifest = answer.json().await.unwrap();
    assert_eq!(
        manifest.version, "0.3.0",
        "the newest deb, not the rpm-only 0.4.0"
    );
    assert_eq!(manifest.notes.as_deref(), Some("Faster review"));
    assert_eq!(
        manifest.signature,
        release_signature("clipdesk_0.3.0_amd64.deb", "0.3.0")
    );
    assert!(
        manifest.url.starts_with(
            &app.server
                .url()
                .to_string()
                .trim_end_matches('/')
                .to_owned()
        ),
        "{}",
        manifest.url
    );

    let download = app
        .client
        .get(&manifest.url)
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.headers()["content-length"].to_str().unwrap(),
        deb.len().to_string()
    );
    assert_eq!(
        download.headers()["content-disposition"].to_str().unwrap(),
        "attachment; filename=\"clipdesk_0.3.0_amd64.deb\""
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), deb.as_slice());

    let rpm = app
        .get("/api/v1/updates/linux/x86_64/0.3.0?format=rpm")
        .send()
        .await
        .unwrap();
    let rpm: UpdateManifest = rpm.json().await.unwrap();
    assert_eq!(rpm.version, "0.4.0");
}

#[tokio::test]
async fn a_desktop_already_on_the_newest_version_hears_204() {
    let app = spawn_app().await;
    let none = app
        .get("/api/v1/updates/linux/x86_64/0.1.0?format=deb")
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 204, "no release published yet");

    assert_ok(&publish(
        &app,
        "0.2.0",
        "clipdesk_0.2.0_amd64.deb",
        b"deb",
        "x",
    ));
    for current in ["0.2.0", "0.3.0"] {
        let same = app
            .get(&format!(
                "/api/v1/updates/linux/x86_64/{current}?format=deb"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(same.status(), 204, "a desktop on {current}");
    }
    let other_arch = app
        .get("/api/v1/updates/linux/aarch64/0.1.0?format=deb")
        .send()
        .await
        .unwrap();
    assert_eq!(
        other_arch.status(),
        204,
        "an amd64 package is not for arm64"
    );
}

#[tokio::test]
async fn the_updater_route_names_an_unknown_format_and_needs_a_token() {
    let app = spawn_app().await;
    assert_ok(&publish(
        &app,
        "0.2.0",
        "clipdesk_0.2.0_amd64.deb",
        b"deb",
        "x",
    ));
    let unknown = app
        .get("/api/v1/updates/linux/x86_64/0.1.0?format=appimage")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    let body: ErrorResponse = unknown.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::Invalid);
    assert!(
        body.error.message.contains("\"appimage\""),
        "{}",
        body.error.message
    );

    let anonymous = app
        .client
        .get(app.url("/api/v1/updates/linux/x86_64/0.1.0?format=deb"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let download = app
        .client
        .get(app.url("/api/v1/updates/download/0.2.0/clipdesk_0.2.0_amd64.deb"))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 401, "the package needs the token too");
}

#[tokio::test]
async fn release_add_refuses_bad_input_by_name_and_leaves_nothing_behind() {
    let app = spawn_app().await;
    let files = tempfile::tempdir().unwrap();
    let (deb, sig) = release_package(files.path(), "clipdesk_0.2.0_amd64.deb", "0.2.0", b"deb");
    let (_, sig_for_0_1) = release_package(files.path(), "old.deb", "0.1.0", b"deb");
    let bogus_sig = files.path().join("bogus.sig");
    std::fs::write(&bogus_sig, STANDARD.encode("just some text\n")).unwrap();
    let (appimage, appimage_sig) =
        release_package(files.path(), "clipdesk_0.2.0_amd64.AppImage", "0.2.0", b"x");
    let missing = files.path().join("clipdesk_0.2.0_amd64.rpm");
    let path = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let cases: [(Vec<String>, &str); 5] = [
        (
            vec!["0.2.0".into(), path(&deb), path(&sig_for_0_1)],
            "it was signed for version 0.1.0, not 0.2.0",
        ),
        (
            vec!["two".into(), path(&deb), path(&sig)],
            "--version \"two\" is not a semantic version",
        ),
        (
            vec!["0.2.0".into(), path(&deb), path(&bogus_sig)],
            "is not a minisign signature",
        ),
        (
            vec!["0.2.0".into(), path(&appimage), path(&appimage_sig)],
            "installs .deb and .rpm packages, not \".AppImage\"",
        ),
        (
            vec!["0.2.0".into(), path(&missing), path(&sig)],
            "clipdesk_0.2.0_amd64.rpm: No such file",
        ),
    ];
    for (args, expected) in cases {
        let output = cli(
            app.data.path(),
            &[
                "release",
                "add",
                "--version",
                &args[0],
                "--file",
                &args[1],
                "--signature",
                &args[2],
            ],
        );
        assert!(!output.status.success(), "{args:?} must be refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let listed = cli(app.data.path(), &["release", "list"]);
    assert_ok(&listed);
    assert!(listed.stdout.is_empty(), "nothing was published");
    let releases = app.data.path().join("releases");
    assert!(
        !releases.exists() || std::fs::read_dir(&releases).unwrap().next().is_none(),
        "no file was kept"
    );

    assert_ok(&publish(
        &app,
        "0.2.0",
        "clipdesk_0.2.0_amd64.deb",
        b"deb",
        "x",
    ));
    let again = publish(&app, "0.2.0", "clipdesk_0.2.0_amd64.deb", b"deb", "x");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has a deb package"));

    let removed = cli(
        app.data.path(),
        &["release", "remove", "--version", "0.2.0"],
    );
    assert_ok(&removed);
    let none = app
        .get("/api/v1/updates/linux/x86_64/0.1.0?format=deb")
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 204, "a removed release is no longer offered");
    assert!(!releases.join("0.2.0").exists());
}
