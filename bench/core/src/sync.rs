//! Sync: `sync::apply_page` over the event feed for a campaign of 100k linked contacts.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::ensure;
use clipdesk_core::{store, sync};
use clipdesk_protocol::api::EventKind;
use rusqlite::Connection;

use crate::fixtures::{self, Link};
use crate::measure::{Line, Summary, fmt_ms, ms, query_plan, thousands, time};

pub const TARGET_MS: f64 = 3000.0;
/// A run that has not finished by then is stopped and its rate extrapolated, so a slow
/// build still reports in minutes rather than hours.
const BUDGET: Duration = Duration::from_secs(240);
/// Events per page of the per-kind breakdown.
const SOLO: usize = 500;

pub struct Setup<'a> {
    pub base: &'a Connection,
    pub dir: &'a Path,
    pub slug: &'a str,
    pub links: &'a [Link],
}

/// Applies `total` events, in pages of `sync::PAGE`, to `runs` fresh copies of the base
/// database (fewer when one run is already far over the target).
pub fn run(
    setup: &Setup<'_>,
    total: usize,
    runs: usize,
) -> anyhow::Result<(Vec<Line>, Vec<String>)> {
    let pages = fixtures::event_pages(setup.links, setup.slug, total, 1, sync::PAGE as usize);
    let mut samples = Vec::new();
    let mut page_times = Vec::new();
    let mut cut_short = None;
    for run in 0..runs {
        let path = setup.dir.join(format!("sync-{run}.sqlite3"));
        fixtures::copy_database(setup.base, &path)?;
        let mut conn = store::open(&path)?;
        eprintln!(
            "sync: applying {total} events in {} pages, run {}/{runs}",
            pages.len(),
            run + 1
        );
        let start = Instant::now();
        let mut applied = 0;
        for page in &pages {
            let (result, took) = time(|| sync::apply_page(&mut conn, page));
            applied += result?.events;
            page_times.push(took);
            if start.elapsed() > BUDGET {
                break;
            }
        }
        let took = start.elapsed();
        if applied < total {
            // Extrapolated at the rate reached, and said so in the table.
            cut_short = Some((applied, took));
            samples.push(took.mul_f64(total as f64 / applied.max(1) as f64));
            break;
        }
        check(&conn, &pages)?;
        samples.push(took);
        drop(conn);
        if ms(took) > 5.0 * TARGET_MS {
            eprintln!(
                "sync: {} for one run, far over target; not repeating it",
                fmt_ms(ms(took))
            );
            break;
        }
    }
    let summary = Summary::of(&samples);
    let per_s = thousands((total as f64 / (summary.p50 / 1000.0)) as u64);
    let mut note = format!("{per_s} events/s");
    if let Some((applied, took)) = cut_short {
        note = format!(
            "{note}; stopped after {} events in {}, total extrapolated",
            thousands(applied as u64),
            fmt_ms(ms(took))
        );
    }
    let pages_summary = Summary::of(&page_times);
    let lines = vec![Line {
        what: format!(
            "apply {} events (pages of {})",
            thousands(total as u64),
            sync::PAGE
        ),
        target_ms: TARGET_MS,
        summary,
        note,
    }];
    let mut details = vec![format!(
        "apply: one page of {} events took median {}, worst {} ({} pages over all runs)",
        sync::PAGE,
        fmt_ms(pages_summary.p50),
        fmt_ms(pages_summary.max),
        pages_summary.n
    )];
    details.extend(per_kind(setup)?);
    Ok((lines, details))
}

/// The state the feed should leave: every video in, the cursor at the last event.
fn check(conn: &Connection, pages: &[clipdesk_protocol::api::EventsPage]) -> anyhow::Result<()> {
    let events = pages.iter().flat_map(|p| &p.events);
    let videos = events
        .clone()
        .filter(|e| e.kind == EventKind::VideoReceived)
        .count() as i64;
    let last = events.map(|e| e.seq).max().unwrap_or(0);
    let stored: i64 = conn.query_row("SELECT count(*) FROM videos", [], |r| r.get(0))?;
    ensure!(
        stored == videos,
        "{stored} videos stored, {videos} received"
    );
    ensure!(sync::cursor(conn)? == last, "the cursor is not at {last}");
    Ok(())
}

/// The cost of one event of each kind: a page of `SOLO` events all of that kind, on a
/// fresh copy, in the order a link lives through them.
fn per_kind(setup: &Setup<'_>) -> anyhow::Result<Vec<String>> {
    let path = setup.dir.join("sync-kinds.sqlite3");
    fixtures::copy_database(setup.base, &path)?;
    let mut conn = store::open(&path)?;
    let links = &setup.links[..SOLO.min(setup.links.len())];
    let mut seq = 1;
    let mut parts = Vec::new();
    for kind in [
        EventKind::LinkOpened,
        EventKind::VideoReceived,
        EventKind::VideoReady,
        EventKind::ReviewSet,
        EventKind::Unknown,
    ] {
        eprintln!("sync: a page of {} {} events", links.len(), kind.as_str());
        let page = fixtures::single_kind_page(kind, links, setup.slug, seq);
        seq += links.len() as i64;
        let (applied, took) = time(|| sync::apply_page(&mut conn, &page));
        ensure!(
            applied?.events == links.len(),
            "a page of {} was not all applied",
            kind.as_str()
        );
        parts.push(format!(
            "{} {:.0} µs",
            kind.as_str(),
            ms(took) * 1000.0 / links.len() as f64
        ));
    }
    // The statement `review_set` runs on outreach, as `sync::apply_event` writes it.
    let plan = query_plan(
        &conn,
        "UPDATE outreach SET review = ?2, review_note = ?3, updated_at = ?4 WHERE video_id = ?1",
    )?;
    Ok(vec![
        format!("apply: cost per event by kind: {}", parts.join(", ")),
        format!("apply: plan of review_set's `UPDATE outreach … WHERE video_id = ?`: {plan}"),
    ])
}
