// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test`; do not edit.

/**
 * Stable codes a client switches on; the message is for people and may change.
 */
export type ErrorCode = "invalid" | "unauthorized" | "not_found" | "conflict" | "locked" | "payload_too_large" | "rate_limited" | "unavailable" | "internal";

export type ErrorBody = { code: ErrorCode, message: string, };

/**
 * The top-level JSON of every error answer.
 */
export type ErrorResponse = { error: ErrorBody, };

/**
 * What `GET /healthz` answers.
 */
export type Health = { status: string, version: string, };
