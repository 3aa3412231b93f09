import { describe, expect, it } from "vitest";
import type { ReviewItem } from "../../bindings/core";
import {
  ageText,
  conflictText,
  decisionText,
  durationText,
  keepSelected,
  nextSpeed,
  noteDraft,
  noteFor,
  reviewActionForKey,
  reviewKeyOf,
  shownDecision,
  shownLabels,
  shownNote,
  starsText,
  step,
  withTag,
} from "./review";

function item(id: string, extra: Partial<ReviewItem> = {}): ReviewItem {
  return {
    video_id: id,
    campaign_slug: "spring",
    campaign_name: "Spring",
    handle: "maya",
    display_name: null,
    state: "ready",
    failure: null,
    duration_ms: 12_000,
    received_at: "2026-11-25T10:00:00Z",
    review: "pending",
    review_note: "",
    reviewer: null,
    tags: [],
    rating: null,
    poster_version: 0,
    pending: null,
    conflict: null,
    ...extra,
  };
}

describe("review keys", () => {
  it("maps A/R/N/J/K, the arrows, X and E, and nothing else", () => {
    expect(reviewActionForKey("a")).toEqual({ kind: "decide", decision: "approved" });
    expect(reviewActionForKey("R")).toEqual({ kind: "decide", decision: "rejected" });
    expect(reviewActionForKey("n")).toEqual({ kind: "note" });
    expect(reviewActionForKey("j")).toEqual({ kind: "move", delta: 1 });
    expect(reviewActionForKey("K"), "K skips, as in the Queue: on without deciding").toEqual({ kind: "move", delta: 1 });
    expect(reviewActionForKey("ArrowUp")).toEqual({ kind: "move", delta: -1 });
    expect(reviewActionForKey("x")).toEqual({ kind: "tick" });
    expect(reviewActionForKey("E")).toEqual({ kind: "export" });
    expect(reviewActionForKey("q")).toBeNull();
    expect(reviewActionForKey("1"), "digits alone switch screens").toBeNull();
  });

  it("rates with Shift and a digit (digits alone switch screens), 0 clears", () => {
    const shift1 = reviewKeyOf({ key: "!", code: "Digit1", shiftKey: true });
    expect(shift1).toBe("Shift+1");
    expect(reviewActionForKey(shift1)).toEqual({ kind: "rate", rating: 1 });
    expect(reviewActionForKey("Shift+5")).toEqual({ kind: "rate", rating: 5 });
    expect(reviewActionForKey("0")).toEqual({ kind: "rate", rating: null });
    expect(reviewActionForKey(reviewKeyOf({ key: "4", code: "Digit4", shiftKey: false }))).toBeNull();
    expect(reviewKeyOf({ key: "$", code: "", shiftKey: true })).toBe("Shift+4");
    expect(reviewKeyOf({ key: "?", code: "Slash", shiftKey: true })).toBe("?");
  });

  it("maps the player's and the labels' keys", () => {
    expect(reviewActionForKey("s")).toEqual({ kind: "speed" });
    expect(reviewActionForKey(",")).toEqual({ kind: "frame", delta: -1 });
    expect(reviewActionForKey(".")).toEqual({ kind: "frame", delta: 1 });
    expect(reviewActionForKey("P")).toEqual({ kind: "poster" });
    expect(reviewActionForKey("t")).toEqual({ kind: "tags" });
    expect([1, 1.5, 2].map(nextSpeed)).toEqual([1.5, 2, 1]);
  });
});

describe("tags and rating", () => {
  it("shows unsent labels before the server's", () => {
    const sending = item("v", { tags: ["old"], rating: 2, pending: { decision: "approved", note: "", tags: ["new"], rating: 5 } });
    expect(shownLabels(sending)).toEqual({ tags: ["new"], rating: 5 });
    expect(shownLabels(item("v", { tags: ["old"], rating: 2 }))).toEqual({ tags: ["old"], rating: 2 });
  });

  it("adds a tag once, ignoring case, trimmed", () => {
    expect(withTag(["Hook"], " b-roll ")).toEqual(["Hook", "b-roll"]);
    expect(withTag(["Hook"], "hook")).toEqual(["Hook"]);
    expect(withTag(["Hook"], "  ")).toEqual(["Hook"]);
    expect(starsText(3)).toBe("★★★☆☆");
    expect(starsText(null)).toBe("");
  });

  it("names both labels in a lost race when they differ", () => {
    const clash = item("v", {
      conflict: {
        mine: "approved",
        my_note: "",
        theirs: "approved",
        their_note: "",
        reviewer: "ana",
        my_tags: ["hook"],
        my_rating: 5,
        their_tags: ["dark"],
        their_rating: 1,
      },
    });
    expect(conflictText(clash)).toContain("Their labels: dark, ★☆☆☆☆; yours were: hook, ★★★★★.");
  });
});

describe("what a row says", () => {
  it("shows an unsent decision before the server's", () => {
    const sending = item("v", { pending: { decision: "approved", note: "", tags: [], rating: null } });
    expect(shownDecision(sending)).toBe("approved");
    expect(decisionText(sending)).toBe("Approved — sending…");
    expect(decisionText(item("v", { review: "rejected", reviewer: "ana" }))).toBe("Rejected by ana");
    expect(decisionText(item("v"))).toBe("Not reviewed yet");
  });

  it("names the other reviewer's decision in a conflict", () => {
    const clash = item("v", {
      review: "rejected",
      conflict: {
        mine: "approved",
        my_note: "",
        theirs: "rejected",
        their_note: "off-brand",
        reviewer: "ana",
        my_tags: [],
        my_rating: null,
        their_tags: [],
        their_rating: null,
      },
    });
    expect(conflictText(clash)).toBe(
      "ana decided first: Rejected (“off-brand”). Your approved was not saved; press A or R to decide again.",
    );
    expect(conflictText(item("v"))).toBeNull();
  });

  it("formats durations and ages", () => {
    expect(durationText(83_500)).toBe("1:24");
    expect(durationText(null)).toBe("–:––");
    const at = "2026-11-25T10:00:00Z";
    const t = Date.parse(at);
    expect(ageText(at, t + 30_000)).toBe("just now");
    expect(ageText(at, t + 5 * 60_000)).toBe("5 min ago");
    expect(ageText(at, t + 3 * 3_600_000)).toBe("3 h ago");
    expect(ageText(at, t + 50 * 3_600_000)).toBe("2 d ago");
  });
});

describe("moving through the list", () => {
  const rows = [item("a"), item("b"), item("c")];

  it("steps and stops at the ends", () => {
    expect(step(rows, null, 1)).toBe("a");
    expect(step(rows, "a", 1)).toBe("b");
    expect(step(rows, "c", 1)).toBe("c");
    expect(step(rows, "a", -1)).toBe("a");
    expect(step([], "a", 1)).toBeNull();
  });

  it("keeps the watched row in place when a reload dropped it", () => {
    const decided = item("b", { review: "approved" });
    const fresh = [item("a"), item("c")];
    expect(keepSelected(fresh, rows, decided).map((r) => r.video_id)).toEqual(["a", "b", "c"]);
    expect(keepSelected(fresh, rows, null)).toBe(fresh);
    expect(keepSelected(rows, rows, decided)).toBe(rows);
  });
});

describe("the note goes with the decision it was written for", () => {
  const rejected = item("v", { review: "rejected", review_note: "too dark", reviewer: "Maria" });

  it("shows this desktop's unsent note before the server's, even an empty one", () => {
    expect(shownNote(rejected)).toBe("too dark");
    expect(shownNote({ ...rejected, pending: { decision: "approved", note: "", tags: [], rating: null } })).toBe("");
  });

  it("does not carry a rejection's note onto an approval made without writing one", () => {
    // The field is filled with the rejection's note, whether or not N opened it.
    const draft = noteDraft(rejected);
    expect(draft.text).toBe("too dark");
    expect(noteFor(draft, false)).toBe("");
    // Just after R with a note, the row is pending with it: A next sends no note either.
    const justRejected = item("v", { pending: { decision: "rejected", note: "too dark", tags: [], rating: null } });
    expect(noteFor(noteDraft(justRejected), false)).toBe("");
  });

  it("sends what was written for the new decision, and N then Ctrl+Enter keeps an edit", () => {
    expect(noteFor({ ...noteDraft(rejected), text: "fine after all" }, false)).toBe("fine after all");
    expect(noteFor({ ...noteDraft(item("v")), text: " too dark " }, false)).toBe(" too dark ");
    expect(noteFor(noteDraft(rejected), true)).toBe("too dark");
    expect(noteFor({ ...noteDraft(rejected), text: "too dark, and blurry" }, true)).toBe("too dark, and blurry");
  });
});
