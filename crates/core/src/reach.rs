//! Whether links reach the people they are sent to: the "Check" of a public address (does
//! `<address>/healthz` answer as *this* server?) and who can open links at all.

use std::time::Duration;

use clipdesk_protocol::Health;
use clipdesk_protocol::reach::{LinkReach, link_reach};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How long "Check" waits for the address to connect, and then for the whole answer.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// What a public address turned out to reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AddressOutcome {
    /// This server answered: links built on the address reach it.
    ThisServer,
    /// A clipdesk-server answered, but another one (another data folder).
    OtherInstance,
    /// Something answered that is not clipdesk-server.
    NotClipdesk,
    /// Nothing listens there.
    Refused,
    /// No answer in time.
    Timeout,
    /// The name does not resolve, TLS failed, or another network error.
    Unreachable,
    /// Not an http(s) address.
    NotAUrl,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AddressCheck {
    pub outcome: AddressOutcome,
    /// Who can open links built on the address, whatever answered.
    pub reach: LinkReach,
    /// What was reached, in the words Settings shows.
    pub message: String,
}

/// Fetches `<public_url>/healthz` and compares the instance id with `own_instance`.
pub async fn check_address(
    public_url: &str,
    own_instance: &str,
    timeout: Duration,
) -> AddressCheck {
    let base = public_url.trim().trim_end_matches('/');
    let reach = link_reach(base);
    let done = |outcome, message: String| AddressCheck {
        outcome,
        reach,
        message,
    };
    if reach == LinkReach::NotAUrl {
        return done(
            AddressOutcome::NotAUrl,
            format!("{base:?} is not an http(s) address"),
        );
    }
    let url = format!("{base}/healthz");
    let client = match reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        // What phones reach, not what a proxy set for this desktop reaches.
        .no_proxy()
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            return done(
                AddressOutcome::Unreachable,
                format!("no HTTP client: {err}"),
            );
        }
    };
    let fetched = async {
        let response = client.get(&url).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, body))
    };
    let (status, body) = match fetched.await {
        Ok(answer) => answer,
        Err(err) => return unreachable(&url, &err, timeout, done),
    };
    let health = serde_json::from_slice::<Health>(&body)
        .ok()
        .filter(|_| status.is_success());
    match health {
        Some(health) if health.instance_id == own_instance => done(
            AddressOutcome::ThisServer,
            format!("{url} reaches this server (instance {own_instance})"),
        ),
        Some(health) => done(
            AddressOutcome::OtherInstance,
            format!(
                "{url} reaches another clipdesk-server (instance {}, version {}), not this \
                 one: links built on it would open that server's pages",
                health.instance_id, health.version
            ),
        ),
        None => done(
            AddressOutcome::NotClipdesk,
            format!(
                "{url} answered HTTP {status} {}: that is not clipdesk-server; point the \
                 tunnel or port forward at this computer's port",
                excerpt(&body)
            ),
        ),
    }
}

fn unreachable(
    url: &str,
    err: &reqwest::Error,
    timeout: Duration,
    done: impl Fn(AddressOutcome, String) -> AddressCheck,
) -> AddressCheck {
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
        done(
            AddressOutcome::Refused,
            format!("{url}: connection refused: nothing listens there"),
        )
    } else if err.is_timeout() {
        done(
            AddressOutcome::Timeout,
            format!(
                "{url}: no answer within {} s (a firewall, or a wrong address)",
                timeout.as_secs_f32()
            ),
        )
    } else {
        done(
            AddressOutcome::Unreachable,
            format!("{url}: cannot fetch{chain}"),
        )
    }
}

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clipdesk_server::{Config, Server};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn server() -> (clipdesk_server::RunningServer, tempfile::TempDir) {
        let data = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = Server::start_on(listener, Config::new(data.path()))
            .await
            .unwrap();
        (server, data)
    }

    #[tokio::test]
    async fn check_says_whether_the_address_reaches_this_server_or_another_one() {
        let (ours, _d1) = server().await;
        let (theirs, _d2) = server().await;
        let check = check_address(&ours.url(), ours.instance_id(), CHECK_TIMEOUT).await;
        assert_eq!(
            check.outcome,
            AddressOutcome::ThisServer,
            "{}",
            check.message
        );
        assert_eq!(check.reach, LinkReach::ThisComputer);
        let check = check_address(
            &format!("{}/", theirs.url()),
            ours.instance_id(),
            CHECK_TIMEOUT,
        )
        .await;
        assert_eq!(
            check.outcome,
            AddressOutcome::OtherInstance,
            "{}",
            check.message
        );
        assert!(
            check.message.contains(theirs.instance_id()),
            "{}",
            check.message
        );
        ours.stop().await.unwrap();
        theirs.stop().await.unwrap();
    }

    #[tokio::test]
    async fn check_names_what_answered_when_it_is_not_clipdesk_refused_or_silent() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let other = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 13\r\nconnection: close\r\n\r\nHello, router")
                    .await;
            }
        });
        let check = check_address(&other, "ours", CHECK_TIMEOUT).await;
        assert_eq!(
            check.outcome,
            AddressOutcome::NotClipdesk,
            "{}",
            check.message
        );
        assert!(check.message.contains("Hello, router"), "{}", check.message);

        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let closed_url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let check = check_address(&closed_url, "ours", CHECK_TIMEOUT).await;
        assert_eq!(check.outcome, AddressOutcome::Refused, "{}", check.message);

        // Accepts and never answers: the check gives up at its time limit.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent_url = format!("http://{}", silent.local_addr().unwrap());
        let started = std::time::Instant::now();
        let check = check_address(&silent_url, "ours", Duration::from_millis(500)).await;
        assert_eq!(check.outcome, AddressOutcome::Timeout, "{}", check.message);
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(silent);

        let check = check_address("clips.example.com", "ours", CHECK_TIMEOUT).await;
        assert_eq!(check.outcome, AddressOutcome::NotAUrl);
    }
}
