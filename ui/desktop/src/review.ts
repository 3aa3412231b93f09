// The Review screen's logic: keys, what a row says, moving through the list.

import type { ReviewDecision } from "../../bindings/protocol";
import type { ReviewItem } from "../../bindings/core";

export type ReviewAction =
  | { kind: "decide"; decision: Exclude<ReviewDecision, "pending"> }
  | { kind: "note" }
  | { kind: "move"; delta: 1 | -1 }
  | { kind: "toggle_play" };

/** The action a key stands for on the Review screen (keys typed into a field never get here). */
export function reviewActionForKey(key: string): ReviewAction | null {
  switch (key) {
    case "a":
    case "A":
      return { kind: "decide", decision: "approved" };
    case "r":
    case "R":
      return { kind: "decide", decision: "rejected" };
    case "n":
    case "N":
      return { kind: "note" };
    // K is skip everywhere: on without a decision (the Queue's K skips a contact too).
    case "j":
    case "J":
    case "k":
    case "K":
    case "ArrowDown":
      return { kind: "move", delta: 1 };
    case "ArrowUp":
      return { kind: "move", delta: -1 };
    case " ":
      return { kind: "toggle_play" };
    default:
      return null;
  }
}

/** The decision a row shows: this desktop's unsent one first, else the server's. */
export function shownDecision(item: ReviewItem): ReviewDecision {
  return item.pending?.decision ?? item.review;
}

/** The note shown with a row's decision: this desktop's unsent one first, else the server's. */
export function shownNote(item: ReviewItem): string {
  return item.pending ? item.pending.note : item.review_note;
}

/**
 * The note field: what it holds, and the note of the shown decision it was filled with (so N
 * edits that note rather than starting blank).
 */
export interface NoteDraft {
  text: string;
  filledWith: string;
}

export function noteDraft(item: ReviewItem | null): NoteDraft {
  const note = item ? shownNote(item) : "";
  return { text: note, filledWith: note };
}

/** Whether the reviewer wrote in the field since it was filled. */
export function noteWritten(draft: NoteDraft): boolean {
  return draft.text.trim() !== draft.filledWith.trim();
}

/**
 * The note a decision is sent with. A note belongs to the decision it was written with: A or
 * R is a new decision and takes only what was written for it, never the previous decision's
 * note left in the field; saving the note (Ctrl+Enter) keeps the decision and takes the field.
 */
export function noteFor(draft: NoteDraft, keepsDecision: boolean): string {
  if (keepsDecision || noteWritten(draft)) return draft.text;
  return "";
}

const decisionWords: Record<ReviewDecision, string> = {
  pending: "Not reviewed yet",
  approved: "Approved",
  rejected: "Rejected",
};

export function decisionText(item: ReviewItem): string {
  if (item.pending) return `${decisionWords[item.pending.decision]} — sending…`;
  if (item.review === "pending") return decisionWords.pending;
  return item.reviewer ? `${decisionWords[item.review]} by ${item.reviewer}` : decisionWords[item.review];
}

/** What a lost race says: whose decision stands, and what ours was. */
export function conflictText(item: ReviewItem): string | null {
  const clash = item.conflict;
  if (!clash) return null;
  const who = clash.reviewer ?? "Another reviewer";
  const theirNote = clash.their_note ? ` (“${clash.their_note}”)` : "";
  return `${who} decided first: ${decisionWords[clash.theirs]}${theirNote}. Your ${decisionWords[clash.mine].toLowerCase()} was not saved; press A or R to decide again.`;
}

/** `83_500` → `1:23`. */
export function durationText(ms: number | null): string {
  if (ms === null) return "–:––";
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** How long ago an RFC 3339 time was, in the fewest words. */
export function ageText(at: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(at)) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** The id `delta` rows away from `current` (clamped), or the first row when none is chosen. */
export function step(items: readonly ReviewItem[], current: string | null, delta: 1 | -1): string | null {
  const index = items.findIndex((item) => item.video_id === current);
  const target = index < 0 ? 0 : Math.min(items.length - 1, Math.max(0, index + delta));
  return items[target]?.video_id ?? null;
}

/**
 * A reloaded list keeps the row being watched even when it left the filter (just decided),
 * at the place it had, so the reviewer's position does not jump.
 */
export function keepSelected(fresh: ReviewItem[], previous: readonly ReviewItem[], selected: ReviewItem | null): ReviewItem[] {
  if (!selected || fresh.some((item) => item.video_id === selected.video_id)) return fresh;
  const at = previous.findIndex((item) => item.video_id === selected.video_id);
  if (at < 0) return fresh;
  const merged = fresh.slice();
  merged.splice(Math.min(at, merged.length), 0, selected);
  return merged;
}
