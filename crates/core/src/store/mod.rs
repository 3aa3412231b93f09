//! The desktop's SQLite database: opened with WAL, foreign keys and a busy timeout, migrated
//! on open (a newer database than this build understands is refused, never altered), and
//! owned by one thread that the async world reaches through [`StoreHandle`].

mod schema;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
/// What [`StoreHandle::call`] hands its closures.
pub use rusqlite::Connection;

use crate::error::{CoreError, CoreResult};

/// Opens (creating if needed) and migrates the database at `path`.
pub fn open(path: &Path) -> CoreResult<Connection> {
    let mut conn = Connection::open(path)
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// An in-memory database with the full schema, for tests and previews.
pub fn open_in_memory() -> CoreResult<Connection> {
    let mut conn = Connection::open_in_memory().context("cannot open an in-memory database")?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// An in-memory database as an older build left it: migrated up to the first migration that
/// contains `marker`, not including it; [`migrate`] brings it up to date.
#[cfg(test)]
pub(crate) fn open_in_memory_before(marker: &str) -> CoreResult<Connection> {
    let conn = Connection::open_in_memory().context("cannot open an in-memory database")?;
    configure(&conn)?;
    let until = schema::MIGRATIONS
        .iter()
        .position(|sql| sql.contains(marker))
        .ok_or_else(|| anyhow::anyhow!("no migration contains {marker:?}"))?;
    for (index, sql) in schema::MIGRATIONS.iter().enumerate().take(until) {
        conn.execute_batch(sql)?;
        conn.pragma_update(None, "user_version", index as u32 + 1)?;
    }
    Ok(conn)
}

fn configure(conn: &Connection) -> CoreResult<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(())
}

/// The schema version this build writes.
pub fn schema_version() -> u32 {
    schema::MIGRATIONS.len() as u32
}

pub(crate) fn migrate(conn: &mut Connection) -> CoreResult<()> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current > schema_version() {
        return Err(CoreError::Conflict(format!(
            "this database was written by a newer clipdesk (schema {current}, this build knows {}); \
             it was left untouched: update clipdesk to open it",
            schema_version()
        )));
    }
    for (index, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("migration {} failed", index + 1))?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The database's own thread: closures are sent to it and run one at a time, so no async
/// worker ever blocks on SQLite and no two callers interleave inside a transaction.
#[derive(Clone)]
pub struct StoreHandle {
    jobs: mpsc::Sender<Job>,
}

impl StoreHandle {
    /// Opens the database and starts its thread.
    pub fn start(path: &Path) -> CoreResult<Self> {
        let conn = open(path)?;
        Ok(Self::from_connection(conn))
    }

    pub fn from_connection(mut conn: Connection) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("clipdesk-store".into())
            .spawn(move || {
                for job in queue {
                    job(&mut conn);
                }
            })
            // Without this thread the app has no database; failing to start it is fatal.
            .expect("the store thread starts");
        Self { jobs }
    }

    /// Runs `f` on the database thread and waits for its result.
    pub async fn call<T, F>(&self, f: F) -> CoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> CoreResult<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                let _ = reply.send(f(conn));
            }))
            .map_err(|_| anyhow::anyhow!("the store thread has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the store thread dropped a call"))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_gets_the_whole_schema_and_reopens_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clipdesk.sqlite3");
        drop(open(&path).unwrap());
        let conn = open(&path).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema_version());
        let cursor: i64 = conn
            .query_row("SELECT cursor FROM sync_state", [], |r| r.get(0))
            .unwrap();
        assert_eq!(cursor, 0);
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clipdesk.sqlite3");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 999)
            .unwrap();
        let err = open(&path).expect_err("refused");
        assert!(matches!(err, CoreError::Conflict(_)), "{err}");
        assert!(err.to_string().contains("newer clipdesk"), "{err}");
        let version: u32 = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 999);
    }

    #[tokio::test]
    async fn the_handle_runs_calls_on_the_store_thread_in_order() {
        let store = StoreHandle::from_connection(open_in_memory().unwrap());
        store
            .call(|conn| {
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES ('operator', 'ana')",
                    [],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        let value: String = store
            .call(|conn| {
                Ok(conn.query_row(
                    "SELECT value FROM settings WHERE key = 'operator'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        assert_eq!(value, "ana");
    }
}
