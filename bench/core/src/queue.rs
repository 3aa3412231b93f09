//! Start next: `queue::start_next` (claim, render the message and DM URL, pacing) in the
//! 100k-contact campaign, each item then marked skipped as an operator would.

use std::path::Path;

use anyhow::bail;
use clipdesk_core::queue::{self, NextStep, Outcome};
use clipdesk_core::{clock, store};
use rusqlite::Connection;

use crate::fixtures;
use crate::measure::{Line, Summary, fmt_ms, query_plan, time};

pub const TARGET_MS: f64 = 5.0;
const OPERATOR: &str = "ana";
const WARMUP: usize = 10;

/// The claim query and the pacing query as `queue::claim_next` and `queue::recent_sends`
/// write them; if those change, this breakdown goes stale, the headline numbers do not.
const CANDIDATE_SQL: &str = "SELECT id, state FROM outreach
     WHERE campaign_id = ?1 AND link_token IS NOT NULL
       AND (state = 'queued' OR (state = 'snoozed' AND snoozed_until <= ?2))
     ORDER BY CASE state WHEN 'snoozed' THEN snoozed_until ELSE added_at END, id
     LIMIT 1";
const RECENT_SENDS_SQL: &str = "SELECT at FROM audit_log INDEXED BY audit_sends
     WHERE to_state = 'sent' AND at > ?1 AND json_extract(detail, '$.undone') IS NULL";

pub fn run(
    base: &Connection,
    dir: &Path,
    campaign: i64,
    calls: usize,
) -> anyhow::Result<(Vec<Line>, Vec<String>)> {
    let path = dir.join("queue.sqlite3");
    fixtures::copy_database(base, &path)?;
    let mut conn = store::open(&path)?;
    // Every call takes a new contact; a small --contacts run has fewer to give.
    let queued_at_start = queued(&conn, campaign)?;
    let calls = calls
        .min((queued_at_start as usize).saturating_sub(WARMUP))
        .max(1);
    eprintln!("start next: {calls} calls (+{WARMUP} warm-up), each marked skipped");
    let mut start_times = Vec::with_capacity(calls);
    let mut mark_times = Vec::with_capacity(calls);
    for call in 0..WARMUP + calls {
        let (step, took) = time(|| queue::start_next(&mut conn, campaign, OPERATOR));
        let started = match step? {
            NextStep::Started(started) => started,
            other => bail!("start next #{call} found no contact to start: {other:?}"),
        };
        let (marked, mark_took) =
            time(|| queue::mark(&mut conn, started.outreach_id, Outcome::Skipped, OPERATOR));
        marked?;
        if call >= WARMUP {
            start_times.push(took);
            mark_times.push(mark_took);
        }
    }
    let marks = Summary::of(&mark_times);
    let lines = vec![Line {
        what: "start next (claim + render)".into(),
        target_ms: TARGET_MS,
        summary: Summary::of(&start_times),
        note: format!(
            "{} queued at start; mark skipped after it: median {}",
            crate::measure::thousands(queued_at_start),
            fmt_ms(marks.p50)
        ),
    }];

    let mut details = Vec::new();
    let line = &lines[0];
    if line.summary.p50 >= TARGET_MS / 2.0 {
        details.extend(split(&conn, campaign)?);
    }
    Ok((lines, details))
}

fn queued(conn: &Connection, campaign: i64) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM outreach WHERE campaign_id = ?1 AND state = 'queued'",
        [campaign],
        |r| r.get(0),
    )
}

/// The two queries of a claim that read many rows, timed alone, with their plans.
fn split(conn: &Connection, campaign: i64) -> anyhow::Result<Vec<String>> {
    let runs = 30;
    let now = clock::now_ms();
    let mut candidate = Vec::new();
    let mut recent = Vec::new();
    for _ in 0..runs {
        let (row, took) = time(|| {
            conn.query_row(CANDIDATE_SQL, rusqlite::params![campaign, now], |r| {
                r.get::<_, i64>(0)
            })
        });
        row?;
        candidate.push(took);
        let (rows, took) = time(|| queue::recent_sends(conn, now));
        rows?;
        recent.push(took);
    }
    Ok(vec![
        format!(
            "start next: its claim query alone (median of {runs}) {}, plan: {}",
            fmt_ms(Summary::of(&candidate).p50),
            query_plan(conn, CANDIDATE_SQL)?
        ),
        format!(
            "start next: the pacing query (`queue::recent_sends`, run twice per call) alone {}, plan: {}",
            fmt_ms(Summary::of(&recent).p50),
            query_plan(conn, RECENT_SENDS_SQL)?
        ),
    ])
}
