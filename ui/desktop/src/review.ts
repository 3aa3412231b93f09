// The Review screen's logic: keys, what a row says, moving through the list.

import type { ReviewDecision } from "../../bindings/protocol";
import type { ReviewItem } from "../../bindings/core";

export type ReviewAction =
  | { kind: "decide"; decision: Exclude<ReviewDecision, "pending"> }
  | { kind: "note" }
  | { kind: "move"; delta: 1 | -1 }
  | { kind: "toggle_play" }
  | { kind: "tags" }
  | { kind: "rate"; rating: number | null }
  | { kind: "speed" }
  | { kind: "frame"; delta: 1 | -1 }
  | { kind: "poster" }
  | { kind: "tick" }
  | { kind: "export" };

/**
 * The key a keydown stands for here: Shift with a digit is `Shift+N` whatever the layout
 * types (the digits alone switch screens).
 */
export function reviewKeyOf(event: Pick<KeyboardEvent, "key" | "code" | "shiftKey">): string {
  if (!event.shiftKey) return event.key;
  if (/^Digit[0-9]$/.test(event.code)) return `Shift+${event.code.slice(5)}`;
  // No key code (some synthesised events): the digit itself, or its symbol on a US layout.
  const digit = /^[0-9]$/.test(event.key) ? event.key : usShifted[event.key];
  return digit ? `Shift+${digit}` : event.key;
}

const usShifted: Record<string, string> = { "!": "1", "@": "2", "#": "3", $: "4", "%": "5", ")": "0" };

/** Playback speeds `S` cycles through. */
export const speeds = [1, 1.5, 2] as const;

export function nextSpeed(current: number): number {
  const at = speeds.findIndex((s) => s === current);
  return speeds[(at + 1) % speeds.length] ?? 1;
}

/** One frame, in seconds: the local cache does not know the frame rate, 30 fps is typical. */
export const FRAME_S = 1 / 30;

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
    case "t":
    case "T":
      return { kind: "tags" };
    case "0":
    case "Shift+0":
      return { kind: "rate", rating: null };
    case "Shift+1":
    case "Shift+2":
    case "Shift+3":
    case "Shift+4":
    case "Shift+5":
      return { kind: "rate", rating: Number(key.slice(6)) };
    case "s":
    case "S":
      return { kind: "speed" };
    case ",":
      return { kind: "frame", delta: -1 };
    case ".":
      return { kind: "frame", delta: 1 };
    case "p":
    case "P":
      return { kind: "poster" };
    case "x":
    case "X":
      return { kind: "tick" };
    case "e":
    case "E":
      return { kind: "export" };
    default:
      return null;
  }
}

/** The decision a row shows: this desktop's unsent one first, else the server's. */
export function shownDecision(item: ReviewItem): ReviewDecision {
  return item.pending?.decision ?? item.review;
}

/** The tags and rating a row shows: this desktop's unsent ones first, else the server's. */
export function shownLabels(item: ReviewItem): { tags: string[]; rating: number | null } {
  return item.pending
    ? { tags: item.pending.tags, rating: item.pending.rating }
    : { tags: item.tags, rating: item.rating };
}

/** `tags` with `tag` added (trimmed; a tag already there, ignoring case, is not added twice). */
export function withTag(tags: readonly string[], tag: string): string[] {
  const clean = tag.trim();
  if (!clean || tags.some((t) => t.toLowerCase() === clean.toLowerCase())) return [...tags];
  return [...tags, clean];
}

/** `★★★☆☆` for 3, empty for none. */
export function starsText(rating: number | null): string {
  return rating ? "★".repeat(rating) + "☆".repeat(5 - rating) : "";
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
  const labels = (tags: string[], rating: number | null) =>
    [tags.join(", ") || "no tags", rating ? starsText(rating) : "no rating"].join(", ");
  const theirs = labels(clash.their_tags, clash.their_rating);
  const mine = labels(clash.my_tags, clash.my_rating);
  const labelText = theirs === mine ? "" : ` Their labels: ${theirs}; yours were: ${mine}.`;
  return `${who} decided first: ${decisionWords[clash.theirs]}${theirNote}. Your ${decisionWords[clash.mine].toLowerCase()} was not saved; press A or R to decide again.${labelText}`;
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
