//! The server as the internet meets it: clients that send half a request and then nothing,
//! floods of them, SIGTERM with a stalled client, and where the connection settings come from.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{ServerProcess, operator_token, serve_command, spawn_app_with};

/// Opens a connection to `server` from `source` (any 127.x.y.z is this machine on Linux, so
/// one test can be many client IPs).
async fn connect_from(source: Ipv4Addr, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    socket.connect(server).await.unwrap()
}

/// Reads until the server closes the connection; how long that took, or `None` when it was
/// still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
    .map(|()| started.elapsed())
}

/// A `PUT` of a campaign whose body never comes: sent with `Expect: 100-continue`, so the
/// `100 Continue` proves the handler is waiting for the body before this returns.
async fn stalled_request(stream: &mut TcpStream, token: &str) {
    let head = format!(
        "PUT /api/v1/campaigns/stalled HTTP/1.1\r\nHost: clipdesk\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    tokio::time::timeout(Duration::from_secs(5), async {
        while !String::from_utf8_lossy(&seen).contains("100 Continue") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before the handler read the body");
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("the server asks for the body");
    stream.write_all(b"{\"title\": \"Spr").await.unwrap();
}

/// The status line of whatever the server answers on `stream`.
async fn status_line(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_client_that_stops_halfway_through_its_headers_is_disconnected() {
    let app = spawn_app_with(|c| c.header_read_timeout = Duration::from_secs(1)).await;
    let mut client = connect_from(Ipv4Addr::LOCALHOST, app.server.addr()).await;
    client
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: clipdesk\r\nAccept: appl")
        .await
        .unwrap();
    let closed = closed_within(&mut client, Duration::from_secs(5))
        .await
        .expect("the connection is closed once the header timeout passes");
    assert!(
        closed >= Duration::from_millis(900),
        "not before the timeout: {closed:?}"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout() {
    let app = spawn_app_with(|c| {
        c.keep_alive_timeout = Duration::from_secs(1);
        // Longer, so the close below is the keep-alive timeout's, not hyper's header timer.
        c.header_read_timeout = Duration::from_secs(8);
    })
    .await;
    let mut client = connect_from(Ipv4Addr::LOCALHOST, app.server.addr()).await;
    client
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: clipdesk\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = client.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let closed = closed_within(&mut client, Duration::from_secs(5))
        .await
        .expect("the answered, idle connection is closed");
    assert!(closed < Duration::from_secs(4), "{closed:?}");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn one_ip_at_its_connection_cap_pushes_out_its_own_idle_ones_then_is_refused() {
    let app = spawn_app_with(|c| c.max_connections_per_ip = Some(2)).await;
    let addr = app.server.addr();
    let mut idle = connect_from(Ipv4Addr::LOCALHOST, addr).await;
    idle.write_all(b"GET /heal").await.unwrap();
    let mut busy = connect_from(Ipv4Addr::LOCALHOST, addr).await;
    stalled_request(&mut busy, &app.token).await;

    let mut third = connect_from(Ipv4Addr::LOCALHOST, addr).await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: clipdesk\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(status_line(&mut third).await, "HTTP/1.1 200 OK");
    assert!(
        closed_within(&mut idle, Duration::from_secs(2))
            .await
            .is_some(),
        "the IP's idle connection made room"
    );

    let mut busy_too = connect_from(Ipv4Addr::LOCALHOST, addr).await;
    stalled_request(&mut busy_too, &app.token).await;
    let mut refused = connect_from(Ipv4Addr::LOCALHOST, addr).await;
    assert_eq!(
        status_line(&mut refused).await,
        "HTTP/1.1 429 Too Many Requests",
        "both of the IP's connections have a request in flight"
    );
    let mut elsewhere = connect_from(Ipv4Addr::new(127, 0, 0, 2), addr).await;
    elsewhere
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: clipdesk\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        status_line(&mut elsewhere).await,
        "HTTP/1.1 200 OK",
        "another IP is not held back"
    );
    drop((busy, busy_too));
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn at_the_connection_cap_with_every_connection_busy_a_newcomer_gets_503() {
    let app = spawn_app_with(|c| c.max_connections = Some(2)).await;
    let addr = app.server.addr();
    let mut first = connect_from(Ipv4Addr::new(127, 0, 0, 2), addr).await;
    stalled_request(&mut first, &app.token).await;
    let mut second = connect_from(Ipv4Addr::new(127, 0, 0, 3), addr).await;
    stalled_request(&mut second, &app.token).await;
    let mut refused = connect_from(Ipv4Addr::LOCALHOST, addr).await;
    assert_eq!(
        status_line(&mut refused).await,
        "HTTP/1.1 503 Service Unavailable"
    );
    drop(first);
    // The stalled request ends with its connection, which frees its slot.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut again = connect_from(Ipv4Addr::LOCALHOST, addr).await;
        again
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: clipdesk\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        if status_line(&mut again).await == "HTTP/1.1 200 OK" {
            break;
        }
        assert!(Instant::now() < deadline, "the freed slot is taken again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(second);
    app.server.stop().await.unwrap();
}

/// Sockets in the flood; more than the 256 descriptors the server gets.
const FLOOD: usize = 1_100;

/// The test process needs a descriptor for each flood socket too.
#[cfg(unix)]
fn allow_open_files(wanted: u64) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|current| current < wanted) {
        let raised = Rlimit {
            current: Some(limit.maximum.map_or(wanted, |max| max.min(wanted))),
            maximum: limit.maximum,
        };
        setrlimit(Resource::Nofile, raised).expect("the soft open-files limit can be raised");
    }
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_slow_header_flood_under_a_low_fd_limit_leaves_healthz_answering() {
    allow_open_files(4096);
    let data = tempfile::tempdir().unwrap();
    let mut server =
        ServerProcess::start(serve_command(&["prlimit", "--nofile=256:256"], data.path()));
    let addr = server.addr;

    // From 250 client IPs, so no per-IP cap is reached: the server-wide cap must hold. A
    // server that stops accepting fills its backlog and connects hang: the flood ends there.
    let mut flood = Vec::with_capacity(FLOOD);
    let deadline = Instant::now() + Duration::from_secs(8);
    for i in 0..FLOOD {
        let source = Ipv4Addr::new(127, 0, 1, 2 + (i % 250) as u8);
        let connecting = tokio::time::timeout_at(deadline.into(), connect_from(source, addr));
        let Ok(mut socket) = connecting.await else {
            break;
        };
        // Half a request line, then nothing; a write to a socket the server already closed
        // to make room may fail, which is fine.
        let _ = socket.write_all(b"GET /heal").await;
        flood.push(socket);
    }

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let health = client
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("/healthz answers while the flood's sockets are open");
    assert_eq!(health.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(server.is_running());
    assert_eq!(
        flood.len(),
        FLOOD,
        "the server kept accepting through the flood"
    );

    drop(flood);
    let status = server.terminate(Duration::from_secs(15));
    assert!(
        status.success(),
        "a clean stop after the flood, got {status}"
    );
    let exhausted: Vec<String> = server
        .log()
        .into_iter()
        .filter(|line| line.contains("Too many open files") || line.contains("accept failed"))
        .collect();
    assert!(
        exhausted.is_empty(),
        "the server never ran out of descriptors: {exhausted:?}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_with_a_stalled_client_exits_after_the_shutdown_grace() {
    let data = tempfile::tempdir().unwrap();
    let token = operator_token(data.path(), "ops");
    let mut command = serve_command(&[], data.path());
    command.args(["--shutdown-grace-secs", "1"]);
    let mut server = ServerProcess::start(command);
    let mut stalled = connect_from(Ipv4Addr::LOCALHOST, server.addr).await;
    stalled_request(&mut stalled, &token).await;

    let started = Instant::now();
    let status = server.terminate(Duration::from_secs(6));
    assert!(status.success(), "a clean stop, got {status}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the request in flight got its grace: {:?}",
        started.elapsed()
    );
    assert!(
        closed_within(&mut stalled, Duration::from_secs(1))
            .await
            .is_some(),
        "the stalled client is disconnected"
    );
}

/// Each connection setting set in fewer places: a flag beats the environment, which beats
/// the file, which beats the default.
#[tokio::test]
async fn connection_settings_come_from_flags_then_environment_then_file_then_defaults() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("clipdesk.toml");
    std::fs::write(
        &file,
        "header_read_timeout_secs = 7\nkeep_alive_timeout_secs = 6\nshutdown_grace_secs = 5\n\
         max_connections = 50\n",
    )
    .unwrap();
    let mut command = serve_command(&[], data.path());
    command
        .arg("--config")
        .arg(&file)
        .args(["--header-read-timeout-secs", "3"])
        .env("CLIPDESK_HEADER_READ_TIMEOUT_SECS", "8")
        .env("CLIPDESK_KEEP_ALIVE_TIMEOUT_SECS", "9")
        .env_remove("CLIPDESK_MAX_CONNECTIONS_PER_IP");
    let mut server = ServerProcess::start(command);
    let limits = server
        .logged("connection limits")
        .expect("the server logs its connection limits");
    let fields = &limits["fields"];
    assert_eq!(
        fields["header_read_timeout_secs"], 3,
        "flag over environment"
    );
    assert_eq!(
        fields["keep_alive_timeout_secs"], 9,
        "environment over file"
    );
    assert_eq!(fields["shutdown_grace_secs"], 5, "file over default");
    assert_eq!(fields["max_connections"], 50, "file over the derived cap");
    assert_eq!(fields["max_connections_per_ip"], 64, "the default");
    assert!(server.terminate(Duration::from_secs(10)).success());
}

#[test]
fn a_misspelt_connection_key_in_the_file_stops_serve_with_its_name() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("clipdesk.toml");
    std::fs::write(&file, "keep_alive_timout_secs = 5\n").unwrap();
    let output = serve_command(&[], data.path())
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("keep_alive_timout_secs"), "{stderr}");
}
