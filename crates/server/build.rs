//! Builds the recorder page the server embeds (`ui/recorder/dist`) when it is missing or older
//! than its sources, so `cargo build -p clipdesk-server` works from a fresh clone. `./dev`
//! builds the page before cargo runs, and then this only compares a few timestamps.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

/// What to run by hand, from the repository's root.
const BUILD_BY_HAND: &str = "cd ui && npm ci && npm run build -w recorder";

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let ui = manifest.join("../../ui");
    let recorder = ui.join("recorder");
    let built = recorder.join("dist/index.html");
    // What the page's bytes depend on (the bindings it imports are types only).
    let sources = [
        recorder.join("src"),
        recorder.join("index.html"),
        recorder.join("vite.config.ts"),
        recorder.join("package.json"),
        ui.join("package.json"),
        ui.join("package-lock.json"),
    ];
    for path in sources.iter().chain([&built]) {
        println!("cargo::rerun-if-changed={}", path.display());
    }

    let built_at = modified(&built);
    let sources_at = sources.iter().filter_map(|path| newest(path)).max();
    let fresh = match (built_at, sources_at) {
        (Some(built_at), Some(sources_at)) => built_at >= sources_at,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if fresh {
        return;
    }
    if !npm_runs() {
        if built_at.is_some() {
            println!(
                "cargo::warning=the recorder page in ui/recorder/dist is older than its sources and npm is not on PATH; embedding it as it is (to rebuild: {BUILD_BY_HAND})"
            );
            return;
        }
        println!(
            "cargo::error=clipdesk-server embeds the recorder page, which is not built and npm is not on PATH: install Node.js >= 20.19, then run `{BUILD_BY_HAND}` and build again"
        );
        return;
    }
    if !ui.join("node_modules").is_dir() && !npm(&ui, &["ci", "--no-audit", "--no-fund"]) {
        fail_with_output(&format!(
            "`npm ci` in ui/ failed while building the recorder page (its output is below); fix that, run `{BUILD_BY_HAND}` and build again"
        ));
    }
    if !npm(&ui, &["run", "build", "-w", "recorder"]) {
        fail_with_output(&format!(
            "building the recorder page failed (its output is below); fix that, run `{BUILD_BY_HAND}` and build again"
        ));
    }
}

/// A failed exit, unlike `cargo::error` alone, makes cargo show npm's output after the line.
fn fail_with_output(line: &str) -> ! {
    println!("cargo::error={line}");
    std::process::exit(1);
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

/// The latest change to `path` or, for a folder, to anything in it.
fn newest(path: &Path) -> Option<SystemTime> {
    let own = modified(path);
    let Ok(entries) = std::fs::read_dir(path) else {
        return own;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| newest(&entry.path()))
        .chain(own)
        .max()
}

fn npm_runs() -> bool {
    Command::new("npm")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs npm in `dir`; its output goes to stderr, which cargo shows when the script fails
/// (stdout is for cargo's directives).
fn npm(dir: &Path, args: &[&str]) -> bool {
    Command::new("npm")
        .args(args)
        .current_dir(dir)
        .stdout(std::io::stderr())
        .status()
        .is_ok_and(|status| status.success())
}
