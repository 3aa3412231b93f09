//! `core-bench`: the clipdesk-core targets measured on a real on-disk database:
//! import 100k contacts, search them, apply 100k feed events, and "start next".
//! Run with `cargo run --release -p clipdesk-bench-core [-- --json]`.

mod fixtures;
mod import;
mod measure;
mod queue;
mod search;
mod sync;

use anyhow::{Context, bail};
use clipdesk_core::store;
use serde_json::json;

use crate::measure::Line;

const USAGE: &str =
    "core-bench [--json] [--keep] [--import-only] [--contacts N] [--events N] [--runs N]

  --json          machine-readable results on stdout instead of the table
  --import-only   run only the imports (CSV and .xlsx), not search, sync or start next
  --keep          leave the databases in their temporary directory (its path goes to
                  stderr) to look into them afterwards
  --contacts N    contacts imported and queued (default 100000, the issue's size)
  --events N      feed events applied (default 100000)
  --runs N        repetitions of import and apply (default 3); searches run 200 times
                  per query and start next 1000 times";

struct Args {
    json: bool,
    keep: bool,
    import_only: bool,
    contacts: usize,
    events: usize,
    runs: usize,
}

impl Args {
    fn parse() -> anyhow::Result<Self> {
        let mut args = Args {
            json: false,
            keep: false,
            import_only: false,
            contacts: 100_000,
            events: 100_000,
            runs: 3,
        };
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            let mut number = |name: &str| -> anyhow::Result<usize> {
                let value = it
                    .next()
                    .with_context(|| format!("{name} needs a number"))?;
                let n: usize = value
                    .parse()
                    .with_context(|| format!("{name} {value:?} is not a number"))?;
                if n == 0 {
                    bail!("{name} must be at least 1");
                }
                Ok(n)
            };
            match arg.as_str() {
                "--json" => args.json = true,
                "--keep" => args.keep = true,
                "--import-only" => args.import_only = true,
                "--contacts" => args.contacts = number("--contacts")?,
                "--events" => args.events = number("--events")?,
                "--runs" => args.runs = number("--runs")?,
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => bail!("unknown argument {other:?}\n\n{USAGE}"),
            }
        }
        Ok(args)
    }
}

const SEARCH_RUNS: usize = 200;
const START_NEXT_CALLS: usize = 1000;

fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    let machine = machine();
    let load_before = load_average();
    let started_at = clipdesk_core::clock::to_rfc3339(clipdesk_core::clock::now_ms());
    let dir = tempfile::tempdir()?;
    if args.keep {
        eprintln!("databases kept in {}", dir.path().display());
    }

    let csv = fixtures::contacts_csv(args.contacts);
    let (mut lines, db) = import::run(dir.path(), &csv, args.contacts, args.runs)?;
    let xlsx = fixtures::contacts_xlsx(args.contacts)?;
    lines.push(import::run_xlsx(
        dir.path(),
        &xlsx,
        args.contacts,
        args.runs,
    )?);
    let mut details: Vec<String> = Vec::new();

    if args.import_only {
        print!("{}", measure::table(&lines));
        return Ok(());
    }
    let mut conn = store::open(&db)?;
    let (search_lines, search_details) = search::run(&conn, args.contacts, SEARCH_RUNS)?;
    lines.extend(search_lines);
    details.extend(search_details);

    eprintln!("setup: a campaign with every contact queued and linked");
    let (campaign, slug, links) = fixtures::campaign_with_links(&mut conn)?;
    let setup = sync::Setup {
        base: &conn,
        dir: dir.path(),
        slug: &slug,
        links: &links,
    };
    let (sync_lines, sync_details) = sync::run(&setup, args.events, args.runs)?;
    lines.extend(sync_lines);
    details.extend(sync_details);

    let (queue_lines, queue_details) = queue::run(&conn, dir.path(), campaign, START_NEXT_CALLS)?;
    lines.extend(queue_lines);
    details.extend(queue_details);
    let load_after = load_average();

    if args.json {
        let out = json!({
            "started_at": started_at,
            "machine": machine,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "contacts": args.contacts,
            "events": args.events,
            "results": lines.iter().map(Line::to_json).collect::<Vec<_>>(),
            "details": details,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("clipdesk-core benchmarks, {started_at}");
        println!("machine: {machine}; load average before {load_before}, after {load_after}");
        println!();
        print!("{}", measure::table(&lines));
        println!();
        println!("Verdicts judge the median; the worst run is shown beside it.");
        if !details.is_empty() {
            println!();
            for detail in &details {
                println!("- {detail}");
            }
        }
    }
    if args.keep {
        drop(conn);
        let _ = dir.keep();
    }
    if lines.iter().any(|l| !l.met()) {
        eprintln!(
            "some targets were not met (see the table); exit status stays 0: this is a report"
        );
    }
    Ok(())
}

/// CPU model and core count, as far as Linux tells; the benchmarks' numbers mean little
/// without them.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    format!("{model}, {cores} cores")
}

/// The 1-minute load average: how busy the neighbours were.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}
