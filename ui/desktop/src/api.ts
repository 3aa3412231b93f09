// Calls into the Rust side; every value that crosses is typed by the generated bindings.

import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { writeText } from "@tauri-apps/plugin-clipboard-manager";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import { openUrl } from "@tauri-apps/plugin-opener";
import type { DoctorReport, Health, MediaUrls, ReviewDecision } from "../../bindings/protocol";
import type { CreatedWebhook, WebhookDelivery, WebhookEndpoint } from "../../bindings/protocol";
import type { HeldList } from "../../bindings/protocol";
import type { CampaignClash } from "../../bindings/core";
import type {
  AddressCheck,
  Applied,
  AppInfo,
  Campaign,
  CampaignInput,
  ContactEdit,
  ContactsPage,
  Deleted,
  Edited,
  Forgotten,
  Person,
  PeopleFilter,
  PeoplePage,
  Removed,
  ImportOptions,
  ImportPreview,
  ImportProgress,
  ImportReport,
  NextStep,
  Outcome,
  QueueOverview,
  HistoryEntry,
  MessagePreview,
  Template,
  LabelFilter,
  ReviewFilter,
  ReviewItem,
  Settings,
  SyncStatus,
  Dashboard,
  ExportProgress,
  ExportReport,
  UpdateCheck,
  UpdateDownload,
  UpdateProgress,
} from "../../bindings/core";

export function appInfo(): Promise<AppInfo> {
  return invoke<AppInfo>("app_info");
}

export function syncStatus(): Promise<SyncStatus> {
  return invoke<SyncStatus>("sync_status");
}

export function contactsPage(query: string, after: number, limit: number): Promise<ContactsPage> {
  return invoke<ContactsPage>("contacts_page", { query, after, limit });
}

/** The file's columns, encoding, delimiter, sheets and first rows, read with `options` (all optional). */
export function importPreview(path: string, options: ImportOptions | null = null): Promise<ImportPreview> {
  return invoke<ImportPreview>("import_preview", { path, options });
}

/** Imports the file at `path`; progress arrives through {@link onImportProgress}. */
export function importContacts(path: string, options: ImportOptions | null = null): Promise<ImportReport> {
  return invoke<ImportReport>("import_contacts", { path, options });
}

/** How many handles or links a pasted text holds. */
export function importPasteCount(text: string): Promise<number> {
  return invoke<number>("import_paste_count", { text });
}

/** Imports a pasted list of handles or profile links like a one-column file. */
export function importPasted(text: string): Promise<ImportReport> {
  return invoke<ImportReport>("import_pasted", { text });
}

/** Writes the report's rejected rows as CSV to `path`, to be fixed and imported again; returns the rows. */
export function importExportRejected(report: ImportReport, path: string): Promise<number> {
  return invoke<number>("import_export_rejected", { report, path });
}

/** One contact with their campaigns (and what each link did) and their history. */
export function personGet(contact: number): Promise<Person> {
  return invoke<Person>("person_get", { contact });
}

/** A campaign's people with their status, a page after outreach id `after`, and counts per status. */
export function campaignPeople(campaign: number, filter: PeopleFilter, after: number, limit: number): Promise<PeoplePage> {
  return invoke<PeoplePage>("campaign_people", { campaign, filter, after, limit });
}

/** Replaces a contact's fields, checked like an import row. */
export function contactEdit(contact: number, edit: ContactEdit): Promise<Edited> {
  return invoke<Edited>("contact_edit", { contact, edit });
}

/** Deletes a contact here; links they were sent are revoked first. */
export function contactDelete(contact: number): Promise<Deleted> {
  return invoke<Deleted>("contact_delete", { contact });
}

/** Takes a contact out of one campaign; a link already sent is revoked first. */
export function contactRemoveFromCampaign(outreach: number): Promise<Removed> {
  return invoke<Removed>("contact_remove_from_campaign", { outreach });
}

/** Revokes the link one campaign item sent: the person's page refuses it. */
export function linkRevoke(outreach: number): Promise<void> {
  return invoke<void>("link_revoke", { outreach });
}

/** Forgets a person: their videos, uploads and links on the server, then the contact here. */
export function contactForget(contact: number): Promise<Forgotten> {
  return invoke<Forgotten>("contact_forget", { contact });
}

export function onImportProgress(handler: (progress: ImportProgress) => void): Promise<UnlistenFn> {
  return listen<ImportProgress>("import-progress", (event) => handler(event.payload));
}

export function campaignsList(): Promise<Campaign[]> {
  return invoke<Campaign[]>("campaigns_list");
}

/** Creates a campaign when `id` is null, else replaces that one's settings. */
export function campaignSave(id: number | null, input: CampaignInput): Promise<Campaign> {
  return invoke<Campaign>("campaign_save", { id, input });
}

/** A colleague's edit of campaign `id` that clashed with this desktop's, or null. */
export function campaignConflict(id: number): Promise<CampaignClash | null> {
  return invoke<CampaignClash | null>("campaign_conflict", { id });
}

/** Resolves the clash with this desktop's version (saved on the server over theirs). */
export function campaignKeepMine(id: number): Promise<void> {
  return invoke<void>("campaign_keep_mine", { id });
}

/** Resolves the clash with the colleague's version: it becomes this desktop's. */
export function campaignTakeTheirs(id: number): Promise<Campaign> {
  return invoke<Campaign>("campaign_take_theirs", { id });
}

export function campaignAddContacts(campaign: number, contactIds: number[]): Promise<number> {
  return invoke<number>("campaign_add_contacts", { campaign, contactIds });
}

/** Adds every contact the search `query` matches; returns how many were new to the campaign. */
export function campaignAddAllMatching(campaign: number, query: string): Promise<number> {
  return invoke<number>("campaign_add_all_matching", { campaign, query });
}

export function queueStartNext(campaign: number): Promise<NextStep> {
  return invoke<NextStep>("queue_start_next", { campaign });
}

/** Pacing as it stands, how many are left and who is next; claims nothing. */
export function queueOverview(campaign: number): Promise<QueueOverview> {
  return invoke<QueueOverview>("queue_overview", { campaign });
}

/** "Send anyway…", confirmed: starts the next contact past pacing, logged as an override. */
export function queueSendAnyway(campaign: number): Promise<NextStep> {
  return invoke<NextStep>("queue_send_anyway", { campaign });
}

export function queueMark(outreach: number, outcome: Outcome): Promise<void> {
  return invoke<void>("queue_mark", { outreach, outcome });
}

/** Undoes the operator's last outcome; returns the outreach item put back. */
export function queueUndo(): Promise<number> {
  return invoke<number>("queue_undo");
}

/** Gives the person started (and left unmarked) back to the pool at once. */
export function queueGiveBack(outreach: number): Promise<void> {
  return invoke<void>("queue_give_back", { outreach });
}

/** The campaign's people held back by a recent DM from another campaign, and why. */
export function queueHeld(campaign: number): Promise<HeldList> {
  return invoke<HeldList>("queue_held", { campaign });
}

/** "Message anyway…", confirmed: starts a held-back person (`link`: their link token). */
export function queueStartHeld(campaign: number, link: string): Promise<NextStep> {
  return invoke<NextStep>("queue_start_held", { campaign, link });
}

export function copyText(text: string): Promise<void> {
  return writeText(text);
}

/** Opens a TikTok page in the default browser (the capability allows only www.tiktok.com). */
export function openPage(url: string): Promise<void> {
  return openUrl(url);
}

/** A new campaign's form, with the default DM addresses and pacing from the Rust side. */
export function campaignDraft(): Promise<CampaignInput> {
  return invoke<CampaignInput>("campaign_draft");
}

/** The variables a message template may use, for the editor's help. */
export function templateVariables(): Promise<string[]> {
  return invoke<string[]>("template_variables");
}

export function settingsGet(): Promise<Settings> {
  return invoke<Settings>("settings_get");
}

/** Tries a server and token without saving them; rejects with what is wrong. */
export function settingsTest(serverUrl: string, serverToken: string): Promise<Health> {
  return invoke<Health>("settings_test", { serverUrl, serverToken });
}

/**
 * Saves settings; `serverUrl: null` means the embedded server, `serverToken: null` keeps the
 * stored token. The server is checked first; nothing is saved when that fails.
 */
export function settingsSave(
  serverUrl: string | null,
  serverToken: string | null,
  operator: string,
  embedded: { publicUrl: string; listenAll: boolean } | null = null,
): Promise<AppInfo> {
  return invoke<AppInfo>("settings_save", {
    serverUrl,
    serverToken,
    operator,
    // null keeps the saved public address and listening choice; "" clears the address.
    embeddedPublicUrl: embedded?.publicUrl ?? null,
    embeddedListenAll: embedded?.listenAll ?? null,
  });
}

/** "Check": does `<publicUrl>/healthz` reach this app's embedded server, or what instead. */
export function settingsCheckAddress(publicUrl: string): Promise<AddressCheck> {
  return invoke<AddressCheck>("settings_check_address", { publicUrl });
}

/** The doctor of a server (its own checks, run there), for a server and token not yet saved. */
export function settingsDoctor(serverUrl: string, serverToken: string): Promise<DoctorReport> {
  return invoke<DoctorReport>("settings_doctor", { serverUrl, serverToken });
}

export function reviewsList(
  filter: ReviewFilter,
  campaign: string | null = null,
  labels: LabelFilter | null = null,
): Promise<ReviewItem[]> {
  return invoke<ReviewItem[]>("reviews_list", { filter, campaign, labels });
}

/** Every tag in use, most used first, for completion. */
export function reviewTags(): Promise<string[]> {
  return invoke<string[]>("review_tags");
}

/** Sets a video's tags (all of them) and rating (null clears it). */
export function reviewLabel(video: string, tags: string[], rating: number | null): Promise<ReviewItem> {
  return invoke<ReviewItem>("review_label", { video, tags, rating });
}

/** Makes the frame at `atMs` the video's poster (the list shows it once the feed says so). */
export function reviewPoster(video: string, atMs: number): Promise<void> {
  return invoke<void>("review_poster", { video, atMs });
}

export function reviewGet(video: string): Promise<ReviewItem> {
  return invoke<ReviewItem>("review_get", { video });
}

export function reviewsWaiting(): Promise<number> {
  return invoke<number>("reviews_waiting");
}

/** Fresh signed addresses of a video's poster and rendition (they expire). */
export function reviewMedia(video: string): Promise<MediaUrls> {
  return invoke<MediaUrls>("review_media", { video });
}

export function reviewDecide(video: string, decision: ReviewDecision, note: string): Promise<ReviewItem> {
  return invoke<ReviewItem>("review_decide", { video, decision, note });
}

export function dashboard(days: number): Promise<Dashboard> {
  return invoke<Dashboard>("dashboard", { days, utcOffsetMinutes: -new Date().getTimezoneOffset() });
}

/** Fires after the sync loop applied feed events (opens, uploads, reviews from others). */
export function onSyncApplied(handler: (applied: Applied) => void): Promise<UnlistenFn> {
  return listen<Applied>("sync-applied", (event) => handler(event.payload));
}

/** The other campaigns a contact has been in (leaving out the item being worked). */
export function contactHistory(contact: number, except: number | null): Promise<HistoryEntry[]> {
  return invoke<HistoryEntry[]>("contact_history", { contact, except });
}

/** The editor's unsaved message as `contact` would get it. */
export function campaignPreview(campaign: number | null, name: string, template: Template, contact: number): Promise<MessagePreview> {
  return invoke<MessagePreview>("campaign_preview", { campaign, name, template, contact });
}

/** Writes the campaign's outcomes as CSV to `path`; returns the number of rows. */
export function campaignExport(campaign: number, path: string): Promise<number> {
  return invoke<number>("campaign_export", { campaign, path });
}

/** The system's file picker for a list to import (CSV, text, .xlsx, .ods); null when cancelled. */
export async function pickCsvFile(): Promise<string | null> {
  const chosen = await openDialog({
    multiple: false,
    directory: false,
    filters: [{ name: "Lists", extensions: ["csv", "txt", "tsv", "xlsx", "ods"] }],
  });
  return typeof chosen === "string" ? chosen : null;
}

/** The system's save dialog for an export; null when cancelled. */
export function pickSavePath(defaultPath: string): Promise<string | null> {
  return saveDialog({ defaultPath, filters: [{ name: "CSV", extensions: ["csv"] }] });
}

/** Writes the diagnostics zip (logs, versions, settings without tokens, sync state) to `path`; returns where it is. */
export function exportDiagnostics(path: string): Promise<string> {
  return invoke<string>("export_diagnostics", { path });
}

/** The system's save dialog for the diagnostics zip; null when cancelled. */
export function pickZipSavePath(defaultPath: string): Promise<string | null> {
  return saveDialog({ defaultPath, filters: [{ name: "Zip", extensions: ["zip"] }] });
}

/** Asks the connected server whether a newer version of the app is published. */
export function updateCheck(): Promise<UpdateCheck> {
  return invoke<UpdateCheck>("update_check");
}

/** Downloads the offered update and verifies its signature; progress through {@link onUpdateProgress}. */
export function updateDownload(): Promise<UpdateDownload> {
  return invoke<UpdateDownload>("update_download");
}

/** Installs the verified update (the system asks for a password) and restarts the app. */
export function updateInstall(): Promise<void> {
  return invoke<void>("update_install");
}

export function onUpdateProgress(handler: (progress: UpdateProgress) => void): Promise<UnlistenFn> {
  return listen<UpdateProgress>("update-progress", (event) => handler(event.payload));
}

/** Exports the videos `ids` into `folder` (one subfolder per campaign, with manifests); `onProgress` hears each chunk. */
export function exportVideos(ids: string[], folder: string, onProgress: (progress: ExportProgress) => void): Promise<ExportReport> {
  const progress = new Channel<ExportProgress>();
  progress.onmessage = onProgress;
  return invoke<ExportReport>("export_videos", { ids, folder, progress });
}

/** Stops the running export after the chunk it is writing. */
export function exportCancel(): Promise<void> {
  return invoke<void>("export_cancel");
}

/** Opens the last export's folder in the file manager. */
export function exportOpenFolder(): Promise<void> {
  return invoke<void>("export_open_folder");
}

/** The system's folder picker for an export; null when cancelled. */
export async function pickExportFolder(): Promise<string | null> {
  const chosen = await openDialog({ multiple: false, directory: true });
  return typeof chosen === "string" ? chosen : null;
}

/** The event kinds a webhook may subscribe to (the feed's names). */
export function webhookEventKinds(): Promise<string[]> {
  return invoke<string[]>("webhook_event_kinds");
}

/** The connected server's webhook endpoints with their delivery counts. */
export function webhooksList(): Promise<WebhookEndpoint[]> {
  return invoke<WebhookEndpoint[]>("webhooks_list");
}

/** Adds an endpoint; the answer's `secret` is shown this once. */
export function webhookAdd(url: string, events: string[]): Promise<CreatedWebhook> {
  return invoke<CreatedWebhook>("webhook_add", { url, events });
}

export function webhookRemove(id: string): Promise<void> {
  return invoke<void>("webhook_remove", { id });
}

/** An endpoint's newest deliveries. */
export function webhookDeliveries(id: string): Promise<WebhookDelivery[]> {
  return invoke<WebhookDelivery[]>("webhook_deliveries", { id });
}
