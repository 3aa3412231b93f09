//! `export-bench`: one export of videos from a running clipdesk-server into a folder, through
//! `clipdesk_core::video_export` as the desktop runs it; prints one JSON line (videos, bytes,
//! seconds). bench/export/run starts the server, uploads the videos and compares with `cp -r`.
//!
//!   export-bench BASE_URL TOKEN IDS_FILE OUT_DIR

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, bail};
use clipdesk_core::client::ServerClient;
use clipdesk_core::video_export::export_videos;
use serde_json::json;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, token, ids_file, out] = args.as_slice() else {
        bail!("usage: export-bench BASE_URL TOKEN IDS_FILE OUT_DIR");
    };
    let ids: Vec<String> = std::fs::read_to_string(ids_file)
        .with_context(|| format!("cannot read {ids_file}"))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let client = ServerClient::new(base, token).map_err(|e| anyhow::anyhow!("{e}"))?;
    let cancel = AtomicBool::new(false);
    let started = Instant::now();
    let report = export_videos(&client, &ids, std::path::Path::new(out), &cancel, |_| {})
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    if !report.failed.is_empty() {
        bail!("{} videos failed: {:?}", report.failed.len(), report.failed);
    }
    println!(
        "{}",
        json!({
            "videos": report.exported + report.skipped,
            "exported": report.exported,
            "bytes": report.bytes,
            "seconds": seconds,
        })
    );
    Ok(())
}
