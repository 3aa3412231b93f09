/// Every command the app registers; each window's capability grants them one by one.
/// tests/command_names.rs keeps this list, `src/lib.rs`'s handlers, the capability and the
/// UI's `api.ts` equal.
const COMMANDS: &[&str] = &[
    "app_info",
    "sync_status",
    "settings_get",
    "settings_test",
    "settings_save",
    "settings_check_address",
    "settings_doctor",
    "contacts_page",
    "import_preview",
    "import_contacts",
    "import_export_rejected",
    "person_get",
    "contact_edit",
    "contact_delete",
    "contact_remove_from_campaign",
    "link_revoke",
    "contact_forget",
    "campaigns_list",
    "campaign_save",
    "template_variables",
    "campaign_draft",
    "campaign_add_contacts",
    "campaign_add_all_matching",
    "queue_start_next",
    "queue_overview",
    "queue_send_anyway",
    "queue_mark",
    "queue_undo",
    "contact_history",
    "campaign_preview",
    "campaign_export",
    "reviews_list",
    "reviews_waiting",
    "review_get",
    "review_media",
    "review_decide",
    "dashboard",
    "export_diagnostics",
    "update_check",
    "update_download",
    "update_install",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script: is ui/desktop built (npm run build in ui/)?");
}
