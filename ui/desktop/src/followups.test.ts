import { describe, expect, it } from "vitest";
import type { FollowupInfo } from "../../bindings/core";
import { daysAgo, followupLabel, leftWithFollowups } from "./followups";

const info: FollowupInfo = {
  step: 1,
  steps: 2,
  condition: "no_upload",
  last_sent_at: "2026-11-29T10:00:00Z",
  days_since_sent: 3,
  opened: true,
  upload_started: false,
};

describe("a follow-up in the Queue", () => {
  it("names the step, when the last message went out and what the person did", () => {
    expect(followupLabel(info)).toBe("Follow-up 1 of 2 · sent 3 days ago · opened, no upload");
    expect(followupLabel({ ...info, step: 2, opened: false, days_since_sent: 1 })).toBe("Follow-up 2 of 2 · sent 1 day ago · not opened");
    expect(followupLabel({ ...info, upload_started: true })).toBe("Follow-up 1 of 2 · sent 3 days ago · started an upload, not finished");
    expect(daysAgo(0)).toBe("today");
  });
});

describe("the Queue's left line", () => {
  it("adds the follow-ups due", () => {
    expect(leftWithFollowups("3 left", 0)).toBe("3 left");
    expect(leftWithFollowups("3 left", 2)).toBe("3 left · 2 follow-ups due");
    expect(leftWithFollowups("nobody left", 1)).toBe("no new people · 1 follow-up due");
  });
});
