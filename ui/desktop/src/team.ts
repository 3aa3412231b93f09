// Team mode as the Queue words it: the lease on a started person, the server out of reach,
// outcomes waiting for it, and people held back by another campaign's recent DM. Pure, so it
// is tested without a window.

import type { NextStep } from "../../bindings/core";
import type { HeldRecipient, Hold } from "../../bindings/protocol";
import { clockTime } from "./pacing";
import { plural } from "./people";
import { ageText } from "./review";

/** How often a queue that cannot reach the server asks again. */
export const OFFLINE_RETRY_MS = 5000;

const DAY_MS = 24 * 3600 * 1000;

/** `held for you until 14:05`: when the server gives the person to someone else. */
export function leaseLine(leaseExpiresAt: string): string {
  return `held for you until ${clockTime(new Date(Date.parse(leaseExpiresAt)))}`;
}

/** Why nothing is offered while the server is away. */
export function offlineLine(message: string): string {
  const reason = message.trim().replace(/[.\s]+$/, "");
  return `Can't reach the server: ${reason}. Nothing is offered while offline, since a colleague may be messaging whoever would come next.`;
}

/** `2 outcomes waiting to be sent.`, or null when the outbox is empty. */
export function pendingLine(pending: number): string | null {
  return pending > 0 ? `${plural(pending, "outcome")} waiting to be sent.` : null;
}

/** What the outbox holds while working: outcomes not sent yet, and those the server refused. */
export function outboxLine(pending: number, conflicts: number): string | null {
  const facts: string[] = [];
  if (pending > 0) facts.push(`${plural(pending, "outcome")} waiting for the server`);
  if (conflicts > 0) {
    facts.push(`${plural(conflicts, "outcome")} the server refused (the person was someone else's by then; kept, not sent again)`);
  }
  return facts.length > 0 ? facts.join(" · ") : null;
}

/** The outreach item to give back when the operator moves on: a first message started under a
 *  server claim (a follow-up has no lease and stays local), else null. */
export function heldClaim(step: NextStep | null): number | null {
  return step?.status === "started" && step.lease_expires_at ? step.outreach_id : null;
}

/** The hold's length in days (the campaign's setting), from the send and its end. */
export function holdDays(hold: Hold): number {
  return Math.max(1, Math.round((Date.parse(hold.until) - Date.parse(hold.sent_at)) / DAY_MS));
}

/** `3 held back: messaged in another campaign in the last 30 days`, or null when nobody is. */
export function heldSummary(held: readonly HeldRecipient[]): string | null {
  if (held.length === 0) return null;
  const days = Math.max(...held.map((person) => holdDays(person.hold)));
  return `${held.length} held back: messaged in another campaign in the last ${plural(days, "day")}`;
}

/** `3 Jan`: a hold's end is days away, so the date, not the hour. */
function shortDate(at: string): string {
  return new Date(Date.parse(at)).toLocaleDateString("en-GB", { day: "numeric", month: "short" });
}

/** `Spring · sent by ana 2 d ago · held until 3 Jan`; `name` turns a campaign slug into its name. */
export function heldLine(person: HeldRecipient, now: number, name: (slug: string) => string): string {
  const { hold } = person;
  return `${name(hold.campaign)} · sent by ${hold.operator} ${ageText(hold.sent_at, now)} · held until ${shortDate(hold.until)}`;
}

/** What "Message anyway…" asks before it starts a held person. */
export function heldRisk(person: HeldRecipient, now: number, name: (slug: string) => string): string {
  const { hold } = person;
  return `@${person.handle} got a DM from “${name(hold.campaign)}” ${ageText(hold.sent_at, now)} (by ${hold.operator}). TikTok treats repeated messages as spam: a second DM this soon can get this account's messages restricted or blocked.`;
}
