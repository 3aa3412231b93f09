// How the queue words pacing: sends in the last 24 hours against the cap, and how long until
// the next send is allowed.

import type { PaceVerdict } from "../../bindings/core";

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
