//! Webhooks end to end: the real server posts to a receiver this test runs on loopback, which
//! checks every signature with its own Standard Webhooks verifier (not the server's code).

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clipdesk_protocol::webhooks::{
    CreatedWebhook, DeliveryState, WebhookDeliveries, WebhookDelivery, WebhookList,
};
use clipdesk_server::Config;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpListener;

use crate::helpers::{TestApp, cli, spawn_app_with, start};

/// One request as the receiver got it.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    content_type: String,
    body: String,
}

impl Received {
    /// The Standard Webhooks check, written from the specification: the key is the secret's
    /// base64 after `whsec_`, the signed content `{id}.{timestamp}.{body}`, and one of the
    /// space-separated `v1,<base64>` signatures must match.
    fn signed_with(&self, secret: &str) -> bool {
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
            .expect("secret is base64");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = STANDARD.encode(mac.finalize().into_bytes());
        self.signature
            .split(' ')
            .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    /// Each webhook-id's first this many attempts get a 500.
    fail_first: usize,
}

async fn receive(State(inbox): State<Inbox>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let received = Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body,
    };
    let mut all = inbox.received.lock().unwrap();
    let before = all.iter().filter(|r| r.id == received.id).count();
    all.push(received);
    if before < inbox.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

/// A receiver on loopback; dropping it (or `stop`) takes it away.
struct Receiver {
    addr: SocketAddr,
    inbox: Inbox,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(fail_first: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::on(
            listener,
            Inbox {
                fail_first,
                ..Inbox::default()
            },
        )
    }

    fn on(listener: TcpListener, inbox: Inbox) -> Receiver {
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/hooks", axum::routing::post(receive))
            .with_state(inbox.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { addr, inbox, task }
    }

    fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().unwrap().clone()
    }

    fn stop(self) -> (SocketAddr, Inbox) {
        self.task.abort();
        (self.addr, self.inbox)
    }
}

async fn app_retrying_every(base_ms: u64) -> TestApp {
    spawn_app_with(|config| config.webhook_retry_base_ms = base_ms).await
}

async fn add_webhook(app: &TestApp, url: &str, events: &[&str]) -> CreatedWebhook {
    let response = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&app.token)
        .json(&json!({ "url": url, "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn deliveries(app: &TestApp, id: &str) -> Vec<WebhookDelivery> {
    app.get_json::<WebhookDeliveries>(&format!("/api/v1/webhooks/{id}/deliveries"))
        .await
        .deliveries
}

/// Waits (20 s at most) until the endpoint's log satisfies `done`.
async fn wait_for_log(
    app: &TestApp,
    id: &str,
    done: impl Fn(&[WebhookDelivery]) -> bool,
) -> Vec<WebhookDelivery> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = deliveries(app, id).await;
        if done(&log) {
            return log;
        }
        assert!(Instant::now() < deadline, "gave up waiting; log: {log:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn all_delivered(log: &[WebhookDelivery], count: usize) -> bool {
    log.len() == count && log.iter().all(|d| d.state == DeliveryState::Delivered)
}

/// Issues links for `handles` in campaign `spring` (one `link_created` event each).
async fn issue_links(app: &TestApp, handles: &[&str]) {
    let recipients: Vec<Value> = handles.iter().map(|h| json!({ "handle": h })).collect();
    let response = app.post_links("spring", json!(recipients)).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_same_signed_delivery_a_third_time_and_keeps_it() {
    let receiver = Receiver::start(2).await;
    let app = app_retrying_every(20).await;
    let webhook = add_webhook(&app, &receiver.url(), &["link_created"]).await;
    assert!(webhook.endpoint.id.starts_with("wh_"));
    let key = STANDARD
        .decode(webhook.secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    assert!((24..=64).contains(&key.len()), "{} key bytes", key.len());

    let link = app.link("maya").await;
    let log = wait_for_log(&app, &webhook.endpoint.id, |log| all_delivered(log, 1)).await;
    let delivery = &log[0];
    assert_eq!(delivery.attempts, 3);
    assert_eq!(delivery.last_status, Some(200));
    assert_eq!(delivery.kind, "link_created");

    let received = receiver.received();
    assert_eq!(received.len(), 3, "two 500s, then the 200");
    for r in &received {
        assert_eq!(r.id, delivery.id, "one webhook-id across retries");
        assert!(r.id.starts_with("msg_"));
        assert!(r.signed_with(&webhook.secret), "bad signature on {r:?}");
        assert_eq!(r.content_type, "application/json");
        let sent: i64 = r.timestamp.parse().expect("unix seconds");
        let now = clipdesk_protocol::clock::now_ms() / 1000;
        assert!((now - sent).abs() < 60, "timestamp {sent} is now-ish");
    }
    assert_eq!(
        received[0].body, received[2].body,
        "the body is the same each time"
    );
    let body = received[2].json();
    assert_eq!(body["type"], "link_created");
    assert_eq!(body["data"]["kind"], "link_created");
    assert_eq!(body["data"]["link"], link.token.as_str());
    assert_eq!(body["data"]["seq"], delivery.event_seq);
    let feed = app.events(delivery.event_seq - 1).await;
    assert_eq!(
        body["data"],
        serde_json::to_value(&feed.events[0]).unwrap(),
        "data is the event as the feed has it"
    );
    assert_eq!(body["timestamp"], feed.events[0].at);
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn only_kinds_the_endpoint_subscribed_to_and_only_events_after_it_was_added_are_sent() {
    let receiver = Receiver::start(0).await;
    let app = app_retrying_every(20).await;
    let before = app.link("earlier").await;
    let revoked_only = add_webhook(&app, &receiver.url(), &["link_revoked"]).await;
    issue_links(&app, &["maya", "noah"]).await;
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/links/{}", before.token)))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    wait_for_log(&app, &revoked_only.endpoint.id, |log| all_delivered(log, 1)).await;
    // Let any wrongly queued link_created arrive before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = receiver.received();
    let kinds: Vec<Value> = received.iter().map(|r| r.json()["type"].clone()).collect();
    assert_eq!(kinds, [json!("link_revoked")], "no link_created was sent");
    assert!(received[0].signed_with(&revoked_only.secret));
    let listed: WebhookList = app.get_json("/api/v1/webhooks").await;
    assert_eq!(listed.webhooks.len(), 1);
    assert_eq!(
        (listed.webhooks[0].pending, listed.webhooks[0].delivered),
        (0, 1)
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn deliveries_pending_while_the_receiver_is_down_arrive_after_a_server_restart_none_lost() {
    let receiver = Receiver::start(0).await;
    let (addr, inbox) = receiver.stop();
    let url = format!("http://{addr}/hooks");
    let data = tempfile::tempdir().unwrap();
    let token = crate::helpers::operator_token(data.path(), "tester");
    let config = || {
        let mut config = Config::new(data.path());
        config.public_rate_per_minute = 0;
        config.webhook_retry_base_ms = 20;
        config
    };
    let app = TestApp {
        server: start(config()).await,
        data: tempfile::tempdir().unwrap(),
        client: reqwest::Client::new(),
        token,
    };
    let webhook = add_webhook(&app, &url, &["link_created"]).await;
    app.campaign("spring").await;
    issue_links(
        &app,
        &["ana.bakes", "ben_cooks", "cleo", "dara", "eli.eats"],
    )
    .await;
    let log = wait_for_log(&app, &webhook.endpoint.id, |log| {
        log.len() == 5 && log.iter().all(|d| d.attempts >= 1)
    })
    .await;
    for d in &log {
        assert_eq!(d.state, DeliveryState::Pending);
        assert!(
            d.last_error
                .as_deref()
                .unwrap_or_default()
                .contains("connect"),
            "a refused connection is named: {d:?}"
        );
    }
    let TestApp {
        server,
        client,
        token,
        ..
    } = app;
    server.stop().await.unwrap();

    // The receiver comes back on its address while the server is down.
    let listener = TcpListener::bind(addr).await.unwrap();
    let receiver = Receiver::on(listener, inbox);
    let app = TestApp {
        server: start(config()).await,
        data: tempfile::tempdir().unwrap(),
        client,
        token,
    };
    let log = wait_for_log(&app, &webhook.endpoint.id, |log| all_delivered(log, 5)).await;
    let sent: BTreeSet<&str> = log.iter().map(|d| d.id.as_str()).collect();
    let mut arrivals: HashMap<String, Vec<Received>> = HashMap::new();
    for r in receiver.received() {
        assert!(r.signed_with(&webhook.secret), "bad signature on {r:?}");
        arrivals.entry(r.id.clone()).or_default().push(r);
    }
    let got: BTreeSet<&str> = arrivals.keys().map(String::as_str).collect();
    assert_eq!(
        got, sent,
        "every delivery arrived, under its own id, none lost"
    );
    let seqs: BTreeSet<i64> = arrivals
        .values()
        .map(|r| r[0].json()["data"]["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs.len(), 5, "five distinct events, none doubled");
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_delivery_still_failing_after_the_retry_window_ends_failed_with_its_last_error() {
    let receiver = Receiver::start(usize::MAX).await;
    let app = spawn_app_with(|config| {
        config.webhook_retry_base_ms = 20;
        config.webhook_retry_window = Duration::from_secs(1);
    })
    .await;
    let webhook = add_webhook(&app, &receiver.url(), &["link_created"]).await;
    app.link("maya").await;
    let log = wait_for_log(&app, &webhook.endpoint.id, |log| {
        log.len() == 1 && log[0].state == DeliveryState::Failed
    })
    .await;
    assert!(log[0].attempts >= 2, "{:?}", log[0]);
    assert_eq!(log[0].last_status, Some(500));
    assert!(
        log[0].last_error.as_deref().unwrap().contains("500"),
        "{:?}",
        log[0]
    );
    assert_eq!(log[0].next_attempt_at, None);
    let attempts = receiver.received().len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        attempts,
        "no attempt after failed"
    );
    app.server.stop().await.unwrap();
}

#[tokio::test]
async fn webhook_routes_need_a_token_and_refuse_a_bad_url_or_event_naming_it() {
    let app = app_retrying_every(20).await;
    let post = |body: Value, token: Option<&str>| {
        let mut request = app.client.post(app.url("/api/v1/webhooks")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let good = json!({"url": "https://example.com/hooks", "events": ["review_set"]});
    assert_eq!(post(good.clone(), None).await.unwrap().status(), 401);

    for (body, named) in [
        (
            json!({"url": "ftp://example.com/x", "events": ["review_set"]}),
            "ftp",
        ),
        (json!({"url": "not a url", "events": ["review_set"]}), "url"),
        (
            json!({"url": "https://example.com", "events": ["review_set", "video_teleported"]}),
            "video_teleported",
        ),
        (
            json!({"url": "https://example.com", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://example.com", "events": ["review_set"], "secret": "x"}),
            "secret",
        ),
    ] {
        let response = post(body.clone(), Some(&app.token)).await.unwrap();
        assert!(
            response.status().is_client_error(),
            "{body}: {}",
            response.status()
        );
        let error: Value = response.json().await.unwrap();
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{body}: {message}");
    }
    let listed: WebhookList = app.get_json("/api/v1/webhooks").await;
    assert!(listed.webhooks.is_empty(), "nothing was added by bad input");

    let created: CreatedWebhook = post(good, Some(&app.token))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: WebhookList = app.get_json("/api/v1/webhooks").await;
    assert_eq!(listed.webhooks, std::slice::from_ref(&created.endpoint));
    assert!(
        !serde_json::to_string(&listed)
            .unwrap()
            .contains(&created.secret),
        "the secret is never listed"
    );
    let id = &created.endpoint.id;
    assert!(deliveries(&app, id).await.is_empty());
    let delete = |id: String| {
        app.client
            .delete(app.url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&app.token)
            .send()
    };
    assert_eq!(delete(id.clone()).await.unwrap().status(), 204);
    assert_eq!(delete(id.clone()).await.unwrap().status(), 404);
    let listed: WebhookList = app.get_json("/api/v1/webhooks").await;
    assert!(listed.webhooks.is_empty());
    let unknown = app
        .get("/api/v1/webhooks/wh_nope/deliveries")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    app.server.stop().await.unwrap();
}

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[tokio::test]
async fn the_command_line_adds_an_endpoint_the_running_server_delivers_to_then_lists_and_removes_it()
 {
    let receiver = Receiver::start(0).await;
    let app = app_retrying_every(20).await;
    let data = app.data.path();

    let bad_event = cli(
        data,
        &[
            "webhook",
            "add",
            &receiver.url(),
            "--events",
            "video_ready,video_teleported",
        ],
    );
    assert!(!bad_event.status.success());
    let stderr = String::from_utf8_lossy(&bad_event.stderr);
    assert!(stderr.contains("\"video_teleported\""), "{stderr}");
    let bad_url = cli(
        data,
        &[
            "webhook",
            "add",
            "ftp://example.com/x",
            "--events",
            "video_ready",
        ],
    );
    assert!(!bad_url.status.success());
    let stderr = String::from_utf8_lossy(&bad_url.stderr);
    assert!(
        stderr.contains("http://") && stderr.contains("ftp"),
        "{stderr}"
    );
    assert_eq!(
        stdout(&cli(data, &["webhook", "list"])),
        "",
        "nothing added"
    );

    let added = stdout(&cli(
        data,
        &[
            "webhook",
            "add",
            &receiver.url(),
            "--events",
            "link_created,review_set",
        ],
    ));
    let lines: Vec<&str> = added.lines().collect();
    let id = lines[0].to_string();
    let secret = lines.last().unwrap().to_string();
    assert!(id.starts_with("wh_"), "{added}");
    assert!(
        secret.starts_with("whsec_"),
        "the secret alone is the last line: {added}"
    );

    // The server was already running: it delivers to the endpoint the CLI added.
    app.link("maya").await;
    wait_for_log(&app, &id, |log| all_delivered(log, 1)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].signed_with(&secret));

    let listed = stdout(&cli(data, &["webhook", "list"]));
    assert!(
        listed.contains(&id) && listed.contains("link_created,review_set"),
        "{listed}"
    );
    assert!(listed.contains("delivered 1"), "{listed}");
    assert!(
        !listed.contains(&secret),
        "the secret is printed once, never again"
    );
    let log = stdout(&cli(data, &["webhook", "deliveries", &id, "--limit", "5"]));
    assert!(
        log.contains(&received[0].id) && log.contains("delivered") && log.contains("200"),
        "{log}"
    );
    assert!(!stdout(&cli(data, &["webhook", "deliveries"])).is_empty());

    stdout(&cli(data, &["webhook", "remove", &id]));
    assert_eq!(stdout(&cli(data, &["webhook", "list"])), "");
    let again = cli(data, &["webhook", "remove", &id]);
    assert!(
        !again.status.success(),
        "removing twice names the missing id"
    );
    app.link("noah").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "nothing sent after removal");
    app.server.stop().await.unwrap();
}
