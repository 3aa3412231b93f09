//! Search: `contacts::page` (FTS5 prefix match plus the match count) over the imported
//! contacts, per kind of query an operator types.

use std::time::Duration;

use clipdesk_core::contacts;
use rusqlite::Connection;

use crate::fixtures::{NAME_WORD, TAG};
use crate::measure::{Line, Summary, fmt_ms, query_plan, thousands, time};

pub const TARGET_MS: f64 = 20.0;
const PAGE: u32 = 50;
const WARMUP: usize = 5;

/// `runs` timed calls per query kind; the extra lines split the slow ones into their two
/// statements.
pub fn run(conn: &Connection, n: usize, runs: usize) -> anyhow::Result<(Vec<Line>, Vec<String>)> {
    let queries = [
        ("handle prefix", "creator_123".to_owned()),
        ("name word", NAME_WORD.to_owned()),
        ("tag", TAG.to_owned()),
        ("two words", format!("{NAME_WORD} {TAG}")),
        ("rare prefix", format!("creator_{}", n.saturating_sub(1))),
        ("prefix matching all", "creator".to_owned()),
    ];
    let mut lines = Vec::new();
    let mut details = Vec::new();
    for (kind, query) in queries {
        eprintln!("search: {kind} `{query}`, {runs} runs");
        for _ in 0..WARMUP {
            contacts::page(conn, &query, 0, PAGE)?;
        }
        let mut samples = Vec::with_capacity(runs);
        let mut total = 0;
        let mut shown = 0;
        for _ in 0..runs {
            let (page, took) = time(|| contacts::page(conn, &query, 0, PAGE));
            let page = page?;
            (total, shown) = (page.total, page.contacts.len());
            samples.push(took);
        }
        let line = Line {
            what: format!("search `{query}` ({kind})"),
            target_ms: TARGET_MS,
            summary: Summary::of(&samples),
            note: format!(
                "{} match{}, {shown} shown",
                thousands(total as u64),
                if total == 1 { "" } else { "es" }
            ),
        };
        if line.summary.p50 >= TARGET_MS / 2.0 {
            details.push(split(conn, &query, kind)?);
        }
        lines.push(line);
    }
    Ok((lines, details))
}

/// Times the two statements `contacts::page` runs for a query on their own. The SQL mirrors
/// `contacts::page` and its `fts_query` (every word a quoted prefix); if that changes, this
/// breakdown goes stale, the headline numbers above do not.
fn split(conn: &Connection, query: &str, kind: &str) -> anyhow::Result<String> {
    let fts: String = query
        .split_whitespace()
        .map(|w| format!("\"{}\"*", w.trim_start_matches('@').replace('"', "")))
        .collect::<Vec<_>>()
        .join(" ");
    let rows_sql = "SELECT id, handle, user_id, display_name, tags, notes, source FROM contacts
                    WHERE id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1)
                    AND id > ?2 ORDER BY id LIMIT ?3";
    let count_sql = "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH ?1";
    let runs = 30;
    let mut rows_t = Vec::new();
    let mut count_t = Vec::new();
    for _ in 0..runs {
        let (n, took) = time(|| -> rusqlite::Result<usize> {
            let mut stmt = conn.prepare_cached(rows_sql)?;
            let rows = stmt.query_map(rusqlite::params![fts, 0, PAGE + 1], |_| Ok(()))?;
            Ok(rows.count())
        });
        n?;
        rows_t.push(took);
        let (c, took) = time(|| conn.query_row(count_sql, [&fts], |r| r.get::<_, i64>(0)));
        c?;
        count_t.push(took);
    }
    let plan = query_plan(conn, rows_sql)?;
    let med = |t: &[Duration]| fmt_ms(Summary::of(t).p50);
    Ok(format!(
        "search `{query}` ({kind}), its two statements alone (median of {runs}): \
         first page {} (`id IN (MATCH …) ORDER BY id LIMIT 51`, plan: {plan}), \
         count of matches {} (`count(*) … MATCH`)",
        med(&rows_t),
        med(&count_t),
    ))
}
