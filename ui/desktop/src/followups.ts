// How the Queue names a follow-up: which step, when the last message went out and what the
// person did since ("Follow-up 1 of 2 · sent 3 days ago · opened, no upload").

import type { FollowupInfo } from "../../bindings/core";

/** "today", "1 day ago", "3 days ago". */
export function daysAgo(days: number): string {
  if (days <= 0) return "today";
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

/** What the person did with their link so far. */
export function didSoFar(info: FollowupInfo): string {
  if (info.upload_started) return "started an upload, not finished";
  if (info.opened) return "opened, no upload";
  return "not opened";
}

/** The whole line. */
export function followupLabel(info: FollowupInfo): string {
  return `Follow-up ${info.step} of ${info.steps} · sent ${daysAgo(info.days_since_sent)} · ${didSoFar(info)}`;
}

/** The Queue's "who is left" line with the follow-ups due added: `3 left · 2 follow-ups due`. */
export function leftWithFollowups(base: string, followupsDue: number): string {
  if (followupsDue <= 0) return base;
  const due = `${followupsDue} follow-up${followupsDue === 1 ? "" : "s"} due`;
  return base === "nobody left" ? `no new people · ${due}` : `${base} · ${due}`;
}
