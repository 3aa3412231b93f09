fn main() {
    // App commands are listed so each window's capability can grant them one by one.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(&["app_info", "sync_status"])),
    )
    .expect("tauri build script: is ui/desktop built (npm run build in ui/)?");
}
