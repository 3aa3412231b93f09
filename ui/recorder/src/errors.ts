// What went wrong, as a stable code from the server's `{"error":{"code","message"}}` (or from
// the network), and the words the page shows for it.

import type { ErrorCode, ErrorResponse } from "../../bindings/protocol";
import type { StringKey } from "./strings";

/** The server's codes plus `network` for a request that never got an answer. */
export type Problem = { code: ErrorCode | "network"; message: string };

const KNOWN_CODES: readonly ErrorCode[] = [
  "invalid", "unauthorized", "not_found", "expired", "revoked", "declined", "limit_reached", "not_a_video",
  "checksum_mismatch", "conflict", "locked", "payload_too_large", "rate_limited", "unavailable", "internal",
];

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (KNOWN_CODES as readonly string[]).includes(value);
}

/** A code for an answer whose body was not our JSON (a proxy's page, a cut connection). */
function codeForStatus(status: number): Problem["code"] {
  if (status === 0) return "network";
  if (status === 404) return "not_found";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "unavailable";
  return "internal";
}

/** Reads an error answer; never throws, whatever the body is. */
export function parseProblem(status: number, body: string): Problem {
  try {
    const parsed = JSON.parse(body) as Partial<ErrorResponse> | null;
    const error = parsed?.error;
    if (error && isErrorCode(error.code)) {
      return { code: error.code, message: typeof error.message === "string" ? error.message : "" };
    }
  } catch {
    // Not JSON: fall through to the status.
  }
  return { code: codeForStatus(status), message: "" };
}

/** Codes that end the visit: the link itself can take no video, so the page shows no recorder. */
export type DeadEnd = "not_found" | "expired" | "revoked" | "declined" | "limit_reached";

export function isDeadEnd(code: Problem["code"]): code is DeadEnd {
  return code === "not_found" || code === "expired" || code === "revoked" || code === "declined" || code === "limit_reached";
}

/** The heading and sentence of a dead-end page, different for each reason. */
export function deadEndText(code: DeadEnd): { title: StringKey; body: StringKey } {
  switch (code) {
    case "not_found":
      return { title: "errorNotFoundTitle", body: "errorNotFound" };
    case "expired":
      return { title: "errorExpiredTitle", body: "errorExpired" };
    case "revoked":
      return { title: "errorRevokedTitle", body: "errorRevoked" };
    case "declined":
      return { title: "errorDeclinedTitle", body: "errorDeclined" };
    case "limit_reached":
      return { title: "errorLimitTitle", body: "errorLimit" };
  }
}

/** The page's sentence for a problem that the user can act on by trying again. */
export function problemText(code: Problem["code"]): StringKey {
  switch (code) {
    case "not_found":
      return "errorNotFound";
    case "expired":
      return "errorExpired";
    case "revoked":
      return "errorRevoked";
    case "declined":
      return "errorDeclined";
    case "limit_reached":
      return "errorLimit";
    case "not_a_video":
      return "errorNotAVideo";
    case "rate_limited":
      return "errorRateLimited";
    case "network":
      return "errorNetwork";
    case "unavailable":
    case "locked":
      return "errorUnavailable";
    default:
      return "errorGeneric";
  }
}

/**
 * Whether the server's own message should be shown instead of ours: it names what was wrong
 * with this very file or handle, which our fixed sentence can't.
 */
export function serverMessageIsSpecific(code: Problem["code"]): boolean {
  return code === "not_a_video" || code === "invalid" || code === "payload_too_large";
}
