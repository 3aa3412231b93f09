// One line per campaign a contact has been in, for the Queue.

import type { HistoryEntry } from "../../bindings/core";
import { cantDmReasons } from "./queueKeys";
import { ageText } from "./review";

const stateWords: Record<HistoryEntry["state"], string> = {
  queued: "queued",
  in_progress: "being messaged",
  sent: "sent",
  skipped: "skipped",
  cant_dm: "can't DM",
  snoozed: "snoozed",
};

/**
 * `Spring: sent 3 d ago · opened · video approved`; a send by a colleague (not `operator`,
 * this desktop's) names them: `Spring: sent by ana, 3 h ago`.
 */
export function historyLine(entry: HistoryEntry, now: number, operator: string | null = null): string {
  let state = stateWords[entry.state];
  const by = entry.sent_by && operator !== null && entry.sent_by !== operator ? entry.sent_by : null;
  if (entry.state === "sent") {
    const age = entry.sent_at ? ageText(entry.sent_at, now) : null;
    if (by) state = age ? `sent by ${by}, ${age}` : `sent by ${by}`;
    else if (age) state = `sent ${age}`;
  }
  if (entry.state === "cant_dm" && entry.cant_dm_reason) {
    const reason = cantDmReasons.find((r) => r.reason === entry.cant_dm_reason)?.label.toLowerCase();
    if (reason) state = `can't DM (${reason})`;
  }
  const facts = [state];
  if (entry.link_opened_at) facts.push("opened");
  if (entry.video_state) facts.push(entry.review && entry.review !== "pending" ? `video ${entry.review}` : "video received");
  return `${entry.campaign_name}: ${facts.join(" · ")}`;
}
