//! `clipdesk-server doctor`: what a deployment needs, checked one line at a time with a
//! verdict (ok / warn / FAIL) and what to do. Every check that waits has a time limit.

use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, SystemTime};

use clipdesk_protocol::Health;
use clipdesk_protocol::reach::{self, DoctorLine, DoctorReport, DoctorVerdict, LinkReach};
use rusqlite::{Connection, OpenFlags};

use crate::configuration::Config;
use crate::instance::{self, InstanceId};
use crate::{clock, db, media};

/// The encoders the media jobs run (`media::transcode`): the rendition's video and audio, and
/// the poster.
const ENCODERS: [(&str, &str); 3] = [
    ("libx264", "H.264 renditions"),
    ("aac", "the renditions' audio"),
    ("mjpeg", "posters"),
];

/// Limit for each ffmpeg/ffprobe run.
const TOOL_TIMEOUT: Duration = Duration::from_secs(10);
/// Limits for the public URL's `/healthz`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Below this much free space (or twice the largest upload, if more) the data folder warns.
const MIN_FREE_BYTES: u64 = 2 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
    pub message: String,
}

impl Check {
    fn new(name: &'static str, verdict: Verdict, message: impl Into<String>) -> Self {
        Self {
            name,
            verdict,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<4}  {}: {}",
            self.verdict.as_str(),
            self.name,
            self.message
        )
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.verdict == Verdict::Fail)
    }

    /// The report as `GET /api/v1/doctor` answers it.
    pub fn to_wire(&self) -> DoctorReport {
        DoctorReport {
            lines: self
                .checks
                .iter()
                .map(|check| DoctorLine {
                    name: check.name.to_owned(),
                    verdict: match check.verdict {
                        Verdict::Ok => DoctorVerdict::Ok,
                        Verdict::Warn => DoctorVerdict::Warn,
                        Verdict::Fail => DoctorVerdict::Fail,
                    },
                    message: check.message.clone(),
                })
                .collect(),
            summary: self.summary(),
            failed: self.failed(),
        }
    }

    /// "5 ok, 1 warn, 0 FAIL".
    pub fn summary(&self) -> String {
        let count = |v| self.checks.iter().filter(|c| c.verdict == v).count();
        format!(
            "{} ok, {} warn, {} FAIL",
            count(Verdict::Ok),
            count(Verdict::Warn),
            count(Verdict::Fail)
        )
    }
}

/// Runs every check against the settings `serve` would use.
pub async fn run(config: &Config) -> Report {
    let data_dir = config.data_dir.clone();
    let local = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || local_checks(&config))
    };
    let mut checks = vec![ffmpeg(&config.ffmpeg).await, ffprobe(&config.ffprobe).await];
    let (local, newest_event) = match local.await {
        Ok(done) => done,
        Err(err) => (
            vec![Check::new(
                "data folder",
                Verdict::Fail,
                format!("the checks stopped: {err}"),
            )],
            None,
        ),
    };
    checks.extend(local);
    let url = public_url(config);
    checks.push(link_reach(&url));
    checks.push(answers_as_this(&url, instance::read(&data_dir)).await);
    checks.push(clock_check(newest_event));
    if !config.storage.is_local() {
        checks.push(storage(config).await);
    }
    Report { checks }
}

/// With a bucket: it answers, takes these credentials and is writable (a probe object is put,
/// read back and deleted).
async fn storage(config: &Config) -> Check {
    const NAME: &str = "storage";
    let store = match crate::objects::MediaStore::from_config(config) {
        Ok(Some(store)) => store,
        Ok(None) => return Check::new(NAME, Verdict::Ok, "local: media in the data folder"),
        Err(err) => return Check::new(NAME, Verdict::Fail, format!("{err:#}")),
    };
    let storage = store.storage().to_string();
    // object_store retries for minutes; a doctor answers sooner.
    match tokio::time::timeout(3 * HTTP_TIMEOUT, store.probe()).await {
        Ok(Ok(())) => Check::new(
            NAME,
            Verdict::Ok,
            format!("{storage} is reachable and writable (a probe object was put and deleted)"),
        ),
        Ok(Err(err)) => Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "{storage} cannot be used: {err:#}; check s3_endpoint, s3_region, \
                 s3_path_style, the credentials and the bucket's permissions"
            ),
        ),
        Err(_) => Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "{storage} did not answer within {} s; check s3_endpoint and the network",
                (3 * HTTP_TIMEOUT).as_secs()
            ),
        ),
    }
}

/// The data folder, the secret key and the database; also the newest event's time.
fn local_checks(config: &Config) -> (Vec<Check>, Option<i64>) {
    let (database, newest_event) = database(&config.database_path());
    let checks = vec![
        data_folder(config),
        secret_key(&config.data_dir.join("secret.key")),
        database,
    ];
    (checks, newest_event)
}

/// The base of links, as `serve` makes it.
fn public_url(config: &Config) -> String {
    config.public_url_or(config.listen)
}

async fn ffmpeg(program: &Path) -> Check {
    const NAME: &str = "ffmpeg";
    let version = match tool_version(program).await {
        Ok(version) => version,
        Err(reason) => return Check::new(NAME, Verdict::Fail, missing_tool(program, &reason)),
    };
    let listed = match media::run(
        program,
        &["-hide_banner".as_ref(), "-encoders".as_ref()],
        TOOL_TIMEOUT,
    )
    .await
    {
        Ok(out) => String::from_utf8_lossy(&out).into_owned(),
        Err(reason) => {
            return Check::new(
                NAME,
                Verdict::Fail,
                format!("{version} cannot list its encoders: {reason}"),
            );
        }
    };
    let has: Vec<&str> = listed
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    let missing: Vec<String> = ENCODERS
        .iter()
        .filter(|(encoder, _)| !has.contains(encoder))
        .map(|(encoder, used_for)| format!("{encoder} (for {used_for})"))
        .collect();
    if missing.is_empty() {
        let names: Vec<&str> = ENCODERS.iter().map(|(e, _)| *e).collect();
        Check::new(
            NAME,
            Verdict::Ok,
            format!("{version} with the encoders {}", names.join(", ")),
        )
    } else {
        Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "{version} lacks the encoder {}: install a build that has it (Debian's ffmpeg \
                 package does) or point --ffmpeg at one",
                missing.join(", ")
            ),
        )
    }
}

async fn ffprobe(program: &Path) -> Check {
    match tool_version(program).await {
        Ok(version) => Check::new("ffprobe", Verdict::Ok, version),
        Err(reason) => Check::new("ffprobe", Verdict::Fail, missing_tool(program, &reason)),
    }
}

/// "ffmpeg 5.1.6-0+deb12u1 (/usr/bin/ffmpeg)" from `-version`'s first line.
async fn tool_version(program: &Path) -> Result<String, String> {
    let out = media::run(
        program,
        &["-hide_banner".as_ref(), "-version".as_ref()],
        TOOL_TIMEOUT,
    )
    .await?;
    let out = String::from_utf8_lossy(&out);
    let first = out.lines().next().unwrap_or_default();
    let version = first
        .split_whitespace()
        .skip_while(|word| *word != "version")
        .nth(1)
        .unwrap_or("(unknown version)");
    Ok(format!("{} {version}", program.display()))
}

fn missing_tool(program: &Path, reason: &str) -> String {
    let flag = if program.file_name() == Some(OsStr::new("ffprobe")) {
        "--ffprobe"
    } else {
        "--ffmpeg"
    };
    format!(
        "{} does not run ({reason}): install ffmpeg (apt install ffmpeg), or set {flag} to \
         where it is; until then videos are kept but never converted",
        program.display()
    )
}

fn data_folder(config: &Config) -> Check {
    const NAME: &str = "data folder";
    let dir = &config.data_dir;
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => {
            return Check::new(
                NAME,
                Verdict::Fail,
                format!("{} is not a folder: set --data to a folder", dir.display()),
            );
        }
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Check::new(
                NAME,
                Verdict::Warn,
                format!(
                    "{} does not exist yet: serve creates it at first start (check that its \
                     parent is writable by the server's user)",
                    dir.display()
                ),
            );
        }
        Err(err) => {
            return Check::new(
                NAME,
                Verdict::Fail,
                format!("cannot read {}: {err}", dir.display()),
            );
        }
    }
    for folder in [dir.clone(), config.uploads_dir(), config.videos_dir()] {
        if folder != *dir && !folder.exists() {
            continue; // made at start, inside a folder that is writable
        }
        if let Err(err) = try_write(&folder) {
            return Check::new(
                NAME,
                Verdict::Fail,
                format!(
                    "cannot write in {} ({err}): give the server's user write access (chown)",
                    folder.display()
                ),
            );
        }
    }
    let floor = MIN_FREE_BYTES.max(config.max_upload_bytes.saturating_mul(2));
    match free_bytes(dir) {
        Some(free) if free < floor => Check::new(
            NAME,
            Verdict::Warn,
            format!(
                "{} is writable but has only {} free (under {}: twice the largest upload, 2 GiB \
                 at least): free some space or move --data",
                dir.display(),
                gib(free),
                gib(floor)
            ),
        ),
        Some(free) => Check::new(
            NAME,
            Verdict::Ok,
            format!("{} is writable, {} free", dir.display(), gib(free)),
        ),
        None => Check::new(
            NAME,
            Verdict::Ok,
            format!("{} is writable (free space unknown)", dir.display()),
        ),
    }
}

/// Writes, syncs and removes a small file in `dir`.
fn try_write(dir: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let probe = dir.join(format!(".doctor-{}", std::process::id()));
    let written = std::fs::File::create(&probe).and_then(|mut file| {
        file.write_all(b"clipdesk doctor\n")?;
        file.sync_all()
    });
    let removed = std::fs::remove_file(&probe);
    written.and(removed)
}

#[cfg(unix)]
fn free_bytes(dir: &Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_dir: &Path) -> Option<u64> {
    None
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

fn secret_key(path: &Path) -> Check {
    const NAME: &str = "secret key";
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Check::new(
                NAME,
                Verdict::Warn,
                format!(
                    "{} does not exist yet: serve makes it (mode 600) at first start",
                    path.display()
                ),
            );
        }
        Err(err) => {
            return Check::new(
                NAME,
                Verdict::Fail,
                format!("cannot read {}: {err}", path.display()),
            );
        }
    };
    if meta.len() != 32 {
        return Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "{} is {} bytes, not 32: serve refuses it; delete it to make a new one (media \
                 URLs already handed out stop working)",
                path.display(),
                meta.len()
            ),
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Check::new(
                NAME,
                Verdict::Fail,
                format!(
                    "{} is readable by others than its owner (mode {mode:03o}), and it signs \
                     media URLs: run chmod 600 {}",
                    path.display(),
                    path.display()
                ),
            );
        }
        Check::new(
            NAME,
            Verdict::Ok,
            format!(
                "{} is readable by its owner only ({mode:03o})",
                path.display()
            ),
        )
    }
    #[cfg(not(unix))]
    Check::new(NAME, Verdict::Ok, format!("{} is there", path.display()))
}

/// Opens the database without changing it; the time of its newest event, for the clock.
fn database(path: &Path) -> (Check, Option<i64>) {
    const NAME: &str = "database";
    if !path.exists() {
        return (
            Check::new(
                NAME,
                Verdict::Warn,
                format!(
                    "{} does not exist yet: serve makes it at first start",
                    path.display()
                ),
            ),
            None,
        );
    }
    let read = || -> rusqlite::Result<(usize, i64, i64, Option<i64>)> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let schema: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if schema == 0 {
            return Ok((0, 0, 0, None));
        }
        let videos: i64 = conn.query_row("SELECT count(*) FROM videos", [], |r| r.get(0))?;
        let (events, newest): (i64, Option<i64>) =
            conn.query_row("SELECT count(*), max(at) FROM events", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        Ok((schema, videos, events, newest))
    };
    match read() {
        Ok((schema, ..)) if schema > db::schema_version() => (
            Check::new(
                NAME,
                Verdict::Fail,
                format!(
                    "{} is at schema version {schema}, newer than this clipdesk-server knows \
                     ({}): run the newer clipdesk-server that wrote it",
                    path.display(),
                    db::schema_version()
                ),
            ),
            None,
        ),
        Ok((schema, videos, events, newest)) => (
            Check::new(
                NAME,
                Verdict::Ok,
                format!(
                    "{} opens (schema {schema}, {videos} videos, {events} events)",
                    path.display()
                ),
            ),
            newest,
        ),
        Err(err) => (
            Check::new(
                NAME,
                Verdict::Fail,
                format!(
                    "cannot read {} ({err}): check its owner and mode, or restore a backup",
                    path.display()
                ),
            ),
            None,
        ),
    }
}

/// Whether recipients' phones can open links built on `url` at all (the classification the
/// desktop's warning uses too: `clipdesk_protocol::reach`).
fn link_reach(url: &str) -> Check {
    const NAME: &str = "links";
    match reach::link_reach(url) {
        LinkReach::NotAUrl => Check::new(
            NAME,
            Verdict::Fail,
            format!("public URL {url:?} is not an http(s) URL: set --public-url"),
        ),
        LinkReach::ThisComputer => Check::new(
            NAME,
            Verdict::Warn,
            format!(
                "links point at {url}: only this computer can open them; set --public-url to \
                 the address phones reach (a domain with TLS in front)"
            ),
        ),
        LinkReach::PrivateNetwork => Check::new(
            NAME,
            Verdict::Warn,
            format!(
                "links point at {url}, a private address: only this network can open them; set \
                 --public-url to the address phones reach"
            ),
        ),
        LinkReach::PlainHttp => Check::new(
            NAME,
            Verdict::Warn,
            format!(
                "links point at {url} without TLS: phones' browsers allow the camera only on \
                 https; put TLS in front and set --public-url to the https address"
            ),
        ),
        LinkReach::Public => Check::new(NAME, Verdict::Ok, format!("links point at {url}")),
    }
}

/// Fetches `<url>/healthz` and says whether it is this data folder's server answering.
async fn answers_as_this(url: &str, own: anyhow::Result<Option<InstanceId>>) -> Check {
    const NAME: &str = "public URL";
    let health_url = format!("{url}/healthz");
    let own = match own {
        Ok(own) => own,
        Err(err) => return Check::new(NAME, Verdict::Fail, format!("{err:#}")),
    };
    let client = match reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(HTTP_TIMEOUT)
        // What phones reach, not what a proxy configured for this shell reaches.
        .no_proxy()
        .build()
    {
        Ok(client) => client,
        Err(err) => return Check::new(NAME, Verdict::Fail, format!("no HTTP client: {err}")),
    };
    let response = match client.get(&health_url).send().await {
        Ok(response) => response,
        Err(err) => return Check::new(NAME, Verdict::Fail, unreachable(&health_url, &err)),
    };
    let status = response.status();
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(err) => return Check::new(NAME, Verdict::Fail, unreachable(&health_url, &err)),
    };
    let health = serde_json::from_slice::<Health>(&body)
        .ok()
        .filter(|_| status.is_success());
    let Some(health) = health else {
        return Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "{health_url} answered HTTP {status}, {}: that is not clipdesk-server; point \
                 the URL (DNS, proxy, port forward) at this server",
                excerpt(&body)
            ),
        );
    };
    let theirs = &health.instance_id;
    match own {
        Some(own) if own.as_str() == theirs => Check::new(
            NAME,
            Verdict::Ok,
            format!(
                "{health_url} answers as this server (instance {own}, version {})",
                health.version
            ),
        ),
        Some(own) => Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "{health_url} reached a different clipdesk-server (instance {theirs}, version {}), \
                 not the one using this data folder (instance {own}): point the URL at this \
                 server",
                health.version
            ),
        ),
        None => Check::new(
            NAME,
            Verdict::Warn,
            format!(
                "{health_url} reached clipdesk-server instance {theirs}, but this data folder has \
                 no instance id yet: start serve on it once, then run doctor again"
            ),
        ),
    }
}

/// What went wrong reaching `url`, in the words an operator acts on.
fn unreachable(url: &str, err: &reqwest::Error) -> String {
    let mut chain = String::new();
    let mut refused = false;
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        chain.push_str(&format!(": {e}"));
        source = e.source();
    }
    if refused {
        format!(
            "{url}: connection refused: nothing listens there; is the server running, and does \
             the URL (port forward, proxy) lead to it?"
        )
    } else if err.is_timeout() {
        format!(
            "{url}: no answer within {} s (a firewall dropping packets, or a wrong address)",
            HTTP_TIMEOUT.as_secs()
        )
    } else if chain.contains("dns error") {
        format!("{url}: the host name does not resolve{chain}")
    } else {
        format!("{url}: cannot fetch{chain}")
    }
}

/// The start of an answer's body, for saying what answered instead.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return "with an empty body".to_owned();
    }
    let short: String = text.chars().take(60).collect();
    let more = if text.chars().count() > 60 { "…" } else { "" };
    format!("starting {short:?}{more}")
}

/// The clock must not be before what this machine has already seen: the newest event in the
/// database and this program's own file.
fn clock_check(newest_event: Option<i64>) -> Check {
    const NAME: &str = "clock";
    let now = clock::now_ms();
    let built = std::env::current_exe()
        .and_then(std::fs::metadata)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok());
    // A second of slack for events written while this ran.
    let behind = |ms: i64| now + 1000 < ms;
    let fix = "fix the system time (timedatectl set-ntp true)";
    if let Some(at) = newest_event.filter(|at| behind(*at)) {
        return Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "it is {} here, before the newest event in the database ({}): {fix}; links, \
                 uploads and the event feed rely on time moving forward",
                clock::to_rfc3339(now),
                clock::to_rfc3339(at)
            ),
        );
    }
    if let Some(at) = built.filter(|at| behind(*at)) {
        return Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "it is {} here, before this program was installed ({}): {fix}",
                clock::to_rfc3339(now),
                clock::to_rfc3339(at)
            ),
        );
    }
    Check::new(
        NAME,
        Verdict::Ok,
        format!(
            "{} (after the newest event and this program's install)",
            clock::to_rfc3339(now)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_private_and_plain_http_links_warn_and_https_is_ok() {
        let verdict = |url: &str| link_reach(url).verdict;
        assert_eq!(verdict("http://127.0.0.1:8750"), Verdict::Warn);
        assert_eq!(verdict("http://localhost:8750"), Verdict::Warn);
        assert_eq!(verdict("http://0.0.0.0:8750"), Verdict::Warn);
        assert_eq!(verdict("http://[::1]:8750"), Verdict::Warn);
        assert_eq!(verdict("https://192.168.1.20"), Verdict::Warn);
        assert_eq!(verdict("https://[fd00::1]"), Verdict::Warn);
        assert_eq!(verdict("http://clips.example.com"), Verdict::Warn);
        assert_eq!(verdict("https://clips.example.com"), Verdict::Ok);
        assert_eq!(verdict("clips.example.com"), Verdict::Fail);
    }

    #[test]
    fn a_clock_before_the_newest_event_fails() {
        let hour_ahead = clock::now_ms() + 3_600_000;
        let check = clock_check(Some(hour_ahead));
        assert_eq!(check.verdict, Verdict::Fail, "{check}");
        assert!(check.message.contains("newest event"), "{check}");
        assert_eq!(clock_check(Some(0)).verdict, Verdict::Ok);
    }

    #[test]
    fn a_line_reads_verdict_name_then_what_to_do() {
        let check = Check::new("secret key", Verdict::Fail, "run chmod 600 x");
        assert_eq!(check.to_string(), "FAIL  secret key: run chmod 600 x");
        assert_eq!(
            Check::new("clock", Verdict::Ok, "fine").to_string(),
            "ok    clock: fine"
        );
    }
}
