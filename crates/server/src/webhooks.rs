//! Webhooks: the endpoints an admin adds and the at-least-once, signed (Standard Webhooks)
//! delivery of the feed's events to them. A delivery is stored, in the same transaction that
//! advances its endpoint's cursor, before it is first attempted; so a crash or restart loses
//! none and doubles none (a retry repeats the same `webhook-id`). Deliveries to one endpoint
//! may arrive out of order: a few are in flight at once and a failed one waits its backoff.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clipdesk_protocol::api::EventKind;
use clipdesk_protocol::webhooks::{DeliveryState, WebhookDelivery, WebhookEndpoint};
use hmac::{Hmac, Mac};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::Sha256;
use tokio::task::{JoinHandle, JoinSet};

use crate::clock;
use crate::configuration::Config;
use crate::domain::random_b64;
use crate::error::ApiError;
use crate::events;
use crate::state::AppState;

/// One attempt's whole request, connect included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries in flight at once, over all endpoints.
const MAX_IN_FLIGHT: usize = 4;
/// The dispatcher wakes on every commit to the feed; this tick only catches what a missed
/// wake-up (an endpoint added by the CLI, a clock jump) would leave waiting.
const SAFETY_TICK: Duration = Duration::from_secs(30);
/// An attempt started but never recorded (the server stopped mid-request) is due again
/// after this: it is retried with the same id.
const LEASE_MS: i64 = ATTEMPT_TIMEOUT.as_millis() as i64 + 5_000;
/// Retry n waits `webhook_retry_base_ms` times this: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h…
const BACKOFF: [u64; 6] = [1, 60, 360, 1440, 3600, 7200];
/// Events read per endpoint per transaction.
const EVENTS_PER_PASS: u32 = 500;
/// `webhook deliveries` and the API list at most this many.
pub const MAX_DELIVERIES_LISTED: u32 = 1000;

/// Checks a URL deliveries can be posted to: http or https, with a host.
pub fn parse_url(url: &str) -> Result<String, ApiError> {
    let url = url.trim();
    let parsed = url::Url::parse(url)
        .map_err(|err| ApiError::invalid("url", format!("{url:?} is not a URL ({err})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ApiError::invalid(
            "url",
            format!(
                "{url:?} must start with http:// or https://, not {}://",
                parsed.scheme()
            ),
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(ApiError::invalid("url", format!("{url:?} names no host")));
    }
    Ok(url.to_owned())
}

/// Checks every name against the feed's event kinds (their wire names); duplicates go.
pub fn parse_events(names: &[String]) -> Result<Vec<String>, ApiError> {
    let mut kinds: Vec<String> = Vec::new();
    for name in names.iter().flat_map(|n| n.split(',')).map(str::trim) {
        if name.is_empty() {
            continue;
        }
        let kind: EventKind = serde_json::from_value(serde_json::Value::String(name.to_owned()))
            .unwrap_or(EventKind::Unknown);
        if kind == EventKind::Unknown {
            let known: Vec<&str> = EventKind::KNOWN.iter().map(|k| k.as_str()).collect();
            return Err(ApiError::invalid(
                "events",
                format!(
                    "{name:?} is not an event kind; the feed's kinds are {}",
                    known.join(", ")
                ),
            ));
        }
        if !kinds.iter().any(|k| k == kind.as_str()) {
            kinds.push(kind.as_str().to_owned());
        }
    }
    if kinds.is_empty() {
        return Err(ApiError::invalid(
            "events",
            "name at least one event kind, e.g. video_ready,review_set",
        ));
    }
    Ok(kinds)
}

/// `whsec_` + base64 of 32 random bytes, the Standard Webhooks form.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// `v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>`, the key being the secret's
/// decoded bytes (Standard Webhooks).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> anyhow::Result<String> {
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = STANDARD.decode(encoded)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Adds an endpoint that gets the events appended from now on; its secret, shown only here.
pub fn add(
    conn: &Connection,
    url: &str,
    events: &[String],
) -> Result<(WebhookEndpoint, String), ApiError> {
    let url = parse_url(url)?;
    let events = parse_events(events)?;
    let id = format!("wh_{}", random_b64::<12>());
    let secret = new_secret();
    // The cursor starts at the feed's end, read in the same statement as the insert.
    conn.execute(
        "INSERT INTO webhook_endpoints (id, url, events, secret, cursor, created_at)
         VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(seq), 0) FROM events), ?5)",
        params![id, url, events.join(","), secret, clock::now_ms()],
    )?;
    let endpoint = get(conn, &id)?;
    Ok((endpoint, secret))
}

const ENDPOINT_COLUMNS: &str = "e.id, e.url, e.events, e.created_at,
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = e.id AND d.state = 'pending'),
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = e.id AND d.state = 'delivered'),
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = e.id AND d.state = 'failed')";

fn endpoint_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<WebhookEndpoint> {
    let events: String = row.get(2)?;
    Ok(WebhookEndpoint {
        id: row.get(0)?,
        url: row.get(1)?,
        events: events.split(',').map(str::to_owned).collect(),
        created_at: clock::to_rfc3339(row.get(3)?),
        pending: row.get(4)?,
        delivered: row.get(5)?,
        failed: row.get(6)?,
    })
}

fn get(conn: &Connection, id: &str) -> Result<WebhookEndpoint, ApiError> {
    conn.query_row(
        &format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.id = ?1 AND e.removed_at IS NULL"
        ),
        [id],
        endpoint_row,
    )
    .optional()?
    .ok_or_else(|| ApiError::NotFound(format!("no webhook {id:?}")))
}

/// Endpoints not removed, oldest first, with their delivery counts.
pub fn list(conn: &Connection) -> Result<Vec<WebhookEndpoint>, ApiError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.removed_at IS NULL
         ORDER BY e.created_at, e.id"
    ))?;
    let rows = stmt.query_map([], endpoint_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stops delivering to `id`: its pending deliveries end `failed`; its log is kept.
pub fn remove(conn: &mut Connection, id: &str) -> Result<(), ApiError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = clock::now_ms();
    let changed = tx.execute(
        "UPDATE webhook_endpoints SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL",
        params![id, now],
    )?;
    if changed == 0 {
        return Err(ApiError::NotFound(format!("no webhook {id:?}")));
    }
    tx.execute(
        "UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL,
                last_error = 'the endpoint was removed'
         WHERE endpoint = ?1 AND state = 'pending'",
        [id],
    )?;
    tx.commit()?;
    Ok(())
}

/// The delivery log, newest first: of one endpoint (removed ones too), or of all.
pub fn deliveries(
    conn: &Connection,
    endpoint: Option<&str>,
    limit: u32,
) -> Result<Vec<WebhookDelivery>, ApiError> {
    if let Some(id) = endpoint {
        let known: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM webhook_endpoints WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .optional()?;
        if known.is_none() {
            return Err(ApiError::NotFound(format!("no webhook {id:?}")));
        }
    }
    let mut stmt = conn.prepare(
        "SELECT id, endpoint, event_seq, kind, state, attempts, next_attempt_at, last_status,
                last_error, created_at, delivered_at
         FROM webhook_deliveries WHERE ?1 IS NULL OR endpoint = ?1
         ORDER BY event_seq DESC, endpoint LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![endpoint, limit], |row| {
        let state: String = row.get(4)?;
        Ok(WebhookDelivery {
            id: row.get(0)?,
            endpoint: row.get(1)?,
            event_seq: row.get(2)?,
            kind: row.get(3)?,
            state: DeliveryState::from_stored(&state),
            attempts: row.get(5)?,
            next_attempt_at: row.get::<_, Option<i64>>(6)?.map(clock::to_rfc3339),
            last_status: row.get(7)?,
            last_error: row.get(8)?,
            created_at: clock::to_rfc3339(row.get(9)?),
            delivered_at: row.get::<_, Option<i64>>(10)?.map(clock::to_rfc3339),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// For each endpoint, in one transaction: a pending delivery for every new event of a kind it
/// subscribed to, and the cursor moved past the events read. True when events are left over.
pub fn enqueue(conn: &mut Connection) -> rusqlite::Result<bool> {
    // Endpoints already at the feed's end need no write transaction.
    let endpoints: Vec<(String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT id, events FROM webhook_endpoints
             WHERE removed_at IS NULL
               AND cursor < (SELECT coalesce(max(seq), 0) FROM events)",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut more_left = false;
    for (id, kinds) in endpoints {
        let kinds: Vec<&str> = kinds.split(',').collect();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read inside the transaction: the cursor and the deliveries move together.
        let cursor: Option<i64> = tx
            .query_row(
                "SELECT cursor FROM webhook_endpoints WHERE id = ?1 AND removed_at IS NULL",
                [&id],
                |row| row.get(0),
            )
            .optional()?;
        let Some(cursor) = cursor else { continue };
        let (events, more) = events::page(&tx, cursor, EVENTS_PER_PASS)?;
        let Some(last) = events.last().map(|e| e.seq) else {
            continue;
        };
        let now = clock::now_ms();
        for event in events.iter().filter(|e| kinds.contains(&e.kind.as_str())) {
            let body = serde_json::json!({
                "type": event.kind.as_str(),
                "timestamp": event.at,
                "data": event,
            })
            .to_string();
            tx.execute(
                "INSERT OR IGNORE INTO webhook_deliveries
                     (id, endpoint, event_seq, kind, body, state, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
                params![
                    format!("msg_{}", random_b64::<16>()),
                    id,
                    event.seq,
                    event.kind.as_str(),
                    body,
                    now
                ],
            )?;
        }
        tx.execute(
            "UPDATE webhook_endpoints SET cursor = ?2 WHERE id = ?1",
            params![id, last],
        )?;
        tx.commit()?;
        more_left |= more;
    }
    Ok(more_left)
}

/// A delivery to attempt now.
#[derive(Debug)]
pub struct Due {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub body: String,
}

/// Up to `limit` deliveries due at `now`, each leased (its next attempt moved past this
/// one's timeout) so it is not started twice, and retried should the server stop mid-request.
fn take_due(conn: &mut Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<Due>> {
    // The dispatcher wakes on every event: with nothing due it must not take the write lock
    // (every commit would cost a second write, and a writer waiting on a lock held elsewhere
    // stalls the server's one connection for the busy timeout).
    let any_due: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM webhook_deliveries
                        WHERE state = 'pending' AND next_attempt_at <= ?1)",
        [now],
        |row| row.get(0),
    )?;
    if !any_due {
        return Ok(Vec::new());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let due = {
        let mut stmt = tx.prepare(
            "SELECT d.id, e.url, e.secret, d.body
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint
             WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND e.removed_at IS NULL
             ORDER BY d.next_attempt_at, d.event_seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now, limit as i64], |row| {
            Ok(Due {
                id: row.get(0)?,
                url: row.get(1)?,
                secret: row.get(2)?,
                body: row.get(3)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    for d in &due {
        tx.execute(
            "UPDATE webhook_deliveries SET next_attempt_at = ?2 WHERE id = ?1",
            params![d.id, now + LEASE_MS],
        )?;
    }
    tx.commit()?;
    Ok(due)
}

/// When the next pending delivery is due, if any.
fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT min(d.next_attempt_at)
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint
         WHERE d.state = 'pending' AND e.removed_at IS NULL",
        [],
        |row| row.get(0),
    )
}

/// How one attempt went.
#[derive(Debug)]
pub struct Outcome {
    pub delivered: bool,
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// How long retry `attempts` (1 = the first retry) waits.
fn backoff(config: &Config, attempts: u32) -> i64 {
    let step = BACKOFF[(attempts.max(1) as usize - 1).min(BACKOFF.len() - 1)];
    i64::try_from(config.webhook_retry_base_ms.saturating_mul(step)).unwrap_or(i64::MAX)
}

/// Records an attempt: delivered, due again after its backoff, or `failed` once the retry
/// window since the event is over (the last retry is moved up to the window's end).
fn record(conn: &Connection, config: &Config, id: &str, outcome: &Outcome) -> rusqlite::Result<()> {
    let now = clock::now_ms();
    if outcome.delivered {
        conn.execute(
            "UPDATE webhook_deliveries
             SET state = 'delivered', attempts = attempts + 1, last_status = ?2,
                 last_error = NULL, next_attempt_at = NULL, delivered_at = ?3
             WHERE id = ?1 AND state = 'pending'",
            params![id, outcome.status, now],
        )?;
        return Ok(());
    }
    let row: Option<(u32, i64)> = conn
        .query_row(
            "SELECT attempts, created_at FROM webhook_deliveries WHERE id = ?1 AND state = 'pending'",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((attempts, created_at)) = row else {
        return Ok(());
    };
    let attempts = attempts + 1;
    let window = i64::try_from(config.webhook_retry_window.as_millis()).unwrap_or(i64::MAX);
    let deadline = created_at.saturating_add(window);
    let (state, next) = if now >= deadline {
        ("failed", None)
    } else {
        (
            "pending",
            Some(now.saturating_add(backoff(config, attempts)).min(deadline)),
        )
    };
    conn.execute(
        "UPDATE webhook_deliveries
         SET state = ?2, attempts = ?3, last_status = ?4, last_error = ?5, next_attempt_at = ?6
         WHERE id = ?1",
        params![id, state, attempts, outcome.status, outcome.error, next],
    )?;
    Ok(())
}

/// Starts the dispatcher: it runs until the server's background tasks are aborted.
pub fn start(state: &AppState) -> anyhow::Result<JoinHandle<()>> {
    let client = reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "clipdesk-server/",
            env!("CARGO_PKG_VERSION"),
            " webhooks"
        ))
        .build()?;
    Ok(tokio::spawn(dispatch_forever(state.clone(), client)))
}

async fn dispatch_forever(state: AppState, client: reqwest::Client) {
    let mut latest = state.feed.subscribe();
    let mut stopping = state.stopping.clone();
    let mut in_flight: JoinSet<()> = JoinSet::new();
    loop {
        latest.borrow_and_update();
        while in_flight.try_join_next().is_some() {}
        let more = match state.db().call(|conn| Ok(enqueue(conn)?)).await {
            Ok(more) => more,
            Err(err) => {
                tracing::error!(error = %err, "queueing webhook deliveries failed");
                false
            }
        };
        let room = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
        if room > 0 {
            let now = clock::now_ms();
            match state
                .db()
                .call(move |conn| Ok(take_due(conn, now, room)?))
                .await
            {
                Ok(due) => {
                    for delivery in due {
                        in_flight.spawn(attempt(state.clone(), client.clone(), delivery));
                    }
                }
                Err(err) => tracing::error!(error = %err, "reading due webhook deliveries failed"),
            }
        }
        if more {
            continue;
        }
        let wait = if in_flight.len() >= MAX_IN_FLIGHT {
            SAFETY_TICK
        } else {
            match state.db().call(|conn| Ok(next_due(conn)?)).await {
                Ok(Some(at)) => {
                    Duration::from_millis(u64::try_from(at - clock::now_ms()).unwrap_or(0))
                        .min(SAFETY_TICK)
                }
                Ok(None) => SAFETY_TICK,
                Err(err) => {
                    tracing::error!(error = %err, "reading the next webhook retry failed");
                    SAFETY_TICK
                }
            }
        };
        tokio::select! {
            changed = latest.changed() => if changed.is_err() { return },
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {},
            () = tokio::time::sleep(wait) => {},
            _ = stopping.wait_for(|stop| *stop) => return,
        }
    }
}

/// Posts one delivery, signed, and records how it went.
async fn attempt(state: AppState, client: reqwest::Client, delivery: Due) {
    let timestamp = clock::now_ms() / 1000;
    let outcome = match sign(&delivery.secret, &delivery.id, timestamp, &delivery.body) {
        Err(err) => Outcome {
            delivered: false,
            status: None,
            error: Some(format!("cannot sign: {err}")),
        },
        Ok(signature) => {
            let sent = client
                .post(&delivery.url)
                .header("content-type", "application/json")
                .header("webhook-id", &delivery.id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(delivery.body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => Outcome {
                    delivered: true,
                    status: Some(response.status().as_u16()),
                    error: None,
                },
                Ok(response) => Outcome {
                    delivered: false,
                    status: Some(response.status().as_u16()),
                    error: Some(format!("the endpoint answered {}", response.status())),
                },
                Err(err) => Outcome {
                    delivered: false,
                    status: None,
                    error: Some(describe(&err)),
                },
            }
        }
    };
    if !outcome.delivered {
        tracing::info!(id = %delivery.id, url = %delivery.url, error = ?outcome.error, "webhook delivery failed; it will be retried");
    }
    let config = state.config.clone();
    let id = delivery.id;
    if let Err(err) = state
        .db()
        .call(move |conn| Ok(record(conn, &config, &id, &outcome)?))
        .await
    {
        tracing::error!(error = %err, "recording a webhook attempt failed");
    }
}

/// A failed request in words, with its cause (refused, reset, DNS, …).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs());
    }
    let mut text = if err.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The example from the Standard Webhooks specification.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn with_nothing_due_the_dispatcher_takes_no_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        crate::db::migrate(&mut conn).unwrap();
        // Another writer holds the lock; a writer here would wait, then fail busy.
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn.busy_timeout(Duration::from_millis(50)).unwrap();
        let due = take_due(&mut conn, clock::now_ms(), 4).unwrap();
        assert!(due.is_empty());
        other.execute_batch("ROLLBACK").unwrap();
    }

    #[test]
    fn retries_back_off_from_the_base_delay() {
        let config = Config::new("d");
        assert_eq!(backoff(&config, 1), 5_000);
        assert_eq!(backoff(&config, 2), 300_000);
        assert_eq!(backoff(&config, 6), 36_000_000);
        assert_eq!(backoff(&config, 40), 36_000_000, "capped at 10 h");
    }

    #[test]
    fn an_unknown_event_name_is_named_in_the_error() {
        let err = parse_events(&["video_ready,video_teleported".into()]).unwrap_err();
        assert!(err.to_string().contains("\"video_teleported\""), "{err}");
        assert_eq!(
            parse_events(&["review_set, video_ready,review_set".into()]).unwrap(),
            ["review_set", "video_ready"]
        );
    }
}
