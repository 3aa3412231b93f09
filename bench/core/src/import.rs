//! Import: the contacts CSV into a fresh on-disk database, then the same file again.

use std::path::{Path, PathBuf};

use anyhow::ensure;
use clipdesk_core::{import, store};

use crate::measure::{Line, Summary, thousands, time};

pub const TARGET_MS: f64 = 2000.0;

/// Imports `csv` (`n` contacts) into `runs` fresh databases under `dir`, then re-imports it
/// `runs` times into the last one. Returns the lines and that database, 100k contacts in it.
pub fn run(dir: &Path, csv: &[u8], n: usize, runs: usize) -> anyhow::Result<(Vec<Line>, PathBuf)> {
    let mut fresh = Vec::new();
    let mut path = PathBuf::new();
    for run in 0..runs {
        eprintln!("import: fresh database, run {}/{runs}", run + 1);
        path = dir.join(format!("import-{run}.sqlite3"));
        let mut conn = store::open(&path)?;
        let mut progress_calls = 0_u64;
        let (report, took) =
            time(|| import::import(&mut conn, csv, "bench.csv", &mut |_| progress_calls += 1));
        let report = report?;
        ensure!(
            report.imported == n as u64 && report.rejected == 0,
            "import of {n} rows: {} imported, {} rejected (first: {:?})",
            report.imported,
            report.rejected,
            report.rows.iter().find(|r| r.reason.is_some())
        );
        fresh.push(took);
        drop(conn);
        if run + 1 < runs {
            remove_database(&path)?;
        }
    }

    let mut again = Vec::new();
    let mut conn = store::open(&path)?;
    for run in 0..runs {
        eprintln!("import: same file again, run {}/{runs}", run + 1);
        let (report, took) = time(|| import::import(&mut conn, csv, "bench.csv", &mut |_| {}));
        let report = report?;
        ensure!(
            report.skipped == n as u64,
            "re-import: {} of {n} skipped as unchanged",
            report.skipped
        );
        again.push(took);
    }

    let rate = |s: &Summary| thousands((n as f64 / (s.p50 / 1000.0)) as u64);
    let fresh = Summary::of(&fresh);
    let again = Summary::of(&again);
    let mb = csv.len() as f64 / 1e6;
    Ok((
        vec![
            Line {
                what: format!("import {} contacts, fresh db", thousands(n as u64)),
                target_ms: TARGET_MS,
                note: format!("{mb:.1} MB CSV, {} rows/s", rate(&fresh)),
                summary: fresh,
            },
            Line {
                what: format!("re-import same {} (all skipped)", thousands(n as u64)),
                target_ms: TARGET_MS,
                note: format!("{} rows/s", rate(&again)),
                summary: again,
            },
        ],
        path,
    ))
}

/// Imports the same contacts from an .xlsx (`xlsx`) into `runs` fresh databases.
pub fn run_xlsx(dir: &Path, xlsx: &[u8], n: usize, runs: usize) -> anyhow::Result<Line> {
    let mut fresh = Vec::new();
    for run in 0..runs {
        eprintln!(
            "import: .xlsx into a fresh database, run {}/{runs}",
            run + 1
        );
        let path = dir.join(format!("import-xlsx-{run}.sqlite3"));
        let mut conn = store::open(&path)?;
        let (report, took) = time(|| {
            import::import_with(
                &mut conn,
                xlsx,
                "bench.xlsx",
                &import::ImportOptions::default(),
                &mut |_| {},
            )
        });
        let report = report?;
        ensure!(
            report.imported == n as u64 && report.rejected == 0,
            "import of {n} .xlsx rows: {} imported, {} rejected (first: {:?})",
            report.imported,
            report.rejected,
            report.rows.iter().find(|r| r.reason.is_some())
        );
        fresh.push(took);
        drop(conn);
        remove_database(&path)?;
    }
    let summary = Summary::of(&fresh);
    let rate = thousands((n as f64 / (summary.p50 / 1000.0)) as u64);
    Ok(Line {
        what: format!(
            "import {} contacts from .xlsx, fresh db",
            thousands(n as u64)
        ),
        target_ms: TARGET_MS,
        note: format!("{:.1} MB .xlsx, {rate} rows/s", xlsx.len() as f64 / 1e6),
        summary,
    })
}

fn remove_database(path: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::remove_file(file)?;
        }
    }
    Ok(())
}
