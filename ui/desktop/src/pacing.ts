// How the queue words its standing line: sends in the last 24 hours against the cap, how long
// until the next send is allowed, and how many contacts are left.

import type { PaceVerdict, QueueLeft } from "../../bindings/core";

/** `12 left: 10 queued, 2 later (1 due now)`: contacts of the campaign not started yet. */
export function leftLine(left: QueueLeft): string {
  const total = left.queued + left.snoozed;
  if (total === 0) return "nobody left";
  if (left.snoozed === 0) return `${total} left`;
  const due = left.snoozed_due > 0 ? ` (${left.snoozed_due} due now)` : "";
  return `${total} left: ${left.queued} queued, ${left.snoozed} later${due}`;
}

/** `83_000` → `1:23`; `3_723_000` → `1:02:03`. Rounds up, so it never shows 0:00 early. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const ss = String(seconds).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${ss}` : `${minutes}:${ss}`;
}

export function sentLine(verdict: PaceVerdict): string {
  return `${verdict.sent_last_24h} of ${verdict.daily_cap} sent in the last 24 hours`;
}

/** When the next send is allowed, counting down from `now`; null when it is allowed already. */
export function waitLine(verdict: PaceVerdict, now: number): string | null {
  if (verdict.verdict !== "wait" || verdict.until <= now) return null;
  return `next send allowed in ${formatCountdown(verdict.until - now)}`;
}

/** How often the Queue asks for pacing again by itself: sends from another window, and the
 *  24-hour window sliding, change it without anything happening on this screen. */
export const PACE_REFRESH_MS = 15_000;

/** A campaign's pacing as last asked, and when. */
export interface KnownPace {
  campaign: number;
  verdict: PaceVerdict;
  /** Unix ms. */
  at: number;
}

/** Whether the Queue should ask for `campaign`'s pacing again: never asked (or asked for
 *  another campaign), a wait that has ended, or an answer older than `PACE_REFRESH_MS`. */
export function paceRefreshDue(known: KnownPace | null, campaign: number, now: number): boolean {
  if (known === null || known.campaign !== campaign) return true;
  if (known.verdict.verdict === "wait" && now >= known.verdict.until) return true;
  return now - known.at >= PACE_REFRESH_MS;
}

/** `14:05`, in local time. */
export function clockTime(date: Date): string {
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

/** When the next send is allowed, always: "now", or the countdown and the clock time it
 *  ends at ("tomorrow" when that is another day, as a full cap often is). */
export function nextSendLine(verdict: PaceVerdict, now: number): string {
  const countdown = waitLine(verdict, now);
  if (countdown === null || verdict.verdict !== "wait") return "next send allowed now";
  const until = new Date(verdict.until);
  const sameDay = until.toDateString() === new Date(now).toDateString();
  return `${countdown} (at ${sameDay ? "" : "tomorrow "}${clockTime(until)})`;
}
