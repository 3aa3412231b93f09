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

/** `Spring: sent 3 d ago · opened · video approved`. */
export function historyLine(entry: HistoryEntry, now: number): string {
  let state = stateWords[entry.state];
  if (entry.state === "sent" && entry.sent_at) state = `sent ${ageText(entry.sent_at, now)}`;
  if (entry.state === "cant_dm" && entry.cant_dm_reason) {
    const reason = cantDmReasons.find((r) => r.reason === entry.cant_dm_reason)?.label.toLowerCase();
    if (reason) state = `can't DM (${reason})`;
  }
  const facts = [state];
  if (entry.link_opened_at) facts.push("opened");
  if (entry.video_state) facts.push(entry.review && entry.review !== "pending" ? `video ${entry.review}` : "video received");
  return `${entry.campaign_name}: ${facts.join(" · ")}`;
}
