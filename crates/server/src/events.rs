//! The event feed: events are appended in the same transaction as the change they describe,
//! and long-polling readers are woken through a watch channel once it commits.

use std::sync::Arc;

use clipdesk_protocol::api::{Event, EventKind};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use tokio::sync::watch;

use crate::clock;
use crate::db::Db;
use crate::error::ApiError;

/// What an event is about; the feed adds `seq` and `at`.
#[derive(Debug, Default)]
pub struct NewEvent<'a> {
    pub campaign: Option<&'a str>,
    pub handle: Option<&'a str>,
    pub link: Option<&'a str>,
    pub upload_id: Option<&'a str>,
    pub video_id: Option<&'a str>,
    pub detail: Option<serde_json::Value>,
}

/// A write transaction that can append events; [`Feed::transact`] commits it and wakes readers.
pub struct Tx<'a> {
    pub tx: Transaction<'a>,
    /// The newest seq this transaction appended.
    last_seq: Option<i64>,
}

impl Tx<'_> {
    pub fn append(&mut self, kind: EventKind, event: NewEvent<'_>) -> rusqlite::Result<i64> {
        let detail = event.detail.unwrap_or_else(|| serde_json::json!({}));
        self.tx.execute(
            "INSERT INTO events (kind, at, campaign, handle, link, upload_id, video_id, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                kind.as_str(),
                clock::now_ms(),
                event.campaign,
                event.handle,
                event.link,
                event.upload_id,
                event.video_id,
                detail.to_string()
            ],
        )?;
        let seq = self.tx.last_insert_rowid();
        self.last_seq = Some(seq);
        Ok(seq)
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}

#[derive(Clone)]
pub struct Feed {
    db: Db,
    latest: Arc<watch::Sender<i64>>,
}

impl Feed {
    pub fn new(db: Db) -> anyhow::Result<Self> {
        let latest: i64 =
            db.lock()?
                .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |row| {
                    row.get(0)
                })?;
        Ok(Self {
            db,
            latest: Arc::new(watch::Sender::new(latest)),
        })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Runs `f` in one IMMEDIATE transaction (the write lock is taken up front, so the busy
    /// timeout applies instead of a read that cannot be upgraded later); commits when it returns Ok, then wakes the feed's readers
    /// if it appended events. An error rolls everything back, events included.
    pub async fn transact<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let (value, latest) = self.db.call(move |conn| in_transaction(conn, f)).await?;
        self.committed(latest);
        Ok(value)
    }

    /// Same as [`Feed::transact`] for synchronous callers (finishing uploads, recovery).
    pub fn transact_blocking<T>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (value, latest) = in_transaction(&mut *self.db.lock()?, f)?;
        self.committed(latest);
        Ok(value)
    }

    fn committed(&self, latest: Option<i64>) {
        if let Some(seq) = latest {
            self.latest.send_replace(seq);
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.latest.subscribe()
    }
}

/// Runs `f` in an IMMEDIATE transaction and commits it; the newest seq it appended.
fn in_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&mut Tx<'_>) -> Result<T, ApiError>,
) -> Result<(T, Option<i64>), ApiError> {
    let mut tx = Tx {
        tx: conn.transaction_with_behavior(TransactionBehavior::Immediate)?,
        last_seq: None,
    };
    let value = f(&mut tx)?;
    let latest = tx.last_seq;
    tx.tx.commit()?;
    Ok((value, latest))
}

/// Events with `seq > after`, oldest first, at most `limit`; and whether more follow.
pub fn page(conn: &Connection, after: i64, limit: u32) -> rusqlite::Result<(Vec<Event>, bool)> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, kind, at, campaign, handle, link, upload_id, video_id, detail
         FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, i64::from(limit) + 1], |row| {
        let kind: String = row.get(1)?;
        let detail: String = row.get(8)?;
        Ok(Event {
            seq: row.get(0)?,
            kind: serde_json::from_value(serde_json::Value::String(kind))
                .unwrap_or(EventKind::Unknown),
            at: clock::to_rfc3339(row.get(2)?),
            campaign: row.get(3)?,
            handle: row.get(4)?,
            link: row.get(5)?,
            upload_id: row.get(6)?,
            video_id: row.get(7)?,
            detail: serde_json::from_str(&detail).unwrap_or_else(|_| serde_json::json!({})),
        })
    })?;
    let mut events = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    Ok((events, more))
}
