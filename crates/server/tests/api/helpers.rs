use std::path::Path;

use clipdesk_protocol::api::{CreatedLinks, EventsPage, IssuedLink};
use clipdesk_protocol::media::Video;
use clipdesk_protocol::{ErrorCode, ErrorResponse};
use clipdesk_server::db::Db;
use clipdesk_server::{Config, RunningServer, Server, tokens};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpListener;

/// The real server on port 0 with a fresh data folder that lives as long as the app, and an
/// operator token made the way `clipdesk-server token create` makes it.
pub struct TestApp {
    pub server: RunningServer,
    pub data: TempDir,
    pub client: reqwest::Client,
    pub token: String,
}

pub fn operator_token(data: &Path, name: &str) -> String {
    let config = Config::new(data);
    let db = Db::open(&config.database_path()).expect("database opens");
    let conn = db.lock().expect("database lock");
    tokens::create(&conn, name)
        .expect("token created")
        .as_str()
        .to_owned()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let data = tempfile::tempdir().expect("temp data dir");
    let token = operator_token(data.path(), "tester");
    let mut config = Config::new(data.path());
    config.public_rate_per_minute = 0;
    adjust(&mut config);
    let server = start(config).await;
    TestApp {
        server,
        data,
        // Never reuses a connection the server may be closing as idle (keep-alive, 10 s):
        // a test that blocks its thread (ffmpeg making a clip) would not see the close and
        // would send its next request into a reset.
        client: reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(5))
            .build()
            .expect("http client"),
        token,
    }
}

pub async fn start(config: Config) -> RunningServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    Server::start_on(listener, config)
        .await
        .expect("server starts")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    /// Stops the server gracefully and starts a new one on the same data folder.
    pub async fn restart(self) -> TestApp {
        let TestApp {
            server,
            data,
            client,
            token,
        } = self;
        server.stop().await.expect("server stops");
        let mut config = Config::new(data.path());
        config.public_rate_per_minute = 0;
        TestApp {
            server: start(config).await,
            data,
            client,
            token,
        }
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.token)
    }

    /// PUTs `body` as JSON to `path`, as the operator.
    pub async fn put_json(&self, path: &str, body: Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn put_campaign(&self, slug: &str, body: Value) -> reqwest::Response {
        self.put_json(&format!("/api/v1/campaigns/{slug}"), body)
            .await
    }

    /// Saves campaign `slug` with `body` and its public page open (`"public_page": true`).
    pub async fn open_page(&self, slug: &str, mut body: Value) -> Value {
        body["public_page"] = Value::Bool(true);
        self.save_campaign(slug, body).await
    }

    /// PUTs campaign `slug` with `body`, which must be taken; the campaign as saved.
    pub async fn save_campaign(&self, slug: &str, body: Value) -> Value {
        let response = self.put_campaign(slug, body).await;
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.expect("campaign json")
    }

    pub async fn campaign(&self, slug: &str) {
        self.save_campaign(
            slug,
            json!({"title": "Spring reviews", "prompt": "Tell us what you baked", "max_duration_s": 60}),
        )
        .await;
    }

    pub async fn post_links(&self, slug: &str, recipients: Value) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/campaigns/{slug}/links")))
            .bearer_auth(&self.token)
            .json(&json!({ "recipients": recipients }))
            .send()
            .await
            .expect("request sent")
    }

    /// A campaign `spring` with one link for `handle`.
    pub async fn link(&self, handle: &str) -> IssuedLink {
        self.campaign("spring").await;
        let response = self
            .post_links(
                "spring",
                json!([{ "handle": handle, "display_name": "Maya" }]),
            )
            .await;
        assert_eq!(response.status(), 200);
        let mut links: CreatedLinks = response.json().await.expect("links json");
        links.links.remove(0)
    }

    pub async fn events(&self, after: i64) -> EventsPage {
        self.feed(&format!("after={after}&limit=1000")).await
    }

    /// A page of the event feed for `query` (`after=0&wait=5`).
    pub async fn feed(&self, query: &str) -> EventsPage {
        let response = self
            .get(&format!("/api/v1/events?{query}"))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200, "{query}");
        response.json().await.expect("events json")
    }

    /// A video with its signed media URLs, as a reviewer's desktop asks for it.
    pub async fn video(&self, id: &str) -> Video {
        self.get_json(&format!("/api/v1/videos/{id}")).await
    }

    /// `GET path` as the operator, its JSON body read as `T`.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get(path)
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// `DELETE /api/v1/links/{token_and_query}`: revokes the link (`?forget=true` forgets them).
    pub async fn delete_link(&self, token_and_query: &str) -> reqwest::Response {
        self.client
            .delete(self.url(&format!("/api/v1/links/{token_and_query}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request sent")
    }

    /// How many entries the data folder's `dir` (`uploads`, `videos`) holds.
    pub fn files_in(&self, dir: &str) -> usize {
        std::fs::read_dir(self.data.path().join(dir))
            .expect("data folder readable")
            .count()
    }

    /// Where a received video's `file` (`original.webm`, `rendition.mp4`) is kept.
    pub fn video_file(&self, id: &str, file: &str) -> std::path::PathBuf {
        self.data.path().join("videos").join(id).join(file)
    }

    /// The id of the video an upload became (never the upload's own id), from the feed.
    pub async fn video_of(&self, upload_id: &str) -> String {
        self.events(0)
            .await
            .events
            .into_iter()
            .find(|e| {
                e.kind == clipdesk_protocol::api::EventKind::VideoReceived
                    && e.upload_id.as_deref() == Some(upload_id)
            })
            .and_then(|e| e.video_id)
            .unwrap_or_else(|| panic!("no video_received for upload {upload_id}"))
    }

    /// How many events of `kind` the feed holds.
    pub async fn count_events(&self, kind: clipdesk_protocol::api::EventKind) -> usize {
        self.events(0)
            .await
            .events
            .iter()
            .filter(|e| e.kind == kind)
            .count()
    }

    /// What the page learns of a link: its handle, campaign and uploads left.
    pub async fn public_link(&self, token: &str) -> clipdesk_protocol::api::PublicLink {
        self.fetch_public_link(token)
            .await
            .json()
            .await
            .expect("public link json")
    }

    /// GETs `path` as a phone or a browser does: without the operator's token.
    pub async fn visit(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// The page's read of a link, as it answers (the first one records the open).
    pub async fn fetch_public_link(&self, token: &str) -> reqwest::Response {
        self.visit(&format!("/api/v1/public/links/{token}")).await
    }

    /// A tus request (`Tus-Resumable: 1.0.0`) to `url`, to add headers and a body to.
    pub fn tus(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.client.request(method, url).header(TUS.0, TUS.1)
    }

    /// tus creation without a body, with `metadata` as `Upload-Metadata`; the answer as it is.
    pub async fn tus_post(&self, length: usize, metadata: &str) -> reqwest::Response {
        self.tus(reqwest::Method::POST, &self.url("/api/v1/uploads"))
            .header("upload-length", length.to_string())
            .header("upload-metadata", metadata)
            .send()
            .await
            .expect("request sent")
    }

    /// tus creation without a body; the upload's absolute URL.
    pub async fn tus_create(&self, token: &str, length: usize) -> String {
        let response = self
            .tus_post(length, &tus_metadata(token, "clip.webm"))
            .await;
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        self.url(
            response.headers()["location"]
                .to_str()
                .expect("ascii location"),
        )
    }

    /// tus creation-with-upload: all of `bytes` in the creating POST.
    pub async fn tus_create_with(
        &self,
        token: &str,
        bytes: Vec<u8>,
        filename: &str,
    ) -> reqwest::Response {
        self.tus(reqwest::Method::POST, &self.url("/api/v1/uploads"))
            .header(OCTETS.0, OCTETS.1)
            .header("upload-length", bytes.len().to_string())
            .header("upload-metadata", tus_metadata(token, filename))
            .body(bytes)
            .send()
            .await
            .expect("request sent")
    }

    /// Uploads `bytes` in one creation-with-upload request; its status and the id of the video
    /// it became, as media URLs and the feed name it (empty when the upload was refused).
    pub async fn upload(&self, token: &str, bytes: Vec<u8>, filename: &str) -> (u16, String) {
        let response = self.tus_create_with(token, bytes, filename).await;
        let status = response.status().as_u16();
        let upload_id = response
            .headers()
            .get("location")
            .map(|l| upload_id(l.to_str().expect("ascii location")).to_owned());
        let id = match upload_id {
            Some(upload_id) if status == 201 => self.video_of(&upload_id).await,
            _ => String::new(),
        };
        (status, id)
    }

    /// A recipient's WebM clip uploaded on `token`'s link and taken (201); the video's id.
    pub async fn upload_clip(&self, token: &str) -> String {
        let (status, video) = self
            .upload(token, fixture("android-vp8-opus.webm"), "clip.webm")
            .await;
        assert_eq!(status, 201, "the clip is taken");
        video
    }

    /// Creates an upload of `video` through `token` and sends its first half in one PATCH
    /// (answered 204): the upload's URL, waiting for the rest ([`Self::tus_second_half`]).
    pub async fn tus_first_half(&self, token: &str, video: &[u8]) -> String {
        let location = self.tus_create(token, video.len()).await;
        let first = self
            .tus_patch(&location, 0, video[..video.len() / 2].to_vec())
            .await;
        assert_eq!(first.status(), 204);
        location
    }

    /// The PATCH with the rest of `video` after [`Self::tus_first_half`].
    pub async fn tus_second_half(&self, location: &str, video: &[u8]) -> reqwest::Response {
        let half = video.len() / 2;
        self.tus_patch(location, half, video[half..].to_vec()).await
    }

    pub async fn tus_patch(
        &self,
        location: &str,
        offset: usize,
        body: Vec<u8>,
    ) -> reqwest::Response {
        self.tus(reqwest::Method::PATCH, location)
            .header(OCTETS.0, OCTETS.1)
            .header("upload-offset", offset.to_string())
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn tus_head(&self, location: &str) -> reqwest::Response {
        self.tus(reqwest::Method::HEAD, location)
            .send()
            .await
            .expect("request sent")
    }

    /// The offset a HEAD reports, from an answer no cache may keep.
    pub async fn head_offset(&self, location: &str) -> u64 {
        let response = self.tus_head(location).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        response.headers()["upload-offset"]
            .to_str()
            .expect("ascii offset")
            .parse()
            .expect("a number")
    }

    /// tus termination.
    pub async fn tus_delete(&self, location: &str) -> reqwest::Response {
        self.tus(reqwest::Method::DELETE, location)
            .send()
            .await
            .expect("request sent")
    }

    /// A socket that has sent a PATCH's headers for all of `length` bytes at offset 0, and no
    /// body yet: for clients that hang up or stall mid-request.
    pub async fn raw_patch(&self, location: &str, length: usize) -> tokio::net::TcpStream {
        use tokio::io::AsyncWriteExt;
        let path = location.trim_start_matches(&self.server.url());
        let mut socket = tokio::net::TcpStream::connect(self.server.addr())
            .await
            .expect("connects");
        let head = format!(
            "PATCH {path} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: {length}\r\n\r\n"
        );
        socket
            .write_all(head.as_bytes())
            .await
            .expect("headers sent");
        socket
    }

    pub async fn event_kinds(&self) -> Vec<String> {
        self.events(0)
            .await
            .events
            .iter()
            .map(|e| e.kind.as_str().to_owned())
            .collect()
    }
}

pub const TUS: (&str, &str) = ("tus-resumable", "1.0.0");
pub const OCTETS: (&str, &str) = ("content-type", "application/offset+octet-stream");

/// tus `Upload-Metadata` for a link token and file name.
pub fn tus_metadata(token: &str, filename: &str) -> String {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    format!(
        "token {},filename {},filetype {},consent {}",
        b64(token),
        b64(filename),
        b64("video/webm"),
        b64("I agree that my video may be used.")
    )
}

/// The upload id at the end of an upload's URL.
pub fn upload_id(location: &str) -> &str {
    location
        .rsplit('/')
        .next()
        .expect("a URL has a last segment")
}

/// Asserts that `response` refuses with `status` and `code`, in a message that `says` so.
pub async fn assert_refused(response: reqwest::Response, status: u16, code: ErrorCode, says: &str) {
    assert_eq!(response.status(), status);
    let body: ErrorResponse = response.json().await.expect("error json");
    assert_eq!(body.error.code, code, "{}", body.error.message);
    assert!(
        body.error.message.contains(says),
        "{says:?} in {:?}",
        body.error.message
    );
}

/// `n` recipients, `user_0` to `user_{n-1}`, for `POST …/links`.
pub fn numbered_recipients(n: usize) -> Value {
    (0..n)
        .map(|i| json!({"handle": format!("user_{i}")}))
        .collect()
}

/// The stable code of an error answer.
pub async fn error_code(response: reqwest::Response) -> ErrorCode {
    response
        .json::<ErrorResponse>()
        .await
        .expect("error json")
        .error
        .code
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/videos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The real `clipdesk-server serve` binary, on port 0 with JSON logs, as an operator runs it.
/// Killed on drop if a test ends before it stops it.
pub struct ServerProcess {
    child: std::process::Child,
    pub addr: std::net::SocketAddr,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// `clipdesk-server serve` with data in `data`, listening on port 0 and logging JSON; `wrapper`
/// runs in front of it (`["prlimit", "--nofile=256:256"]`), empty for none.
pub fn serve_command(wrapper: &[&str], data: &Path) -> std::process::Command {
    let binary = env!("CARGO_BIN_EXE_clipdesk-server");
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut command = std::process::Command::new(program);
            command.args(args).arg(binary);
            command
        }
        None => std::process::Command::new(binary),
    };
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--data")
        .arg(data)
        .env_remove("RUST_LOG");
    command
}

impl ServerProcess {
    /// Starts `command` (see [`serve_command`]) and waits for the address it logs.
    pub fn start(mut command: std::process::Command) -> Self {
        use std::io::{BufRead, BufReader};
        let mut child = command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let addr = serde_json::from_str::<Value>(&line)
                    .ok()
                    .and_then(|json| json["fields"]["addr"].as_str().map(str::to_owned));
                // Kept before the address is handed over: a test that reads the log as soon
                // as `start` returns must find the line that told the address.
                lines.lock().unwrap().push(line);
                if let Some(addr) = addr {
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!(
                    "the server logs its address as JSON: {:?}",
                    log.lock().unwrap()
                )
            })
            .parse()
            .expect("the logged address parses");
        Self { child, addr, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every line the server has logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The first logged JSON object whose message is `message`.
    pub fn logged(&self, message: &str) -> Option<Value> {
        self.log()
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|json| json["fields"]["message"] == message)
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .try_wait()
            .expect("the server can be waited on")
            .is_none()
    }

    /// Sends SIGTERM (with `kill`, as an operator would) and waits at most `limit` for the exit.
    pub fn terminate(&mut self, limit: std::time::Duration) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM was delivered");
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("the server can be waited on") {
                return status;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not stop within {limit:?} of SIGTERM");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `clipdesk-server ARGS --data DATA`, as an admin runs it on the server host.
pub fn cli(data: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_clipdesk-server"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap()
}

/// A `.sig` file shaped as `tauri signer sign` writes it (the server checks its form; the
/// desktop checks the key).
pub fn release_signature(file: &str, version: &str) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let mut signature = b"ED".to_vec();
    signature.extend([7u8; 72]);
    let minisign = format!(
        "untrusted comment: signature from tauri secret key\n{}\ntrusted comment: \
         timestamp:1700000000\tfile:{file}\tversion:{version}\n{}\n",
        STANDARD.encode(&signature),
        STANDARD.encode([9u8; 64])
    );
    STANDARD.encode(minisign)
}

/// Writes a desktop package of `bytes` named `name` and its signature into `dir`: what
/// `release add` takes.
pub fn release_package(
    dir: &Path,
    name: &str,
    version: &str,
    bytes: &[u8],
) -> (std::path::PathBuf, std::path::PathBuf) {
    let file = dir.join(name);
    std::fs::write(&file, bytes).unwrap();
    let sig = dir.join(format!("{name}.sig"));
    std::fs::write(&sig, release_signature(name, version)).unwrap();
    (file, sig)
}
