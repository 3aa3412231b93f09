// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test`; do not edit.
import type { Claim, ErrorCode, LinkReach, ReviewDecision } from "./protocol";

export type AppInfo = { version: string, 
/**
 * Where the local database and the embedded server's data live.
 */
data_dir: string, 
/**
 * The server this desktop syncs with.
 */
server_url: string, 
/**
 * True when that server runs inside this app.
 */
embedded_server: boolean, operator: string, 
/**
 * The base the server builds links on, when known (the embedded server's public
 * address, or its own loopback URL).
 */
links_base: string | null, 
/**
 * Who can open those links; `None` when the base is not known (a remote server).
 */
links_reach: LinkReach | null, };

/**
 * What crosses the bridge to the UI: a stable code and a message for people.
 */
export type UserError = { code: ErrorCode, message: string, 
/**
 * The field an `invalid` error is about (a campaign's `name`, `template`,
 * `daily_cap`…), so a form can show the message beside it.
 */
field: string | null, };

export type Settings = { 
/**
 * A clipdesk-server to use; `None` runs one inside the app.
 */
server_url: string | null, 
/**
 * Who this desktop's operator is (the audit log's actor); pacing counts every name's sends.
 */
operator: string, 
/**
 * Whether a person gave that name (the first run, or Settings). Until then `operator` is
 * a placeholder and the app asks for the name before anything is attributed to it.
 */
operator_named: boolean, 
/**
 * The embedded server's port, kept so issued links stay valid across restarts.
 */
embedded_port: number | null, 
/**
 * The address phones reach the embedded server at (a tunnel or a port forward the
 * operator set up); links are built on it. `None`: its own loopback address.
 */
embedded_public_url: string | null, 
/**
 * The embedded server listens on every interface (0.0.0.0), not only 127.0.0.1.
 */
embedded_listen_all: boolean, };

export type SyncState = "idle" | "connected" | "behind" | "offline";

/**
 * What Settings and the status bar show.
 */
export type SyncStatus = { state: SyncState, cursor: number, last_error: string | null, 
/**
 * RFC 3339 time of the last successful exchange.
 */
last_sync_at: string | null, pending_reviews: number, review_conflicts: number, 
/**
 * Team mode: outcomes marked here that the server has not got yet.
 */
outbox_pending: number, 
/**
 * Team mode: outcomes the server refused for good (kept with its reason).
 */
outbox_conflicts: number, };

export type Contact = { id: number, handle: string, user_id: string | null, display_name: string | null, tags: Array<string>, notes: string, source: string | null, };

/**
 * One page of contacts and where the next one starts.
 */
export type ContactsPage = { contacts: Array<Contact>, 
/**
 * Pass as `after` for the next page; `None` when this was the last.
 */
next_after: number | null, total: number, };

export type Pacing = { daily_cap: number, min_spacing_s: number, };

/**
 * Whether the next send may happen now, and if not, why and when.
 */
export type PaceVerdict = { "verdict": "allowed", sent_last_24h: number, daily_cap: number, } | { "verdict": "wait", reason: string, 
/**
 * Unix milliseconds.
 */
until: number, sent_last_24h: number, daily_cap: number, };

export type OutreachState = "queued" | "in_progress" | "sent" | "skipped" | "cant_dm" | "snoozed";

/**
 * Why a contact cannot be messaged.
 */
export type CantDmReason = "privacy_settings" | "not_following" | "age" | "other";

/**
 * What the operator marks after coming back from TikTok.
 */
export type Outcome = { "outcome": "sent" } | { "outcome": "skipped" } | { "outcome": "cant_dm", reason: CantDmReason, } | { "outcome": "snoozed", until: number, };

/**
 * Everything the app needs to send one message, from one call.
 */
export type Started = { outreach_id: number, contact: Contact, campaign_slug: string, 
/**
 * Copied and pasted in turn; the first one goes with opening the DM page.
 */
parts: Array<RenderedPart>, link_url: string, dm_url: string, pace: PaceVerdict, 
/**
 * Set when this is a follow-up: its own message, the same link and DM page.
 */
followup: FollowupInfo | null, 
/**
 * RFC 3339: until when the server holds this person for this operator (a claim); `None`
 * for a follow-up, which stays on this desktop.
 */
lease_expires_at?: string, };

/**
 * What "start next" answers.
 */
export type NextStep = { "status": "started" } & Started | { "status": "wait", verdict: PaceVerdict, } | { "status": "waiting_for_links", count: number, } | { "status": "empty" } | { "status": "offline", message: string, pending: number, };

/**
 * One campaign a contact has been in, as the Queue shows it beside the contact.
 */
export type HistoryEntry = { campaign_name: string, state: OutreachState, cant_dm_reason: CantDmReason | null, 
/**
 * RFC 3339 times, when they happened.
 */
sent_at: string | null, link_opened_at: string | null, video_state: string | null, review: string | null, updated_at: string, 
/**
 * Who sent it past pacing ("Send anyway" or a recorded override), when the send did.
 */
pacing_overridden_by: string | null, 
/**
 * Who sent it: whoever recorded the send on this desktop (by the operator name in
 * Settings), else the operator the server recorded (by their token's name, for a
 * colleague's send); `None` when it is not sent.
 */
sent_by: string | null, };

/**
 * How many contacts of a campaign are not started yet.
 */
export type QueueLeft = { queued: number, snoozed: number, 
/**
 * Of `snoozed`, the ones whose later has come: they are served first.
 */
snoozed_due: number, 
/**
 * Follow-ups due now and not being sent by anyone.
 */
followups_due: number, };

/**
 * The contact who comes up next, shown (not started) while pacing waits so the operator can
 * skip them, mark them can't DM or put them off: those send nothing.
 */
export type NextContact = { outreach_id: number, state: OutreachState, contact: Contact, 
/**
 * Set when what comes up is a follow-up, not the first message.
 */
followup: FollowupInfo | null, };

/**
 * The Queue's standing line, asked when it opens and after every outcome: pacing, how many
 * are left, and who is next. Claims nothing.
 */
export type QueueOverview = { pace: PaceVerdict, left: QueueLeft, next: NextContact | null, };

export type Campaign = { id: number, slug: string, name: string, template: Template, landing_title: string, prompt: string, max_duration_s: number, 
/**
 * Links stop working this many days after the campaign was created (`created_at`).
 */
link_expiry_days: number | null, dm_url_with_id: string, dm_url_without_id: string, pacing: Pacing, 
/**
 * The recorder page's language (`en`, `es`…); `None` is the page's default, English.
 */
language: string | null, 
/**
 * Whether the server serves `/c/{slug}`, where anyone can enter their handle.
 */
public_page: boolean, 
/**
 * The recorder page's texts replaced for this campaign, by key; never an empty one.
 */
strings: { [key in string]: string }, 
/**
 * Who the consent sentence names; `None`: the server's organisation setting.
 */
organisation: string | null, 
/**
 * RFC 3339; link expiry counts from it.
 */
created_at: string, 
/**
 * Messages sent again to people who did not react (crates/core/src/followups.rs).
 */
followups: Array<FollowupStep>, 
/**
 * Whether due follow-ups come up in the Queue before new people.
 */
followups_first: boolean, 
/**
 * Team mode: a person DMed in another campaign in the last `hold_days` days is held back
 * (0: never).
 */
hold_days: number, 
/**
 * Team mode: how long a started contact stays this operator's (the claim's lease).
 */
lease_s: number, };

/**
 * What the campaign editor saves; `slug` is made from the name when a campaign is new.
 */
export type CampaignInput = { name: string, template: Template, landing_title: string, prompt: string, max_duration_s: number, link_expiry_days: number | null, dm_url_with_id: string, dm_url_without_id: string, pacing: Pacing, language: string | null, public_page: boolean, 
/**
 * Blank texts are dropped: the page's own text stays.
 */
strings: { [key in string]: string }, 
/**
 * Blank is none.
 */
organisation: string | null, 
/**
 * At most [`crate::followups::MAX_STEPS`]; the server never sees them.
 */
followups: Array<FollowupStep>, followups_first: boolean, 
/**
 * 0 to [`MAX_HOLD_DAYS`]; absent in settings saved before team mode: the server's default.
 */
hold_days?: number, 
/**
 * Seconds, within [`LEASE_S`]; absent in settings saved before team mode: the default.
 */
lease_s?: number, };

/**
 * When a step goes out, besides its delay.
 */
export type FollowupCondition = "no_open" | "no_upload";

/**
 * One follow-up step of a campaign.
 */
export type FollowupStep = { template: Template, 
/**
 * Days after the last message sent to the person.
 */
delay_days: number, condition: FollowupCondition, };

/**
 * What the Queue says of a follow-up: which step, and what the person did so far.
 */
export type FollowupInfo = { 
/**
 * 1-based.
 */
step: number, 
/**
 * How many steps the campaign has.
 */
steps: number, condition: FollowupCondition, 
/**
 * The last message sent to them (RFC 3339) and how many whole days ago that was.
 */
last_sent_at: string, days_since_sent: number, opened: boolean, upload_started: boolean, };

/**
 * A contact field a CSV column can fill.
 */
export type ContactField = "handle" | "user_id" | "display_name" | "tags" | "notes";

/**
 * One column of the file and the field it fills, if any.
 */
export type ImportColumn = { 
/**
 * 0-based position in the file's header row.
 */
index: number, 
/**
 * The header as written in the file.
 */
header: string, 
/**
 * `None` when the column is ignored (unknown, or a second column for a field).
 */
field: ContactField | null, };

/**
 * Which field one column fills, chosen by the operator over the automatic mapping:
 * `field: None` ignores the column.
 */
export type ColumnChoice = { 
/**
 * 0-based position in the file's header row.
 */
index: number, field: ContactField | null, };

/**
 * How to read a file, as chosen in the import wizard; every field is optional.
 */
export type ImportOptions = { 
/**
 * `","`, `";"`, `"\t"` or `"|"`; detected from the first lines when not given.
 */
delimiter: string | null, 
/**
 * The sheet of a spreadsheet to read; the first when not given.
 */
sheet: string | null, 
/**
 * Columns the operator mapped by hand, over the automatic mapping.
 */
mapping: Array<ColumnChoice>, };

/**
 * What the import wizard shows before anything is written.
 */
export type ImportPreview = { 
/**
 * How the text was decoded (`UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1252`); `None`
 * for a spreadsheet.
 */
encoding: string | null, 
/**
 * The delimiter used (detected or chosen); `None` for a spreadsheet.
 */
delimiter: string | null, 
/**
 * A spreadsheet's sheets in workbook order (empty for text), and the one shown.
 */
sheets: Array<string>, sheet: string | null, columns: Array<ImportColumn>, 
/**
 * Headers of the columns that will be ignored, in file order.
 */
ignored: Array<string>, 
/**
 * The first rows as they are in the file, one value per column (short rows padded
 * with empty values), before any rule is applied.
 */
rows: Array<PreviewRow>, 
/**
 * Why the file cannot be imported as mapped (no handle column), for the operator to
 * fix by choosing the columns' fields; `None` when it can.
 */
problem: string | null, };

export type PreviewRow = { 
/**
 * The line the row starts on, counting the header as line 1.
 */
line: number, values: Array<string>, };

export type ImportProgress = { rows_done: number, bytes_read: number, bytes_total: number, };

export type ImportOutcome = "imported" | "updated" | "skipped" | "rejected";

/**
 * What became of one row (or blank line) of the file.
 */
export type RowOutcome = { 
/**
 * The line the row starts on, counting the header as line 1.
 */
line: number, 
/**
 * The handle as typed in the file (empty for blank lines).
 */
handle: string, outcome: ImportOutcome, 
/**
 * The field a rejection is about, so the UI can point at it.
 */
field: ContactField | null, 
/**
 * Why a row was skipped or rejected, or which fields an update changed.
 */
reason: string | null, 
/**
 * Something the import left out of a row it kept, and why.
 */
warning: string | null, 
/**
 * A rejected row's values as written in the file, one per column, so it can be
 * exported to be fixed; empty for every other outcome.
 */
values: Array<string>, };

export type ImportReport = { 
/**
 * The file's header row as written, for the export of the rejected rows.
 */
headers: Array<string>, imported: number, updated: number, skipped: number, rejected: number, 
/**
 * Every row and blank line of the file, in file order.
 */
rows: Array<RowOutcome>, };

/**
 * A message: one or more parts sent one after another, each with variants.
 */
export type Template = { parts: Array<Part>, };

export type Part = { kind: PartKind, 
/**
 * Alternative wordings; each contact always gets the same one.
 */
variants: Array<string>, };

export type PartKind = "text" | "tiktok_video";

/**
 * One thing wrong with a template or DM address, and where.
 */
export type TemplateProblem = { 
/**
 * What the problem is in: `template`, `dm_url_with_id` or `dm_url_without_id` (the
 * campaign's field names).
 */
field: string, 
/**
 * 0-based part index; `None` when the problem is about the whole template.
 */
part: number | null, 
/**
 * 0-based variant index within the part.
 */
variant: number | null, 
/**
 * Where in the text, in characters (Unicode scalar values) from its start.
 */
char_offset: number | null, 
/**
 * The same place in UTF-16 code units, which is what a browser text field counts.
 */
utf16_offset: number | null, 
/**
 * The variable or placeholder concerned, as written.
 */
variable: string | null, reason: string, };

/**
 * Every problem found, so the operator fixes them all in one go.
 */
export type TemplateError = { problems: Array<TemplateProblem>, };

/**
 * What a message is rendered for.
 */
export type RenderContext = { handle: string, display_name: string | null, tags: Array<string>, 
/**
 * The contact's personal link; `None` until the campaign's links are registered.
 */
link: string | null, campaign_name: string, };

export type RenderedPart = { kind: PartKind, 
/**
 * 0-based: which variant this contact gets.
 */
variant: number, text: string, };

/**
 * A message shown before sending; `placeholder_link` says the link is [`PREVIEW_LINK`],
 * not the contact's own.
 */
export type MessagePreview = { parts: Array<RenderedPart>, placeholder_link: boolean, };

/**
 * Where a video is on the server, as far as this desktop knows.
 */
export type LocalVideoState = "received" | "ready" | "failed";

/**
 * Which videos the Review screen lists.
 */
export type ReviewFilter = "to_review" | "approved" | "rejected" | "all";

/**
 * A decision this desktop made that the server has not confirmed yet.
 */
export type PendingDecision = { decision: ReviewDecision, note: string, tags: Array<string>, rating: number | null, };

/**
 * Another reviewer decided first; their decision stands and is shown beside ours.
 */
export type ReviewClash = { mine: ReviewDecision, my_note: string, theirs: ReviewDecision, their_note: string, reviewer: string | null, my_tags: Array<string>, my_rating: number | null, their_tags: Array<string>, their_rating: number | null, };

/**
 * One row of the Review screen.
 */
export type ReviewItem = { video_id: string, campaign_slug: string | null, campaign_name: string | null, handle: string | null, display_name: string | null, state: LocalVideoState, failure: string | null, duration_ms: number | null, 
/**
 * RFC 3339.
 */
received_at: string, 
/**
 * The review as the server last told us.
 */
review: ReviewDecision, review_note: string, reviewer: string | null, 
/**
 * Tags and rating as the server last told us (`pending` holds unsent ones).
 */
tags: Array<string>, rating: number | null, 
/**
 * Grows when a reviewer picks another poster; fresh addresses show it.
 */
poster_version: number, pending: PendingDecision | null, conflict: ReviewClash | null, };

/**
 * Narrows a list by label: a tag (ignoring case) and a lowest rating, as the reviewer sees
 * them (an unsent change counts).
 */
export type LabelFilter = { tag: string | null, rating_min: number | null, };

/**
 * One campaign's funnel. Each stage counts the people who reached it or any later one, so
 * the numbers only fall from left to right.
 */
export type Funnel = { campaign_id: number, slug: string, name: string, 
/**
 * Everyone added to the campaign.
 */
queued: number, sent: number, opened: number, 
/**
 * Their upload began (the first bytes arrived) or a video came.
 */
started: number, uploaded: number, approved: number, 
/**
 * Said "no thanks" on the page (a video may still have come before).
 */
declined: number, 
/**
 * Outcomes that left the funnel: skipped or can't DM.
 */
dropped: number, 
/**
 * Each message part sent in more than one variant, first message then follow-ups.
 */
parts: Array<PartFunnel>, };

/**
 * Sends on one local calendar day.
 */
export type DaySends = { 
/**
 * `YYYY-MM-DD` in the operator's time zone.
 */
day: string, sends: number, };

/**
 * Everything the Dashboard shows, read in one call.
 */
export type Dashboard = { funnels: Array<Funnel>, sends: Array<DaySends>, };

/**
 * One variant of a part: how far the people it was sent to got.
 */
export type VariantFunnel = { 
/**
 * 0-based, as in the template.
 */
variant: number, sent: number, opened: number, uploaded: number, approved: number, 
/**
 * uploaded / sent, 0 to 1.
 */
upload_rate: number, };

/**
 * A part sent in several variants and whether one brings more videos.
 */
export type PartFunnel = { 
/**
 * 0 for the first message, else the follow-up step (1-based).
 */
step: number, 
/**
 * 0-based part of that message.
 */
part: number, variants: Array<VariantFunnel>, verdict: Verdict, };

/**
 * The best variant's upload rate against the next best's, by a two-proportion z-test
 * (pooled) at 95 %: the best beats every other one when it beats the runner-up.
 */
export type Verdict = { 
/**
 * The variant with the highest upload rate.
 */
best: number, 
/**
 * The next best, it is compared with.
 */
runner_up: number, z: number, 
/**
 * |z| ≥ 1.96 and every expected count ≥ 5.
 */
meaningful: boolean, 
/**
 * An expected count (uploads or not, per variant) is under 5: the test says nothing yet.
 */
too_few: boolean, 
/**
 * Roughly how many more sends per variant would make the present difference meaningful,
 * when it is not yet (and there is a difference).
 */
more_sends: number | null, };

export type PersonStatus = "queued" | "sent" | "opened" | "started" | "uploaded" | "approved" | "rejected" | "declined" | "cant_dm" | "skipped";

/**
 * What the people list shows: one status, or "opened, not uploaded" (opened or started, no
 * video, not declined: exactly the statuses `opened` and `started`).
 */
export type PeopleFilter = { "kind": "all" } | { "kind": "status", "status": PersonStatus } | { "kind": "opened_not_uploaded" };

/**
 * One person in a campaign.
 */
export type CampaignPerson = { outreach_id: number, contact: Contact, status: PersonStatus, 
/**
 * RFC 3339: when the status last changed.
 */
status_at: string, 
/**
 * RFC 3339: until when they were put off ("later"), when they were.
 */
snoozed_until: string | null, };

/**
 * People per status in a campaign, for the filter chips.
 */
export type StatusCounts = { total: number, queued: number, sent: number, opened: number, started: number, uploaded: number, approved: number, rejected: number, declined: number, cant_dm: number, skipped: number, 
/**
 * `opened` + `started`.
 */
opened_not_uploaded: number, };

/**
 * One page of a campaign's people and where the next one starts.
 */
export type PeoplePage = { people: Array<CampaignPerson>, 
/**
 * Pass as `after` for the next page; `None` when this was the last.
 */
next_after: number | null, 
/**
 * People the filter lets through.
 */
total: number, 
/**
 * Everyone in the campaign, per status (the filter does not change them).
 */
counts: StatusCounts, };

/**
 * What applying a page changed, for notifications (and the UI's `sync-applied` event).
 */
export type Applied = { events: number, 
/**
 * Videos that arrived (`video_received`) in this page.
 */
new_videos: Array<string>, };

/**
 * A contact's fields as the edit form sends them: raw text, checked like an import row.
 */
export type ContactEdit = { handle: string, user_id: string, display_name: string, 
/**
 * Separated by commas, semicolons or `|`.
 */
tags: string, notes: string, };

/**
 * What an edit came to.
 */
export type Edited = { contact: Contact, 
/**
 * Links already handed out: they keep working as sent (the server keeps the old handle).
 */
links_kept: number, 
/**
 * Links never handed out: dropped, and registered again under the new handle.
 */
links_reissued: number, };

/**
 * The contact in one campaign, as the Contacts screen lists it.
 */
export type CampaignItem = { outreach_id: number, campaign_name: string, state: OutreachState, link_url: string | null, 
/**
 * The link may be in the person's hands: sent, opened, or a video came back.
 */
handed_out: boolean, link_revoked: boolean, videos: number, 
/**
 * Where they stand in this campaign, and since when (RFC 3339).
 */
status: PersonStatus, status_at: string, 
/**
 * The colleague who sent them (team mode: the send came through the server's feed, not
 * from this desktop), and when (RFC 3339).
 */
sent_by_colleague: string | null, sent_at: string | null, };

/**
 * One line of the contact's history, the newest first.
 */
export type HistoryLine = { 
/**
 * RFC 3339.
 */
at: string, actor: string, campaign_name: string | null, 
/**
 * `edited`, `link_revoked`, `removed_from_campaign`, or a queue state moved to.
 */
action: string, text: string, };

/**
 * Everything the Contacts screen shows about one contact.
 */
export type Person = { contact: Contact, campaigns: Array<CampaignItem>, history: Array<HistoryLine>, 
/**
 * Videos of theirs on this desktop.
 */
videos: number, 
/**
 * Why they will not be added to (some) campaigns, when they will not.
 */
suppressed: string | null, };

export type Removed = { link_revoked: boolean, };

export type Deleted = { links_revoked: number, };

export type Forgotten = { 
/**
 * Links forgotten on the server.
 */
links: number, 
/**
 * Videos deleted on this desktop.
 */
videos: number, };

/**
 * What "Check for updates" found.
 */
export type UpdateCheck = { "state": "off", current: string, reason: string, } | { "state": "up_to_date", current: string, } | { "state": "available", current: string, version: string, notes: string | null, 
/**
 * RFC 3339, when the server said.
 */
pub_date: string | null, };

/**
 * What downloading the offered package ended with.
 */
export type UpdateDownload = { "state": "verified", version: string, size: number, } | { "state": "refused", version: string, message: string, };

/**
 * Sent as the `update-progress` event while a package downloads.
 */
export type UpdateProgress = { downloaded: number, total: number | null, };

/**
 * What a public address turned out to reach.
 */
export type AddressOutcome = "this_server" | "other_instance" | "not_clipdesk" | "refused" | "timeout" | "unreachable" | "not_a_url";

export type AddressCheck = { outcome: AddressOutcome, 
/**
 * Who can open links built on the address, whatever answered.
 */
reach: LinkReach, 
/**
 * What was reached, in the words Settings shows.
 */
message: string, };

/**
 * How far an export is, sent after every chunk written and every video finished.
 */
export type ExportProgress = { videos_done: number, videos_total: number, bytes_done: number, 
/**
 * The file being written, as `campaign/name`.
 */
current: string | null, };

/**
 * A video that could not be exported, and why (the message names the file).
 */
export type ExportFailure = { video_id: string, 
/**
 * `@handle`, or the video id when the server did not say whose it is.
 */
name: string, message: string, };

/**
 * What an export came to.
 */
export type ExportReport = { folder: string, 
/**
 * Videos with at least one file put in place.
 */
exported: number, 
/**
 * Videos whose files were all there already, unchanged.
 */
skipped: number, failed: Array<ExportFailure>, cancelled: boolean, bytes: number, };

/**
 * What "start next" answers in team mode.
 */
export type TeamStep = { "status": "started", started: Started, claim: Claim, } | { "status": "empty" } | { "status": "paced", retry_after_s: number, message: string, } | { "status": "offline", message: string, };

/**
 * What recording an outcome came to.
 */
export type TeamRecorded = { outreach_id: number, 
/**
 * Outcomes still waiting for the server (0 when it got this one at once).
 */
pending: number, };

/**
 * What one [`flush_outbox`] did.
 */
export type Flushed = { sent: number, 
/**
 * Refused for good (kept with the server's message, never retried).
 */
refused: number, };

/**
 * A campaign edited on this desktop and on a colleague's from the same version.
 */
export type CampaignClash = { campaign_id: number, 
/**
 * What this desktop has (and the server does not).
 */
mine: CampaignInput, 
/**
 * What the server has, saved by `their_editor`.
 */
theirs: CampaignInput, their_version: number, their_editor: string | null, };
