//! The Tauri shell: plugins, state and commands; every command is a thin call into
//! `clipdesk-core`.

mod commands;

use std::path::PathBuf;

use tauri::Manager;

/// Where this installation keeps its data: `CLIPDESK_DATA_DIR` when set (tests, portable
/// installs), else the platform's app data folder.
pub struct DataDir(pub PathBuf);

pub fn run() {
    let result = tauri::Builder::default()
        .setup(|app| {
            let dir = match std::env::var_os("CLIPDESK_DATA_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => app.path().app_data_dir()?,
            };
            std::fs::create_dir_all(&dir)?;
            app.manage(DataDir(dir));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("clipdesk failed to start: {err}");
        std::process::exit(1);
    }
}
