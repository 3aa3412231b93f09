//! The server's SQLite database: opening it (WAL, foreign keys, busy timeout), its
//! migrations, and a handle that runs queries off the async workers.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension};

use crate::error::ApiError;

/// Each entry moves the schema one version up; never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE api_tokens (
    name        TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE TABLE campaigns (
    slug            TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    prompt          TEXT NOT NULL,
    max_duration_s  INTEGER NOT NULL,
    expires_at      INTEGER,
    public_page     INTEGER NOT NULL,
    language        TEXT,
    strings         TEXT NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE TABLE links (
    token          TEXT PRIMARY KEY,
    campaign       TEXT NOT NULL REFERENCES campaigns(slug),
    handle         TEXT NOT NULL,
    user_id        TEXT,
    display_name   TEXT,
    issued_by      TEXT,
    self_reported  INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    opened_at      INTEGER,
    -- An invited person's link and a self-reported one for the same handle are distinct.
    UNIQUE (campaign, handle, self_reported)
);
CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    link         TEXT NOT NULL REFERENCES links(token) ON DELETE CASCADE,
    length       INTEGER NOT NULL,
    metadata     TEXT NOT NULL,
    filename     TEXT,
    filetype     TEXT,
    consent      TEXT,
    state        TEXT NOT NULL CHECK (state IN ('receiving', 'complete', 'rejected')),
    reason       TEXT,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX uploads_by_link ON uploads (link);
CREATE INDEX uploads_expiring ON uploads (expires_at) WHERE state = 'receiving';
CREATE TABLE videos (
    id          TEXT PRIMARY KEY,
    link        TEXT NOT NULL REFERENCES links(token) ON DELETE CASCADE,
    campaign    TEXT NOT NULL,
    handle      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    container   TEXT NOT NULL,
    filename    TEXT,
    filetype    TEXT,
    consent     TEXT,
    state       TEXT NOT NULL DEFAULT 'received',
    created_at  INTEGER NOT NULL
);
CREATE INDEX videos_by_link ON videos (link);
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    campaign   TEXT,
    handle     TEXT,
    link       TEXT,
    upload_id  TEXT,
    video_id   TEXT,
    detail     TEXT NOT NULL DEFAULT '{}'
);
"#,
    r#"
ALTER TABLE videos ADD COLUMN duration_ms INTEGER;
ALTER TABLE videos ADD COLUMN width INTEGER;
ALTER TABLE videos ADD COLUMN height INTEGER;
ALTER TABLE videos ADD COLUMN rotation INTEGER;
ALTER TABLE videos ADD COLUMN video_codec TEXT;
ALTER TABLE videos ADD COLUMN audio_codec TEXT;
ALTER TABLE videos ADD COLUMN format_name TEXT;
ALTER TABLE videos ADD COLUMN rendition_size INTEGER;
ALTER TABLE videos ADD COLUMN failure TEXT;
ALTER TABLE videos ADD COLUMN ready_at INTEGER;
CREATE TABLE media_jobs (
    video_id    TEXT PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX media_jobs_queued ON media_jobs (created_at) WHERE state = 'queued';
CREATE TABLE reviews (
    video_id    TEXT PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    decision    TEXT NOT NULL CHECK (decision IN ('pending', 'approved', 'rejected')),
    note        TEXT NOT NULL DEFAULT '',
    reviewer    TEXT,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
"#,
    // The video an upload becomes gets its own id, chosen at creation and never shown to the
    // uploader: an id seen in a media URL must not also open the upload (and its link token).
    // Videos made before this keep their upload's id.
    r#"
ALTER TABLE uploads ADD COLUMN video_id TEXT;
UPDATE uploads SET video_id = id WHERE state = 'complete';
CREATE UNIQUE INDEX uploads_video_id ON uploads (video_id);
"#,
    // Each visit to a public campaign page gets its own self-reported link, so one handle may
    // have several; an invited person's link stays one per campaign and handle. SQLite cannot
    // drop a UNIQUE constraint: the table is rebuilt by its 12-step procedure, with foreign
    // keys off (see `migrate`) so dropping the old table does not cascade to uploads/videos.
    r#"
CREATE TABLE links_new (
    token          TEXT PRIMARY KEY,
    campaign       TEXT NOT NULL REFERENCES campaigns(slug),
    handle         TEXT NOT NULL,
    user_id        TEXT,
    display_name   TEXT,
    issued_by      TEXT,
    self_reported  INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    opened_at      INTEGER
);
INSERT INTO links_new (token, campaign, handle, user_id, display_name, issued_by, self_reported,
                       created_at, revoked_at, opened_at)
    SELECT token, campaign, handle, user_id, display_name, issued_by, self_reported,
           created_at, revoked_at, opened_at
    FROM links;
DROP TABLE links;
ALTER TABLE links_new RENAME TO links;
CREATE UNIQUE INDEX links_invited ON links (campaign, handle) WHERE self_reported = 0;
"#,
    // Who a campaign's consent sentence names; NULL falls back to the server's setting.
    r#"
ALTER TABLE campaigns ADD COLUMN organisation TEXT;
"#,
    // Desktop releases an admin published (`clipdesk-server release add`); the file is
    // `releases/<version>/<file_name>` under the data folder.
    r#"
CREATE TABLE releases (
    version       TEXT NOT NULL,
    format        TEXT NOT NULL CHECK (format IN ('deb', 'rpm')),
    arch          TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    size          INTEGER NOT NULL,
    signature     TEXT NOT NULL,
    notes         TEXT,
    published_at  INTEGER NOT NULL,
    PRIMARY KEY (version, format, arch)
);
"#,
    // A person who said "no thanks" on the page: the link takes no more uploads and no
    // follow-up goes out. The reason is theirs, optional, kept as typed (bounded by the route).
    r#"
ALTER TABLE links ADD COLUMN declined_at INTEGER;
ALTER TABLE links ADD COLUMN decline_reason TEXT;
"#,
    // sha256 of each video's original (lowercase hex), for exports to check their copies;
    // NULL until the media job (or the bucket put) has read the file whole.
    r#"
ALTER TABLE videos ADD COLUMN sha256 TEXT;
"#,
    // A review's tags (a JSON array of strings, as typed) and 1-5 rating; a video's poster
    // version, bumped when a reviewer picks a frame, so its poster URL changes with it.
    r#"
ALTER TABLE reviews ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE reviews ADD COLUMN rating INTEGER;
ALTER TABLE videos ADD COLUMN poster_version INTEGER NOT NULL DEFAULT 0;
"#,
    // Webhook endpoints (`webhook add`) and one delivery per event sent to one of them.
    // `cursor` is the last event seq considered, committed with the deliveries it made.
    r#"
CREATE TABLE webhook_endpoints (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,
    secret      TEXT NOT NULL,
    cursor      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    removed_at  INTEGER
);
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    endpoint         TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event_seq        INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER,
    UNIQUE (endpoint, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint, created_at);
"#,
    // Team mode. Tokens carry roles (existing ones all three). A campaign has a version for
    // compare-and-set edits, who edited it last, the desktop's own definition (message parts,
    // variants, DM URL templates, follow-ups: JSON the server keeps and hands back), and the
    // pacing and holds the server enforces. A recipient (invited link) has tags and the
    // outcome an operator recorded. A claim is one operator's lease on one recipient; `sends`
    // is every DM an operator recorded as sent: per-operator pacing and the cross-campaign
    // hold are counted from it.
    r#"
ALTER TABLE api_tokens ADD COLUMN roles TEXT NOT NULL DEFAULT 'admin,operator,reviewer';
ALTER TABLE campaigns ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE campaigns ADD COLUMN updated_by TEXT;
ALTER TABLE campaigns ADD COLUMN desktop TEXT;
ALTER TABLE campaigns ADD COLUMN daily_cap INTEGER NOT NULL DEFAULT 50;
ALTER TABLE campaigns ADD COLUMN spacing_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN hold_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE campaigns ADD COLUMN lease_s INTEGER NOT NULL DEFAULT 900;
ALTER TABLE links ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE links ADD COLUMN outcome TEXT
    CHECK (outcome IN ('sent', 'skipped', 'cant_dm', 'later'));
ALTER TABLE links ADD COLUMN outcome_reason TEXT;
ALTER TABLE links ADD COLUMN outcome_by TEXT;
ALTER TABLE links ADD COLUMN outcome_at INTEGER;
ALTER TABLE links ADD COLUMN later_until INTEGER;
ALTER TABLE links ADD COLUMN outcome_claim TEXT;
CREATE INDEX links_to_claim ON links (campaign, created_at)
    WHERE self_reported = 0 AND (outcome IS NULL OR outcome = 'later');
CREATE INDEX links_by_handle ON links (handle);
CREATE TABLE claims (
    id                TEXT PRIMARY KEY,
    link              TEXT NOT NULL REFERENCES links(token) ON DELETE CASCADE,
    campaign          TEXT NOT NULL,
    operator          TEXT NOT NULL,
    claimed_at        INTEGER NOT NULL,
    lease_expires_at  INTEGER NOT NULL,
    ended_at          INTEGER,
    ended             TEXT CHECK (ended IN
        ('sent', 'skipped', 'cant_dm', 'later', 'given_back', 'expired', 'undone'))
);
CREATE INDEX claims_open_by_link ON claims (link) WHERE ended_at IS NULL;
CREATE INDEX claims_open_by_operator ON claims (operator, campaign) WHERE ended_at IS NULL;
CREATE TABLE sends (
    id        TEXT PRIMARY KEY,
    claim     TEXT UNIQUE,
    operator  TEXT NOT NULL,
    campaign  TEXT NOT NULL,
    handle    TEXT,
    link      TEXT,
    at        INTEGER NOT NULL
);
CREATE INDEX sends_by_operator ON sends (operator, at);
CREATE INDEX sends_by_handle ON sends (handle, at);
"#,
];

type Job = Box<dyn FnOnce(&Mutex<Connection>) + Send>;

/// One connection shared by every request, used from the database's own thread. SQLite
/// serialises writers anyway; one connection keeps event order equal to commit order. Its own
/// thread (not tokio's blocking pool) means hundreds of slow uploads, each holding a blocking
/// thread for its writer, can never starve the queries every other request needs.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Db {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let mut conn = Connection::open(path)
            .with_context(|| format!("cannot open database {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn).with_context(|| format!("cannot migrate {}", path.display()))?;
        let conn = Arc::new(Mutex::new(conn));
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let owned = conn.clone();
        std::thread::Builder::new()
            .name("clipdesk-db".into())
            .spawn(move || {
                for job in queue {
                    job(&owned);
                }
            })
            .context("cannot start the database thread")?;
        Ok(Self { conn, jobs })
    }

    /// Runs `f` with the connection on the database thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |conn: &Mutex<Connection>| {
                let result = match conn.lock() {
                    Ok(mut guard) => f(&mut guard),
                    Err(_) => Err(anyhow::anyhow!("database mutex poisoned").into()),
                };
                let _ = reply.send(result);
            }))
            .map_err(|_| anyhow::anyhow!("the database thread has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the database thread dropped a call"))?
    }

    /// The connection for synchronous callers (the CLI, start-up recovery).
    pub fn lock(&self) -> anyhow::Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| anyhow::anyhow!("database mutex poisoned"))
    }
}

/// The schema version this code migrates to (`PRAGMA user_version` once migrated).
pub fn schema_version() -> usize {
    MIGRATIONS.len()
}

pub(crate) fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    let current: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current > MIGRATIONS.len() {
        anyhow::bail!(
            "the database is at schema version {current}, newer than this server knows ({}); \
             refusing to touch it: run a newer clipdesk-server",
            MIGRATIONS.len()
        );
    }
    // A migration may rebuild a table (drop the old one, rename the new): with foreign keys on,
    // the drop would cascade-delete every row that references it. SQLite ignores this pragma
    // inside a transaction, so keys go off around the loop and are checked before each commit.
    let foreign_keys: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let migrated = (|| {
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            let broken: Option<String> = tx
                .query_row("PRAGMA foreign_key_check", [], |row| row.get(0))
                .optional()?;
            if let Some(table) = broken {
                anyhow::bail!(
                    "migration {} would leave rows in {table} pointing at nothing; it was rolled back",
                    index + 1
                );
            }
            tx.pragma_update(None, "user_version", index + 1)?;
            tx.commit()?;
        }
        Ok(())
    })();
    conn.pragma_update(None, "foreign_keys", foreign_keys)?;
    migrated
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        ApiError::Unexpected(anyhow::Error::new(err).context("database error"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_reopening_keeps_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            let db = Db::open(&path).unwrap();
            db.lock()
                .unwrap()
                .execute(
                    "INSERT INTO api_tokens (name, token_hash, created_at) VALUES ('a', 'h', 1)",
                    [],
                )
                .unwrap();
        }
        let db = Db::open(&path).unwrap();
        let count: i64 = db
            .lock()
            .unwrap()
            .query_row("SELECT count(*) FROM api_tokens", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 1);
    }

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn rebuilding_links_keeps_every_link_upload_and_video_that_points_at_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            // A server of schema 3 with data, opened the way `Db::open` opens it.
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "foreign_keys", "ON").unwrap();
            for sql in &MIGRATIONS[..3] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 3).unwrap();
            conn.execute_batch(
                "INSERT INTO campaigns (slug, title, prompt, max_duration_s, public_page,
                                        created_at, updated_at)
                 VALUES ('spring', 'Spring', '', 60, 1, 1, 1);
                 INSERT INTO links (token, campaign, handle, self_reported, created_at, opened_at)
                 VALUES ('invited', 'spring', 'maya', 0, 1, 5),
                        ('typed', 'spring', 'maya', 1, 2, NULL);
                 INSERT INTO uploads (id, link, length, metadata, state, created_at, expires_at,
                                      video_id)
                 VALUES ('u1', 'invited', 10, '', 'complete', 1, 9, 'v1'),
                        ('u2', 'typed', 10, '', 'receiving', 1, 9, NULL);
                 INSERT INTO videos (id, link, campaign, handle, size, container, created_at)
                 VALUES ('v1', 'invited', 'spring', 'maya', 10, 'mp4', 1);
                 INSERT INTO media_jobs (video_id, state, created_at, updated_at)
                 VALUES ('v1', 'done', 1, 1);
                 INSERT INTO reviews (video_id, decision, version, updated_at)
                 VALUES ('v1', 'approved', 1, 1);",
            )
            .unwrap();
        }

        let db = Db::open(&path).unwrap();
        let conn = db.lock().unwrap();
        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
        assert_eq!(count(&conn, "SELECT count(*) FROM links"), 2);
        assert_eq!(
            count(&conn, "SELECT opened_at FROM links WHERE token = 'invited'"),
            5,
            "columns are copied, not reset"
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM uploads"), 2);
        assert_eq!(count(&conn, "SELECT count(*) FROM videos"), 1);
        assert_eq!(count(&conn, "SELECT count(*) FROM media_jobs"), 1);
        assert_eq!(count(&conn, "SELECT count(*) FROM reviews"), 1);
        let foreign_keys: bool = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert!(foreign_keys, "foreign keys are back on after migrating");

        // Self-reported links may repeat a handle; an invited person's may not.
        conn.execute(
            "INSERT INTO links (token, campaign, handle, self_reported, created_at)
             VALUES ('typed-again', 'spring', 'maya', 1, 3)",
            [],
        )
        .unwrap();
        let second_invite = conn.execute(
            "INSERT INTO links (token, campaign, handle, self_reported, created_at)
             VALUES ('invited-again', 'spring', 'maya', 0, 3)",
            [],
        );
        assert!(second_invite.is_err(), "one invited link per handle");

        // The references point at the rebuilt table: deleting a link still cascades.
        conn.execute("DELETE FROM links WHERE token = 'invited'", [])
            .unwrap();
        assert_eq!(count(&conn, "SELECT count(*) FROM uploads"), 1);
        assert_eq!(count(&conn, "SELECT count(*) FROM videos"), 0);
        assert_eq!(count(&conn, "SELECT count(*) FROM reviews"), 0);
    }

    #[test]
    fn a_database_newer_than_the_code_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = Db::open(&path).err().expect("refused").to_string();
        let chain = format!("{err:#}");
        assert!(chain.contains("cannot migrate"), "{chain}");
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 99);
    }
}
