// Calls into the Rust side; every value that crosses is typed by the generated bindings.

import { invoke } from "@tauri-apps/api/core";
import type { AppInfo, SyncStatus } from "../../bindings/core";

export function appInfo(): Promise<AppInfo> {
  return invoke<AppInfo>("app_info");
}

export function syncStatus(): Promise<SyncStatus> {
  return invoke<SyncStatus>("sync_status");
}
