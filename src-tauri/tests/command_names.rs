//! The app's command names are written in four places that Tauri never compares: the
//! handler list in `src/lib.rs`, the manifest in `build.rs` (which makes the permissions),
//! the main window's capability, and the UI's `api.ts`. A name missing from one of them
//! fails only at run time, as a command the window may not call or that does not exist; this
//! test reads the four files and fails when they disagree.

use std::collections::BTreeSet;
use std::path::Path;

type Names = BTreeSet<String>;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// The text between `start` and the first `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str, file: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{file} has no `{start}`"))
        + start.len();
    let len = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{file}: `{start}` is not closed by `{end}`"));
    &text[from..from + len]
}

/// The double-quoted strings in `text`.
fn quoted(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// `commands::queue::queue_mark,` in `tauri::generate_handler![..]`.
fn registered() -> Names {
    let lib = read("src/lib.rs");
    between(&lib, "generate_handler![", "]", "src/lib.rs")
        .split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .map(|path| path.rsplit("::").next().unwrap_or(path).to_owned())
        .collect()
}

/// `const COMMANDS: &[&str] = &["app_info", ..];`, handed to `AppManifest::commands`.
fn in_manifest() -> Names {
    let build = read("build.rs");
    quoted(between(&build, "const COMMANDS", "];", "build.rs"))
        .into_iter()
        .collect()
}

/// `allow-queue-mark` among the main window's permissions (plugins' have a `plugin:` prefix).
fn granted() -> Names {
    let capability: serde_json::Value =
        serde_json::from_str(&read("capabilities/main.json")).expect("the capability is JSON");
    let permissions = capability["permissions"]
        .as_array()
        .expect("the capability lists permissions");
    permissions
        .iter()
        .filter_map(|p| p.as_str().or_else(|| p["identifier"].as_str()))
        .filter(|id| !id.contains(':'))
        .map(|id| {
            let command = id.strip_prefix("allow-").unwrap_or_else(|| {
                panic!("capabilities/main.json: {id:?} is not an allow- permission of a command")
            });
            command.replace('-', "_")
        })
        .collect()
}

/// `invoke<T>("queue_mark", ..)` in the UI's one module that calls Rust.
fn invoked() -> Names {
    let api = read("../ui/desktop/src/api.ts");
    let mut names = Names::new();
    let mut rest = api.as_str();
    while let Some(found) = rest.find("invoke") {
        rest = &rest[found + "invoke".len()..];
        let mut call = rest;
        if call.starts_with('<') {
            // Skips the type argument, which may nest: `invoke<Array<Campaign>>`.
            let mut depth = 0;
            let end = call
                .char_indices()
                .find_map(|(i, c)| {
                    match c {
                        '<' => depth += 1,
                        '>' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(i + 1)
                })
                .expect("api.ts: an invoke type argument is not closed");
            call = &call[end..];
        }
        // The import, or a word that merely starts with "invoke".
        let Some(args) = call.strip_prefix('(') else {
            continue;
        };
        let args = args.trim_start();
        let quote = args.chars().next().filter(|c| matches!(c, '"' | '\''));
        let Some(quote) = quote else {
            panic!(
                "api.ts: every invoke names its command as a literal, so it can be checked: {}",
                args.lines().next().unwrap_or("")
            );
        };
        let name = &args[1..];
        let end = name
            .find(quote)
            .expect("api.ts: a command name is not closed");
        names.insert(name[..end].to_owned());
    }
    names
}

#[test]
fn every_command_is_registered_listed_granted_and_called_under_one_name() {
    let places = [
        ("src/lib.rs generate_handler!", registered()),
        ("build.rs COMMANDS", in_manifest()),
        ("capabilities/main.json", granted()),
        ("ui/desktop/src/api.ts", invoked()),
    ];
    let all: Names = places.iter().flat_map(|(_, names)| names.clone()).collect();
    assert!(all.len() >= 20, "the files were not read right: {all:?}");
    let missing: Vec<String> = places
        .iter()
        .filter_map(|(place, names)| {
            let absent: Vec<&str> = all.difference(names).map(String::as_str).collect();
            (!absent.is_empty()).then(|| format!("{place} lacks {}", absent.join(", ")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "the command lists disagree (a command needs all four):\n{}",
        missing.join("\n")
    );
}
