//! Timings and the verdict table: repeated samples summarised as min, median, p99 and max.

use std::time::{Duration, Instant};

use serde_json::json;

/// Runs `f` once and returns its result with how long it took.
pub fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// SQLite's plan for `sql` (its parameters bound to NULL), steps joined with `; `.
pub fn query_plan(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
    let steps = stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))?;
    Ok(steps.collect::<rusqlite::Result<Vec<_>>>()?.join("; "))
}

/// Samples in milliseconds, nearest-rank percentiles.
#[derive(Debug, Clone)]
pub struct Summary {
    pub n: usize,
    pub min: f64,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(samples: &[Duration]) -> Self {
        let mut sorted: Vec<f64> = samples.iter().copied().map(ms).collect();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let index = ((p * sorted.len() as f64).ceil() as usize).max(1) - 1;
            sorted.get(index).copied().unwrap_or(f64::NAN)
        };
        Self {
            n: sorted.len(),
            min: rank(0.0),
            p50: rank(0.5),
            p99: rank(0.99),
            max: rank(1.0),
        }
    }
}

/// One line of the table: a target of the issue and what this run measured.
#[derive(Debug, Clone)]
pub struct Line {
    pub what: String,
    pub target_ms: f64,
    pub summary: Summary,
    /// Counts and rates that make the number readable ("100,000 rows, 61,000 rows/s").
    pub note: String,
}

impl Line {
    /// Judged on the median: on a shared 2-core machine the worst run is mostly the
    /// neighbours; the worst is shown next to it so a spread is never hidden.
    pub fn met(&self) -> bool {
        self.summary.p50 < self.target_ms
    }

    pub fn to_json(&self) -> serde_json::Value {
        let s = &self.summary;
        json!({
            "what": self.what,
            "target_ms": self.target_ms,
            "runs": s.n,
            "min_ms": round(s.min),
            "median_ms": round(s.p50),
            "p99_ms": round(s.p99),
            "max_ms": round(s.max),
            "verdict": if self.met() { "met" } else { "not met" },
            "note": self.note,
        })
    }
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `12.345` → `12.3 ms`, `2345.6` → `2.35 s`: three significant figures, either unit.
pub fn fmt_ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

/// `100000` → `100,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn table(lines: &[Line]) -> String {
    let header = [
        "what", "target", "median", "p99", "worst", "runs", "verdict", "note",
    ];
    let rows: Vec<[String; 8]> = lines
        .iter()
        .map(|l| {
            let s = &l.summary;
            [
                l.what.clone(),
                format!("< {}", fmt_ms(l.target_ms)),
                fmt_ms(s.p50),
                // A p99 of three runs is just the worst; only shown when it means something.
                if s.n >= 100 {
                    fmt_ms(s.p99)
                } else {
                    "-".into()
                },
                fmt_ms(s.max),
                s.n.to_string(),
                if l.met() { "met" } else { "NOT MET" }.into(),
                l.note.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let render = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    let mut out = String::new();
    out.push_str(&render(&header.map(String::from)));
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&format!("|-{}-|\n", rule.join("-|-")));
    for row in &rows {
        out.push_str(&render(row));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = Summary::of(&samples);
        assert_eq!((s.min, s.p50, s.p99, s.max), (1.0, 50.0, 99.0, 100.0));
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(999), "999");
    }
}
