// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test`; do not edit.

/**
 * Stable codes a client switches on; the message is for people and may change.
 */
export type ErrorCode = "invalid" | "unauthorized" | "not_found" | "expired" | "revoked" | "declined" | "limit_reached" | "not_a_video" | "checksum_mismatch" | "conflict" | "locked" | "payload_too_large" | "rate_limited" | "unavailable" | "internal";

export type ErrorBody = { code: ErrorCode, message: string, };

/**
 * The top-level JSON of every error answer.
 */
export type ErrorResponse = { error: ErrorBody, };

/**
 * What `GET /healthz` answers.
 */
export type Health = { status: string, version: string, 
/**
 * Made once per data folder (a restored backup gets its own): tells whether a URL
 * reaches *this* server or another one.
 */
instance_id: string, };

/**
 * `PUT /api/v1/campaigns/{slug}`: create or update a campaign.
 */
export type CampaignUpsert = { title: string, 
/**
 * What the recipient is asked to record, shown under the greeting.
 */
prompt: string, max_duration_s: number, 
/**
 * RFC 3339; links of the campaign stop working after it.
 */
expires_at: string | null, 
/**
 * Whether `/c/{slug}` serves a page where anyone can enter their handle.
 */
public_page: boolean, 
/**
 * The recorder page's language (`en`, `es`, …).
 */
language: string | null, 
/**
 * Overrides of the recorder page's strings, by key.
 */
strings: { [key in string]: string }, 
/**
 * Who the recipient gives their video to, named in the consent sentence; absent or
 * blank, the server's `organisation` setting applies.
 */
organisation?: string, 
/**
 * Compare-and-set: the version this edit was made from (0 for "create, it must not
 * exist yet"). A stale one gets 409 with the campaign as it now stands
 * ([`CampaignConflict`]). Absent: the edit replaces whatever is there (other tools).
 */
version?: number, 
/**
 * Sends per operator in any 24 h, counted on the server from that operator's recorded
 * sends (all campaigns): a claim past it gets 429.
 */
daily_cap?: number, 
/**
 * Seconds an operator waits between two sends.
 */
spacing_s?: number, 
/**
 * A person DMed in another campaign in the last `hold_days` days is held back (0: never).
 */
hold_days?: number, 
/**
 * How long a claim is leased to its operator unless the claim asks for its own.
 */
lease_s?: number, 
/**
 * The desktop's own definition (message parts, variants, DM URL templates, follow-ups):
 * a JSON object of at most 64 KiB, kept and handed back as sent.
 */
desktop?: Record<string, unknown>, };

export type Campaign = { slug: string, title: string, prompt: string, max_duration_s: number, expires_at: string | null, public_page: boolean, language: string | null, strings: { [key in string]: string }, 
/**
 * The campaign's own organisation (not the server's fallback).
 */
organisation: string | null, created_at: string, updated_at: string, 
/**
 * Grows by one per edit; an edit names the version it was made from.
 */
version: number, 
/**
 * The token name of whoever made the last edit (absent before team mode).
 */
updated_by: string | null, daily_cap: number, spacing_s: number, hold_days: number, lease_s: number, desktop: Record<string, unknown> | null, };

/**
 * `GET /api/v1/campaigns`: every campaign, by slug.
 */
export type CampaignList = { campaigns: Array<Campaign>, };

/**
 * `DELETE /api/v1/campaigns/{slug}` (admin): what went with the campaign. Its sends stay.
 */
export type CampaignDeleted = { deleted: string, 
/**
 * Links deleted with it (claims went with their links).
 */
links: number, };

/**
 * The 409 a stale campaign `version` gets: the usual error and the campaign as it now stands,
 * so the desktop can show both versions.
 */
export type CampaignConflict = { error: ErrorBody, current: Campaign, };

/**
 * One person a link is made for. The handle is checked with TikTok's rules by the server.
 */
export type LinkRecipient = { handle: string, 
/**
 * TikTok's numeric user id, digits only, when known.
 */
user_id: string | null, display_name: string | null, 
/**
 * Labels the desktop gave the person (at most 20, each 1–32 characters); the link's
 * `link_created` event carries them to every desktop.
 */
tags?: Array<string>, };

/**
 * `POST /api/v1/campaigns/{slug}/links`.
 */
export type CreateLinks = { recipients: Array<LinkRecipient>, };

export type IssuedLink = { handle: string, token: string, url: string, 
/**
 * False when the link already existed for this (campaign, handle).
 */
created: boolean, };

export type CreatedLinks = { links: Array<IssuedLink>, };

/**
 * `GET /api/v1/public/links/{token}`: what the recorder page needs, nothing more.
 */
export type PublicLink = { token: string, handle: string, display_name: string | null, 
/**
 * What the page greets the person by: [`crate::name::first_name`] of the display name,
 * the same word a DM's `{{first_name}}` gave; `None` when it has none (the page then
 * greets the @handle).
 */
first_name: string | null, campaign_title: string, prompt: string, max_duration_s: number, uploads_left: number, 
/**
 * Videos this link already delivered (uploads that completed as videos and are still
 * kept), so a second visit can say "we have your video".
 */
videos_received: number, 
/**
 * True for links made on the campaign page from a handle the visitor typed.
 */
self_reported: boolean, language: string | null, strings: { [key in string]: string }, 
/**
 * Who the consent sentence names: the campaign's organisation, else the server's; `None`
 * when neither is set, and the page then names no one rather than the campaign title.
 */
organisation: string | null, };

/**
 * `GET /api/v1/public/campaigns/{slug}`: the campaign page before the visitor gave a handle.
 */
export type PublicCampaign = { slug: string, title: string, prompt: string, max_duration_s: number, language: string | null, strings: { [key in string]: string }, 
/**
 * As in [`PublicLink::organisation`].
 */
organisation: string | null, };

/**
 * `POST /api/v1/public/campaigns/{slug}/links`: a visitor's self-reported handle.
 */
export type SelfReportedHandle = { handle: string, };

/**
 * `POST /api/v1/public/links/{token}/decline`: the person said "no thanks" on the page.
 */
export type DeclineLink = { 
/**
 * Why, in their words (at most 500 characters); optional.
 */
reason?: string, };

/**
 * What happened, as the event feed names it. Kinds this build does not know are kept as
 * `unknown` so an older desktop skips them instead of failing.
 */
export type EventKind = "link_created" | "link_opened" | "link_revoked" | "link_forgotten" | "link_declined" | "upload_started" | "video_received" | "video_rejected" | "video_ready" | "video_failed" | "review_set" | "poster_set" | "campaign_updated" | "claim_created" | "claim_released" | "outcome_set" | "outcome_undone" | "campaign_deleted" | "unknown";

/**
 * One entry of the feed. `seq` grows by one per event and never repeats.
 */
export type Event = { seq: number, kind: EventKind, 
/**
 * RFC 3339, UTC.
 */
at: string, campaign: string | null, handle: string | null, 
/**
 * The link token the event is about.
 */
link: string | null, upload_id: string | null, video_id: string | null, 
/**
 * Kind-specific facts (a rejection's reason, a video's size, …).
 */
detail: Record<string, unknown>, };

/**
 * `GET /api/v1/events?after=SEQ&limit=N&wait=SECONDS`.
 */
export type EventsPage = { events: Array<Event>, 
/**
 * The `after` to ask with next: the last event's seq, or the request's `after`.
 */
next_after: number, 
/**
 * True when more events are waiting beyond this page.
 */
more: boolean, };

export type VideoState = "received" | "ready" | "failed";

/**
 * What ffprobe found in the original.
 */
export type VideoProbe = { duration_ms: number, 
/**
 * Upright, after rotation.
 */
width: number, height: number, 
/**
 * Degrees the original asked players to rotate by (0, 90, 180, 270).
 */
rotation: number, video_codec: string, audio_codec: string | null, container: string, };

export type ReviewDecision = "pending" | "approved" | "rejected";

/**
 * The one review a video has; `version` grows with every change.
 */
export type Review = { decision: ReviewDecision, note: string, 
/**
 * Who set it: the name their desktop sent (the operator in its Settings), else the name
 * of the API token it came with.
 */
reviewer: string | null, version: number, updated_at: string | null, 
/**
 * 0 to 20 tags (`MAX_TAGS`), each 1 to 32 characters (`MAX_TAG_CHARS`), unique ignoring
 * case, kept as typed.
 */
tags: Array<string>, 
/**
 * 1 to 5, or none.
 */
rating: number | null, };

/**
 * `PUT /api/v1/videos/{id}/review`: `version` is the one the reviewer saw. `note` belongs to
 * this decision alone: a decision sent without one has none.
 */
export type ReviewUpdate = { decision: ReviewDecision, note: string, version: number, 
/**
 * Who decided, as their desktop names its operator (1 to 64 characters). Without it the
 * review is attributed to the API token's name, which on an embedded server names the
 * desktop, not the person.
 */
reviewer?: string, 
/**
 * The video's tags, all of them (absent: unchanged).
 */
tags?: Array<string>, 
/**
 * Absent: unchanged; `null`: cleared; 1 to 5: set.
 */
rating?: number | null, };

/**
 * The 409 a stale `version` gets: the usual error and the review as it now stands.
 */
export type ReviewConflict = { error: ErrorBody, current: Review, };

/**
 * `PUT /api/v1/videos/{id}/poster`: the poster becomes the frame at `at_ms` (at most the
 * video's duration); the answer is the video with its new poster URL.
 */
export type PosterFrame = { at_ms: number, };

/**
 * Signed, expiring URLs: usable in `<video src>` without headers.
 */
export type MediaUrls = { original: string, rendition: string | null, poster: string | null, 
/**
 * The original as a download: `Content-Disposition: attachment;
 * filename="handle-YYYY-MM-DD.ext"` (empty from servers that predate it).
 */
download: string, expires_at: string, };

export type Video = { id: string, 
/**
 * Position in the server's list of videos; `GET /api/v1/videos?after=` pages by it.
 */
seq: number, link: string, campaign: string, handle: string, display_name: string | null, 
/**
 * The person's TikTok user id, when their link was issued with one.
 */
user_id: string | null, self_reported: boolean, filename: string | null, filetype: string | null, 
/**
 * The consent text the recipient agreed to, exactly as shown.
 */
consent: string | null, 
/**
 * When the consent was given: the moment the page started the upload that carried it.
 */
consent_at: string | null, 
/**
 * sha256 of the original (lowercase hex); None until the server has read it whole.
 */
sha256: string | null, size: number, rendition_size: number | null, state: VideoState, probe: VideoProbe | null, failure: string | null, received_at: string, ready_at: string | null, review: Review, urls: MediaUrls, };

export type VideosPage = { videos: Array<Video>, next_after: number, more: boolean, };

/**
 * Who can open links built on a base URL.
 */
export type LinkReach = "public" | "plain_http" | "this_computer" | "private_network" | "not_a_url";

/**
 * A doctor check's verdict.
 */
export type DoctorVerdict = "ok" | "warn" | "fail";

/**
 * One line of `clipdesk-server doctor`.
 */
export type DoctorLine = { name: string, verdict: DoctorVerdict, 
/**
 * What was found and what to do.
 */
message: string, };

/**
 * What `GET /api/v1/doctor` answers: the server's own doctor, run on the server.
 */
export type DoctorReport = { lines: Array<DoctorLine>, 
/**
 * "5 ok, 1 warn, 0 FAIL".
 */
summary: string, failed: boolean, };

/**
 * Where a delivery stands: `pending` until a 2xx (then `delivered`) or until the retry
 * window is over (then `failed`).
 */
export type DeliveryState = "pending" | "delivered" | "failed";

/**
 * One endpoint with the counts of its deliveries. The secret is never shown again.
 */
export type WebhookEndpoint = { 
/**
 * `wh_…`
 */
id: string, url: string, 
/**
 * Event kinds' wire names (`video_ready`, `review_set`, …).
 */
events: Array<string>, 
/**
 * RFC 3339.
 */
created_at: string, pending: number, delivered: number, failed: number, };

/**
 * `POST /api/v1/webhooks`.
 */
export type NewWebhook = { 
/**
 * http:// or https://.
 */
url: string, events: Array<string>, };

/**
 * What adding an endpoint answers: the only time its secret is shown.
 */
export type CreatedWebhook = { endpoint: WebhookEndpoint, 
/**
 * `whsec_<base64>`, the Standard Webhooks form; the HMAC key is the decoded bytes.
 */
secret: string, };

/**
 * `GET /api/v1/webhooks`.
 */
export type WebhookList = { webhooks: Array<WebhookEndpoint>, };

/**
 * One event sent (or being sent) to one endpoint; `id` is its `webhook-id`, the same on
 * every retry.
 */
export type WebhookDelivery = { 
/**
 * `msg_…`
 */
id: string, endpoint: string, event_seq: number, kind: string, state: DeliveryState, attempts: number, 
/**
 * RFC 3339; set while pending.
 */
next_attempt_at: string | null, 
/**
 * The HTTP status of the last attempt, if it got one.
 */
last_status: number | null, 
/**
 * Why the last attempt failed (a status, a timeout, a refused connection).
 */
last_error: string | null, created_at: string, delivered_at: string | null, };

/**
 * `GET /api/v1/webhooks/{id}/deliveries?limit=N`: newest first.
 */
export type WebhookDeliveries = { deliveries: Array<WebhookDelivery>, };

/**
 * `POST /api/v1/campaigns/{slug}/claims`. Every field is optional: `{}` claims the next person.
 */
export type ClaimRequest = { 
/**
 * Seconds the lease lasts (5 to 86,400); the campaign's `lease_s` when absent.
 */
lease_s?: number, 
/**
 * Claim this recipient (a link token of the campaign) instead of the next one: a held
 * person, a due follow-up, someone picked in Contacts.
 */
link?: string, 
/**
 * Hand out a person held back by the cross-campaign hold: the operator chose to.
 */
override_hold?: boolean, 
/**
 * Claim past this operator's pacing ("send anyway").
 */
override_pacing?: boolean, };

/**
 * Why a person is held back: a DM another campaign sent them recently.
 */
export type Hold = { campaign: string, operator: string, 
/**
 * RFC 3339, UTC: when that DM was sent.
 */
sent_at: string, 
/**
 * RFC 3339, UTC: when the hold ends.
 */
until: string, };

/**
 * One operator's lease on one recipient.
 */
export type Claim = { id: string, 
/**
 * The recipient's link token.
 */
token: string, 
/**
 * The link as the recipient opens it (`<public url>/r/<token>`): what the message carries.
 */
url: string, handle: string, user_id: string | null, display_name: string | null, 
/**
 * RFC 3339, UTC.
 */
lease_expires_at: string, campaign: string, operator: string, 
/**
 * The recipient's tags, as the desktop that added them gave them.
 */
tags: Array<string>, 
/**
 * Set when this claim overrode the cross-campaign hold: the send it overrode.
 */
held?: Hold, };

/**
 * The `201` of a claim.
 */
export type ClaimCreated = { claim: Claim, };

/**
 * What an operator records for a claimed person.
 */
export type ClaimOutcome = "sent" | "skipped" | "cant_dm" | "later";

/**
 * `PUT /api/v1/claims/{id}/outcome`. Sending the same outcome again answers 200 unchanged
 * (an outbox may retry).
 */
export type OutcomeRequest = { outcome: ClaimOutcome, 
/**
 * Why (can't DM: privacy, age, not_following, …), at most 200 characters.
 */
reason?: string, 
/**
 * RFC 3339; required for `later`, in the future and within a year.
 */
until?: string, 
/**
 * RFC 3339: when the operator marked it, if earlier than the request (an outbox sending
 * it late). Pacing counts the send at this time; at most 24 h back, never ahead.
 */
at?: string, };

/**
 * A claim as it stands (the answer to an outcome or an undo).
 */
export type ClaimView = { claim: Claim, 
/**
 * `open`, or how it ended: `sent`, `skipped`, `cant_dm`, `later`, `given_back`, `expired`,
 * `undone`.
 */
state: string, 
/**
 * RFC 3339, when it ended.
 */
ended_at: string | null, };

export type HeldRecipient = { token: string, handle: string, display_name: string | null, hold: Hold, };

/**
 * `GET /api/v1/campaigns/{slug}/held`: recipients of the campaign nobody has handled that
 * the cross-campaign hold keeps back, with the send that holds each.
 */
export type HeldList = { held: Array<HeldRecipient>, };

/**
 * One recipient's outcome as the desktop recorded it.
 */
export type HistoryEntry = { 
/**
 * The recipient's link token (of this campaign).
 */
token: string, outcome: ClaimOutcome, 
/**
 * RFC 3339: when it was recorded (for `sent`, when the DM was sent); not in the future.
 */
at: string, 
/**
 * At most 200 characters.
 */
reason?: string, 
/**
 * RFC 3339, `later` only: when to come back to this person.
 */
until?: string, 
/**
 * The desktop's operator name, kept in the event's detail only.
 */
operator?: string, };

/**
 * `POST /api/v1/campaigns/{slug}/history`: what a desktop recorded before team mode, pushed
 * once when it first syncs (at most 1,000 entries a request). Every entry is checked before
 * anything is written; a link that already has an outcome on the server is left alone, so
 * pushing twice changes nothing.
 */
export type HistoryRequest = { entries: Array<HistoryEntry>, };

/**
 * The answer to a history push: entries written now, and entries whose link already had an
 * outcome (left alone).
 */
export type HistoryRecorded = { recorded: number, already: number, };
