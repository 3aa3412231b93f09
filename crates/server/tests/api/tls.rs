//! HTTPS served by clipdesk-server itself (`--tls-cert`, `--tls-key`), with certificates this
//! test makes: a CA the client trusts and leaves for 127.0.0.1 it signs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SerialNumber,
};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{ServerProcess, TestApp, fixture, serve_command, spawn_app_with};

/// A CA and the folder its leaves are installed in, as certbot's `live/` folder would be.
struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
    dir: TempDir,
}

/// A leaf certificate with its key, in PEM, and the DER a client is shown.
struct Leaf {
    cert: String,
    key: String,
    der: Vec<u8>,
}

impl Pki {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "clipdesk test CA");
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Self {
            ca,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn leaf(&self, common_name: &str, serial: u64) -> Leaf {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.serial_number = Some(SerialNumber::from(serial));
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        Leaf {
            cert: cert.pem(),
            key: key.serialize_pem(),
            der: cert.der().to_vec(),
        }
    }

    fn cert_path(&self) -> PathBuf {
        self.dir.path().join("fullchain.pem")
    }

    fn key_path(&self) -> PathBuf {
        self.dir.path().join("privkey.pem")
    }

    /// Puts `leaf` in place, each file written aside and renamed over the old one.
    fn install(&self, leaf: &Leaf) {
        replace(&self.key_path(), &leaf.key);
        replace(&self.cert_path(), &leaf.cert);
    }

    /// A new client (so a new connection, no TLS session to resume) trusting only the CA.
    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(self.ca.pem().as_bytes()).unwrap())
            .tls_info(true)
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }
}

fn replace(path: &Path, text: &str) {
    let aside = path.with_extension("new");
    std::fs::write(&aside, text).unwrap();
    std::fs::rename(&aside, path).unwrap();
}

/// The real server serving `leaf`, its client trusting the CA.
async fn spawn_https(
    pki: &Pki,
    leaf: &Leaf,
    adjust: impl FnOnce(&mut clipdesk_server::Config),
) -> TestApp {
    pki.install(leaf);
    let (cert, key) = (pki.cert_path(), pki.key_path());
    let mut app = spawn_app_with(|config| {
        config.tls_cert = Some(cert);
        config.tls_key = Some(key);
        adjust(config);
    })
    .await;
    app.client = pki.client();
    app
}

/// GET /healthz with `client`; the certificate the server showed on that connection.
async fn served_certificate(client: &reqwest::Client, app: &TestApp) -> Vec<u8> {
    let response = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .expect("a TLS connection shows its certificate")
        .to_vec()
}

/// Reads until the server closes the connection; how long that took, or `None` past `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(limit, async {
        while let Ok(n) = stream.read(&mut buf).await
            && n > 0
        {}
    })
    .await
    .ok()
    .map(|()| started.elapsed())
}

/// The first bytes of a TLS handshake record announcing 512 bytes, then nothing.
async fn stalled_handshake(app: &TestApp) -> TcpStream {
    let mut stream = TcpStream::connect(app.server.addr()).await.unwrap();
    stream
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00])
        .await
        .unwrap();
    stream
}

#[tokio::test]
async fn a_recipient_opens_their_https_link_and_uploads_a_video_over_tls() {
    let pki = Pki::new();
    let leaf = pki.leaf("clips.test", 1);
    let app = spawn_https(&pki, &leaf, |_| {}).await;

    assert!(app.server.url().starts_with("https://"));
    assert_eq!(served_certificate(&app.client, &app).await, leaf.der);
    let link = app.link("maya.bakes").await;
    assert!(
        link.url
            .starts_with(&format!("https://{}/r/", app.server.addr())),
        "links are https when the server serves TLS and no public URL is set: {}",
        link.url
    );
    let page = app.visit(&format!("/r/{}", link.token)).await;
    assert_eq!(page.status(), 200);
    let (status, video) = app
        .upload(&link.token, fixture("android-vp8-opus.webm"), "clip.webm")
        .await;
    assert_eq!(status, 201);
    assert!(app.video_file(&video, "original.webm").is_file());
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_plain_http_request_to_the_https_port_is_told_to_use_https() {
    let pki = Pki::new();
    let leaf = pki.leaf("clips.test", 1);
    let app = spawn_https(&pki, &leaf, |_| {}).await;
    let plain = format!("http://{}/healthz", app.server.addr());
    let response = reqwest::Client::new().get(&plain).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: clipdesk_protocol::ErrorResponse = response.json().await.unwrap();
    assert!(
        body.error.message.contains("https://"),
        "{}",
        body.error.message
    );
    assert_eq!(
        served_certificate(&app.client, &app).await,
        leaf.der,
        "the port still serves HTTPS"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_renewed_certificate_reaches_new_connections_and_a_broken_one_is_never_served() {
    let pki = Pki::new();
    let first = pki.leaf("first.clips.test", 1);
    let app = spawn_https(&pki, &first, |c| {
        c.keep_alive_timeout = Duration::from_secs(60);
    })
    .await;
    let open = pki.client();
    assert_eq!(served_certificate(&open, &app).await, first.der);

    let renewed = pki.leaf("renewed.clips.test", 2);
    pki.install(&renewed);
    let deadline = Instant::now() + Duration::from_secs(10);
    while served_certificate(&pki.client(), &app).await != renewed.der {
        assert!(
            Instant::now() < deadline,
            "new connections get the renewed certificate within the reload window"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        served_certificate(&open, &app).await,
        first.der,
        "the connection open before the renewal is kept, with its certificate"
    );

    replace(
        &pki.cert_path(),
        "-----BEGIN CERTIFICATE-----\nthis is not base64 at all!\n-----END CERTIFICATE-----\n",
    );
    // Two reload rounds and more: the broken file has been seen.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        served_certificate(&pki.client(), &app).await,
        renewed.der,
        "a broken renewal leaves the working certificate in use"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_client_that_never_finishes_its_handshake_is_dropped_after_the_header_timeout() {
    let pki = Pki::new();
    let app = spawn_https(&pki, &pki.leaf("clips.test", 1), |c| {
        c.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let mut stalled = stalled_handshake(&app).await;
    let closed = closed_within(&mut stalled, Duration::from_secs(5))
        .await
        .expect("the stalled handshake is dropped");
    assert!(
        closed >= Duration::from_millis(900),
        "not before the timeout: {closed:?}"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_stalled_handshake_holds_a_connection_slot_that_a_real_client_can_take() {
    let pki = Pki::new();
    let app = spawn_https(&pki, &pki.leaf("clips.test", 1), |c| {
        c.max_connections = Some(1);
    })
    .await;
    let mut stalled = stalled_handshake(&app).await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200, "the cap's one slot is made room in");
    assert!(
        closed_within(&mut stalled, Duration::from_secs(2))
            .await
            .is_some(),
        "the stalled handshake was the one closed for it"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn serve_with_tls_flags_answers_https_and_builds_https_links() {
    let pki = Pki::new();
    pki.install(&pki.leaf("clips.test", 1));
    let data = tempfile::tempdir().unwrap();
    let mut command = serve_command(&[], data.path());
    command
        .arg("--tls-cert")
        .arg(pki.cert_path())
        .env("CLIPDESK_TLS_KEY", pki.key_path());
    let mut server = ServerProcess::start(command);
    let listening = server
        .logged("clipdesk-server listening")
        .expect("the server logs where it listens");
    assert_eq!(
        listening["fields"]["public_url"],
        format!("https://{}", server.addr)
    );
    let health = pki
        .client()
        .get(format!("https://{}/healthz", server.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(server.terminate(Duration::from_secs(10)).success());
}

/// `serve` with `args`, which must stop it at once; its stderr.
fn refused_start(data: &Path, args: &[&std::ffi::OsStr]) -> String {
    let output = serve_command(&[], data)
        .args(args)
        .env_remove("CLIPDESK_TLS_CERT")
        .env_remove("CLIPDESK_TLS_KEY")
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "serve must not start with {args:?}"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn serve_refuses_a_certificate_without_its_key_and_names_a_wrong_file() {
    let pki = Pki::new();
    pki.install(&pki.leaf("clips.test", 1));
    let data = tempfile::tempdir().unwrap();
    let cert = pki.cert_path();
    let flag = |name: &'static str| std::ffi::OsStr::new(name);

    let stderr = refused_start(data.path(), &[flag("--tls-cert"), cert.as_os_str()]);
    assert!(stderr.contains("tls_key (--tls-key) is not"), "{stderr}");

    let missing = data.path().join("nope.pem");
    let stderr = refused_start(
        data.path(),
        &[
            flag("--tls-cert"),
            missing.as_os_str(),
            flag("--tls-key"),
            pki.key_path().as_os_str(),
        ],
    );
    assert!(
        stderr.contains("cannot read the TLS certificate") && stderr.contains("nope.pem"),
        "{stderr}"
    );

    let other_key = data.path().join("other-key.pem");
    std::fs::write(&other_key, pki.leaf("other", 2).key).unwrap();
    let stderr = refused_start(
        data.path(),
        &[
            flag("--tls-cert"),
            cert.as_os_str(),
            flag("--tls-key"),
            other_key.as_os_str(),
        ],
    );
    assert!(
        stderr.contains("other-key.pem is not the key of the certificate"),
        "{stderr}"
    );

    let not_pem = data.path().join("key.txt");
    std::fs::write(&not_pem, "hello").unwrap();
    let stderr = refused_start(
        data.path(),
        &[
            flag("--tls-cert"),
            cert.as_os_str(),
            flag("--tls-key"),
            not_pem.as_os_str(),
        ],
    );
    assert!(
        stderr.contains("key.txt holds no PEM private key"),
        "{stderr}"
    );
    assert!(
        !data.path().join("clipdesk-server.sqlite3").exists(),
        "nothing is written when the certificate is wrong"
    );
}
