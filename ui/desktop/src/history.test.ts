import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../bindings/core";
import { historyLine } from "./history";

const base: HistoryEntry = {
  campaign_name: "Spring",
  state: "queued",
  cant_dm_reason: null,
  sent_at: null,
  link_opened_at: null,
  video_state: null,
  review: null,
  updated_at: "2026-11-20T10:00:00Z",
  pacing_overridden_by: null,
  sent_by: null,
};

describe("history lines", () => {
  const now = Date.parse("2026-11-25T10:00:00Z");

  it("says how far each campaign got", () => {
    expect(historyLine(base, now)).toBe("Spring: queued");
    expect(
      historyLine(
        { ...base, state: "sent", sent_at: "2026-11-22T10:00:00Z", link_opened_at: "2026-11-22T11:00:00Z", video_state: "ready", review: "approved" },
        now,
      ),
    ).toBe("Spring: sent 3 d ago · opened · video approved");
    expect(historyLine({ ...base, state: "sent", video_state: "received", review: "pending" }, now)).toBe(
      "Spring: sent · video received",
    );
  });

  it("names the reason a contact could not be messaged", () => {
    expect(historyLine({ ...base, state: "cant_dm", cant_dm_reason: "age" }, now)).toBe("Spring: can't DM (age)");
  });

  it("names the colleague who sent it, and how long ago; this desktop's own sends read as before", () => {
    const sent = { ...base, state: "sent" as const, sent_at: "2026-11-25T07:00:00Z" };
    expect(historyLine({ ...sent, sent_by: "ana" }, now, "maya")).toBe("Spring: sent by ana, 3 h ago");
    expect(historyLine({ ...sent, sent_by: "maya" }, now, "maya")).toBe("Spring: sent 3 h ago");
    expect(historyLine({ ...sent, sent_by: null }, now, "maya")).toBe("Spring: sent 3 h ago");
    expect(historyLine({ ...sent, sent_at: null, sent_by: "ana" }, now, "maya")).toBe("Spring: sent by ana");
    // Until the operator's name is known, nobody is named rather than the operator themself.
    expect(historyLine({ ...sent, sent_by: "maya" }, now)).toBe("Spring: sent 3 h ago");
  });

  it("names a colleague's send only when it was sent", () => {
    expect(historyLine({ ...base, state: "skipped", sent_by: "ana" }, now, "maya")).toBe("Spring: skipped");
  });
});
