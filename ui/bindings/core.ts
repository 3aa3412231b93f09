// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test`; do not edit.
import type { ErrorCode } from "./protocol";

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
embedded_server: boolean, operator: string, };

/**
 * What crosses the bridge to the UI: a stable code and a message for people.
 */
export type UserError = { code: ErrorCode, message: string, };

export type Settings = { 
/**
 * A clipdesk-server to use; `None` runs one inside the app.
 */
server_url: string | null, 
/**
 * Who this desktop's operator is (the audit log's actor, pacing's owner).
 */
operator: string, 
/**
 * The embedded server's port, kept so issued links stay valid across restarts.
 */
embedded_port: number | null, };

export type SyncState = "idle" | "connected" | "behind" | "offline";

/**
 * What Settings and the status bar show.
 */
export type SyncStatus = { state: SyncState, cursor: number, last_error: string | null, 
/**
 * RFC 3339 time of the last successful exchange.
 */
last_sync_at: string | null, pending_reviews: number, review_conflicts: number, };

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
