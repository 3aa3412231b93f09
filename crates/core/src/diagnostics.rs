//! "Export diagnostics": one zip for a bug report with the app's logs, the versions in play,
//! the settings without their secrets, the sync state and the campaigns' revisions, and no
//! contact's handle, user id or link token anywhere in it.

use std::collections::HashSet;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clipdesk_protocol::Health;
use rusqlite::Connection;
use serde_json::{Map, Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::clock;
use crate::error::{CoreError, CoreResult};
use crate::store::StoreHandle;
use crate::sync::SyncStatus;

/// What a removed value is replaced by, so its presence stays visible.
pub const REMOVED: &str = "<removed>";

/// How long the export waits for the server's `/healthz`.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);

/// Setting names whose values are secrets (lower-case substrings of the key).
const SECRET_KEYS: [&str; 6] = [
    "token",
    "secret",
    "password",
    "passwd",
    "api_key",
    "private_key",
];

/// Settings that name a person: removed like secrets.
const PERSONAL_KEYS: [&str; 1] = ["operator"];

/// What only the shell knows: this build, the webview, the server in use, the log folder and
/// the live sync status.
#[derive(Debug, Clone)]
pub struct About {
    pub app_version: String,
    /// WebKitGTK's version on Linux, when the shell can tell.
    pub webview_version: Option<String>,
    pub server_url: String,
    pub embedded_server: bool,
    /// Where tauri-plugin-log writes the app's log files.
    pub log_dir: Option<PathBuf>,
    pub sync: SyncStatus,
}

/// What the export read from the database, before it is made safe.
struct Gathered {
    settings: Value,
    sync: Value,
    campaigns: Value,
    schema_version: u32,
    /// Exact values to remove wherever they appear (the settings' secrets).
    secrets: Vec<String>,
    /// Words to remove wherever they appear as a whole word: handles, user ids, link tokens
    /// (lower case).
    personal: HashSet<String>,
}

/// Writes the diagnostics zip to `path` (whole or not at all). The server's health is asked
/// for, but a server that is away only makes the versions file say so.
pub async fn export(store: &StoreHandle, about: About, path: &Path) -> CoreResult<PathBuf> {
    check_destination(path)?;
    let server = server_line(&about.server_url, about.embedded_server).await;
    let sync = about.sync.clone();
    let gathered = store.call(move |conn| gather(conn, &sync)).await?;
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let zip = build(&about, &server, &gathered)?;
        save(&path, &zip)?;
        Ok(path)
    })
    .await
    .map_err(anyhow::Error::from)?
}

fn cannot_save(path: &Path, reason: impl std::fmt::Display) -> CoreError {
    CoreError::invalid("path", format!("cannot save {}: {reason}", path.display()))
}

/// Refuses a destination before anything is gathered (and before waiting on the server).
fn check_destination(path: &Path) -> CoreResult<()> {
    if !path.is_absolute() || path.file_name().is_none() {
        return Err(cannot_save(path, "it must be a full path to a file"));
    }
    match path.parent() {
        Some(dir) if dir.is_dir() => Ok(()),
        Some(dir) => Err(cannot_save(
            path,
            format!("the folder {} does not exist", dir.display()),
        )),
        None => Err(cannot_save(path, "it must be a full path to a file")),
    }
}

/// Writes `bytes` through [`crate::export::write_file`] (temporary name, then renamed), with
/// every failure naming `path`.
fn save(path: &Path, bytes: &[u8]) -> CoreResult<()> {
    crate::export::write_file(path, |out| {
        out.write_all(bytes).map_err(|e| cannot_save(path, e))?;
        Ok(())
    })
    .map_err(|err| match err {
        CoreError::Invalid { reason, .. } if !reason.contains(&*path.to_string_lossy()) => {
            cannot_save(path, reason)
        }
        CoreError::Unexpected(e) => cannot_save(path, format!("{e:#}")),
        other => other,
    })
}

/// The server line of the versions file: its version and instance id, or why it is unknown.
async fn server_line(url: &str, embedded: bool) -> String {
    let kind = if embedded { "embedded" } else { "remote" };
    let health = async {
        let client = reqwest::Client::builder()
            .connect_timeout(HEALTH_TIMEOUT)
            .timeout(HEALTH_TIMEOUT)
            .build()?;
        let url = format!("{}/healthz", url.trim_end_matches('/'));
        client
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    };
    match health.await {
        Ok(Health {
            version,
            instance_id,
            status,
        }) => format!(
            "server: {url} ({kind}): clipdesk-server {version}, instance {instance_id}, status {status}"
        ),
        Err(err) => format!("server: {url} ({kind}): unreachable: {}", error_chain(&err)),
    }
}

/// An error and its causes, as one line ("error sending request: … : Connection refused").
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

fn gather(conn: &Connection, sync: &SyncStatus) -> CoreResult<Gathered> {
    let mut settings = Map::new();
    let mut secrets = Vec::new();
    let mut stmt = conn.prepare("SELECT key, value FROM settings ORDER BY key")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (key, value) = row?;
        let lower = key.to_lowercase();
        let secret = SECRET_KEYS.iter().any(|s| lower.contains(s));
        if secret && !value.is_empty() {
            secrets.push(value.clone());
        }
        let shown = if secret || PERSONAL_KEYS.contains(&lower.as_str()) {
            REMOVED.to_owned()
        } else {
            value
        };
        settings.insert(key, Value::String(shown));
    }

    let mut personal = HashSet::new();
    for sql in [
        "SELECT handle FROM contacts",
        "SELECT user_id FROM contacts WHERE user_id IS NOT NULL",
        "SELECT handle FROM suppressions",
        "SELECT user_id FROM suppressions WHERE user_id IS NOT NULL",
        "SELECT handle FROM videos WHERE handle IS NOT NULL",
        "SELECT link_token FROM videos",
        "SELECT link_token FROM outreach WHERE link_token IS NOT NULL",
    ] {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for value in rows {
            let value = value?.trim().trim_start_matches('@').to_lowercase();
            if !value.is_empty() {
                personal.insert(value);
            }
        }
    }

    let count = |sql: &str| -> CoreResult<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let mut tables = Map::new();
    for table in table_names(conn)? {
        let rows = count(&format!(
            "SELECT count(*) FROM \"{}\"",
            table.replace('"', "\"\"")
        ))?;
        tables.insert(table, rows.into());
    }
    let (pending, sent, conflict, max_attempts): (i64, i64, i64, Option<i64>) = conn.query_row(
        "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'sent'),
                count(*) FILTER (WHERE state = 'conflict'), max(attempts)
         FROM review_outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let outbox_error: Option<String> = conn
        .query_row(
            "SELECT last_error FROM review_outbox WHERE last_error IS NOT NULL
             ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    let campaigns_to_push: Vec<i64> = conn
        .prepare("SELECT id FROM campaigns WHERE pushed_revision < revision ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let sync_json = json!({
        "status": sync,
        "feed_cursor": crate::sync::cursor(conn)?,
        "review_outbox": {
            "pending": pending,
            "sent": sent,
            "conflict": conflict,
            "max_attempts": max_attempts,
            "last_error": outbox_error,
        },
        "links_to_register": count(
            "SELECT count(*) FROM outreach WHERE link_token IS NULL AND state IN ('queued', 'snoozed')",
        )?,
        "campaigns_to_push": campaigns_to_push,
        "rows_per_table": tables,
    });

    let campaigns: Vec<Value> = conn
        .prepare(
            "SELECT id, revision, pushed_revision, created_at, updated_at FROM campaigns ORDER BY id",
        )?
        .query_map([], |r| {
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "revision": r.get::<_, i64>(1)?,
                "pushed_revision": r.get::<_, i64>(2)?,
                "created_at": clock::to_rfc3339(r.get(3)?),
                "updated_at": clock::to_rfc3339(r.get(4)?),
            }))
        })?
        .collect::<rusqlite::Result<_>>()?;

    let schema_version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(Gathered {
        settings: Value::Object(settings),
        sync: sync_json,
        campaigns: Value::Array(campaigns),
        schema_version,
        secrets,
        personal,
    })
}

/// The database's own tables: not SQLite's, nor a virtual table's or its shadow tables
/// (the search index repeats the contacts' rows).
fn table_names(conn: &Connection) -> CoreResult<Vec<String>> {
    let all: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, coalesce(sql, '') FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let virtual_tables: Vec<&str> = all
        .iter()
        .filter(|(_, sql)| sql.to_uppercase().starts_with("CREATE VIRTUAL"))
        .map(|(name, _)| name.as_str())
        .collect();
    Ok(all
        .iter()
        .filter(|(name, _)| {
            !virtual_tables
                .iter()
                .any(|v| name == v || name.starts_with(&format!("{v}_")))
        })
        .map(|(name, _)| name.clone())
        .collect())
}

fn versions(about: &About, server: &str, schema_version: u32) -> String {
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| format!("unknown ({})", std::env::consts::OS));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_owned())
        .unwrap_or_else(|e| format!("unknown: {e}"));
    format!(
        "clipdesk: {}\n\
         exported at: {}\n\
         os: {os}\n\
         kernel: {kernel}\n\
         arch: {}\n\
         webkitgtk: {}\n\
         desktop database schema: {schema_version}\n\
         {server}\n",
        about.app_version,
        clock::to_rfc3339(clock::now_ms()),
        std::env::consts::ARCH,
        about.webview_version.as_deref().unwrap_or("unknown"),
    )
}

const README: &str = "\
clipdesk diagnostics, for a bug report.

versions.txt    this app, the OS, the kernel, WebKitGTK, the database schema, and the
                server's version and instance id (or why it could not be reached)
settings.json   this desktop's settings; tokens, secrets and passwords are replaced by
                <removed>, and so is the operator's name
sync.json       the sync state: feed cursor, last sync and its error, the review decisions
                not yet accepted, links and campaigns not yet sent, rows per table
campaigns.json  each campaign's id and revisions (saved, and last sent to the server)
logs/           the app's log files

No contact's handle, TikTok user id or link token is in any file: wherever one appeared
(in the logs too) it is replaced by <removed>. Names, notes and messages are not exported.
";

/// The zip's bytes: every file made safe by [`redact`] on the way in.
fn build(about: &About, server: &str, gathered: &Gathered) -> CoreResult<Vec<u8>> {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("README.txt".into(), README.into()),
        (
            "versions.txt".into(),
            versions(about, server, gathered.schema_version).into(),
        ),
        ("settings.json".into(), pretty(&gathered.settings)?),
        ("sync.json".into(), pretty(&gathered.sync)?),
        ("campaigns.json".into(), pretty(&gathered.campaigns)?),
    ];
    files.extend(log_files(about.log_dir.as_deref()));

    let stamp = zip_time(clock::now_ms());
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zip.start_file(name, options)
            .map_err(|e| anyhow::Error::from(e).context("writing the zip"))?;
        zip.write_all(&redact(&bytes, &gathered.secrets, &gathered.personal))
            .map_err(|e| anyhow::Error::from(e).context("writing the zip"))?;
    }
    let cursor = zip
        .finish()
        .map_err(|e| anyhow::Error::from(e).context("writing the zip"))?;
    Ok(cursor.into_inner())
}

fn pretty(value: &Value) -> CoreResult<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(anyhow::Error::from)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Every regular file of the log folder as `logs/<name>`; a missing or unreadable folder or
/// file becomes a note in its place, never a failed export.
fn log_files(dir: Option<&Path>) -> Vec<(String, Vec<u8>)> {
    let note = |text: String| vec![("logs/NOT-INCLUDED.txt".to_owned(), text.into_bytes())];
    let Some(dir) = dir else {
        return note("The app's log folder is not known.\n".into());
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return note(format!("Cannot read {}: {e}\n", dir.display())),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    if paths.is_empty() {
        return note(format!("{} holds no log file.\n", dir.display()));
    }
    paths
        .into_iter()
        .map(|p| {
            let name = format!(
                "logs/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            );
            let bytes = std::fs::read(&p)
                .unwrap_or_else(|e| format!("cannot read {}: {e}\n", p.display()).into_bytes());
            (name, bytes)
        })
        .collect()
}

/// The zip's timestamp for `ms` (UTC); the format's epoch when out of its range.
fn zip_time(ms: i64) -> DateTime {
    let t = clock::to_rfc3339(ms);
    let n = |range: std::ops::Range<usize>| -> u16 {
        t.get(range).and_then(|s| s.parse().ok()).unwrap_or(0)
    };
    let small = |range| u8::try_from(n(range)).unwrap_or(0);
    DateTime::from_date_and_time(
        n(0..4),
        small(5..7),
        small(8..10),
        small(11..13),
        small(14..16),
        small(17..19),
    )
    .unwrap_or_default()
}

/// Bytes that may form a handle (letters, digits, `_`, `.`), a link token (base64url: `-`)
/// or an API token (`cdk_…`).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// `bytes` with each secret value, each API token (`cdk_…`) and each whole word that is a
/// contact's handle, user id or link token replaced by [`REMOVED`]. Words are compared
/// without case and without trailing dots, so the end of a sentence does not hide a handle.
pub fn redact(bytes: &[u8], secrets: &[String], personal: &HashSet<String>) -> Vec<u8> {
    let mut text = bytes.to_vec();
    for secret in secrets {
        text = replace_all(&text, secret.as_bytes(), REMOVED.as_bytes());
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if !is_word_byte(text[i]) {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_word_byte(text[i]) {
            i += 1;
        }
        let word = &text[start..i];
        if is_personal_or_token(word, personal) {
            out.extend_from_slice(REMOVED.as_bytes());
        } else {
            out.extend_from_slice(word);
        }
    }
    out
}

fn is_personal_or_token(word: &[u8], personal: &HashSet<String>) -> bool {
    let lower = String::from_utf8_lossy(word).to_lowercase();
    let known = |w: &str| {
        let w = w.trim_end_matches('.');
        !w.is_empty() && personal.contains(w)
    };
    // An API token: `cdk_` and 43 characters of base64url.
    let api_token = lower.starts_with("cdk_") && lower.len() >= 40;
    api_token || known(&lower) || lower.split('-').any(known)
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(words: &[&str]) -> HashSet<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn handles_tokens_and_secrets_are_removed_wherever_they_stand() {
        let personal = set(&["maya.bakes", "6712345", "abcdefghij_klmnop-qrst"]);
        let line = "GET /r/abcdefghij_klmnop-qrst ok; contact @Maya.Bakes. (id 6712345) \
                    token=cdk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA pass=hunter2!";
        let out = redact(line.as_bytes(), &["hunter2".into()], &personal);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "GET /r/<removed> ok; contact @<removed> (id <removed>) \
             token=<removed> pass=<removed>!"
        );
    }

    #[test]
    fn words_that_only_contain_a_handle_are_kept() {
        let personal = set(&["maya"]);
        let out = redact(b"mayan maya_b maya-x", &[], &personal);
        assert_eq!(out, b"mayan maya_b <removed>");
    }
}
